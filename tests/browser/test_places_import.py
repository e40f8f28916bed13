"""Import and duplicates pages in a real browser: upload, error report, decisions, axe-core."""

from __future__ import annotations

import pytest

from maillage.places.models import Place
from maillage.places.services import flag_duplicates
from tests.browser.conftest import assert_accessible, screenshot
from tests.places.factories import PlaceFactory
from tests.places.standard_files import row, to_csv

pytestmark = pytest.mark.browser


def test_import_page_upload_and_reports(page, login_as, figeac, lot_coordinator, tmp_path):
    login_as(page, lot_coordinator)
    page.goto("/lieux/importer/")
    assert page.title().startswith("Importer des lieux")
    assert_accessible(page, context="formulaire d'import")
    bad = tmp_path / "lieux-faux.csv"
    bad.write_bytes(to_csv([row(), row(id="lieu-2", code_postal="ABC", services="Cuisine")]))
    page.get_by_label("Fichier au standard des lieux de médiation numérique").set_input_files(str(bad))
    page.get_by_role("button", name="Analyser et importer").click()
    # The import runs as a background job: its page gives the outcome and links to the detailed report.
    page.get_by_role("link", name="Voir le compte rendu détaillé de l'import").click()
    page.wait_for_selector("text=Erreurs à corriger")
    assert "Aucun lieu n'a été enregistré" in page.inner_text("main")
    assert_accessible(page, context="rapport d'erreurs")
    screenshot(page, "places-import-errors")
    assert Place.objects.count() == 0
    good = tmp_path / "lieux.csv"
    good.write_bytes(to_csv([row(), row(id="lieu-2", nom="Espace numérique de Figeac")]))
    page.goto("/lieux/importer/")
    page.get_by_label("Fichier au standard des lieux de médiation numérique").set_input_files(str(good))
    page.get_by_role("button", name="Analyser et importer").click()
    assert_accessible(page, context="page du traitement")
    page.get_by_role("link", name="Voir le compte rendu détaillé de l'import").click()
    page.wait_for_selector("text=lieux créés")
    assert_accessible(page, context="rapport d'import réussi")
    screenshot(page, "places-import-done")
    assert Place.objects.count() == 2


def test_duplicates_page(page, login_as, figeac, lot_coordinator):
    a = PlaceFactory(commune=figeac, name="France Services de Figeac")
    PlaceFactory(commune=figeac, name="France services de Figeac", latitude=figeac.latitude + 0.0004)
    flag_duplicates(places=[a])
    login_as(page, lot_coordinator)
    page.goto("/lieux/doublons/")
    assert page.title().startswith("Doublons probables")
    assert_accessible(page, context="doublons")
    screenshot(page, "places-duplicates")
    page.get_by_role("button", name="Ce sont deux lieux distincts").first.click()
    page.wait_for_selector("text=marquées comme des lieux distincts")
    assert_accessible(page, context="après décision")
