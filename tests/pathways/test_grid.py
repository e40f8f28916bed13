"""The diagnostic grid is data: scoring, profiles, flags and orientation rules from the design note."""

from __future__ import annotations

import copy

import pytest

from maillage.pathways import grid as engine
from maillage.pathways.models import DiagnosticGrid

GRID = engine.load_grid_file("2026.1")


def answers(s: int = 10, c1: str = "seul", **extra):
    """Answers with skills score ``s`` (B1..B5 filled greedily) and C1 = ``c1``."""
    values = {}
    for code in ("B1", "B2", "B3", "B4", "B5"):
        take = min(2, s)
        values[code] = str(take)
        s -= take
    base = {"A1": ["smartphone"], "A2": "domicile_illimite", "A3": "oui", "C1": c1, "C2": "non", **values}
    base.update(extra)
    return engine.clean_answers(GRID, base)


def test_grid_file_is_valid():
    engine.validate_grid(GRID)


def test_migration_loaded_current_grid(db):
    from maillage.pathways.services import current_grid

    grid = current_grid()
    assert grid.version == "2026.1"
    assert grid.definition["profiles"][0]["code"] == "P0"


@pytest.mark.parametrize(
    ("s", "c1", "d4", "profile"),
    [
        (0, "je_ne_fais_pas", "oui", "P1"),
        (2, "seul", "oui", "P1"),
        (5, "seul", "non", "P0"),
        (2, "seul", "plutot_non", "P0"),
        (6, "seul", "non", "P3"),
        (3, "seul", "oui", "P2"),
        (5, "seul", "plutot_oui", "P2"),
        (8, "seul", "oui", "P3"),
        (10, "un_pro_fait_pour_moi", "oui", "P3"),
        (9, "avec_proche", "oui", "P4"),
        (10, "seul", "oui", "P4"),
    ],
)
def test_profiles(s, c1, d4, profile):
    result = engine.score(GRID, answers(s, c1, D4=d4))
    assert result.scores["S"] == s
    assert result.profile == profile


def test_flags_and_fragility():
    result = engine.score(
        GRID,
        answers(
            10,
            A1=["aucun"],
            A2="mobile_limite",
            A3="non",
            C2="oui",
            D1="beaucoup",
            D2=["vue"],
            D3="non",
        ),
    )
    assert set(result.flags) == {
        "URGENCE",
        "SANS_EQUIPEMENT",
        "SANS_CONNEXION",
        "SANS_EMAIL",
        "ILLETTRISME_FLE",
        "NON_MOBILE",
        "ADAPTATION",
    }
    assert result.is_fragile  # P4 but access flags
    assert "Déficience visuelle" in result.specific_support
    assert "Illettrisme" in result.specific_support
    assert {"equipement", "connexion", "illettrisme_fle"} <= set(result.orientations)
    assert {"email", "adaptation"} <= set(result.notes)


def test_autonomous_person_gets_no_orientation():
    result = engine.score(GRID, answers(10))
    assert result.profile == "P4"
    assert result.flags == []
    assert not result.is_fragile
    assert result.orientations == []
    assert result.notes == ["autonome"]


def test_urgent_beginner_is_oriented_to_accompanied_procedure():
    result = engine.score(GRID, answers(4, C2="oui", E=["demarche_admin", "emploi"]))
    assert result.profile == "P2"
    assert result.orientations[:2] == ["demarche_accompagnee", "ateliers_debutants"]
    assert "emploi" in result.orientations


def test_unknown_answers_are_dropped():
    cleaned = engine.clean_answers(GRID, {"A1": ["smartphone", "fusée"], "A2": "satellite", "ZZ": "1"})
    assert cleaned == {"A1": ["smartphone"]}


def test_invalid_grid_is_refused():
    broken = copy.deepcopy(GRID)
    broken["flags"][0]["when"] = {"answer": "C2", "in": ["peut-être"]}
    with pytest.raises(engine.GridError):
        engine.validate_grid(broken)


def test_shipped_grid_is_reloaded_on_an_empty_table(db):
    from maillage.pathways.services import current_grid

    DiagnosticGrid.objects.all().delete()
    assert current_grid().version == engine.SHIPPED_VERSION
    assert DiagnosticGrid.objects.count() == 1
