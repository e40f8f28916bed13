"""Inventory import: CSV as Excel « CSV (séparateur : point-virgule) » writes it (Windows-1252), XLSX with
date cells, all-or-nothing with French errors by line and column, idempotent, bounded."""

from __future__ import annotations

import io
import zipfile
from datetime import date

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook

from maillage.equipment import importer, totals
from maillage.equipment.models import Device, DeviceEvent, DeviceState, Donation, PartUsage

pytestmark = pytest.mark.django_db

HEADER = "identifiant;type;donateur;type_donateur;date_don;reference_don;marque;modele;numero_serie;etat_declare;etat;motif_rebut;systeme"
ROWS = [
    "INV-001;Ordinateur portable;Conseil départemental du Lot;Collectivité;03/03/2025;CONV-2025-014;Dell;Latitude 5490;5CD123;À vérifier;Reçu;;",
    "INV-002;portable;Conseil départemental du Lot;Collectivité;03/03/2025;CONV-2025-014;Lenovo;T480;PF1XYZ;Fonctionne;Prêt;;Linux Mint 22",
    "INV-003;Unité centrale;Entreprise Quercy Bureautique;Entreprise;;;;;;;Au rebut;Irréparable;",
]


def _csv(rows: list[str], header: str = HEADER) -> bytes:
    return ("\r\n".join([header, *rows]) + "\r\n").encode("cp1252")


def test_csv_from_excel_imports_and_reimport_changes_nothing(lot):
    report = importer.import_inventory(actor=None, territory=lot, data=_csv(ROWS), filename="inventaire.csv")
    assert (report.created, report.donations_created) == (3, 2)
    devices = {d.source_key: d for d in Device.objects.all()}
    assert devices["INV-001"].brand == "Dell" and devices["INV-001"].declared_state == "to_check"
    assert (
        devices["INV-002"].state == DeviceState.READY
        and devices["INV-002"].operating_system == "Linux Mint 22"
    )
    assert (
        devices["INV-003"].state == DeviceState.SCRAPPED
        and devices["INV-003"].scrap_reason == "beyond_repair"
    )
    donation = Donation.objects.get(reference="CONV-2025-014")
    assert donation.received_on == date(2025, 3, 3) and donation.devices.count() == 2
    again = importer.import_inventory(actor=None, territory=lot, data=_csv(ROWS), filename="inventaire.csv")
    assert (again.created, again.updated, again.unchanged, again.donations_created) == (0, 0, 3, 0)
    assert Device.objects.count() == 3
    # The device imported « prêt » counts as refurbished, exactly as its log says.
    kept = list(Device.objects.order_by("pk").values_list("pk", "refurbished_at", "minutes_spent"))
    totals.rebuild(Device, DeviceEvent, PartUsage)
    assert list(Device.objects.order_by("pk").values_list("pk", "refurbished_at", "minutes_spent")) == kept
    assert Device.objects.filter(refurbished_at__isnull=False).get().source_key == "INV-002"


def test_a_new_file_reuses_known_donors_and_donations(lot):
    importer.import_inventory(actor=None, territory=lot, data=_csv(ROWS[:1]), filename="a.csv")
    row = "INV-009;Tablette;Conseil départemental du Lot;Collectivité;03/03/2025;CONV-2025-014;;;;;Reçu;;"
    report = importer.import_inventory(actor=None, territory=lot, data=_csv([row]), filename="b.csv")
    assert (report.created, report.donations_created) == (1, 0)
    assert Donation.objects.get().devices.count() == 2


def test_errors_are_reported_by_line_and_column_and_nothing_is_written(lot):
    rows = [
        *ROWS[:2],
        "INV-004;Grille-pain;Donateur;;31/02/2025;;;;;;;;",
        "INV-001;tablette;;;;;;;;;Remis;;",
        "INV-006;écran;Donateur;;;;;;;;Au rebut;;",
    ]
    with pytest.raises(importer.InventoryImportError) as error:
        importer.import_inventory(actor=None, territory=lot, data=_csv(rows), filename="inventaire.csv")
    messages = error.value.errors
    assert any(m.startswith("Ligne 4, colonne « type »") and "Grille-pain" in m for m in messages)
    assert any(m.startswith("Ligne 4, colonne « date_don »") for m in messages)
    assert any(m.startswith("Ligne 5, colonne « identifiant »") and "ligne 2" in m for m in messages)
    assert any(m.startswith("Ligne 5, colonne « donateur »") for m in messages)
    assert any(m.startswith("Ligne 5, colonne « etat »") and "remis" in m for m in messages)
    assert any(m.startswith("Ligne 6, colonne « motif_rebut »") for m in messages)
    assert Device.objects.count() == 0 and Donation.objects.count() == 0


def test_missing_required_columns_are_named(lot):
    with pytest.raises(importer.InventoryImportError, match="identifiant"):
        importer.parse(_csv(["x;y"], header="type;donateur"), "a.csv")


def test_xlsx_with_date_cells_and_a_title_row(lot):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append([])  # an empty first row, as hand-made sheets often have
    sheet.append(HEADER.split(";"))
    sheet.append(
        [
            "INV-010",
            "Tablette",
            "Association Lot Solidaire",
            "Association",
            date(2025, 6, 2),
            "",
            "Samsung",
            "Tab A",
            123456,
            "",
            "",
            "",
            "",
        ]
    )
    buffer = io.BytesIO()
    workbook.save(buffer)
    report = importer.import_inventory(
        actor=None, territory=lot, data=buffer.getvalue(), filename="inventaire.xlsx"
    )
    assert report.created == 1
    device = Device.objects.get()
    assert device.kind == "tablet" and device.serial_number == "123456"
    assert device.donation.received_on == date(2025, 6, 2) and device.donation.donor.kind == "association"


def test_bombs_are_refused_before_parsing(lot):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"<" + b"a" * (70 * 1024 * 1024))
    with pytest.raises(importer.InventoryImportError, match="volume anormal"):
        importer.parse(buffer.getvalue(), "bombe.xlsx")
    with pytest.raises(importer.InventoryImportError, match="illisible"):
        importer.parse(b"PK\x03\x04 truncated", "abime.xlsx")
    wide = ";".join(f"c{i}" for i in range(100_000)).encode()
    with pytest.raises(importer.InventoryImportError, match="colonnes"):
        importer.parse(wide + b"\r\n", "large.csv")
    too_long = _csv([f"INV-{i};portable;D;;;;;;;;;;" for i in range(importer.MAX_ROWS + 1)])
    with pytest.raises(importer.InventoryImportError, match="lignes"):
        importer.parse(too_long, "long.csv")


def test_command_refuses_with_a_non_zero_status(lot, tmp_path):
    path = tmp_path / "inventaire.csv"
    path.write_bytes(_csv(["INV-1;fusée;D;;;;;;;;;;"]))
    with pytest.raises(CommandError, match="rien n'a été enregistré"):
        call_command("import_equipment", str(path), territory="46")
    path.write_bytes(_csv(ROWS))
    out = io.StringIO()
    call_command("import_equipment", str(path), territory="46", stdout=out)
    assert "3 appareil(s) créé(s)" in out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_a_failure_while_writing_leaves_nothing_half_written(lot, monkeypatch):
    """Outside any test transaction: the import itself is all-or-nothing (donors and donations too)."""
    from maillage.equipment import services
    from maillage.equipment.models import Donor

    def broken(*args, **kwargs):
        raise RuntimeError("panne au milieu de l'import")

    monkeypatch.setattr(services, "create_devices", broken)
    with pytest.raises(RuntimeError):
        importer.import_inventory(actor=None, territory=lot, data=_csv(ROWS), filename="inventaire.csv")
    assert (Device.objects.count(), Donation.objects.count(), Donor.objects.count()) == (0, 0, 0)
