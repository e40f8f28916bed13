from __future__ import annotations

import pytest
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from maillage.roadmaps.models import Roadmap
from tests.roadmaps.factories import sample

pytestmark = pytest.mark.django_db
URL = "/feuilles-de-route/importer/"


def _upload(data, name="fdr.yaml"):
    return SimpleUploadedFile(
        name, yaml.safe_dump(data, allow_unicode=True).encode(), content_type="application/yaml"
    )


def test_url_name():
    assert reverse("roadmaps:import") == URL


def test_coordinator_imports_a_roadmap(client, lot, lot_coordinator):
    client.force_login(lot_coordinator)
    assert client.get(URL).status_code == 200
    response = client.post(URL, {"file": _upload(sample())})
    assert response.status_code == 302
    roadmap = Roadmap.objects.get(slug="test-lot-2024-2027")
    # written in the background: the job page shows the outcome and links to the roadmap
    assert response["Location"].startswith("/traitements/")
    outcome = client.get(response["Location"]).content.decode()
    assert "Feuille de route « " in outcome and reverse("roadmaps:detail", args=[roadmap.pk]) in outcome
    # re-import: updated, not duplicated
    assert client.post(URL, {"file": _upload(sample(titre="Titre corrigé"))}).status_code == 302
    assert Roadmap.objects.get().title == "Titre corrigé"


def test_errors_are_listed_with_their_path(client, lot, lot_coordinator):
    data = sample()
    data["axes"][0]["actions"][1]["budget"][0]["montant"] = "vingt mille"
    client.force_login(lot_coordinator)
    response = client.post(URL, {"file": _upload(data)})
    assert response.status_code == 400
    assert "axe 1 › action 2 › budget n°1 › montant : nombre attendu" in response.content.decode()
    assert not Roadmap.objects.exists()


def test_wrong_extension(client, lot, lot_coordinator):
    client.force_login(lot_coordinator)
    response = client.post(URL, {"file": _upload(sample(), name="fdr.pdf")})
    assert response.status_code == 400
    assert "Fichier .yaml, .yml ou .json attendu." in response.content.decode()


def test_viewer_and_lead_cannot_import(client, lot, lot_viewer):
    client.force_login(lot_viewer)
    assert client.get(URL).status_code == 403


def test_coordinator_of_another_territory_is_refused(client, lot, lozere_coordinator):
    client.force_login(lozere_coordinator)
    response = client.post(URL, {"file": _upload(sample())})
    assert response.status_code == 400
    assert "vous ne coordonnez pas ce territoire" in response.content.decode()
    assert not Roadmap.objects.exists()


def test_cannot_overwrite_another_territory_roadmap_by_its_identifier(
    client, lot, lozere, lozere_coordinator
):
    from maillage.roadmaps.exchange.importer import import_data

    import_data(sample())  # the Lot's roadmap
    data = sample()
    data["feuille_de_route"]["territoire"] = {"niveau": "departement", "code": "48"}
    client.force_login(lozere_coordinator)
    response = client.post(URL, {"file": _upload(data)})
    assert response.status_code == 400
    assert Roadmap.objects.get().territory == lot
