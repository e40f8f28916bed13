"""Editing pages of what surrounds the actions: co-carriers, key figures, concertation, pooled fund."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from maillage.accounts.models import Organisation
from maillage.core.models import AuditLog
from maillage.roadmaps.models import ConcertationPhase, FundContribution, KeyFigure, RoadmapCarrier

pytestmark = pytest.mark.django_db


@pytest.fixture
def items(roadmap):
    prefecture = Organisation.objects.create(name="Préfecture du Lot")
    return {
        "porteur": RoadmapCarrier.objects.create(roadmap=roadmap, organisation=prefecture, role="copilote"),
        "chiffre-cle": KeyFigure.objects.create(
            roadmap=roadmap, section="diagnostic", label="Indice de fragilité", value_text="forte"
        ),
        "concertation": ConcertationPhase.objects.create(roadmap=roadmap, title="Ateliers de printemps"),
        "fonds": FundContribution.objects.create(roadmap=roadmap, fund="Fonds FNE", funder=prefecture),
    }


def _urls(roadmap, items):
    urls = {"context": reverse("roadmaps:context", args=[roadmap.pk])}
    for kind, item in items.items():
        urls[f"{kind}-create"] = reverse("roadmaps:context_create", args=[roadmap.pk, kind])
        urls[f"{kind}-edit"] = reverse("roadmaps:context_edit", args=[kind, item.pk])
        urls[f"{kind}-delete"] = reverse("roadmaps:context_delete", args=[kind, item.pk])
    return urls


def test_coordinator_opens_every_page_viewer_gets_403_other_territory_404(
    client, roadmap, items, lot_coordinator, lot_viewer, lozere_coordinator, django_assert_max_num_queries
):
    urls = _urls(roadmap, items)
    client.force_login(lot_coordinator)
    for url in urls.values():
        assert client.get(url).status_code == 200, url
    with django_assert_max_num_queries(15):
        page = client.get(urls["context"]).content.decode()
    assert "Préfecture du Lot (Copilote)" in page and "forte" in page and "non renseigné" in page
    client.force_login(lot_viewer)
    for url in urls.values():
        assert client.get(url).status_code == 403, url
        assert client.post(url, {}).status_code == 403, url
    client.force_login(lozere_coordinator)
    for url in urls.values():
        assert client.get(url).status_code == 404, url
        assert client.post(url, {}).status_code == 404, url
    assert client.get(reverse("roadmaps:context_create", args=[roadmap.pk, "inconnu"])).status_code == 404


def test_key_figure_with_unknown_value_is_saved_and_audited(client, roadmap, lot_coordinator):
    client.force_login(lot_coordinator)
    url = reverse("roadmaps:context_create", args=[roadmap.pk, "chiffre-cle"])
    response = client.post(url, {"section": "diagnostic", "label": "  ", "value": "12,5", "value_text": "x"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Indiquez le chiffre clé." in page and "pas les deux" in page
    response = client.post(
        url,
        {"section": "bilan_precedent", "label": "Personnes accompagnées 2021-2023", "source": "Bilan FNE"},
    )
    assert response.status_code == 302
    figure = KeyFigure.objects.get(label="Personnes accompagnées 2021-2023")
    assert figure.value is None and figure.position == 1
    assert AuditLog.objects.filter(action="create", object_id=str(figure.pk)).exists()
    edit = reverse("roadmaps:context_edit", args=["chiffre-cle", figure.pk])
    client.post(
        edit, {"section": "bilan_precedent", "label": figure.label, "value": "1234,5", "vintage": "2023"}
    )
    figure.refresh_from_db()
    assert figure.value == Decimal("1234.5") and figure.vintage == "2023"
    page = client.get(reverse("roadmaps:context", args=[roadmap.pk])).content.decode()
    assert "<td>non renseigné</td>" not in page and "<td>2023</td>" in page


def test_co_carrier_typed_by_name_and_refused_twice(client, roadmap, lot_coordinator):
    client.force_login(lot_coordinator)
    url = reverse("roadmaps:context_create", args=[roadmap.pk, "porteur"])
    assert "Choisissez la structure porteuse" in client.post(url, {"role": ""}).content.decode()
    assert (
        client.post(
            url, {"new_organisation": "Conseil départemental du Lot", "role": "co_porteur"}
        ).status_code
        == 302
    )
    carrier = RoadmapCarrier.objects.get(roadmap=roadmap, organisation__name="Conseil départemental du Lot")
    response = client.post(url, {"organisation": carrier.organisation_id, "role": "pilote"})
    assert response.status_code == 400 and "porte déjà" in response.content.decode()
    delete = reverse("roadmaps:context_delete", args=["porteur", carrier.pk])
    assert client.post(delete).status_code == 302
    assert not RoadmapCarrier.objects.filter(pk=carrier.pk).exists()
    assert AuditLog.objects.filter(action="delete", object_id=str(carrier.pk)).exists()


def test_fund_amount_may_stay_unknown_and_concertation_keeps_participants(client, roadmap, lot_coordinator):
    client.force_login(lot_coordinator)
    url = reverse("roadmaps:context_create", args=[roadmap.pk, "fonds"])
    response = client.post(url, {"fund": "Fonds mutualisé", "amount": "-3"})
    assert response.status_code == 400
    assert "Choisissez le financeur" in response.content.decode() and "négatif" in response.content.decode()
    assert (
        client.post(
            url, {"fund": "Fonds mutualisé", "new_organisation": "Banque des Territoires"}
        ).status_code
        == 302
    )
    assert FundContribution.objects.get(funder__name="Banque des Territoires").amount is None
    url = reverse("roadmaps:context_create", args=[roadmap.pk, "concertation"])
    data = {
        "title": "Enquête",
        "participants_text": "EPCI\n\n  CAF \n",
        "start_date": "2024-05-01",
        "end_date": "2024-04-01",
    }
    response = client.post(url, data)
    assert response.status_code == 400 and "précéder" in response.content.decode()
    data["end_date"] = "2024-06-30"
    assert client.post(url, data).status_code == 302
    phase = ConcertationPhase.objects.get(title="Enquête")
    assert phase.participants == ["EPCI", "CAF"] and phase.participant_count is None
    page = client.get(reverse("roadmaps:context_edit", args=["concertation", phase.pk])).content.decode()
    assert "EPCI\nCAF" in page
