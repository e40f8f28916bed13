"""Out-of-range dates, NUL bytes and huge integers in forms and query parameters: a French message, no
500, nothing written (on SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from maillage.activities.models import Activity, Beneficiary
from maillage.core.models import AuditLog

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "99999-01-01", "2026-02-30"])
@pytest.mark.parametrize(
    ("persona", "url", "start", "end"),
    [
        ("lot_coordinator", "activities:stats", "du", "au"),
        ("lot_mediator", "activities:stats", "du", "au"),
        ("lot_coordinator", "pathways:statistics", "start", "end"),
    ],
)
def test_statistics_dates_out_of_range_get_a_french_message(client, request, persona, url, start, end, day):
    client.force_login(request.getfixturevalue(persona))
    for params in ({start: day}, {end: day}, {start: day, end: day}):
        response = client.get(reverse(url), params)
        assert response.status_code == 200, params
    if day in ("9999-12-31", "0001-01-01"):
        assert "2000" in response.content.decode() or "2099" in response.content.decode()


def test_statistics_export_with_overflowing_dates_is_not_a_500(client, lot_coordinator):
    client.force_login(lot_coordinator)
    response = client.get(reverse("activities:stats_export", args=["csv"]), {"du": "0001-01-01"})
    assert response.status_code == 200


def test_nul_bytes_in_a_form_are_refused_and_nothing_is_written(client, lot_mediator):
    client.force_login(lot_mediator)
    before = (Beneficiary.objects.count(), Activity.objects.count(), AuditLog.objects.count())
    response = client.post(
        reverse("activities:beneficiary_create"),
        {"first_name": "Jean\x00", "last_name": "Dupont", "phone": "0600000000"},
    )
    assert response.status_code == 400
    assert "caractère nul" in response.content.decode()
    assert (Beneficiary.objects.count(), Activity.objects.count(), AuditLog.objects.count()) == before


@pytest.mark.parametrize("query", ["q=caf%00e", "commune=%00", "page=%00", "%00=x", "q=a&q=b%00"])
def test_nul_bytes_in_a_query_are_refused_in_french(client, query):
    response = client.get(f"/lieux/?{query}")
    assert response.status_code == 400
    assert "caractère nul" in response.content.decode()


def test_a_raw_nul_byte_in_a_query_string_is_refused(rf):
    """A NUL in the query string as sent (not percent-encoded) is refused too."""
    from maillage.core.middleware import RejectNulBytesMiddleware

    request = rf.get("/lieux/")
    request.META["QUERY_STRING"] = "q=caf\x00e"
    response = RejectNulBytesMiddleware(lambda r: None)(request)  # type: ignore[arg-type]
    assert response.status_code == 400


@pytest.mark.parametrize("query", ["q=100%25", "q=%2500", "q=0%200"])
def test_a_query_without_nul_is_served(client, query):
    assert client.get(f"/lieux/?{query}").status_code == 200


def test_huge_ids_are_404(client, lot_mediator):
    client.force_login(lot_mediator)
    huge = "9" * 30
    assert client.get(f"/activites/{huge}/").status_code == 404
    assert client.get(f"/activites/nouvelle/?dupliquer={huge}").status_code == 404
    assert client.get(f"/lieux/{huge}/").status_code == 404


def test_the_public_annuaire_pdf_is_capped(client, lot, figeac, monkeypatch):
    from maillage.places import pdf
    from tests.places.factories import PlaceFactory

    monkeypatch.setattr(pdf, "MAX_PLACES", 2)
    for _ in range(3):
        PlaceFactory(commune=figeac)
    response = client.get(reverse("places:annuaire_pdf", args=[pdf.SLUG_BY_KIND[lot.kind], lot.code]))
    assert response.status_code == 400
    assert "compte 3 lieux" in response.content.decode()
    assert "Choisissez une intercommunalité ou une commune" in response.content.decode()


def test_the_place_form_refuses_a_commune_contradicting_the_insee_code(client, lot_coordinator, figeac):
    from tests.places.factories import PlaceFactory

    place = PlaceFactory(commune=figeac)
    client.force_login(lot_coordinator)
    page = client.get(reverse("places:edit", args=[place.pk]))
    data = {k: v for k, v in page.context["form"].initial.items() if v not in (None, [])}
    data.update({"commune_name": "Cahors", "postcode": "46000", "latitude": "48.85", "longitude": "2.35"})
    data.update(
        {k: "|".join(v) if isinstance(v, list) else v for k, v in data.items() if isinstance(v, list)}
    )
    response = client.post(reverse("places:edit", args=[place.pk]), data)
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "Figeac" in str(errors["commune_name"]) and "46100" in str(errors["postcode"])
    assert "30 km" in str(errors["latitude"])
    place.refresh_from_db()
    assert place.commune_name == "Figeac"
