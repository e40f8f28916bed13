"""The diagnostic grid as data, and the pure scoring engine that interprets it.

A grid (``DiagnosticGrid.definition``) holds sections of questions, score sums, profiles, flags,
orientation rules and notes, each rule written in a tiny condition language:

- ``{"all": [c, …]}``, ``{"any": [c, …]}``, ``{"not": c}``
- ``{"score": "S", "min": 3, "max": 5}`` (bounds inclusive, either optional)
- ``{"answer": "D4", "in": ["oui", …]}`` (multi answers: any overlap)
- ``{"profile": ["P0", …]}``, ``{"flag": ["URGENCE", …]}`` (any), ``{"need": ["sante", …]}`` (any)
- ``{"no_flags": true}``

The engine never imports Django models so that a grid can be checked and scored in isolation; old
diagnostics are re-rendered with the grid version they were scored with.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

GRIDS_DIR = Path(__file__).parent / "grids"
#: The newest grid file shipped with the code (loaded by migration 0002 or, on an empty table, on demand).
SHIPPED_VERSION = "2026.1"
NEEDS_QUESTION = "E"


class GridError(ValueError):
    pass


@dataclass
class GridResult:
    scores: dict[str, int]
    profile: str
    flags: list[str]
    needs: list[str]
    orientations: list[str]
    notes: list[str]
    is_fragile: bool
    specific_support: list[str] = field(default_factory=list)


def load_grid_file(version: str) -> dict[str, Any]:
    path = GRIDS_DIR / f"{version}.json"
    return json.loads(path.read_text(encoding="utf-8"))


def questions(grid: dict[str, Any]) -> list[dict[str, Any]]:
    return [q for section in grid["sections"] for q in section["questions"]]


def question_map(grid: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {q["code"]: q for q in questions(grid)}


def validate_grid(grid: dict[str, Any]) -> None:
    """Raise GridError when a grid refers to unknown questions, options, profiles or flags."""
    for key in ("version", "sections", "scores", "profiles", "flags", "orientations"):
        if key not in grid:
            raise GridError(f"Clé manquante dans la grille : {key}")
    qmap = question_map(grid)
    profiles = {p["code"] for p in grid["profiles"]}
    flags = {f["code"] for f in grid["flags"]}
    needs = {o["code"] for o in qmap.get(NEEDS_QUESTION, {}).get("options", [])}

    def check(cond: dict[str, Any]) -> None:
        if "all" in cond or "any" in cond:
            for sub in cond.get("all", cond.get("any", [])):
                check(sub)
        elif "not" in cond:
            check(cond["not"])
        elif "score" in cond:
            if cond["score"] not in grid["scores"]:
                raise GridError(f"Score inconnu : {cond['score']}")
        elif "answer" in cond:
            q = qmap.get(cond["answer"])
            if q is None:
                raise GridError(f"Question inconnue : {cond['answer']}")
            codes = {o["code"] for o in q["options"]}
            if not set(cond["in"]) <= codes:
                raise GridError(f"Réponse inconnue pour {cond['answer']} : {set(cond['in']) - codes}")
        elif "profile" in cond:
            if not set(cond["profile"]) <= profiles:
                raise GridError(f"Profil inconnu : {cond['profile']}")
        elif "flag" in cond:
            if not set(cond["flag"]) <= flags:
                raise GridError(f"Indicateur inconnu : {cond['flag']}")
        elif "need" in cond:
            if not set(cond["need"]) <= needs:
                raise GridError(f"Besoin inconnu : {cond['need']}")
        elif "no_flags" not in cond:
            raise GridError(f"Condition illisible : {cond}")

    for score in grid["scores"].values():
        for code in score["sum"]:
            if code not in qmap:
                raise GridError(f"Question inconnue dans un score : {code}")
    for item in [*grid["profiles"], *grid["flags"], *grid["orientations"], *grid.get("notes", [])]:
        check(item["when"])
    check(grid.get("fragility", {"no_flags": True}))


def clean_answers(grid: dict[str, Any], raw: dict[str, Any]) -> dict[str, Any]:
    """Keep known questions and options only: single → str, multi → sorted list of codes."""
    cleaned: dict[str, Any] = {}
    for q in questions(grid):
        codes = [o["code"] for o in q["options"]]
        value = raw.get(q["code"])
        if q["kind"] == "multi":
            values = [v for v in (value or []) if v in codes]
            if values:
                cleaned[q["code"]] = [c for c in codes if c in values]
        elif value in codes:
            cleaned[q["code"]] = value
    return cleaned


class _Evaluator:
    def __init__(self, answers: dict[str, Any], scores: dict[str, int]) -> None:
        self.answers = answers
        self.scores = scores
        self.profile = ""
        self.flags: list[str] = []
        self.needs = list(answers.get(NEEDS_QUESTION, []))

    def test(self, cond: dict[str, Any]) -> bool:
        if "all" in cond:
            return all(self.test(c) for c in cond["all"])
        if "any" in cond:
            return any(self.test(c) for c in cond["any"])
        if "not" in cond:
            return not self.test(cond["not"])
        if "score" in cond:
            value = self.scores[cond["score"]]
            return cond.get("min", value) <= value <= cond.get("max", value)
        if "answer" in cond:
            given = self.answers.get(cond["answer"])
            given_set = set(given) if isinstance(given, list) else ({given} if given else set())
            return bool(given_set & set(cond["in"]))
        if "profile" in cond:
            return self.profile in cond["profile"]
        if "flag" in cond:
            return bool(set(self.flags) & set(cond["flag"]))
        if "need" in cond:
            return bool(set(self.needs) & set(cond["need"]))
        if "no_flags" in cond:
            return not self.flags
        raise GridError(f"Condition illisible : {cond}")


def score(grid: dict[str, Any], answers: dict[str, Any]) -> GridResult:
    """Score cleaned ``answers`` with ``grid``: scores, first matching profile, flags, orientations."""
    qmap = question_map(grid)
    scores: dict[str, int] = {}
    for key, spec in grid["scores"].items():
        total = 0
        for code in spec["sum"]:
            option = next((o for o in qmap[code]["options"] if o["code"] == answers.get(code)), None)
            total += int(option.get("score", 0)) if option else 0
        scores[key] = total
    ev = _Evaluator(answers, scores)
    ev.profile = next((p["code"] for p in grid["profiles"] if ev.test(p["when"])), "")
    ev.flags = [f["code"] for f in grid["flags"] if ev.test(f["when"])]
    orientations = [o["code"] for o in grid["orientations"] if ev.test(o["when"])]
    notes = [n["code"] for n in grid.get("notes", []) if ev.test(n["when"])]
    fragile = ev.test(grid["fragility"]) if "fragility" in grid else ev.profile != ""
    support: list[str] = []
    for q in questions(grid):
        chosen = answers.get(q["code"])
        chosen_set = set(chosen) if isinstance(chosen, list) else {chosen}
        for option in q["options"]:
            if option["code"] in chosen_set and option.get("specific_support"):
                support.append(option["specific_support"])
    for code in orientations:
        support += orientation(grid, code).get("specific_support", [])
    return GridResult(
        scores=scores,
        profile=ev.profile,
        flags=ev.flags,
        needs=ev.needs,
        orientations=orientations,
        notes=notes,
        is_fragile=fragile,
        specific_support=sorted(set(support)),
    )


def orientation(grid: dict[str, Any], code: str) -> dict[str, Any]:
    return next((o for o in grid["orientations"] if o["code"] == code), {"code": code, "label": code})


def label_of(items: list[dict[str, Any]], code: str) -> str:
    return next((i.get("label", code) for i in items if i["code"] == code), code)


def readable_answers(grid: dict[str, Any], answers: dict[str, Any]) -> list[dict[str, Any]]:
    """Sections with each question's label and the labels of the chosen options (for display)."""
    out = []
    for section in grid["sections"]:
        rows = []
        for q in section["questions"]:
            chosen = answers.get(q["code"])
            chosen_list = chosen if isinstance(chosen, list) else ([chosen] if chosen else [])
            labels = [label_of(q["options"], c) for c in chosen_list]
            rows.append({"code": q["code"], "label": q["label"], "answer": ", ".join(labels) or "—"})
        out.append({"code": section["code"], "title": section["title"], "rows": rows})
    return out
