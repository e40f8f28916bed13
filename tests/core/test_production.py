"""Production path: compression where BREACH cannot reach a secret, collectstatic-safe vendored files."""

from __future__ import annotations

from pathlib import Path

from django.urls import reverse

from scripts.vendor_assets import SOURCE_MAP

ROOT = Path(__file__).resolve().parents[2]


def test_public_pages_and_the_api_are_compressed(client, figeac):
    from tests.places.factories import PlaceFactory

    for i in range(5):
        PlaceFactory(commune=figeac, name=f"Lieu {i}")
    for url in (reverse("places:search"), "/api/v1/lieux?limit=5"):
        response = client.get(url, headers={"accept-encoding": "gzip"})
        assert response.status_code == 200, url
        assert response["Content-Encoding"] == "gzip", url
        assert "Accept-Encoding" in response["Vary"]


def test_pages_of_a_signed_in_user_are_never_compressed(client, lot_coordinator):
    client.force_login(lot_coordinator)
    for url in (reverse("places:search"), reverse("accounts:home")):
        response = client.get(url, headers={"accept-encoding": "gzip"})
        assert response.status_code == 200, url
        assert not response.has_header("Content-Encoding"), url


def test_pages_that_set_a_cookie_are_not_compressed(client, db):
    response = client.get(reverse("accounts:login"), headers={"accept-encoding": "gzip"})
    assert response.cookies  # the CSRF cookie
    assert not response.has_header("Content-Encoding")


def test_vendored_files_name_no_missing_source_map():
    for path in (ROOT / "maillage" / "static" / "vendor").rglob("*"):
        if path.suffix in {".js", ".css"}:
            assert not SOURCE_MAP.search(path.read_bytes()), path
