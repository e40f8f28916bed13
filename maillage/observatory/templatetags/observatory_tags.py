"""Numbers for the observatory: French formatting, and missing values shown as missing (never 0)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

register = template.Library()


def french(value: Any, digits: int) -> str:
    """French number: thin non-breaking space between thousands, decimal comma (fast: big tables)."""
    text = f"{float(value):,.{digits}f}"
    return text.replace(",", "\u202f").replace(".", ",")


def missing() -> SafeString:
    return format_html('<abbr title="{}" class="missing">n.d.</abbr>', _("donnée non disponible"))


@register.filter
def num(value: Any, digits: int = 1) -> SafeString | str:
    """``12,3`` (French decimal comma, grouped thousands); « n.d. » when unknown."""
    if value is None or value == "":
        return missing()
    return french(value, int(digits))


@register.filter
def km(value: Any) -> SafeString | str:
    if value is None:
        return missing()
    return f"{french(value, 1)}\u00a0km"


@register.filter
def pct(value: Any) -> SafeString | str:
    if value is None:
        return missing()
    return f"{french(value, 1)}\u00a0%"


@register.filter
def get(mapping: Any, key: str) -> Any:
    return mapping.get(key) if hasattr(mapping, "get") else None
