"""Import of an existing inventory spreadsheet (CSV or XLSX), documented in docs/equipment-inventory.md.

All-or-nothing: every row is read and checked first, every error is reported with its line and column,
and nothing is written unless the whole file is valid. Idempotent: a device is keyed on the file's
« identifiant » within the territory, so a re-import updates descriptions and changes nothing else.
Bounded: size, rows, columns, cell length and (XLSX) the uncompressed size are capped before parsing.
"""

from __future__ import annotations

import csv
import io
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from maillage.core.audit import record_change
from maillage.equipment import services, versions
from maillage.equipment.models import (
    DeclaredState,
    Device,
    DeviceKind,
    DeviceState,
    Donation,
    Donor,
    DonorKind,
    ErasureMethod,
    ScrapReason,
)

MAX_BYTES = 5 * 1024 * 1024
MAX_UNCOMPRESSED = 60 * 1024 * 1024
MAX_RATIO = 100
MAX_ROWS = 20_000
MAX_COLUMNS = 40
MAX_CELL = 500

REQUIRED = ("identifiant", "type", "donateur")
OPTIONAL = (
    "type_donateur",
    "date_don",
    "reference_don",
    "marque",
    "modele",
    "numero_serie",
    "etat_declare",
    "etat",
    "motif_rebut",
    "systeme",
    "effacement_date",
    "effacement_methode",
)
COLUMNS = REQUIRED + OPTIONAL


def fold(value: str) -> str:
    text = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode().lower()
    return " ".join(text.replace("_", " ").replace("-", " ").replace("'", " ").split())


def _choices(enum: Any, extra: dict[str, str] | None = None) -> dict[str, str]:
    table = {fold(str(label)): value for value, label in enum.choices}
    table.update({fold(value): value for value in enum.values})
    table.update(extra or {})
    return table


KINDS = _choices(
    DeviceKind,
    {
        "portable": "laptop",
        "pc portable": "laptop",
        "fixe": "desktop",
        "pc fixe": "desktop",
        "unite centrale": "desktop",
        "ecran": "screen",
        "telephone": "smartphone",
    },
)
DONOR_KINDS = _choices(DonorKind)
DECLARED = _choices(DeclaredState, {"non renseigne": "", "": ""})
STATES = _choices(
    DeviceState, {"pret": "ready", "rebut": "scrapped", "au rebut": "scrapped", "recu": "received"}
)
SCRAP = _choices(ScrapReason)
ERASURE = _choices(
    ErasureMethod, {"nwipe": "overwrite", "blancco": "overwrite", "secure erase": "secure_erase"}
)
IMPORTABLE_STATES = {
    DeviceState.RECEIVED,
    DeviceState.DIAGNOSED,
    DeviceState.REFURBISHING,
    DeviceState.READY,
    DeviceState.SCRAPPED,
}


class InventoryImportError(Exception):
    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass
class Row:
    line: int
    key: str
    kind: str
    donor: str
    donor_kind: str
    received_on: date | None
    reference: str
    brand: str
    model: str
    serial: str
    declared_state: str
    state: str
    scrap_reason: str
    operating_system: str
    erased_on: date | None
    erasure_method: str


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    donations_created: int = 0
    warnings: list[str] = field(default_factory=list)


def _rows_from_csv(data: bytes) -> Iterator[list[str]]:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    if "\x00" in text:
        raise InventoryImportError([_("Le fichier contient des caractères nuls : est-ce bien un CSV ?")])
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        yield from reader
    except csv.Error as exc:
        raise InventoryImportError(
            [_("Ligne %(line)s : CSV illisible (%(error)s).") % {"line": reader.line_num, "error": exc}]
        ) from exc


def _rows_from_xlsx(data: bytes) -> Iterator[list[Any]]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        total = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError) as exc:
        raise InventoryImportError([_("Ce fichier XLSX est illisible ou endommagé.")]) from exc
    if total > MAX_UNCOMPRESSED or total > MAX_RATIO * max(len(data), 1):
        raise InventoryImportError(
            [_("Ce fichier XLSX se décompresse en un volume anormal : il est refusé.")]
        )
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        for row in sheet.iter_rows(max_col=MAX_COLUMNS + 1, values_only=True):
            yield ["" if v is None else v for v in row]
    except InventoryImportError:
        raise
    except Exception as exc:  # openpyxl raises many kinds on broken XML
        raise InventoryImportError([_("Ce fichier XLSX est illisible ou endommagé.")]) from exc


def read_table(data: bytes, filename: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    if len(data) > MAX_BYTES:
        raise InventoryImportError([_("Le fichier dépasse 5 Mo.")])
    rows = (
        _rows_from_xlsx(data)
        if data[:2] == b"PK" or filename.lower().endswith(".xlsx")
        else _rows_from_csv(data)
    )
    header: list[str] | None = None
    body: list[tuple[int, list[str]]] = []
    for number, raw in enumerate(rows, start=1):
        if len(raw) > MAX_COLUMNS and any(str(v).strip() for v in raw[MAX_COLUMNS:]):
            raise InventoryImportError(
                [_("Ligne %(line)s : plus de %(n)s colonnes.") % {"line": number, "n": MAX_COLUMNS}]
            )
        cells = [_cell(v) for v in raw[:MAX_COLUMNS]]
        if header is None:
            if not any(cells):
                continue
            header = [fold(c).replace(" ", "_") for c in cells]
            continue
        if not any(cells):
            continue
        if len(body) >= MAX_ROWS:
            raise InventoryImportError(
                [_("Le fichier dépasse %(n)s lignes : découpez-le.") % {"n": MAX_ROWS}]
            )
        if any(len(c) > MAX_CELL for c in cells):
            raise InventoryImportError(
                [
                    _("Ligne %(line)s : une cellule dépasse %(n)s caractères.")
                    % {"line": number, "n": MAX_CELL}
                ]
            )
        body.append((number, cells))
    if header is None:
        raise InventoryImportError([_("Le fichier est vide.")])
    return header, body


def _cell(value: Any) -> str:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _date(value: str) -> date:
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(value, fmt).date()  # noqa: DTZ007 — a calendar date, no time
        except ValueError:
            continue
    raise ValueError


def parse(data: bytes, filename: str) -> list[Row]:
    header, body = read_table(data, filename)
    errors: list[str] = []
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise InventoryImportError(
            [
                _("Colonnes obligatoires absentes : %(cols)s (colonnes attendues : %(all)s).")
                % {"cols": ", ".join(missing), "all": ", ".join(COLUMNS)}
            ]
        )
    unknown = [c for c in header if c and c not in COLUMNS]
    if unknown:
        errors.append(_("Colonnes inconnues : %(cols)s.") % {"cols": ", ".join(unknown[:10])})
    seen: dict[str, int] = {}
    rows: list[Row] = []
    today = timezone.localdate()
    for line, cells in body:
        values = {
            name: (cells[i] if i < len(cells) else "") for i, name in enumerate(header) if name in COLUMNS
        }

        def err(column: str, message: str, line: int = line) -> None:
            errors.append(
                _("Ligne %(line)s, colonne « %(col)s » : %(msg)s")
                % {"line": line, "col": column, "msg": message}
            )

        key = values.get("identifiant", "")
        if not key:
            err("identifiant", _("obligatoire."))
        elif len(key) > 80:
            err("identifiant", _("80 caractères au plus."))
        elif key in seen:
            err("identifiant", _("déjà utilisé ligne %(other)s.") % {"other": seen[key]})
        else:
            seen[key] = line
        kind = KINDS.get(fold(values.get("type", "")))
        if not kind:
            err(
                "type",
                _(
                    "« %(v)s » n'est pas un type connu (portable, fixe, tablette, smartphone, écran, imprimante, autre)."
                )
                % {"v": values.get("type", "")},
            )
        donor = " ".join(values.get("donateur", "").split())
        if not donor:
            err("donateur", _("obligatoire."))
        donor_kind = (
            DONOR_KINDS.get(fold(values.get("type_donateur", "")), "")
            if values.get("type_donateur")
            else DonorKind.OTHER
        )
        if values.get("type_donateur") and not donor_kind:
            err(
                "type_donateur",
                _("« %(v)s » n'est pas un type de donateur connu.") % {"v": values["type_donateur"]},
            )

        def opt_date(column: str, values: dict[str, str] = values) -> date | None:
            raw = values.get(column, "")
            if not raw:
                return None
            try:
                value = _date(raw)
            except ValueError:
                err(column, _("date attendue au format JJ/MM/AAAA, pas « %(v)s ».") % {"v": raw})
                return None
            if value > today or value.year < 1990:
                err(column, _("date invraisemblable (%(v)s).") % {"v": raw})
                return None
            return value

        received_on = opt_date("date_don")
        erased_on = opt_date("effacement_date")
        declared = DECLARED.get(fold(values.get("etat_declare", "")))
        if declared is None:
            err(
                "etat_declare",
                _("« %(v)s » n'est pas un état connu (fonctionne, à vérifier, en panne).")
                % {"v": values["etat_declare"]},
            )
        state = STATES.get(fold(values.get("etat", "") or "recu"))
        if state is None:
            err("etat", _("« %(v)s » n'est pas un état connu.") % {"v": values["etat"]})
        elif state not in IMPORTABLE_STATES:
            err("etat", _("un appareil réservé ou remis s'enregistre depuis sa fiche, pas par import."))
        scrap = SCRAP.get(fold(values.get("motif_rebut", ""))) if values.get("motif_rebut") else ""
        if scrap is None:
            err("motif_rebut", _("« %(v)s » n'est pas un motif connu.") % {"v": values["motif_rebut"]})
        if state == DeviceState.SCRAPPED and not scrap:
            err("motif_rebut", _("obligatoire pour un appareil au rebut."))
        method = (
            ERASURE.get(fold(values.get("effacement_methode", "")))
            if values.get("effacement_methode")
            else ""
        )
        if method is None:
            err(
                "effacement_methode",
                _("« %(v)s » n'est pas une méthode connue.") % {"v": values["effacement_methode"]},
            )
        if bool(method) != bool(erased_on):
            err("effacement_date", _("la date et la méthode d'effacement vont ensemble."))
        for column, limit in (
            ("marque", 80),
            ("modele", 120),
            ("numero_serie", 80),
            ("systeme", 120),
            ("reference_don", 120),
        ):
            if len(values.get(column, "")) > limit:
                err(column, _("%(n)s caractères au plus.") % {"n": limit})
        rows.append(
            Row(
                line=line,
                key=key,
                kind=kind or "",
                donor=donor,
                donor_kind=donor_kind or "",
                received_on=received_on,
                reference=values.get("reference_don", ""),
                brand=values.get("marque", ""),
                model=values.get("modele", ""),
                serial=values.get("numero_serie", ""),
                declared_state=declared or "",
                state=state or "",
                scrap_reason=scrap or "",
                operating_system=values.get("systeme", ""),
                erased_on=erased_on,
                erasure_method=method or "",
            )
        )
    if not rows and not errors:
        errors.append(_("Le fichier ne contient aucun appareil."))
    if errors:
        raise InventoryImportError(
            errors[:200]
            + ([_("… et %(n)s autres erreurs.") % {"n": len(errors) - 200}] if len(errors) > 200 else [])
        )
    return rows


DESCRIPTIVE = ("kind", "brand", "model", "serial_number", "declared_state", "operating_system")


def _resolve_donations(
    rows: list[Row], *, actor: Any, territory: Any, report: ImportReport
) -> dict[tuple[str, date | None, str], Donation]:
    """The donors and donations the new rows name, found or created in four statements in all."""
    wanted = {(" ".join(r.donor.split()), r.received_on, r.reference): r for r in rows}
    if not wanted:
        return {}
    kinds = {name: row.donor_kind for (name, _on, _ref), row in wanted.items()}
    if "" in kinds:
        raise services.EquipmentError(_("Le nom du donateur est obligatoire."))
    donors = {d.name: d for d in Donor.objects.filter(territory=territory, name__in=list(kinds))}
    missing = [
        Donor(territory=territory, name=name, kind=kind) for name, kind in kinds.items() if name not in donors
    ]
    if missing:
        # Another import may create the same donor meanwhile: the unique name wins, then we read it back.
        Donor.objects.bulk_create(missing, ignore_conflicts=True)
        donors = {d.name: d for d in Donor.objects.filter(territory=territory, name__in=list(kinds))}
        record_change(
            actor=actor,
            action="create",
            object_type=Donor._meta.label,
            object_id="import",
            territory_code=territory.code,
            changes={"donors": sorted(d.name for d in missing)},
        )
    name_of = {d.pk: name for name, d in donors.items()}
    found: dict[tuple[str, date | None, str], Donation] = {}
    for donation in Donation.objects.filter(
        territory=territory,
        donor__in=list(donors.values()),
        reference__in={ref for (_n, _on, ref) in wanted},
    ).order_by("pk"):
        found.setdefault((name_of[donation.donor_id], donation.received_on, donation.reference), donation)
    to_create = [
        Donation(territory=territory, donor=donors[name], received_on=on, reference=ref, created_by=actor)
        for (name, on, ref) in wanted
        if (name, on, ref) not in found
    ]
    if to_create:
        for donation in Donation.objects.bulk_create(to_create):
            found[(donation.donor.name, donation.received_on, donation.reference)] = donation
        report.donations_created += len(to_create)
    return found


@transaction.atomic
def import_inventory(*, actor: Any, territory: Any, data: bytes, filename: str) -> ImportReport:
    rows = parse(data, filename)
    if actor is not None:  # the command line acts as the system, a page as the signed-in user
        services._check_territory(actor, territory)
    report = ImportReport()
    now = timezone.now()
    existing = {
        d.source_key: d
        for d in Device.objects.select_for_update().filter(
            territory=territory, source_key__in=[r.key for r in rows]
        )
    }
    serials = {services.normalise_serial(r.serial) for r in rows if r.serial and r.key not in existing}
    known_serials = set(
        Device.objects.filter(territory=territory, serial_number__in=serials).values_list(
            "serial_number", flat=True
        )
    )
    new_devices = []
    for row in rows:
        device = existing.get(row.key)
        values = {
            "kind": row.kind,
            "brand": row.brand,
            "model": row.model,
            "serial_number": services.normalise_serial(row.serial),
            "declared_state": row.declared_state,
            "operating_system": row.operating_system,
        }
        if device is not None:
            changed = {k: v for k, v in values.items() if getattr(device, k) != v}
            if changed:
                Device.objects.filter(pk=device.pk).update(**changed, updated_at=now)
                report.updated += 1
            else:
                report.unchanged += 1
            continue
        if values["serial_number"] in known_serials:
            report.warnings.append(
                _("Ligne %(line)s : numéro de série déjà enregistré (%(s)s).")
                % {"line": row.line, "s": values["serial_number"]}
            )
        new_devices.append(row)
    donations = _resolve_donations(new_devices, actor=actor, territory=territory, report=report)
    items = []
    for row in new_devices:
        donation = donations[(" ".join(row.donor.split()), row.received_on, row.reference)]
        extra: dict[str, Any] = {}
        if row.operating_system:
            extra["operating_system"] = row.operating_system
        if row.erased_on:
            extra.update(erased_at=row.erased_on, erasure_method=row.erasure_method)
        if row.state != DeviceState.RECEIVED:
            extra.update(state=row.state, scrap_reason=row.scrap_reason)
        spec = services.NewDevice(
            kind=row.kind,
            brand=row.brand,
            model=row.model,
            serial_number=row.serial,
            declared_state=row.declared_state,
            source_key=row.key,
        )
        items.append((donation, spec, extra))
    report.created = len(services.create_devices(items, actor=actor, now=now))
    record_change(
        actor=actor,
        action="import",
        object_type=Device._meta.label,
        object_id=filename[:60],
        territory_code=territory.code,
        changes={"created": report.created, "updated": report.updated, "unchanged": report.unchanged},
    )
    if report.created or report.updated or report.donations_created:
        versions.bump(territory.pk)
    return report
