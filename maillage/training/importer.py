"""Import of the Aidants Connect habilitations list a territory receives (CSV or XLSX).

All-or-nothing: every row is checked first and every error is reported in French with its line and
column; nothing is written unless the whole file is valid. Idempotent: an aidant is keyed on its e-mail
in the territory, a structure on its SIRET (else its name), a habilitation on (aidant, structure); a
re-import of the same file changes nothing. The table reader (size, rows, cells, XLSX bomb caps) is the
one of the equipment inventory import.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from maillage.core.audit import record_change
from maillage.equipment.importer import InventoryImportError, _date, fold, read_table
from maillage.training import services
from maillage.training.models import Aidant, HabilitationStatus, StructureKind, normalise_email

REQUIRED = ("nom", "prenom", "email", "structure")
OPTIONAL = (
    "siret",
    "type_structure",
    "commune",
    "statut",
    "date_formation",
    "date_demande",
    "date_habilitation",
    "date_renouvellement",
)
COLUMNS = REQUIRED + OPTIONAL
ALIASES = {
    "e_mail": "email",
    "mail": "email",
    "courriel": "email",
    "prenom_aidant": "prenom",
    "nom_aidant": "nom",
}

STATUSES = {fold(str(label)): value for value, label in HabilitationStatus.choices}
STATUSES.update(
    {
        "requested": "requested",
        "granted": "granted",
        "expired": "expired",
        "en cours": "requested",
        "habilite": "granted",
        "habilitee": "granted",
        "active": "granted",
        "actif": "granted",
        "valide": "granted",
        "expiree": "expired",
        "expire": "expired",
        "desactive": "expired",
    }
)
STRUCTURE_KINDS = {fold(str(label)): value for value, label in StructureKind.choices}
STRUCTURE_KINDS.update({fold(value): value for value in StructureKind.values})
STRUCTURE_KINDS.update({"mairie": "mairie", "ccas": "social", "cias": "social", "mediatheque": "library"})


class HabilitationImportError(Exception):
    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass
class Row:
    line: int
    last_name: str
    first_name: str
    email: str
    structure: str
    siret: str
    structure_kind: str
    commune_code: str
    status: str
    training_done_on: date | None
    requested_on: date | None
    granted_on: date | None
    renewal_on: date | None


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    aidants_created: int = 0
    organisations_created: int = 0
    rows: int = 0
    warnings: list[str] = field(default_factory=list)


def _error(line: int, column: str, message: str) -> str:
    return _("Ligne %(line)s, colonne « %(col)s » : %(msg)s") % {"line": line, "col": column, "msg": message}


def parse(data: bytes, filename: str) -> list[Row]:
    try:
        header, body = read_table(data, filename)
    except InventoryImportError as exc:
        raise HabilitationImportError(exc.errors) from exc
    header = [ALIASES.get(h, h) for h in header]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise HabilitationImportError(
            [
                _("Colonnes obligatoires absentes : %(cols)s (colonnes attendues : %(all)s).")
                % {"cols": ", ".join(missing), "all": ", ".join(COLUMNS)}
            ]
        )
    errors: list[str] = []
    unknown = [c for c in header if c and c not in COLUMNS]
    if unknown:
        errors.append(_("Colonnes inconnues : %(cols)s.") % {"cols": ", ".join(unknown[:10])})
    rows: list[Row] = []
    seen: dict[tuple[str, str], int] = {}
    for line, cells in body:
        v = {name: (cells[i] if i < len(cells) else "") for i, name in enumerate(header) if name in COLUMNS}
        row_errors: list[str] = []
        for column in REQUIRED:
            if not v.get(column):
                row_errors.append(_error(line, column, _("valeur obligatoire manquante.")))
        email = v.get("email", "")
        if email:
            try:
                validate_email(email)
            except ValidationError:
                row_errors.append(
                    _error(line, "email", _("« %(v)s » n'est pas une adresse e-mail.") % {"v": email})
                )
        siret = re.sub(r"\s", "", v.get("siret", ""))
        if siret and not re.fullmatch(r"\d{14}", siret):
            row_errors.append(_error(line, "siret", _("le SIRET compte 14 chiffres.")))
        status = STATUSES.get(fold(v.get("statut", "") or "demandee"))
        if status is None:
            row_errors.append(
                _error(
                    line, "statut", _("« %(v)s » inconnu (demandée, accordée, expirée).") % {"v": v["statut"]}
                )
            )
        kind = ""
        if v.get("type_structure"):
            kind = STRUCTURE_KINDS.get(fold(v["type_structure"]), "")
            if not kind:
                row_errors.append(
                    _error(line, "type_structure", _("« %(v)s » inconnu.") % {"v": v["type_structure"]})
                )
        dates: dict[str, date | None] = {}
        for column in ("date_formation", "date_demande", "date_habilitation", "date_renouvellement"):
            raw = v.get(column, "")
            dates[column] = None
            if raw:
                try:
                    dates[column] = _date(raw)
                except ValueError:
                    row_errors.append(
                        _error(line, column, _("date illisible « %(v)s » (JJ/MM/AAAA).") % {"v": raw})
                    )
        if status == "granted" and not dates["date_habilitation"] and not row_errors:
            row_errors.append(
                _error(line, "date_habilitation", _("obligatoire pour une habilitation accordée."))
            )
        key = (normalise_email(email), siret or fold(v.get("structure", "")))
        if key in seen and not row_errors:
            row_errors.append(
                _("Ligne %(line)s : même aidant et même structure qu'à la ligne %(first)s.")
                % {"line": line, "first": seen[key]}
            )
        seen.setdefault(key, line)
        if row_errors:
            errors.extend(row_errors)
            continue
        rows.append(
            Row(
                line=line,
                last_name=v["nom"],
                first_name=v["prenom"],
                email=email,
                structure=" ".join(v["structure"].split()),
                siret=siret,
                structure_kind=kind,
                commune_code=v.get("commune", ""),
                status=status or "requested",
                training_done_on=dates["date_formation"],
                requested_on=dates["date_demande"],
                granted_on=dates["date_habilitation"],
                renewal_on=dates["date_renouvellement"],
            )
        )
    if errors:
        raise HabilitationImportError(errors[:200])
    if not rows:
        raise HabilitationImportError([_("Le fichier ne contient aucune ligne.")])
    return rows


def _organisation(row: Row, territory: Any, cache: dict[str, Any], report: ImportReport) -> Any:
    from maillage.accounts.models import Organisation

    key = row.siret or fold(row.structure)
    if key in cache:
        return cache[key]
    scope = Q(territory=territory) | Q(territory__department=territory) | Q(territory__epci=territory)
    found = None
    if row.siret:
        found = Organisation.objects.filter(siret=row.siret).order_by("pk").first()
    if found is None:
        found = Organisation.objects.filter(scope, name__iexact=row.structure).order_by("pk").first()
    if found is None:
        found = Organisation.objects.create(name=row.structure, siret=row.siret, territory=territory)
        report.organisations_created += 1
    cache[key] = found
    return found


def import_habilitations(*, actor: Any, territory: Any, data: bytes, filename: str) -> ImportReport:
    services.check_territory(actor, territory)
    rows = parse(data, filename)
    from maillage.territories.models import Territory

    codes = {r.commune_code for r in rows if r.commune_code}
    communes = {
        t.code: t
        for t in Territory.objects.filter(kind="commune", code__in=codes).filter(
            Q(department=territory) | Q(epci=territory) | Q(pk=territory.pk)
        )
    }
    bad = [r for r in rows if r.commune_code and r.commune_code not in communes]
    if bad:
        raise HabilitationImportError(
            [
                _error(
                    r.line, "commune", _("code INSEE « %(v)s » hors du territoire.") % {"v": r.commune_code}
                )
                for r in bad
            ]
        )
    report = ImportReport(rows=len(rows))
    with transaction.atomic():
        organisations: dict[str, Any] = {}
        for row in rows:
            organisation = _organisation(row, territory, organisations, report)
            aidant = (
                Aidant.objects.select_for_update()
                .filter(territory=territory, email_normalised=normalise_email(row.email))
                .first()
            )
            if aidant is None:
                aidant = services.create_aidant(
                    actor=actor,
                    territory=territory,
                    first_name=row.first_name,
                    last_name=row.last_name,
                    email=row.email,
                    organisation=organisation,
                    structure_kind=row.structure_kind,
                    commune=communes.get(row.commune_code),
                    check=False,
                )
                report.aidants_created += 1
            _habilitation, outcome = services.save_habilitation(
                actor=actor,
                aidant=aidant,
                organisation=organisation,
                status=row.status,
                training_done_on=row.training_done_on,
                requested_on=row.requested_on,
                granted_on=row.granted_on,
                renewal_on=row.renewal_on,
                check=False,
            )
            setattr(report, outcome, getattr(report, outcome) + 1)
        record_change(
            actor=actor,
            action="import",
            object_type="training.Habilitation",
            object_id=filename[:64],
            territory_code=territory.code,
            changes={"created": report.created, "updated": report.updated, "unchanged": report.unchanged},
        )
    return report


def template_csv() -> str:
    return (
        ";".join(COLUMNS)
        + "\r\nMartin;Claire;claire.martin@exemple.fr;France Services de Figeac;;France Services;46102;accordée;"
        "12/03/2025;01/03/2025;02/04/2025;02/04/2026\r\n"
    )
