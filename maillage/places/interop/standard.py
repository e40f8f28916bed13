"""The « standard de données des lieux de médiation numérique » v1.0.2: columns, mapping, patterns."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import models

from maillage.places.choices import (
    AccessMode,
    Fee,
    Label,
    Mobility,
    NationalProgramme,
    Public,
    Service,
    SpecificSupport,
    SupportMode,
)

SCHEMA_NAME = "LaMednum/standard-mediation-num"
SCHEMA_VERSION = "v1.0.2"
LIST_SEPARATOR = "|"
UNKNOWN_PIVOT = "00000000000000"


@dataclass(frozen=True)
class Column:
    name: str  # column of the standard
    field: str  # Place field
    required: bool = False
    kind: str = "text"  # text, list, enum, number, date, phone, url, urls, emails, pattern
    enum: type[models.TextChoices] | None = None
    pattern: re.Pattern[str] | None = None
    max_length: int | None = None
    label: str = ""


CODE_POSTAL = re.compile(r"^\d{5}$")
CODE_INSEE = re.compile(r"^([013-9]\d|2[AB1-9])\d{3}$")
PIVOT = re.compile(r"^[a-zA-Z0-9]{9,14}$")
PHONE = re.compile(r"^(\+33|\+590|\+594|\+262|\+596|\+269|\+687|\+689|\+508|\+681)(\d){6,9}$")

#: Schema order (32 columns) — exports write exactly this header.
COLUMNS: tuple[Column, ...] = (
    Column("id", "source_id", required=True, max_length=255, label="identifiant"),
    Column("pivot", "pivot", required=True, kind="pattern", pattern=PIVOT, label="SIRET ou RNA"),
    Column("nom", "name", required=True, max_length=250, label="nom"),
    Column("commune", "commune_name", required=True, max_length=150, label="commune"),
    Column(
        "code_postal", "postcode", required=True, kind="pattern", pattern=CODE_POSTAL, label="code postal"
    ),
    Column("code_insee", "insee_code", kind="pattern", pattern=CODE_INSEE, label="code INSEE"),
    Column("adresse", "address", required=True, max_length=250, label="adresse"),
    Column("complement_adresse", "address_complement", max_length=250, label="complément d'adresse"),
    Column("latitude", "latitude", kind="number", label="latitude"),
    Column("longitude", "longitude", kind="number", label="longitude"),
    Column("typologie", "typologies", kind="list", label="typologie"),
    Column("telephone", "phone", kind="phone", pattern=PHONE, label="téléphone"),
    Column("courriels", "emails", kind="emails", label="courriels"),
    Column("site_web", "websites", kind="urls", label="site web"),
    Column("horaires", "opening_hours", kind="hours", label="horaires"),
    Column("presentation_resume", "summary", max_length=280, label="présentation résumée"),
    Column("presentation_detail", "description", label="présentation détaillée"),
    Column("source", "source", max_length=200, label="source"),
    Column("itinerance", "mobility", kind="enum", enum=Mobility, label="itinérance"),
    Column("structure_parente", "parent_organisation", max_length=250, label="structure parente"),
    Column("date_maj", "data_updated_on", required=True, kind="date", label="date de mise à jour"),
    Column("services", "services", kind="enum", enum=Service, label="services"),
    Column(
        "publics_specifiquement_adresses",
        "publics",
        kind="enum",
        enum=Public,
        label="publics spécifiquement adressés",
    ),
    Column(
        "prise_en_charge_specifique",
        "specific_support",
        kind="enum",
        enum=SpecificSupport,
        label="prise en charge spécifique",
    ),
    Column("frais_a_charge", "fees", kind="enum", enum=Fee, label="frais à charge"),
    Column(
        "dispositif_programmes_nationaux",
        "national_programmes",
        kind="enum",
        enum=NationalProgramme,
        label="dispositifs et programmes nationaux",
    ),
    Column("formations_labels", "labels", kind="enum", enum=Label, label="formations et labels"),
    Column("autres_formations_labels", "other_labels", kind="list", label="autres formations et labels"),
    Column("modalites_acces", "access_modes", kind="enum", enum=AccessMode, label="modalités d'accès"),
    Column(
        "modalites_accompagnement",
        "support_modes",
        kind="enum",
        enum=SupportMode,
        label="modalités d'accompagnement",
    ),
    Column("fiche_acces_libre", "accessibility_url", kind="url", max_length=500, label="fiche Acceslibre"),
    Column("prise_rdv", "booking_url", kind="url", max_length=500, label="prise de rendez-vous"),
)

COLUMN_NAMES: tuple[str, ...] = tuple(c.name for c in COLUMNS)
BY_NAME: dict[str, Column] = {c.name: c for c in COLUMNS}
#: standard column → Place field.
FIELD_MAP: dict[str, str] = {c.name: c.field for c in COLUMNS}
#: Place fields written by an import (compared to decide created / updated / unchanged).
IMPORTED_FIELDS: tuple[str, ...] = tuple(c.field for c in COLUMNS)
LIST_FIELDS: frozenset[str] = frozenset(
    c.field for c in COLUMNS if c.kind in {"list", "enum", "emails", "urls"}
)
