"""Professional pages: my places, edit form (validation, verification, audit, history), scoping."""

from __future__ import annotations

import pytest
from django.urls import reverse

from maillage.core.models import AuditLog
from tests.places.factories import MediatorFactory, PlaceFactory, PlaceManagerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def lot_place(figeac):
    return PlaceFactory(name="Médiathèque de Figeac", commune=figeac)


@pytest.fixture
def mende_place(mende):
    return PlaceFactory(name="Maison France Services de Mende", commune=mende)


def form_data(place, **overrides):  # type: ignore[no-untyped-def]
    data = {
        "name": place.name,
        "address": place.address,
        "address_complement": "",
        "postcode": place.postcode,
        "commune_name": place.commune_name,
        "latitude": place.latitude,
        "longitude": place.longitude,
        "phone": place.phone,
        "emails": "\n".join(place.emails),
        "websites": "",
        "opening_hours": place.opening_hours,
        "summary": "",
        "description": "",
        "services": place.services,
        "support_modes": place.support_modes,
        "access_modes": place.access_modes,
        "fees": place.fees,
        "national_programmes": place.national_programmes,
        "accessibility_url": "",
        "booking_url": "",
        "is_published": "on",
    }
    data.update(overrides)
    return data


def test_login_required(client, lot_place) -> None:
    for url in (
        reverse("places:manage"),
        reverse("places:edit", args=[lot_place.pk]),
        reverse("places:stale"),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert "/compte/" in response["Location"]


def test_coordinator_lists_every_place_of_the_territory(
    client, lot_coordinator, lot_place, mende_place
) -> None:
    client.force_login(lot_coordinator)
    html = client.get(reverse("places:manage")).content.decode()
    assert "Médiathèque de Figeac" in html
    assert "Mende" not in html


def test_mediator_lists_only_own_places(client, lot_mediator, figeac, lot_place) -> None:
    mine = PlaceFactory(name="Mon tiers-lieu", commune=figeac)
    MediatorFactory(user=lot_mediator, places=[mine])
    managed = PlaceFactory(name="Lieu que je gère", commune=figeac)
    PlaceManagerFactory(place=managed, user=lot_mediator)
    client.force_login(lot_mediator)
    html = client.get(reverse("places:manage")).content.decode()
    assert "Mon tiers-lieu" in html and "Lieu que je gère" in html
    assert "Médiathèque de Figeac" not in html
    assert client.get(reverse("places:edit", args=[lot_place.pk])).status_code == 404
    assert client.get(reverse("places:edit", args=[mine.pk])).status_code == 200


def test_manage_query_count(client, lot_coordinator, figeac, django_assert_max_num_queries) -> None:
    PlaceFactory.create_batch(30, commune=figeac)
    client.force_login(lot_coordinator)
    with django_assert_max_num_queries(9):  # + the pending corrections count
        assert client.get(reverse("places:manage")).status_code == 200


def test_cross_territory_edit_is_404(client, lozere_coordinator, lozere_mediator, lot_place) -> None:
    for user in (lozere_coordinator, lozere_mediator):
        client.force_login(user)
        assert client.get(reverse("places:edit", args=[lot_place.pk])).status_code == 404
        assert (
            client.post(
                reverse("places:edit", args=[lot_place.pk]), form_data(lot_place, name="Piraté")
            ).status_code
            == 404
        )
    lot_place.refresh_from_db()
    assert lot_place.name == "Médiathèque de Figeac"


def test_viewer_and_prescriber_cannot_edit(client, lot_viewer, lot_prescriber, lot_place) -> None:
    for user in (lot_viewer, lot_prescriber):
        client.force_login(user)
        assert client.get(reverse("places:edit", args=[lot_place.pk])).status_code == 404


def test_edit_saves_audits_and_shows_history(client, lot_coordinator, lot_place) -> None:
    client.force_login(lot_coordinator)
    url = reverse("places:edit", args=[lot_place.pk])
    response = client.post(
        url, form_data(lot_place, opening_hours="Mo-Fr 09:00-12:00; Sa 10:00-12:00", phone="05 65 11 22 33")
    )
    assert response.status_code == 302
    lot_place.refresh_from_db()
    assert lot_place.opening_hours == "Mo-Fr 09:00-12:00; Sa 10:00-12:00"
    assert lot_place.phone == "+33565112233"
    entry = AuditLog.objects.get(object_type="places.Place", object_id=str(lot_place.pk))
    assert set(entry.changes) == {"opening_hours", "phone"}
    assert entry.actor == lot_coordinator
    html = client.get(url).content.decode()
    assert "Historique des modifications" in html
    assert "horaires" in html and "téléphone" in html
    assert "Samedi" in html  # preview of the hours in plain French


def test_invalid_hours_get_a_french_error(client, lot_coordinator, lot_place) -> None:
    client.force_login(lot_coordinator)
    url = reverse("places:edit", args=[lot_place.pk])
    response = client.post(url, form_data(lot_place, opening_hours="lundi 9h-12h"))
    assert response.status_code == 400
    html = response.content.decode()
    assert "Horaires invalides" in html and "abréviation anglaise" in html
    assert "Le formulaire contient des erreurs" in html
    lot_place.refresh_from_db()
    assert lot_place.opening_hours == "Mo-Fr 09:00-12:00,14:00-17:00"
    assert not AuditLog.objects.filter(object_type="places.Place").exists()


def test_other_validation_errors(client, lot_coordinator, lot_place) -> None:
    client.force_login(lot_coordinator)
    url = reverse("places:edit", args=[lot_place.pk])
    html = client.post(
        url, form_data(lot_place, postcode="461", phone="12", emails="pas-un-courriel")
    ).content.decode()
    assert "Le code postal compte 5 chiffres" in html
    assert "Numéro invalide" in html
    assert "Adresse e-mail invalide" in html


def test_mark_verified_without_changes(client, lot_mediator, figeac) -> None:
    place = PlaceFactory(commune=figeac)
    PlaceManagerFactory(place=place, user=lot_mediator)
    client.force_login(lot_mediator)
    response = client.post(reverse("places:edit", args=[place.pk]), form_data(place, verified="on"))
    assert response.status_code == 302
    place.refresh_from_db()
    assert place.verified_at is not None
    assert place.verified_by == lot_mediator
    entry = AuditLog.objects.get(object_type="places.Place", object_id=str(place.pk))
    assert list(entry.changes) == ["verified_at"]
    assert entry.message == "Informations vérifiées"


def test_no_change_no_audit(client, lot_coordinator, lot_place) -> None:
    client.force_login(lot_coordinator)
    client.post(reverse("places:edit", args=[lot_place.pk]), form_data(lot_place))
    assert not AuditLog.objects.filter(object_type="places.Place").exists()


def test_manage_sorts_filters_and_exports(client, lot_coordinator, figeac) -> None:
    import csv
    import io

    from maillage.core.models import AuditLog

    PlaceFactory(name="Alpha", commune=figeac, is_published=False)
    PlaceFactory(name="Zêta", commune=figeac)
    client.force_login(lot_coordinator)
    html = client.get(reverse("places:manage") + "?tri=-nom").content.decode()
    assert html.index("Zêta") < html.index("Alpha") and 'aria-sort="descending"' in html
    html = client.get(reverse("places:manage") + "?publication=non").content.decode()
    assert "Alpha" in html and "Zêta" not in html
    response = client.get(reverse("places:manage") + "?publication=oui&format=csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert [r[1] for r in rows[1:]] == ["Zêta"]
    assert AuditLog.objects.filter(action="export", object_type="places.Place").count() == 1
    assert client.get(reverse("places:manage") + "?format=xlsx").content[:2] == b"PK"


# --- « Rien n'a changé » on several places at once ------------------------------------------------


def test_bulk_confirm_marks_checked_places_verified_and_audits(client, lot_mediator, figeac) -> None:
    first = PlaceFactory(name="Premier lieu", commune=figeac)
    second = PlaceFactory(name="Second lieu", commune=figeac)
    untouched = PlaceFactory(name="Lieu non coché", commune=figeac)
    for place in (first, second, untouched):
        PlaceManagerFactory(place=place, user=lot_mediator)
    client.force_login(lot_mediator)
    html = client.get(reverse("places:manage")).content.decode()
    assert reverse("places:confirm_bulk") in html and f'value="{first.pk}"' in html
    response = client.post(
        reverse("places:confirm_bulk"), {"place": [first.pk, second.pk], "retour": "tri=-nom"}
    )
    assert response.status_code == 302 and response["Location"] == reverse("places:manage") + "?tri=-nom"
    for place in (first, second):
        place.refresh_from_db()
        assert place.verified_at is not None and place.verified_by == lot_mediator
        entry = AuditLog.objects.get(object_type="places.Place", object_id=str(place.pk))
        assert entry.actor == lot_mediator and list(entry.changes) == ["verified_at"]
        assert entry.changes["verified_at"][0] is None
    untouched.refresh_from_db()
    assert untouched.verified_at is None
    assert not AuditLog.objects.filter(object_id=str(untouched.pk)).exists()
    html = client.get(response["Location"]).content.decode()
    assert "2 lieu(x) marqué(s) comme vérifié(s)" in html


def test_bulk_confirm_ignores_places_the_user_cannot_edit(
    client, lot_mediator, lozere_coordinator, figeac, lot_place
) -> None:
    mine = PlaceFactory(name="Mon lieu", commune=figeac)
    PlaceManagerFactory(place=mine, user=lot_mediator)
    client.force_login(lot_mediator)
    # lot_place is in the mediator's territory but not theirs: ignored, not verified
    client.post(reverse("places:confirm_bulk"), {"place": [mine.pk, lot_place.pk]})
    lot_place.refresh_from_db()
    mine.refresh_from_db()
    assert lot_place.verified_at is None and mine.verified_at is not None
    # a coordinator of another territory may verify none of them
    client.force_login(lozere_coordinator)
    response = client.post(reverse("places:confirm_bulk"), {"place": [lot_place.pk]})
    assert response.status_code == 403
    lot_place.refresh_from_db()
    assert lot_place.verified_at is None
    assert AuditLog.objects.filter(object_type="places.Place").count() == 1


def test_bulk_confirm_needs_a_selection_login_and_post(client, lot_coordinator, lot_place) -> None:
    url = reverse("places:confirm_bulk")
    response = client.post(url, {"place": [lot_place.pk]})
    assert response.status_code == 302 and "/compte/" in response["Location"]
    client.force_login(lot_coordinator)
    assert client.get(url).status_code == 405
    response = client.post(url, {"place": ["abc"]}, follow=True)
    assert "Cochez au moins un lieu" in response.content.decode()
    lot_place.refresh_from_db()
    assert lot_place.verified_at is None
    # the coordinator verifies a place of their territory
    client.post(url, {"place": [lot_place.pk]})
    lot_place.refresh_from_db()
    assert lot_place.verified_by == lot_coordinator
