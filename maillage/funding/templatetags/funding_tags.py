"""Amounts as the funding pages show them: « 12 500 € », and « non renseigné » for an amount nobody typed."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template
from django.utils.translation import gettext as _

register = template.Library()


def format_money(value: Any) -> str:
    if value is None or value == "":
        return _("non renseigné")
    amount = Decimal(value).quantize(Decimal("0.01"))
    whole = amount == amount.to_integral_value()
    text = f"{amount:,.0f}" if whole else f"{amount:,.2f}"
    return text.replace(",", "\u202f").replace(".", ",") + "\u00a0€"


@register.filter
def money(value: Any) -> str:
    return format_money(value)


@register.filter
def percent(value: Any) -> str:
    if value is None:
        return _("non renseigné")
    return f"{Decimal(value):.1f}".replace(".", ",").replace(",0", "") + "\u00a0%"
