"""The printed annuaire: a PDF per commune, EPCI or département (WeasyPrint).

Made to be photocopied: black text on white, 10.5 pt, no information carried by colour alone
(programmes are written out), places grouped by commune in alphabetical order, the territory and
« Données à jour au … » on every page, « page n sur N ». Nothing is fetched from the network: the
template embeds its stylesheet and uses the system fonts; the URL fetcher refuses every address (core.pdf.offline_fetcher).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from itertools import groupby
from typing import Any

from django.db.models import Max
from django.template.loader import render_to_string
from django.utils import timezone

from maillage.core.pdf import write_pdf
from maillage.places import opening_hours
from maillage.places.models import Place
from maillage.places.selectors import public_places
from maillage.territories.models import Territory, TerritoryKind

logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

#: URL segment → territory kind.
KINDS = {
    "commune": TerritoryKind.COMMUNE,
    "epci": TerritoryKind.EPCI,
    "departement": TerritoryKind.DEPARTMENT,
}
SLUG_BY_KIND: dict[str, str] = {str(value): key for key, value in KINDS.items()}


@dataclass
class AnnuaireEntry:
    place: Place
    hours: tuple[tuple[str, str], ...]
    hours_raw: str


@dataclass
class CommuneGroup:
    name: str
    entries: list[AnnuaireEntry]


def annuaire_queryset(territory: Territory) -> Any:
    return (
        public_places()
        .in_territory(territory)
        .order_by("commune_name", "name", "pk")
        .only(
            "pk",
            "name",
            "address",
            "address_complement",
            "postcode",
            "commune_name",
            "phone",
            "emails",
            "websites",
            "opening_hours",
            "services",
            "specific_support",
            "national_programmes",
            "support_modes",
            "fees",
            "accessibility_url",
            "booking_url",
            "data_updated_on",
            "verified_at",
        )
    )


def data_date(territory: Territory) -> date | None:
    """The date of the data: the latest update or verification of the territory's places."""
    aggregate = (
        public_places()
        .in_territory(territory)
        .aggregate(updated=Max("data_updated_on"), verified=Max("verified_at"))
    )
    dates = [aggregate["updated"]]
    if aggregate["verified"] is not None:
        dates.append(timezone.localtime(aggregate["verified"]).date())
    known = [d for d in dates if d is not None]
    return max(known) if known else None


def annuaire_context(territory: Territory) -> dict[str, Any]:
    groups: list[CommuneGroup] = []
    count = 0
    for name, places in groupby(annuaire_queryset(territory), key=lambda p: p.commune_name):
        entries = []
        for place in places:
            schedule = opening_hours.safe_parse(place.opening_hours)
            entries.append(
                AnnuaireEntry(
                    place=place,
                    hours=schedule.lines if schedule is not None else (),
                    hours_raw=place.opening_hours if schedule is None else "",
                )
            )
        count += len(entries)
        groups.append(CommuneGroup(name=name, entries=entries))
    return {
        "territory": territory,
        "kind_label": TerritoryKind(territory.kind).label,
        "groups": groups,
        "count": count,
        "data_date": data_date(territory) or timezone.localdate(),
        "printed_on": timezone.localdate(),
    }


def render_annuaire(territory: Territory) -> bytes:
    html = render_to_string("places/annuaire/annuaire.html", annuaire_context(territory))
    # Tagged PDF (PDF/UA-1): structure, reading order, language and title come from the HTML.
    return write_pdf(html, pdf_variant="pdf/ua-1")


#: About 300 printed pages: beyond, ask for a smaller territory. The PDF is built by a job, once per change
#: of the territory's places (maillage.places.annuaire_files): a 2 400-place département fits.
MAX_PLACES = 3000


def annuaire_filename(territory: Territory) -> str:
    from django.utils.text import slugify

    return f"annuaire-lieux-{slugify(territory.name)}-{territory.code}.pdf"
