"""Public place page: every public field in French, hours, access plan; people only for professionals."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.urls import reverse

from maillage.places.opening_hours import PARIS
from tests.places.factories import MediatorFactory, PlaceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def place(figeac):
    place = PlaceFactory(
        name="Maison France Services de Figeac",
        commune=figeac,
        opening_hours="Mo-Fr 08:30-12:00,14:00-17:30; Sa 09:00-12:00; PH off",
        national_programmes=["France Services", "Aidants Connect"],
        publics=["Seniors"],
        specific_support=["Surdité"],
        accessibility_url="https://acceslibre.beta.gouv.fr/app/46-figeac/a/mairie/erp/maison-france-services/",
        booking_url="https://rdv.exemple.fr/figeac",
        websites=["https://www.exemple.fr/figeac"],
        summary="Accompagnement aux démarches en ligne.",
        source="Lot Numérique",
    )
    MediatorFactory(first_name="Camille", last_name="Fictive", places=[place], email="camille@exemple.fr")
    return place


def test_public_page(client, place, time_machine) -> None:  # type: ignore[no-untyped-def]
    time_machine.move_to(datetime(2026, 11, 21, 13, 0, tzinfo=PARIS))  # Saturday afternoon
    response = client.get(reverse("places:detail", args=[place.pk]))
    assert response.status_code == 200
    html = response.content.decode().replace("\u00a0", " ")
    for text in [
        "Maison France Services de Figeac",
        "Du lundi au vendredi",
        "8 h 30 – 12 h, 14 h – 17 h 30",
        "Jours fériés",
        "Fermé",
        "ouvre lundi à 8 h 30",
        "05 65 00 00 00",
        "Plan d'accès et itinéraire",
        "https://www.openstreetmap.org/directions?route=%3B44.60860%2C2.03170",
        "Fiche d'accessibilité Acceslibre",
        "Prendre rendez-vous en ligne",
        "Spécifiquement : Seniors",
        "Surdité",
        "Lot Numérique",
        "15 janvier 2026",
        "Pas encore vérifiée dans Maillage",
        "France Services",
    ]:
        assert text in html, text
    # people are never public
    assert "Camille" not in html
    assert "Personnes travaillant" not in html


def test_professionals_of_the_territory_see_the_people(client, place, lot_prescriber) -> None:
    client.force_login(lot_prescriber)
    html = client.get(reverse("places:detail", args=[place.pk])).content.decode()
    assert "Personnes travaillant dans ce lieu" in html
    assert "Camille Fictive" in html and "camille@exemple.fr" in html


def test_professionals_of_another_territory_do_not(client, place, lozere_coordinator) -> None:
    client.force_login(lozere_coordinator)
    html = client.get(reverse("places:detail", args=[place.pk])).content.decode()
    assert "Camille" not in html
    assert "Modifier cette fiche" not in html


def test_unaffiliated_user_does_not_see_people(client, place, unaffiliated_user) -> None:
    client.force_login(unaffiliated_user)
    assert "Camille" not in client.get(reverse("places:detail", args=[place.pk])).content.decode()


def test_coordinator_gets_an_edit_link(client, place, lot_coordinator) -> None:
    client.force_login(lot_coordinator)
    assert "Modifier cette fiche" in client.get(reverse("places:detail", args=[place.pk])).content.decode()


def test_unpublished_and_merged_places_are_404(client, figeac) -> None:
    hidden = PlaceFactory(commune=figeac, is_published=False)
    kept = PlaceFactory(commune=figeac)
    merged = PlaceFactory(commune=figeac, merged_into=kept)
    assert client.get(reverse("places:detail", args=[hidden.pk])).status_code == 404
    assert client.get(reverse("places:detail", args=[merged.pk])).status_code == 404
    assert client.get(reverse("places:detail", args=[999999])).status_code == 404


def test_invalid_stored_hours_do_not_break_the_page(client, figeac) -> None:
    place = PlaceFactory(commune=figeac, opening_hours="le matin")
    html = client.get(reverse("places:detail", args=[place.pk])).content.decode()
    assert "le matin" in html


def test_no_hours(client, figeac) -> None:
    place = PlaceFactory(commune=figeac, opening_hours="")
    assert "Horaires non renseignés" in client.get(reverse("places:detail", args=[place.pk])).content.decode()


def test_back_link_returns_to_the_results(client, place) -> None:
    html = client.get(reverse("places:search"), {"q": "figeac"}).content.decode()
    assert f"/lieux/{place.pk}/?retour=q%3Dfigeac" in html
    detail = client.get(reverse("places:detail", args=[place.pk]), {"retour": "q=figeac"}).content.decode()
    assert 'href="/lieux/?q=figeac"' in detail
    unsafe = client.get(
        reverse("places:detail", args=[place.pk]), {"retour": "//exemple.fr"}
    ).content.decode()
    assert "exemple.fr" not in unsafe.split("<main")[1].split("</nav>")[0]
