"""A strategy-style roadmap (engagements → actions, co-carried, diagnostic, no amounts nor dates) fits the
format without bending: nothing unknown becomes a zero or a default status, and it round-trips."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from maillage.roadmaps.exchange.exporter import export_data, to_yaml
from maillage.roadmaps.exchange.importer import RoadmapImportError, import_data, import_file, parse_text
from maillage.roadmaps.models import Action, KeyFigure
from tests.factories import make_department

pytestmark = pytest.mark.django_db

STRATEGY = Path(__file__).parent / "data" / "strategie-cantal-engagements.yaml"


@pytest.fixture
def cantal(db):
    return make_department("15", "Cantal")


def test_strategy_imports_without_bending(cantal):
    roadmap = import_file(STRATEGY).roadmap
    assert roadmap.terms == {
        "action": "engagement",
        "actions": "engagements",
        "sub_action": "action",
        "sub_actions": "actions",
    }
    assert roadmap.status == "submitted" and roadmap.adopted_on is None
    carriers = [(c.organisation.name, c.role) for c in roadmap.carriers.select_related("organisation")]
    assert ("Préfecture du Cantal", "copilote") in carriers
    assert ("Conseil départemental du Cantal", "copilote") in carriers
    engagements = Action.objects.filter(roadmap=roadmap, parent=None).order_by("number")
    assert [e.number for e in engagements] == [1, 2, 3, 4]
    assert [e.sub_actions.count() for e in engagements] == [3, 2, 4, 2]
    first = engagements[0]
    assert {(lead.organisation.name, lead.role) for lead in first.leads.select_related("organisation")} == {
        ("Conseil départemental du Cantal", "pilote"),
        ("Préfecture du Cantal", "co_porteur"),
    }
    subs = list(first.sub_actions.order_by("number"))
    # sub-actions are numbered as the document would name them (1.1, 1.2…) and after the engagements
    assert [s.label for s in subs] == ["1.1", "1.2", "1.3"]
    assert min(s.number for s in subs) > 4
    assert subs[1].started_before is True and subs[0].started_before is False
    assert [p.name for p in subs[0].partners.order_by("name")] == ["CAF du Cantal", "MSA Auvergne"]
    # unknown stays unknown: no status, priority, maturity, progress, dates, amounts
    for action in Action.objects.filter(roadmap=roadmap):
        assert action.status is None and action.priority is None and action.maturity is None
        assert action.progress is None and action.start_date is None
        assert not action.budget_lines.exists() and not action.indicators.exists()
    assert engagements[2].fne_axes == [2, 3]
    # diagnostic and previous results with source and vintage; the pooled fund without amounts
    fragility = KeyFigure.objects.get(roadmap=roadmap, label="Indice de fragilité numérique")
    assert (fragility.value, fragility.value_text, fragility.vintage) == (None, "élevé", "2023")
    assert roadmap.key_figures.filter(section="bilan_precedent").count() == 3
    assert list(roadmap.fund_contributions.values_list("amount", flat=True)) == [None, None]
    assert roadmap.concertation.get(position=2).participant_count == 85


def test_strategy_round_trip_is_stable(cantal):
    roadmap = import_file(STRATEGY).roadmap
    first = to_yaml(export_data(roadmap))
    assert "statut: a_lancer" not in first and "montant: 0" not in first and "avancement" not in first
    import_data(yaml.safe_load(first))
    assert to_yaml(export_data(roadmap)) == first
    assert Action.objects.filter(roadmap=roadmap).count() == 4 + 11


def test_v1_files_keep_their_defaults(cantal):
    data = yaml.safe_load(STRATEGY.read_text(encoding="utf-8"))
    data["format"] = "maillage/feuille-de-route@1"
    for axis in data["axes"]:
        for action in axis["actions"]:
            action.pop("sous_actions")
    roadmap = import_data(data).roadmap
    action = roadmap.actions.get(number=1)
    assert (action.status, action.priority, action.maturity, action.progress) == (
        "planned",
        "normal",
        "designed",
        0,
    )


def test_territory_code_and_name_that_disagree_are_refused(cantal, lot):
    data = yaml.safe_load(STRATEGY.read_text(encoding="utf-8"))
    data["feuille_de_route"]["territoire"] = {"niveau": "departement", "code": "15", "nom": "Lot"}
    data["axes"][0]["actions"][0]["sous_actions"][0]["statut"] = "finie"
    with pytest.raises(RoadmapImportError) as exc:
        import_data(data)
    text = "\n".join(exc.value.errors)
    # both errors at once, each named as the document names it
    assert "le code « 15 » désigne Cantal, le nom « Lot » désigne Lot (46)" in text
    assert "axe 1 › action 1 › sous-action n°1 › statut : valeur non reconnue" in text
    assert not Action.objects.exists()


def test_yaml_colon_hint():
    text = "format: maillage/feuille-de-route@2\nfeuille_de_route:\n  titre: Objectif : former 60 aidants\n"
    with pytest.raises(RoadmapImportError) as exc:
        parse_text(text, filename="x.yaml")
    message = exc.value.errors[0]
    assert "ligne 3" in message
    assert "un « : » dans un texte doit être entre guillemets" in message
    assert "titre: Objectif : former 60 aidants" in message
