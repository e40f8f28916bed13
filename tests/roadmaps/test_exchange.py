from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command

from maillage.accounts.models import Organisation
from maillage.roadmaps.exchange.exporter import export_data, to_json, to_yaml
from maillage.roadmaps.exchange.importer import RoadmapImportError, import_data, parse_text
from maillage.roadmaps.models import Action, Attendance, BudgetLine, Measurement, Roadmap
from tests.roadmaps.factories import SAMPLE, sample

SEEDS = Path(__file__).resolve().parents[2] / "maillage" / "roadmaps" / "seeds"


def test_import_creates_the_whole_tree(lot):
    result = import_data(sample())
    roadmap = result.roadmap
    assert result.created
    assert roadmap.territory == lot
    assert roadmap.carrier.name == "Lot Numérique"
    assert roadmap.actions.count() == 3
    action = roadmap.actions.get(number=1)
    assert action.objective.code == "1.1"
    assert [s.title for s in action.steps.all()] == ["Installer le COPIL", "Animer"]
    assert action.steps.get(position=2).done
    assert {o.name for o in action.lead_organisations.all()} == {"Lot Numérique", "Préfecture du Lot"}
    assert action.budget_lines.get(nature="investissement").funder.name == "ANCT"
    assert action.indicators.get(position=1).measurements.get().period_end.isoformat() == "2025-01-31"
    assert roadmap.actions.get(number=3).introduced_by.number == 2
    assert Attendance.objects.filter(status="present").count() == 2


def test_reimport_is_idempotent(lot):
    import_data(sample())
    counts = (
        Roadmap.objects.count(),
        Action.objects.count(),
        Organisation.objects.count(),
        BudgetLine.objects.count(),
        Measurement.objects.count(),
        Attendance.objects.count(),
    )
    result = import_data(sample())
    assert not result.created
    assert counts == (
        Roadmap.objects.count(),
        Action.objects.count(),
        Organisation.objects.count(),
        BudgetLine.objects.count(),
        Measurement.objects.count(),
        Attendance.objects.count(),
    )


def test_errors_are_french_with_their_path_and_nothing_is_written(lot):
    data = sample()
    data["axes"][0]["actions"][1]["budget"][0]["montant"] = "beaucoup"
    data["axes"][0]["actions"][0]["statut"] = "fini"
    data["axes"][1]["actions"][0]["numero"] = "trois"
    with pytest.raises(RoadmapImportError) as exc:
        import_data(data)
    # numbered as the document numbers them (axis 1, action 2), lists counted from 1
    assert "axe 1 › action 2 › budget n°1 › montant : nombre attendu" in exc.value.errors
    assert any(e.startswith("axe 1 › action 1 › statut : valeur non reconnue") for e in exc.value.errors)
    assert "axe 2 › action n°1 › numero : nombre entier attendu" in exc.value.errors
    assert not Roadmap.objects.exists()
    assert not Organisation.objects.exists()


def test_consistency_errors(lot):
    data = sample()
    data["axes"][0]["actions"][0]["objectif"] = "9.9"
    data["axes"][1]["actions"][0]["numero"] = 1
    data["gouvernance"][0]["reunions"][0]["presences"][0]["membre"] = 7
    with pytest.raises(RoadmapImportError) as exc:
        import_data(data)
    text = "\n".join(exc.value.errors)
    assert "axe 1 › action 1 › objectif : objectif « 9.9 » absent de l'axe 1" in text
    assert "axe 2 › action 1 › numero : numéro 1 déjà utilisé par axe 1 › action 1" in text
    assert "membre : membre n°7 inconnu" in text
    assert "instance « " in text and "› réunion du " in text


def test_unknown_territory_and_unreadable_file(db):
    with pytest.raises(RoadmapImportError) as exc:
        import_data(sample())
    assert exc.value.errors == ["feuille_de_route › territoire : territoire « 46 » (departement) introuvable"]
    with pytest.raises(RoadmapImportError) as exc:
        parse_text("axes: [\n  - : :", filename="x.yaml")
    assert exc.value.errors[0].startswith("document : fichier illisible (ligne")


def test_failure_midway_rolls_back(lot):
    import_data(sample())
    data = sample(titre="Nouveau titre")
    data["axes"][0]["actions"][0]["budget"][0]["unite"] = "dollars"
    with pytest.raises(RoadmapImportError):
        import_data(data)
    assert Roadmap.objects.get().title == "Feuille de route de test"


def test_round_trip_export_import_export_is_identical(lot):
    roadmap = import_data(sample()).roadmap
    first = to_yaml(export_data(roadmap))
    import_data(yaml.safe_load(first))
    second = to_yaml(export_data(roadmap))
    assert first == second
    # and JSON goes through the same way
    import_data(parse_text(to_json(export_data(roadmap)), filename="x.json"))
    assert to_yaml(export_data(roadmap)) == first


def test_sample_is_not_mutated():
    before = copy.deepcopy(SAMPLE)
    sample(titre="x")
    assert before == SAMPLE


def test_management_commands(lot, tmp_path, capsys):
    source = tmp_path / "fdr.yaml"
    source.write_text(yaml.safe_dump(sample(), allow_unicode=True), encoding="utf-8")
    call_command("import_roadmap", str(source))
    assert "importée" in capsys.readouterr().out
    target = tmp_path / "out.yaml"
    call_command("export_roadmap", "test-lot-2024-2027", "--output", str(target))
    assert (
        yaml.safe_load(target.read_text(encoding="utf-8"))["feuille_de_route"]["identifiant"]
        == "test-lot-2024-2027"
    )
    bad = tmp_path / "bad.yaml"
    data = sample()
    data["axes"][0]["actions"][1]["budget"][0]["montant"] = "x"
    bad.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match=r"axe 1 › action 2 › budget n°1 › montant : nombre attendu"):
        call_command("import_roadmap", str(bad))


def test_yaml_aliases_are_refused():
    text = "a: &x [1, 2]\nb: [*x, *x]\n"
    with pytest.raises(RoadmapImportError) as exc:
        parse_text(text, filename="bombe.yaml")
    assert exc.value.errors[0].startswith("document : fichier illisible (ligne 2")


def test_spreadsheet_exports_keep_unknown_empty(client, lot, lot_coordinator):
    import io
    import zipfile

    from django.urls import reverse
    from openpyxl import load_workbook

    roadmap = import_data(sample()).roadmap
    client.force_login(lot_coordinator)
    response = client.get(reverse("roadmaps:export", args=[roadmap.pk, "xlsx"]))
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["Actions", "Budget", "Indicateurs"]
    budget = list(workbook["Budget"].iter_rows(values_only=True))
    assert budget[0][:3] == ("N°", "Nature", "Libellé")
    planned = [row[5] for row in budget[1:]]
    assert all(p is None or isinstance(p, int | float) for p in planned) and None not in planned[:1]
    response = client.get(reverse("roadmaps:export", args=[roadmap.pk, "ods"]))
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        content = archive.read("content.xml").decode()
    assert 'table:name="Indicateurs"' in content and "table:table-header-rows" in content
