"""Search result cards: their fixed markup is rendered once per place content (maillage/places/cards.py),
and the page is exactly what the whole template gave; a change to a place shows at once."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from maillage.places import cards
from maillage.places.editing import update_place
from maillage.places.models import Place
from tests.factories import make_commune
from tests.places.factories import PlaceFactory

pytestmark = pytest.mark.django_db
URL = reverse("places:search")
PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture(autouse=True)
def _empty_cache():
    cards.clear()
    yield
    cards.clear()


@pytest.fixture
def capdenac(figeac):
    return make_commune(
        "46053", "Capdenac", figeac.department, figeac.epci, postcodes=["46100"], lat=44.5769, lon=2.0778
    )


def _card_html(html: str, pk: int) -> str:
    start = html.rfind("<li", 0, html.index(f'data-url="/lieux/{pk}/"'))
    return html[start : html.index("</li>", start) + len("</li>")]


EXPECTED = (
    '<li class="place-card" data-lat="44.57690" data-lon="2.07780" data-name="Espace &lt;!--card--&gt; &amp; Cie" '
    'data-url="/lieux/{pk}/">\n'
    '    <h3><a href="/lieux/{pk}/?retour=commune%3DFigeac%26rayon%3D20">Espace &lt;!--card--&gt; &amp; Cie</a></h3>\n'
    '    <p class="place-address">3 RUE DU PORT, Bâtiment B, 46100 Capdenac <span class="distance">— à 5,1 km</span></p>\n'
    '    <p class="place-status"><span class="open-now">Ouvert maintenant</span> — ferme à 12\xa0h</p>\n'
    '    <p class="place-badges"><span class="badge">France Services</span><span class="badge">Aidants Connect</span></p>\n'
    '    <p class="meta">Aide aux démarches administratives · Accès internet et matériel informatique</p>\n'
    '    <p class="meta">Téléphone : <a href="tel:+33565000000">05 65 00 00 00</a></p>\n'
    "  </li>"
)


def test_a_card_is_the_markup_of_the_whole_template(client, figeac, capdenac, time_machine) -> None:  # type: ignore[no-untyped-def]
    time_machine.move_to(datetime(2026, 11, 23, 10, 0, tzinfo=PARIS))
    place = PlaceFactory(
        name="Espace <!--card--> & Cie",  # escaped: never taken for the template's own marks
        commune=capdenac,
        address="3 RUE DU PORT",
        address_complement="Bâtiment B",
        opening_hours="Mo-Fr 09:00-12:00",
        national_programmes=["France Services", "Aidants Connect"],
        services=["Aide aux démarches administratives", "Accès internet et matériel informatique"],
        phone="+33565000000",
    )
    for attempt in ("rendered", "from the cache"):
        html = client.get(URL, {"commune": "Figeac", "rayon": "20"}).content.decode()
        assert _card_html(html, place.pk) == EXPECTED.format(pk=place.pk), attempt
    # What depends on the request is never cached: another search, another hour.
    time_machine.move_to(datetime(2026, 11, 23, 15, 0, tzinfo=PARIS))
    html = client.get(URL, {"q": "cie"}).content.decode()
    card = _card_html(html, place.pk)
    assert f'<a href="/lieux/{place.pk}/?retour=q%3Dcie">' in card
    assert "distance" not in card and "Fermé" in card and "Ouvert maintenant" not in card


def test_a_change_to_a_place_shows_at_once(client, figeac, lot_coordinator) -> None:  # type: ignore[no-untyped-def]
    place = PlaceFactory(name="Ancien nom", commune=figeac, phone="+33565000000")
    assert "Ancien nom" in client.get(URL, {"q": "nom"}).content.decode()
    update_place(actor=lot_coordinator, place=place, values={"name": "Nouveau nom"}, verified=False)
    html = client.get(URL, {"q": "nom"}).content.decode()
    assert "Nouveau nom" in html and "Ancien nom" not in html
    # A write that goes around save() (an import's bulk update, a raw UPDATE) shows too: the cache is
    # keyed on what the card shows, not on an id or a date.
    Place.objects.filter(pk=place.pk).update(phone="+33565999999")
    html = client.get(URL, {"q": "nom"}).content.decode()
    assert "05 65 99 99 99" in html and "05 65 00 00 00" not in html


def test_the_cache_is_bounded(figeac, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from maillage.places.views import PlaceCard

    monkeypatch.setattr(cards, "MAX_ENTRIES", 3)
    for index in range(5):
        place = Place(
            pk=index + 1, name=f"Lieu {index}", address="1 RUE", postcode="46100", commune_name="Figeac"
        )
        card = PlaceCard(place, "", None, False, False, False, f"/lieux/{index + 1}/")
        assert f"Lieu {index}" in "".join(cards.card_parts(card))
    assert len(cards._cache) == 3


def test_a_card_is_kept_per_language(figeac) -> None:  # type: ignore[no-untyped-def]
    """The page passes the active language once for its cards: the same entry as asking it; another
    language is another entry (the fixed words are translated)."""
    from django.utils import translation

    from maillage.places.views import PlaceCard

    place = Place(
        pk=1, name="Lieu", address="1 RUE", postcode="46100", commune_name="Figeac", phone="0565000000"
    )
    card = PlaceCard(place, "", None, True, False, False, "/lieux/1/")
    assert cards.card_key(card, translation.get_language()) == cards.card_key(card)
    parts = cards.card_parts(card, translation.get_language())
    assert cards.card_parts(card) is parts and len(cards._cache) == 1
    with translation.override("en"):
        assert cards.card_key(card) != cards.card_key(card, "fr")
        cards.card_parts(card, "en")
    assert len(cards._cache) == 2


@pytest.mark.parametrize(
    "values",
    [
        {},
        {"address_complement": 'Bâtiment <B> & "C" l\'étage', "phone": "05.65.00.00.00"},
        {"latitude": None, "longitude": None, "services": [], "phone": ""},
        {"name": "L'« Espace » <i>&amp;</i>", "services": ["Accès <internet>", "Aide & soutien"]},
        {"phone": "+44 20 7946 0958", "commune_name": "Saint-Céré", "postcode": "46400"},
    ],
)
@pytest.mark.parametrize("badges", [(False, False, False), (True, False, True), (False, True, False)])
def test_the_python_markup_is_the_templates(values, badges) -> None:  # type: ignore[no-untyped-def]
    """The card's markup is written in Python (cheaper than the template on a miss): the same bytes as
    ``places/partials/_place_card.html`` in every branch, every value escaped."""
    from maillage.places.views import PlaceCard

    fields = {
        "pk": 7,
        "name": "Espace numérique",
        "address": "3 RUE DU PORT",
        "address_complement": "",
        "postcode": "46100",
        "commune_name": "Figeac",
        "latitude": 44.6086,
        "longitude": 2.0317,
        "services": ["Aide aux démarches administratives"],
        "phone": "+33565000000",
        **values,
    }
    card = PlaceCard(Place(**fields), "", None, *badges, "/lieux/7/")
    assert cards.render_parts(card) == cards.template_parts(card)
