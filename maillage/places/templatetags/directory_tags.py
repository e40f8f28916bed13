"""Template filters of the directory pages."""

from __future__ import annotations

import re

from django import template

register = template.Library()


@register.filter
def phone_display(value: str) -> str:
    """« +33565000000 » → « 05 65 00 00 00 » (other formats are returned unchanged)."""
    value = (value or "").strip()
    match = re.fullmatch(r"(?:\+33|0)(\d{9})", re.sub(r"[\s.\-]", "", value))
    if match:
        digits = "0" + match.group(1)
        return " ".join(digits[i : i + 2] for i in range(0, 10, 2))
    return value


@register.filter
def tel_href(value: str) -> str:
    digits = re.sub(r"[^\d+]", "", value or "")
    if re.fullmatch(r"0\d{9}", digits):
        digits = "+33" + digits[1:]
    return "tel:" + digits


@register.filter
def website_display(value: str) -> str:
    return re.sub(r"^https?://(www\.)?", "", value or "").rstrip("/")
