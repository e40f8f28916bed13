"""Structure pages: roadmap creation, axes, objectives, actions, indicators, budget lines, key steps."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import yaml
from django.urls import reverse

from maillage.accounts.models import Organisation
from maillage.core.models import AuditLog
from maillage.roadmaps.exchange.exporter import export_data, to_yaml
from maillage.roadmaps.exchange.importer import import_data
from maillage.roadmaps.models import (
    Action,
    Axis,
    BudgetLine,
    Indicator,
    Measurement,
    Objective,
    Roadmap,
    Step,
)

pytestmark = pytest.mark.django_db


def _urls(roadmap):
    action = roadmap.actions.get(number=1)
    axis = roadmap.axes.get(number=1)
    objective = axis.objectives.get()
    indicator = action.indicators.get(position=1)
    line = action.budget_lines.first()
    step = action.steps.first()
    milestone = action.milestones.first()
    return {
        "structure": reverse("roadmaps:structure", args=[roadmap.pk]),
        "edit": reverse("roadmaps:edit", args=[roadmap.pk]),
        "axis_create": reverse("roadmaps:axis_create", args=[roadmap.pk]),
        "axis_edit": reverse("roadmaps:axis_edit", args=[axis.pk]),
        "objective_create": reverse("roadmaps:objective_create", args=[axis.pk]),
        "objective_edit": reverse("roadmaps:objective_edit", args=[objective.pk]),
        "action_create": reverse("roadmaps:action_create", args=[roadmap.pk]),
        "action_structure": reverse("roadmaps:action_structure", args=[action.pk]),
        "indicator_create": reverse("roadmaps:indicator_create", args=[action.pk]),
        "indicator_edit": reverse("roadmaps:indicator_edit", args=[indicator.pk]),
        "budget_create": reverse("roadmaps:budget_create", args=[action.pk]),
        "budget_edit": reverse("roadmaps:budget_edit", args=[line.pk]),
        "step_create": reverse("roadmaps:step_create", args=[action.pk]),
        "step_edit": reverse("roadmaps:step_edit", args=[step.pk]),
        "delete_axis": reverse("roadmaps:delete", args=["axe", axis.pk]),
        "delete_action": reverse("roadmaps:delete", args=["action", action.pk]),
        "delete_objective": reverse("roadmaps:delete", args=["objectif", objective.pk]),
        "delete_indicator": reverse("roadmaps:delete", args=["indicateur", indicator.pk]),
        "delete_budget": reverse("roadmaps:delete", args=["budget", line.pk]),
        "delete_step": reverse("roadmaps:delete", args=["etape", step.pk]),
        "milestone_create": reverse("roadmaps:milestone_create", args=[action.pk]),
        "milestone_edit": reverse("roadmaps:milestone_edit", args=[milestone.pk]),
        "delete_milestone": reverse("roadmaps:delete", args=["jalon", milestone.pk]),
    }


NAMES = [
    "structure",
    "edit",
    "axis_create",
    "axis_edit",
    "objective_create",
    "objective_edit",
    "action_create",
    "action_structure",
    "indicator_create",
    "indicator_edit",
    "budget_create",
    "budget_edit",
    "step_create",
    "step_edit",
    "delete_axis",
    "delete_action",
    "delete_objective",
    "delete_indicator",
    "delete_budget",
    "delete_step",
    "milestone_create",
    "milestone_edit",
    "delete_milestone",
]


@pytest.mark.parametrize("name", NAMES)
def test_coordinator_opens_every_structure_page(client, roadmap, lot_coordinator, name):
    client.force_login(lot_coordinator)
    assert client.get(_urls(roadmap)[name]).status_code == 200


@pytest.mark.parametrize("name", NAMES)
def test_viewer_is_refused(client, roadmap, lot_viewer, name):
    client.force_login(lot_viewer)
    url = _urls(roadmap)[name]
    assert client.get(url).status_code == 403
    assert client.post(url, {}).status_code == 403


@pytest.mark.parametrize("name", NAMES)
def test_other_territory_gets_404(client, roadmap, lozere_coordinator, name):
    client.force_login(lozere_coordinator)
    url = _urls(roadmap)[name]
    assert client.get(url).status_code == 404
    assert client.post(url, {}).status_code == 404


@pytest.mark.parametrize("name", ["structure", "action_create", "indicator_create", "budget_create"])
def test_anonymous_goes_to_login(client, roadmap, name):
    response = client.get(_urls(roadmap)[name])
    assert response.status_code == 302
    assert "/compte/" in response["Location"]


def test_unknown_kind_of_deletion_is_404(client, roadmap, lot_coordinator):
    client.force_login(lot_coordinator)
    assert client.get(reverse("roadmaps:delete", args=["version", 1])).status_code == 404


def test_lead_edits_indicators_and_steps_of_its_own_actions_only(client, roadmap, lot_lead):
    client.force_login(lot_lead)
    mine = roadmap.actions.get(number=2)
    other = roadmap.actions.get(number=1)
    for name in ("indicator_create", "step_create", "milestone_create"):
        assert client.get(reverse(f"roadmaps:{name}", args=[mine.pk])).status_code == 200
        assert client.get(reverse(f"roadmaps:{name}", args=[other.pk])).status_code == 403
    # structure and budget stay with the coordinators
    assert client.get(reverse("roadmaps:budget_create", args=[mine.pk])).status_code == 403
    assert client.get(reverse("roadmaps:action_structure", args=[mine.pk])).status_code == 403
    assert client.get(reverse("roadmaps:structure", args=[roadmap.pk])).status_code == 403
    assert client.get(reverse("roadmaps:action_create", args=[roadmap.pk])).status_code == 403
    assert client.get(reverse("roadmaps:create")).status_code == 403
    urls = _urls(roadmap)
    for name in ("indicator_edit", "step_edit", "delete_indicator", "delete_step"):
        assert client.post(urls[name], {}).status_code == 403

    response = client.post(
        reverse("roadmaps:indicator_create", args=[mine.pk]),
        {
            "label": "Aidants formés",
            "kind": "quantitatif",
            "unit": "aidants",
            "target": "40",
            "frequency": "trimestrielle",
            "aggregation": "somme",
        },
    )
    assert response.status_code == 302
    indicator = mine.indicators.get()
    assert indicator.position == 1 and indicator.target == Decimal("40")
    step_url = reverse("roadmaps:step_create", args=[mine.pk])
    assert client.post(step_url, {"title": "Recruter les formateurs"}).status_code == 302
    page = client.get(reverse("roadmaps:action", args=[roadmap.pk, 2])).content.decode()
    assert "Ajouter un indicateur" in page and "Ajouter une étape clé" in page
    assert "Ajouter une ligne budgétaire" not in page

    # once values exist, deleting the indicator is for the coordinator
    Measurement.objects.create(
        indicator=indicator, period_start="2025-01-01", period_end="2025-03-31", value=5
    )
    delete_url = reverse("roadmaps:delete", args=["indicateur", indicator.pk])
    page = client.get(reverse("roadmaps:action", args=[roadmap.pk, 2])).content.decode()
    assert reverse("roadmaps:indicator_edit", args=[indicator.pk]) in page and delete_url not in page
    assert client.post(delete_url).status_code == 403
    assert Indicator.objects.filter(pk=indicator.pk).exists()


def test_coordinator_creates_a_roadmap(client, lot, lot_coordinator, lozere):
    client.force_login(lot_coordinator)
    carrier = Organisation.objects.get(name="Lot Numérique")
    data = {
        "title": "Feuille de route 2028",
        "territory": lot.pk,
        "carrier": carrier.pk,
        "start_year": 2028,
        "end_year": 2026,
        "status": "draft",
    }
    response = client.post(reverse("roadmaps:create"), data)
    assert response.status_code == 400
    assert "L&#x27;année de fin précède l&#x27;année de début." in response.content.decode()
    response = client.post(reverse("roadmaps:create"), {**data, "territory": lozere.pk, "end_year": 2030})
    assert response.status_code == 400
    assert "Sélectionnez un choix valide" in response.content.decode()
    response = client.post(reverse("roadmaps:create"), {**data, "end_year": 2030})
    roadmap = Roadmap.objects.get(title="Feuille de route 2028")
    assert response.status_code == 302 and response["Location"] == reverse(
        "roadmaps:structure", args=[roadmap.pk]
    )
    assert roadmap.slug == "feuille-de-route-2028-2028-2030"
    entry = AuditLog.objects.get(object_type="roadmaps.Roadmap", object_id=str(roadmap.pk))
    assert entry.action == "create" and entry.actor == lot_coordinator and entry.territory_code == "46"
    again = client.post(reverse("roadmaps:create"), {**data, "end_year": 2030})
    assert again.status_code == 400 and "déjà utilisé" in again.content.decode()


def test_axes_and_objectives(client, roadmap, lot_coordinator):
    client.force_login(lot_coordinator)
    response = client.post(
        reverse("roadmaps:axis_create", args=[roadmap.pk]), {"number": 1, "title": "Doublon"}
    )
    assert response.status_code == 400 and "Un autre axe porte déjà le numéro 1." in response.content.decode()
    response = client.post(
        reverse("roadmaps:axis_create", args=[roadmap.pk]), {"number": 5, "title": "Inclusif"}
    )
    assert response.status_code == 302
    axis = roadmap.axes.get(number=5)
    assert AuditLog.objects.filter(
        object_type="roadmaps.Axis", object_id=str(axis.pk), action="create"
    ).exists()
    # reorder: renumber axis 5 into 3
    client.post(reverse("roadmaps:axis_edit", args=[axis.pk]), {"number": 3, "title": "Inclusif"})
    axis.refresh_from_db()
    assert axis.number == 3
    assert AuditLog.objects.get(object_type="roadmaps.Axis", object_id=str(axis.pk), action="update").changes[
        "number"
    ] == [5, 3]
    url = reverse("roadmaps:objective_create", args=[roadmap.axes.get(number=1).pk])
    response = client.post(url, {"code": "1.1", "title": "Doublon"})
    assert response.status_code == 400 and "existe déjà dans cet axe" in response.content.decode()
    assert client.post(url, {"code": "1.2", "title": "Mesurer"}).status_code == 302
    # an empty axis can be deleted, a non-empty one cannot
    assert client.post(reverse("roadmaps:delete", args=["axe", axis.pk])).status_code == 302
    assert not Axis.objects.filter(pk=axis.pk).exists()
    full = roadmap.axes.get(number=1)
    response = client.post(reverse("roadmaps:delete", args=["axe", full.pk]))
    assert response.status_code == 400 and Axis.objects.filter(pk=full.pk).exists()


def test_action_creation(client, roadmap, lot_coordinator):
    client.force_login(lot_coordinator)
    axis1, axis2 = roadmap.axes.get(number=1), roadmap.axes.get(number=2)
    objective = axis1.objectives.get(code="1.1")
    url = reverse("roadmaps:action_create", args=[roadmap.pk])
    page = client.get(url).content.decode()
    assert 'name="number" value="4"' in page  # next free number proposed
    response = client.post(url, {"axis": axis2.pk, "objective": objective.pk, "number": 1, "title": ""})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Cet objectif n&#x27;appartient pas à l&#x27;axe choisi." in body
    assert "L&#x27;action n°1 existe déjà." in body
    assert "Indiquez l&#x27;intitulé de l&#x27;action." in body
    assert 'class="error-summary"' in body and 'href="#id_title"' in body
    clic = Organisation.objects.get(name="Association Clic")
    response = client.post(
        url,
        {
            "axis": axis1.pk,
            "objective": objective.pk,
            "number": 24,
            "title": "Conseillers numériques itinérants",
            "lead_organisations": [clic.pk],
            "new_leads": "Bus numérique du Lot\n",
            "new_partners": "CAF du Lot",
            "introduced_by": roadmap.versions.get(number=2).pk,
        },
    )
    assert response.status_code == 302
    action = roadmap.actions.get(number=24)
    assert response["Location"] == reverse("roadmaps:action", args=[roadmap.pk, 24])
    assert sorted(o.name for o in action.lead_organisations.all()) == [
        "Association Clic",
        "Bus numérique du Lot",
    ]
    assert [o.name for o in action.partners.all()] == ["CAF du Lot"]
    assert action.introduced_by.number == 2
    assert action.position > roadmap.actions.exclude(pk=action.pk).order_by("-position").first().position
    entry = AuditLog.objects.get(object_type="roadmaps.Action", object_id=str(action.pk))
    assert entry.action == "create" and entry.changes["porteurs"] == [
        "Association Clic",
        "Bus numérique du Lot",
    ]
    # move it to axis 2 and change its partners
    response = client.post(
        reverse("roadmaps:action_structure", args=[action.pk]),
        {"axis": axis2.pk, "number": 24, "title": action.title, "lead_organisations": [clic.pk]},
    )
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.axis == axis2 and action.objective is None and not action.partners.exists()
    update = AuditLog.objects.get(object_type="roadmaps.Action", object_id=str(action.pk), action="update")
    assert update.changes["partenaires"] == [["CAF du Lot"], []]


def test_indicator_validation_and_metric(client, roadmap, lot_coordinator):
    client.force_login(lot_coordinator)
    action = roadmap.actions.get(number=1)
    url = reverse("roadmaps:indicator_create", args=[action.pk])
    base = {
        "label": "Lieux référencés",
        "kind": "qualitatif",
        "frequency": "annuelle",
        "aggregation": "derniere",
    }
    response = client.post(url, {**base, "metric_key": "places.count", "target": "12"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Un indicateur calculé est forcément quantitatif." in body
    assert "ne s&#x27;applique qu&#x27;à un indicateur quantitatif" in body
    response = client.post(url, {**base, "metric_key": "inconnu"})
    assert response.status_code == 400 and "Sélectionnez un choix valide" in response.content.decode()
    response = client.post(
        url,
        {**base, "kind": "quantitatif", "metric_key": "places.count", "target": "12,5", "new_position": 1},
    )
    assert response.status_code == 302
    indicator = action.indicators.get(metric_key="places.count")
    assert indicator.position == 1 and indicator.target == Decimal("12.5")
    assert [i.label for i in action.indicators.order_by("position")][1:] == [
        "Nombre de réunions",
        "Schéma de gouvernance",
    ]
    assert AuditLog.objects.filter(object_type="roadmaps.Indicator", object_id=str(indicator.pk)).exists()
    # the typed indicator with a value can neither change its kind nor become computed
    typed = action.indicators.get(label="Nombre de réunions")
    response = client.post(
        reverse("roadmaps:indicator_edit", args=[typed.pk]),
        {
            "label": typed.label,
            "kind": "livrable",
            "metric_key": "places.count",
            "frequency": "mensuelle",
            "aggregation": "somme",
        },
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "le type ne peut plus changer" in body and "ne peut pas devenir calculé" in body
    # deletion by the coordinator takes its values along and renumbers
    response = client.post(reverse("roadmaps:delete", args=["indicateur", typed.pk]))
    assert response.status_code == 302
    assert list(action.indicators.order_by("position").values_list("position", flat=True)) == [1, 2]
    assert AuditLog.objects.filter(
        object_type="roadmaps.Indicator", object_id=str(typed.pk), action="delete"
    ).exists()


def test_budget_lines(client, roadmap, lot_coordinator):
    client.force_login(lot_coordinator)
    action = roadmap.actions.get(number=2)
    url = reverse("roadmaps:budget_create", args=[action.pk])
    anct = Organisation.objects.get(name="ANCT")
    response = client.post(
        url,
        {
            "nature": "rh",
            "unit": "etp",
            "year": 1999,
            "planned": "-1",
            "funder": anct.pk,
            "new_funder": "Région",
        },
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "Indiquez une année entre 2000 et 2100." in body
    assert "Le montant ne peut pas être négatif." in body
    assert "pas les deux" in body
    response = client.post(url, {"nature": "rh", "unit": "etp"})
    assert response.status_code == 400 and "Indiquez un libellé ou un montant" in response.content.decode()
    # a line whose amount nobody knows yet is valid, and stays unknown (not 0)
    response = client.post(url, {"nature": "fonctionnement", "unit": "eur", "label": "Temps de coordination"})
    assert response.status_code == 302
    unknown = action.budget_lines.get(label="Temps de coordination")
    assert unknown.planned is None and unknown.spent is None
    response = client.post(
        url,
        {
            "nature": "rh",
            "unit": "etp",
            "label": "Formateur",
            "year": 2026,
            "planned": "0,5",
            "new_funder": "Région Occitanie",
        },
    )
    assert response.status_code == 302
    line = action.budget_lines.get(unit="etp")
    assert line.planned == Decimal("0.5") and line.funder.name == "Région Occitanie" and line.year == 2026
    entry = AuditLog.objects.get(object_type="roadmaps.BudgetLine", object_id=str(line.pk))
    assert entry.changes["planned"] == "0.5"
    client.post(reverse("roadmaps:delete", args=["budget", line.pk]))
    assert not BudgetLine.objects.filter(pk=line.pk).exists()


def test_steps_are_added_reordered_and_deleted(client, roadmap, lot_coordinator):
    client.force_login(lot_coordinator)
    action = roadmap.actions.get(number=1)
    url = reverse("roadmaps:step_create", args=[action.pk])
    response = client.post(url, {"title": "  "})
    assert (
        response.status_code == 400
        and "Indiquez l&#x27;intitulé de l&#x27;étape." in response.content.decode()
    )
    assert client.post(url, {"title": "Évaluer"}).status_code == 302
    assert client.post(url, {"title": "Cadrer", "new_position": 1}).status_code == 302
    titles = list(action.steps.order_by("position").values_list("title", flat=True))
    assert titles == ["Cadrer", "Installer le COPIL", "Animer", "Évaluer"]
    last = action.steps.get(title="Évaluer")
    client.post(
        reverse("roadmaps:step_edit", args=[last.pk]), {"title": "Évaluer", "new_position": 2, "done": "on"}
    )
    titles = list(action.steps.order_by("position").values_list("title", flat=True))
    assert titles == ["Cadrer", "Évaluer", "Installer le COPIL", "Animer"]
    assert action.steps.get(title="Évaluer").done
    client.post(reverse("roadmaps:delete", args=["etape", action.steps.get(title="Cadrer").pk]))
    assert list(action.steps.order_by("position").values_list("position", "title")) == [
        (1, "Évaluer"),
        (2, "Installer le COPIL"),
        (3, "Animer"),
    ]
    assert AuditLog.objects.filter(object_type="roadmaps.Step", action="delete").count() == 1
    assert Step.objects.filter(action=action).count() == 3


def test_rows_made_by_forms_export_and_reimport(client, lot, lot_coordinator):
    client.force_login(lot_coordinator)
    carrier = Organisation.objects.get(name="Lot Numérique")
    client.post(
        reverse("roadmaps:create"),
        {
            "title": "Feuille de route formulaire",
            "slug": "fdr-formulaire",
            "territory": lot.pk,
            "carrier": carrier.pk,
            "start_year": 2026,
            "end_year": 2028,
            "status": "draft",
            "fne": "on",
        },
    )
    roadmap = Roadmap.objects.get(slug="fdr-formulaire")
    client.post(reverse("roadmaps:axis_create", args=[roadmap.pk]), {"number": 1, "title": "Accompagner"})
    axis = roadmap.axes.get()
    client.post(reverse("roadmaps:objective_create", args=[axis.pk]), {"code": "1.1", "title": "Mailler"})
    response = client.post(
        reverse("roadmaps:action_create", args=[roadmap.pk]),
        {
            "axis": axis.pk,
            "objective": Objective.objects.get(axis=axis).pk,
            "number": 1,
            "title": "Bus numérique",
            "new_leads": "Bus numérique du Lot",
            "new_partners": "CAF du Lot\nMSA",
        },
    )
    assert response.status_code == 302
    action = Action.objects.get(roadmap=roadmap)
    client.post(
        reverse("roadmaps:indicator_create", args=[action.pk]),
        {
            "label": "Lieux",
            "kind": "quantitatif",
            "metric_key": "places.count",
            "baseline": "3",
            "target": "10",
            "target_date": "2028-12-31",
            "frequency": "annuelle",
            "aggregation": "derniere",
        },
    )
    client.post(
        reverse("roadmaps:indicator_create", args=[action.pk]),
        {
            "label": "Charte adoptée",
            "kind": "livrable",
            "target_text": "adoptée en COPIL",
            "frequency": "ponctuelle",
            "aggregation": "derniere",
        },
    )
    client.post(
        reverse("roadmaps:budget_create", args=[action.pk]),
        {"nature": "investissement", "unit": "eur", "year": 2026, "planned": "15000", "new_funder": "ANCT"},
    )
    client.post(reverse("roadmaps:step_create", args=[action.pk]), {"title": "Acheter le véhicule"})
    client.post(
        reverse("roadmaps:milestone_create", args=[action.pk]),
        {"title": "Mise en service", "due_on": "2026-09-01"},
    )
    first = to_yaml(export_data(roadmap))
    data = yaml.safe_load(first)
    assert data["axes"][0]["actions"][0]["jalons"] == [{"titre": "Mise en service", "date": date(2026, 9, 1)}]
    assert data["axes"][0]["actions"][0]["indicateurs"][0]["metrique"] == "places.count"
    assert data["axes"][0]["actions"][0]["budget"][0]["financeur"] == "ANCT"
    import_data(data)
    assert to_yaml(export_data(roadmap)) == first


def test_structure_page_query_count(client, roadmap, lot_coordinator, django_assert_max_num_queries):
    client.force_login(lot_coordinator)
    url = reverse("roadmaps:structure", args=[roadmap.pk])
    with django_assert_max_num_queries(18):
        page = client.get(url).content.decode()
    assert "Ajouter un objectif à l'axe 1" in page and "Place et porteurs de l'action 3" in page
    axis = roadmap.axes.get(number=2)
    for n in range(10, 20):
        Action.objects.create(roadmap=roadmap, axis=axis, number=n, title=f"Action {n}", position=n)
    with django_assert_max_num_queries(18):
        assert client.get(url).status_code == 200


def test_coordinator_edits_the_roadmap_header(client, roadmap, lot_coordinator, lozere):
    client.force_login(lot_coordinator)
    other = Roadmap.objects.create(
        slug="autre",
        title="Autre",
        territory=roadmap.territory,
        carrier=roadmap.carrier,
        start_year=2020,
        end_year=2021,
    )
    url = reverse("roadmaps:edit", args=[roadmap.pk])
    data = {
        "title": "Feuille de route renommée",
        "slug": "autre",
        "carrier": roadmap.carrier_id,
        "start_year": 2024,
        "end_year": 2028,
        "status": "adopted",
        "territory": lozere.pk,
    }
    response = client.post(url, data)
    assert response.status_code == 400 and "déjà utilisé" in response.content.decode()
    response = client.post(url, {**data, "slug": roadmap.slug})
    assert response.status_code == 302
    roadmap.refresh_from_db()
    assert roadmap.title == "Feuille de route renommée" and roadmap.end_year == 2028
    assert roadmap.territory.code == "46"  # the territory cannot be changed from the page
    entry = AuditLog.objects.get(object_type="roadmaps.Roadmap", object_id=str(roadmap.pk), action="update")
    assert entry.changes["end_year"] == [2027, 2028]
    assert other.title == "Autre"


def test_milestones(client, roadmap, lot_lead):
    client.force_login(lot_lead)
    action = roadmap.actions.get(number=2)
    url = reverse("roadmaps:milestone_create", args=[action.pk])
    response = client.post(url, {"title": " ", "due_on": "31/02/2026"})
    body = response.content.decode()
    assert response.status_code == 400
    assert "Indiquez l&#x27;intitulé du jalon." in body and "Date attendue." in body
    assert client.post(url, {"title": "Première session", "due_on": "2026-03-15"}).status_code == 302
    milestone = action.milestones.get()
    entry = AuditLog.objects.get(object_type="roadmaps.Milestone", object_id=str(milestone.pk))
    assert entry.actor == lot_lead and entry.changes["due_on"] == "2026-03-15"
    edit = reverse("roadmaps:milestone_edit", args=[milestone.pk])
    assert (
        client.post(
            edit, {"title": "Première session", "due_on": "2026-03-15", "done_on": "2026-03-20"}
        ).status_code
        == 302
    )
    milestone.refresh_from_db()
    assert str(milestone.done_on) == "2026-03-20"
    other = roadmap.actions.get(number=1).milestones.get()
    assert client.post(reverse("roadmaps:milestone_edit", args=[other.pk]), {}).status_code == 403
    assert client.post(reverse("roadmaps:delete", args=["jalon", milestone.pk])).status_code == 302
    assert not action.milestones.exists()


def test_viewer_sees_no_management_links(client, roadmap, lot_viewer, lot_coordinator):
    links = [
        "Ajouter un indicateur",
        "Ajouter une étape clé",
        "Ajouter un jalon",
        "Ajouter une ligne budgétaire",
    ]
    client.force_login(lot_viewer)
    action_page = client.get(reverse("roadmaps:action", args=[roadmap.pk, 1])).content.decode()
    assert not any(link in action_page for link in links)
    detail = client.get(reverse("roadmaps:detail", args=[roadmap.pk])).content.decode()
    assert "Modifier la structure" not in detail and "Ajouter une action" not in detail
    assert "Créer une feuille de route" not in client.get(reverse("roadmaps:list")).content.decode()
    client.force_login(lot_coordinator)
    action_page = client.get(reverse("roadmaps:action", args=[roadmap.pk, 1])).content.decode()
    assert all(link in action_page for link in links)
    detail = client.get(reverse("roadmaps:detail", args=[roadmap.pk])).content.decode()
    assert "Modifier la structure" in detail and "Ajouter une action" in detail
    assert "Créer une feuille de route" in client.get(reverse("roadmaps:list")).content.decode()


def test_action_deletion(client, roadmap, lot_coordinator, lot_lead):
    action = roadmap.actions.get(number=2)
    url = reverse("roadmaps:delete", args=["action", action.pk])
    client.force_login(lot_lead)  # the lead of action 2 cannot delete it
    assert client.post(url).status_code == 403
    client.force_login(lot_coordinator)
    first = roadmap.actions.get(number=1)
    page = client.get(reverse("roadmaps:delete", args=["action", first.pk])).content.decode()
    assert (
        "2 indicateurs de l&#x27;action seront aussi supprimés" in page or "2 indicateurs de l'action" in page
    )
    assert "1 valeur saisie sera aussi supprimée." in page
    response = client.post(url)
    assert response.status_code == 302 and response["Location"] == reverse(
        "roadmaps:detail", args=[roadmap.pk]
    )
    assert not Action.objects.filter(pk=action.pk).exists()
    entry = AuditLog.objects.get(object_type="roadmaps.Action", object_id=str(action.pk), action="delete")
    assert entry.changes["number"] == 2 and entry.actor == lot_coordinator
