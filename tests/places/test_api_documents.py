"""API pages are served from each place's stored open-data item (``Place.standard_document``): the item
is written with the place on every write path, is never served when built by other code, and the pages
are exactly what serialising the places' fields gives."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.test import RequestFactory
from django.utils import timezone

from maillage.places import contact_links
from maillage.places.choices import ImportStatus, Label
from maillage.places.editing import update_place
from maillage.places.interop.writer import DOCUMENT_STAMP, EXPORT_FIELDS, standard_document, stored_item
from maillage.places.models import Place, PlaceReminder
from maillage.places.services import places_import
from maillage.places.views_api import API_FIELDS, _item, _url_template, rows_by_id
from tests.places.factories import PlaceFactory
from tests.places.standard_files import row, to_csv

pytestmark = pytest.mark.django_db
LIST = "/api/v1/lieux"


def _fresh(place: Place) -> str:
    """The document the serialiser gives from the place's stored fields, now."""
    values = Place.objects.filter(pk=place.pk).values(*EXPORT_FIELDS).get()
    return standard_document(values)


def _stored(place: Place) -> str:
    return Place.objects.filter(pk=place.pk).values_list("standard_document", flat=True).get()


def _expected_page(client, params: dict[str, str]) -> bytes:
    """The page as the view wrote it before items were stored: every item serialised from its fields
    (ids shared by two published places prefixed with their source)."""
    response = client.get(LIST, params)
    body = json.loads(b"".join(response.streaming_content) if response.streaming else response.content)
    request = RequestFactory().get(LIST, params, HTTP_HOST="testserver")
    pks = [int(item["url"].rsplit("/", 1)[1]) for item in body["results"]]
    rows = rows_by_id(pks)
    clashes = {r["source_id"] for r in rows.values() if r["clash"]}
    template = _url_template(request)
    items = [json.dumps(_item(request, rows[pk], clashes, template), ensure_ascii=False) for pk in pks]
    head = json.dumps({k: body[k] for k in ("count", "next", "previous")}, ensure_ascii=False)
    separator = "," if response.streaming else ", "  # large pages were streamed item by item
    return (head[:-1] + ', "results": [' + separator.join(items) + "]}").encode()


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_pages_are_byte_identical_to_serialising_the_fields(client, figeac, cahors):
    PlaceFactory.create_batch(12, commune=figeac)
    PlaceFactory(commune=cahors, labels=[Label.ETAPES_NUMERIQUES.value], phone="05 65 34 00 00")
    PlaceFactory(commune=cahors, summary='« Guillemets » et \\ barre, "apostrophes", émojis 💻', pivot="")
    PlaceFactory(commune=figeac, source="Région", source_id="lieu-1")
    PlaceFactory(commune=figeac, source="Département du Lot", source_id="lieu-1")  # a clash
    for params in ({"limit": "100"}, {"limit": "5", "offset": "3"}, {"limit": "150"}, {"territoire": "46"}):
        response = client.get(LIST, params)
        assert response.status_code == 200
        assert _body(response) == _expected_page(client, params), params
    assert (
        json.loads(client.get(LIST, {"limit": "100"}).content)["results"][-1]["id"]
        == "Département-du-Lot_lieu-1"
    )


def test_the_stored_item_follows_every_write_path(client, figeac, lot_coordinator):
    place = PlaceFactory(commune=figeac, name="Premier nom")  # save() on creation
    assert _stored(place).startswith(DOCUMENT_STAMP) and _stored(place) == _fresh(place)

    update_place(actor=lot_coordinator, place=place, values={"name": "Nom corrigé"}, verified=False)
    assert "Nom corrigé" in _stored(place) and _stored(place) == _fresh(place)
    assert client.get(LIST).json()["results"][0]["nom"] == "Nom corrigé"  # a write changes what is served

    place.refresh_from_db()
    place.phone = "+33565111111"
    place.save(update_fields=["phone"])  # partial saves write it too
    assert _stored(place) == _fresh(place) and "+33565111111" in _stored(place)

    # « Rien n'a changé » from a reminder's link: a partial save that moves date_maj.
    reminder = PlaceReminder.objects.create(
        place=place, sent_at=timezone.now(), recipients=["contact@exemple.fr"]
    )
    link = contact_links.ContactLink(reminder=reminder, place=place, email="contact@exemple.fr")
    contact_links.confirm_unchanged(link, now=timezone.now() + dt.timedelta(days=400))
    assert _stored(place) == _fresh(place)
    assert (
        client.get(LIST).json()["results"][0]["date_maj"]
        == timezone.localdate(timezone.now() + dt.timedelta(days=400)).isoformat()
    )


def test_imports_store_the_item_of_created_and_updated_places(client, figeac):
    job = places_import(data=to_csv([row(), row(id="lieu-2", nom="Espace Deux")]), filename="lieux.csv")
    assert job.status == ImportStatus.DONE, job.report
    for place in Place.objects.all():
        assert _stored(place) == _fresh(place)
    job = places_import(
        data=to_csv([row(nom="Médiathèque renommée"), row(id="lieu-2", nom="Espace Deux")]),
        filename="lieux.csv",
    )
    assert job.status == ImportStatus.DONE, job.report
    renamed = Place.objects.get(source_id="lieu-1")
    assert "Médiathèque renommée" in _stored(renamed) and _stored(renamed) == _fresh(renamed)
    names = {item["nom"] for item in client.get(LIST).json()["results"]}
    assert names == {"Médiathèque renommée", "Espace Deux"}


def test_an_item_stored_by_other_code_is_never_served_and_the_command_rewrites_it(client, figeac):
    place = PlaceFactory(commune=figeac, name="Nom exact")
    expected = client.get(LIST).content
    # Another version of the serialiser, or a write that went around ``search_columns()``.
    Place.objects.filter(pk=place.pk).update(
        standard_document="0ld5tamp" + json.dumps({"nom": "Ancien nom"}), name="Nom exact"
    )
    assert stored_item(_stored(place)) is None
    assert client.get(LIST).content == expected
    Place.objects.filter(pk=place.pk).update(standard_document="")
    assert client.get(LIST).content == expected
    out = io.StringIO()
    call_command("refresh_standard_documents", stdout=out)
    assert out.getvalue().startswith("1 lieu")
    assert _stored(place) == _fresh(place)


def test_api_fields_cover_the_stored_item():
    assert set(EXPORT_FIELDS) <= set(API_FIELDS)
