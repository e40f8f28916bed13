"""Printed annuaire (WeasyPrint): produced per commune/EPCI/département, names inside, empty message."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from django.urls import reverse

from maillage.places import pdf
from tests.places.factories import PlaceFactory

pytestmark = pytest.mark.django_db
PDFTOTEXT = shutil.which("pdftotext")


def pdf_text(content: bytes, tmp_path: Path) -> str:
    if PDFTOTEXT is None:
        pytest.skip("pdftotext absent (poppler-utils)")
    source = tmp_path / "annuaire.pdf"
    source.write_bytes(content)
    result = subprocess.run([PDFTOTEXT, str(source), "-"], capture_output=True, check=True)  # noqa: S603
    return result.stdout.decode()


@pytest.fixture
def places(figeac, cahors):
    return [
        PlaceFactory(name="Médiathèque de Figeac", commune=figeac, data_updated_on=date(2026, 3, 2)),
        PlaceFactory(
            name="Espace numérique du Grand Figeac",
            commune=figeac,
            data_updated_on=date(2026, 1, 10),
            national_programmes=["France Services"],
            specific_support=["Surdité"],
        ),
        PlaceFactory(name="Tiers-lieu de Cahors", commune=cahors, opening_hours="Sa 09:00-12:00"),
        PlaceFactory(name="Lieu dépublié", commune=figeac, is_published=False),
    ]


def test_epci_annuaire(client, places, figeac_epci, tmp_path) -> None:
    response = client.get(reverse("places:annuaire_pdf", args=["epci", figeac_epci.code]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    text = " ".join(pdf_text(response.content, tmp_path).split())
    assert "CC du Grand Figeac" in text
    assert "Médiathèque de Figeac" in text and "Espace numérique du Grand Figeac" in text
    assert "Cahors" not in text and "dépublié" not in text
    assert "Données à jour au 2 mars 2026" in text
    assert "Du lundi au vendredi : 9 h – 12 h, 14 h – 17 h" in text.replace("\u00a0", " ")
    assert "Dispositifs : France Services" in text
    assert "Page 1 sur 1" in text
    # alphabetical order inside the commune
    assert text.index("Espace numérique du Grand Figeac") < text.index("Médiathèque de Figeac")


def test_department_and_commune_annuaires(client, places, lot, cahors, tmp_path) -> None:
    text = pdf_text(client.get(reverse("places:annuaire_pdf", args=["departement", "46"])).content, tmp_path)
    assert "Tiers-lieu de Cahors" in text and "Médiathèque de Figeac" in text
    assert text.index("Cahors") < text.index("Figeac")  # grouped by commune, alphabetical
    text = pdf_text(client.get(reverse("places:annuaire_pdf", args=["commune", "46042"])).content, tmp_path)
    assert "Tiers-lieu de Cahors" in text and "Figeac" not in text


def test_empty_territory_has_a_clear_message(client, lozere, tmp_path) -> None:
    response = client.get(reverse("places:annuaire_pdf", args=["departement", "48"]))
    assert response.status_code == 200
    text = " ".join(pdf_text(response.content, tmp_path).split())
    assert "Aucun lieu d'inclusion numérique n'est référencé à ce jour pour Lozère" in text


def test_unknown_territory_is_404(client, lot) -> None:
    assert client.get(reverse("places:annuaire_pdf", args=["departement", "99"])).status_code == 404
    assert client.get(reverse("places:annuaire_pdf", args=["region", "76"])).status_code == 404


def test_no_network_fetch() -> None:
    from maillage.core.pdf import offline_fetcher

    fetcher = offline_fetcher()
    for address in ("https://exemple.fr/logo.png", "file:///etc/passwd", "ftp://exemple.fr/a"):
        with pytest.raises(ValueError, match="disallowed protocol"):
            fetcher.fetch(address)
    assert fetcher.fetch("data:text/plain;base64,b2s=").read() == b"ok"


def test_choose_page(client, figeac_epci, lot_coordinator) -> None:
    page = client.get(reverse("places:annuaire"))
    assert page.status_code == 200 and "Annuaire imprimable" in page.content.decode()
    response = client.get(reverse("places:annuaire"), {"kind": "epci", "territoire": "grand figeac"})
    assert response.status_code == 302
    assert response["Location"] == reverse("places:annuaire_pdf", args=["epci", figeac_epci.code])
    missing = client.get(reverse("places:annuaire"), {"kind": "commune", "territoire": "Atlantide"})
    assert missing.status_code == 400 and "Territoire introuvable" in missing.content.decode()
    client.force_login(lot_coordinator)
    assert "Annuaire de Lot (PDF)" in client.get(reverse("places:annuaire")).content.decode()


def test_annuaire_is_cached_until_a_place_changes(client, places, figeac_epci, tmp_path, monkeypatch) -> None:
    from django.core.cache import cache

    cache.clear()
    calls = []
    real = pdf.render_annuaire
    monkeypatch.setattr(pdf, "render_annuaire", lambda territory: calls.append(territory) or real(territory))
    url = reverse("places:annuaire_pdf", args=["epci", figeac_epci.code])
    first = client.get(url).content
    assert client.get(url).content == first
    assert len(calls) == 1
    places[0].name = "Médiathèque renommée"
    places[0].save()
    assert "Médiathèque renommée" in pdf_text(client.get(url).content, tmp_path)
    assert len(calls) == 2
    cache.clear()
