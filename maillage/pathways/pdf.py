"""The printable summary handed to the person: where to go, when, what to bring, whom to call.

Rendered with WeasyPrint from an HTML template with its own print stylesheet (large type, high
contrast, A4). No personal data beyond the first name the prescriber typed, if any.
"""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone


def summary_context(referral: Any, *, hours: list[tuple[str, str]]) -> dict[str, Any]:
    place = referral.place
    orientation = referral.diagnostic.grid.orientation(referral.orientation)
    to_bring = list(orientation.get("to_bring", []))
    if "SANS_EMAIL" in referral.diagnostic.flags:
        to_bring.append("Si possible, l’adresse e-mail et le mot de passe que vous connaissez")
    return {
        "referral": referral,
        "place": place,
        "orientation": orientation,
        "hours": hours,
        "to_bring": to_bring,
        "printed_on": timezone.localdate(),
        "contact_email": (place.emails or [""])[0],
        "phone": french_phone(place.phone),
        "free": "Gratuit" in (place.fees or []),
    }


def french_phone(value: str) -> str:
    """« +33565000000 » → « 05 65 00 00 00 » (other formats are kept as typed)."""
    digits = "".join(c for c in value or "" if c.isdigit() or c == "+")
    if digits.startswith("+33") and len(digits) == 12:
        digits = "0" + digits[3:]
    if len(digits) == 10 and digits.isdigit():
        return " ".join(digits[i : i + 2] for i in range(0, 10, 2))
    return value or ""


def render_summary_html(referral: Any, *, hours: list[tuple[str, str]]) -> str:
    return render_to_string("pathways/summary_pdf.html", summary_context(referral, hours=hours))


def render_summary_pdf(referral: Any, *, hours: list[tuple[str, str]]) -> bytes:
    from weasyprint import HTML

    html = render_summary_html(referral, hours=hours)
    return HTML(string=html).write_pdf()  # type: ignore[no-any-return]
