"""Export of the published places as data·inclusion structures and services.

data·inclusion (the national hub feeding DORA, les emplois de l'inclusion and the national map) models a
*structure* (the place) offering *services*. Each place becomes one structure, and each of its
« services » of the mediation standard becomes one data·inclusion service of the « numérique »
thematics, carrying the place's fees, publics, reception and mobilisation modes. Only public data is
exported (never the mediators). The files validate against the schemas in
``shared/standards/schemas/data-inclusion/`` (``structure.json``, ``service.json``): see the tests.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.urls import reverse

from maillage.places.choices import AccessMode, Fee, NationalProgramme, Public, Service, SupportMode
from maillage.places.models import Place

#: Our services (national mediation standard) → data·inclusion thematic and service type.
THEMATICS: dict[str, tuple[str, str]] = {
    Service.ADMINISTRATIVE_PROCEDURES: ("numerique--acceder-a-des-services-en-ligne", "accompagnement"),
    Service.EVERYDAY_TOOLS: ("numerique--maitriser-les-fondamentaux-du-numerique", "accompagnement"),
    Service.PROFESSIONAL_INTEGRATION: (
        "numerique--maitriser-les-fondamentaux-du-numerique",
        "accompagnement",
    ),
    Service.SAFE_USE: ("numerique--maitriser-les-fondamentaux-du-numerique", "accompagnement"),
    Service.PARENTING: ("numerique--maitriser-les-fondamentaux-du-numerique", "accompagnement"),
    Service.LEISURE: ("numerique--maitriser-les-fondamentaux-du-numerique", "atelier"),
    Service.UNDERSTANDING: ("numerique--maitriser-les-fondamentaux-du-numerique", "information"),
    Service.ACCESS_EQUIPMENT: ("numerique--acceder-a-une-connexion-internet", "aide-materielle"),
    Service.SOLIDARITY_EQUIPMENT: ("numerique--acquerir-un-equipement", "aide-materielle"),
}
PUBLICS = {
    Public.YOUNG: "jeunes",
    Public.STUDENTS: "etudiants",
    Public.FAMILIES: "familles",
    Public.SENIORS: "seniors",
    Public.WOMEN: "femmes",
}
NETWORKS = {
    NationalProgramme.AIDANTS_CONNECT: "aidants-connect",
    NationalProgramme.DIGITAL_ADVISERS: "conseillers-numeriques",
    NationalProgramme.FRANCE_SERVICES: "france-service",
    NationalProgramme.GRANDE_ECOLE: "grandes-ecoles-du-numerique",
}
MOBILISATION = {
    AccessMode.WALK_IN: "se-presenter",
    AccessMode.PHONE: "telephoner",
    AccessMode.EMAIL: "envoyer-un-courriel",
    AccessMode.PRESCRIPTION: "envoyer-un-courriel",
    AccessMode.ONLINE_BOOKING: "utiliser-lien-mobilisation",
}
_SIRET = re.compile(r"^\d{14}$")
_POSTCODE = re.compile(r"^\d{5}$")
_INSEE = re.compile(r"^\w{5}$")


def source_id() -> str:
    return str(getattr(settings, "DATA_INCLUSION_SOURCE", "") or "maillage")


def _slug(value: str) -> str:
    value = unicodedata.normalize("NFKD", value)
    value = "".join(c for c in value if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]+", "-", value).strip("-")


def _name(value: str) -> str:
    """3 to 150 characters, not ending with a full stop."""
    value = " ".join((value or "").split())[:150].rstrip(". ")
    return value if len(value) >= 3 else f"Lieu {value}".strip()


def _or_none(value: Any) -> Any:
    return value if value not in ("", [], None) else None


def _fees(place: Place) -> tuple[str | None, str | None]:
    fees = set(place.fees or [])
    if not fees:
        return None, None  # unknown stays unknown
    if Fee.PAID in fees:
        return "payant", "Certaines prestations sont gratuites." if fees & {
            Fee.FREE,
            Fee.FREE_UNDER_CONDITION,
        } else None
    if Fee.FREE_UNDER_CONDITION in fees:
        return "gratuit", "Gratuit sous condition."
    return "gratuit", None


def _publics(place: Place) -> list[str]:
    publics = [PUBLICS[p] for p in (place.publics or []) if p in PUBLICS]
    if place.specific_support:
        publics.append("personnes-en-situation-de-handicap")
    return sorted(set(publics)) or ["tous-publics"]


def _detail_url(place: Place) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("places:detail", args=[place.pk])


def _address(place: Place) -> dict[str, Any]:
    return {
        "adresse": _or_none(place.address),
        "complement_adresse": _or_none(place.address_complement),
        "code_postal": place.postcode if _POSTCODE.match(place.postcode or "") else None,
        "code_insee": place.insee_code if _INSEE.match(place.insee_code or "") else None,
        "commune": _or_none(place.commune_name),
        "latitude": place.latitude,
        "longitude": place.longitude,
    }


def structure(place: Place) -> dict[str, Any]:
    source = source_id()
    networks = sorted({NETWORKS[p] for p in (place.national_programmes or []) if p in NETWORKS})
    description = (place.description or place.summary or "").strip()
    return {
        "source": source,
        "id": f"{source}--{place.pk}",
        "nom": _name(place.name),
        "date_maj": (place.verified_at.date() if place.verified_at else place.data_updated_on).isoformat(),
        "siret": place.pivot if _SIRET.match(place.pivot or "") else None,
        "description": description[:10000] if len(description) >= 5 else None,
        "telephone": _or_none(place.phone),
        "courriel": (place.emails or [None])[0],
        "site_web": (place.websites or [None])[0],
        "lien_source": _detail_url(place),
        "horaires_accueil": _or_none(place.opening_hours),
        "accessibilite_lieu": _or_none(place.accessibility_url),
        "reseaux_porteurs": networks or None,
        **_address(place),
    }


def services(place: Place) -> Iterator[dict[str, Any]]:
    source = source_id()
    fees, fees_details = _fees(place)
    welcomes = AccessMode.NO_PUBLIC not in (place.access_modes or [])
    modes_accueil = (["en-presentiel"] if welcomes else []) + (
        ["a-distance"] if SupportMode.REMOTE in (place.support_modes or []) else []
    )
    mobilisation = sorted({MOBILISATION[m] for m in (place.access_modes or []) if m in MOBILISATION})
    if "utiliser-lien-mobilisation" in mobilisation and not place.booking_url:
        mobilisation.remove("utiliser-lien-mobilisation")
    mobilisable_par = ["usagers"] + (
        ["professionnels"] if AccessMode.PRESCRIPTION in (place.access_modes or []) else []
    )
    for value in place.services or []:
        if value not in THEMATICS:
            continue
        thematic, kind = THEMATICS[Service(value)]
        if (
            kind == "accompagnement"
            and SupportMode.WORKSHOP in (place.support_modes or [])
            and not ({SupportMode.INDIVIDUAL, SupportMode.AUTONOMOUS} & set(place.support_modes or []))
        ):
            kind = "atelier"
        label = str(Service(value).label)
        description = f"{label} à {place.name} ({place.commune_name})."
        if place.summary:
            description += " " + place.summary.strip()
        yield {
            "source": source,
            "id": f"{source}--{place.pk}--{_slug(value)}",
            "structure_id": f"{source}--{place.pk}",
            "nom": _name(label),
            "description": description[:10000],
            "date_maj": (
                place.verified_at.date() if place.verified_at else place.data_updated_on
            ).isoformat(),
            "type": kind,
            "thematiques": [thematic],
            "frais": fees,
            "frais_precisions": fees_details,
            "publics": _publics(place),
            "modes_accueil": modes_accueil or None,
            "modes_mobilisation": mobilisation or None,
            "mobilisable_par": mobilisable_par,
            "lien_mobilisation": _or_none(place.booking_url),
            "telephone": _or_none(place.phone),
            "courriel": (place.emails or [None])[0],
            "horaires_accueil": _or_none(place.opening_hours),
            "lien_source": _detail_url(place),
            **_address(place),
        }


def export(places: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(structures, services) of ``places`` (a Place QuerySet: pass the published ones)."""
    structures: list[dict[str, Any]] = []
    all_services: list[dict[str, Any]] = []
    for place in places.order_by("pk").iterator(chunk_size=2000):
        structures.append(structure(place))
        all_services.extend(services(place))
    return structures, all_services
