"""Territory lookups accept names, abbreviations, nicknames and codes, with suggestions; the annuaire
PDF is tagged (PDF/UA-1, language, title)."""

from __future__ import annotations

import re
import zlib

import pytest
from django.urls import reverse

from maillage.places import territory_lookup
from tests.factories import make_commune, make_epci
from tests.places.factories import PlaceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def real_epcis(lot):
    """The official names, as the COG 2026 file spells them."""
    figeac = make_epci("200067361", "CC Grand-Figeac", lot)
    cauvaldor = make_epci("200066371", "CC Causses et Vallée de la Dordogne", lot)
    make_commune("46102", "Figeac", lot, figeac, postcodes=["46100"], lat=44.6086, lon=2.0317)
    make_commune("46311", "Souillac", lot, cauvaldor, postcodes=["46200"], lat=44.8969, lon=1.4769)
    return {"figeac": figeac, "cauvaldor": cauvaldor}


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("CC du Grand Figeac", "figeac"),
        ("Grand Figeac", "figeac"),
        ("grand-figeac", "figeac"),
        ("communauté de communes du Grand-Figeac", "figeac"),
        ("200067361", "figeac"),
        ("Cauvaldor", "cauvaldor"),
        ("CAUVALDOR", "cauvaldor"),
        ("Causses et Vallée de la Dordogne", "cauvaldor"),
        ("200066371", "cauvaldor"),
    ],
)
def test_epci_names_nicknames_and_siren(real_epcis, typed, expected) -> None:
    found = territory_lookup.lookup(typed, kinds=["epci"])
    assert found and found[0] == real_epcis[expected]
    assert territory_lookup.is_clear_match(typed, found[0], found)


def test_departments_and_communes(lot, real_epcis) -> None:
    assert territory_lookup.lookup("46", kinds=["department"])[0] == lot
    assert territory_lookup.lookup("Lot", kinds=["department"])[0] == lot
    assert territory_lookup.lookup("46102", kinds=["commune"])[0].name == "Figeac"
    assert territory_lookup.lookup("figeac", kinds=["commune"])[0].name == "Figeac"


def test_typos_get_suggestions(real_epcis) -> None:
    assert not territory_lookup.lookup("Grand Figeak", kinds=["epci"])
    assert real_epcis["figeac"] in territory_lookup.suggestions("Grand Figeak", kinds=["epci"])


def test_annuaire_of_cc_du_grand_figeac_prints(client, real_epcis) -> None:
    response = client.get(reverse("places:annuaire"), {"kind": "epci", "territoire": "CC du Grand Figeac"})
    assert response.status_code == 302
    assert response["Location"] == reverse("places:annuaire_pdf", args=["epci", "200067361"])
    for typed in ("Cauvaldor", "200066371"):
        response = client.get(reverse("places:annuaire"), {"kind": "", "territoire": typed})
        assert response["Location"] == reverse("places:annuaire_pdf", args=["epci", "200066371"])
    pdf = client.get(response["Location"])
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_unknown_territory_suggests(client, real_epcis) -> None:
    response = client.get(reverse("places:annuaire"), {"kind": "epci", "territoire": "Grand Figeak"})
    html = response.content.decode()
    assert response.status_code == 400 and "Territoire introuvable" in html
    assert "Annuaire de CC Grand-Figeac" in html


def _pdf_objects(data: bytes) -> bytes:
    """The PDF with its compressed streams inflated (object streams hold the catalog in PDF 1.5+)."""
    out = [data]
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            out.append(zlib.decompress(match.group(1)))
        except zlib.error:
            continue
    return b"\n".join(out)


def test_annuaire_pdf_is_tagged(client, real_epcis) -> None:
    commune = real_epcis["figeac"]
    from maillage.territories.models import Territory

    figeac = Territory.objects.get(kind="commune", code="46102")
    PlaceFactory(name="Médiathèque de Figeac", commune=figeac)
    data = client.get(reverse("places:annuaire_pdf", args=["epci", commune.code])).content
    content = _pdf_objects(data)
    assert b"/StructTreeRoot" in content and b"/MarkInfo" in content
    assert b"/Lang" in content and b"fr" in content
    assert b"pdfuaid" in content  # PDF/UA identification in the XMP metadata
    assert b"/DisplayDocTitle true" in content
