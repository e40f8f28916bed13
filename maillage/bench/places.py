"""Benchmark of the places import/export at the national target (25 000 places) on PostgreSQL.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/maillage_bench_places \\
        .venv/bin/python -m maillage.bench places [--rows 25000] [--keep]

Prints: generation, import throughput (rows/s) of a standard CSV, re-import of the same file (no
change), CSV and JSON export times. Other benchmarks reuse :func:`fill_places` to get 25 000 realistic
places in the bench database (they are tagged with the source « Banc d'essai »).
"""

from __future__ import annotations

import argparse
import io
import random
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from typing import Any

BENCH_SOURCE = "Banc d'essai"

# Kinds of places and their share, skewed like the national map (town halls and libraries first); the
# national open data is not available offline, so these shares are estimates — skewed on purpose, never
# uniform, never six distinct values.
_KINDS = [
    ("Mairie", ["MUNI"], 0.20),
    ("Médiathèque", ["BIB", "MUNI"], 0.17),
    ("France Services", ["RFS"], 0.09),
    ("Espace public numérique", ["EPN"], 0.08),
    ("Centre social", ["CS"], 0.08),
    ("Association numérique", ["ASSO"], 0.08),
    ("CCAS", ["CCAS"], 0.07),
    ("Tiers-lieu", ["TIERS_LIEUX", "ASSO"], 0.06),
    ("Maison des solidarités", ["MDS", "DEPT"], 0.05),
    ("Mission locale", ["ML"], 0.04),
    ("Point d'information jeunesse", ["PIJ_BIJ"], 0.03),
    ("Fablab", ["TIERS_LIEUX"], 0.03),
    ("Agence France Travail", ["FT"], 0.02),
]
_QUALIFIERS = [
    "",
    "",
    "",
    "",
    " — espace numérique",
    " — antenne",
    " du centre-ville",
    " des Quartiers",
    " (annexe)",
]
_STREETS = [
    "RUE DE LA RÉPUBLIQUE",
    "PLACE DE LA MAIRIE",
    "AVENUE JEAN JAURÈS",
    "RUE VICTOR HUGO",
    "BOULEVARD GAMBETTA",
    "RUE DU COMMERCE",
    "CHEMIN DES ÉCOLES",
    "PLACE DU MARCHÉ",
    "RUE PASTEUR",
    "RUE DE L'ÉGLISE",
    "GRANDE RUE",
    "RUE DU GÉNÉRAL DE GAULLE",
    "ALLÉE DES TILLEULS",
    "RUE DES ÉCOLES",
    "PLACE DE LA LIBÉRATION",
]
# Share of places offering each value (each drawn independently; at least one service).
_SERVICE_SHARES = {
    "Aide aux démarches administratives": 0.78,
    "Maîtrise des outils numériques du quotidien": 0.72,
    "Accès internet et matériel informatique": 0.55,
    "Utilisation sécurisée du numérique": 0.35,
    "Insertion professionnelle via le numérique": 0.30,
    "Compréhension du monde numérique": 0.22,
    "Parentalité et éducation avec le numérique": 0.14,
    "Loisirs et créations numériques": 0.14,
    "Acquisition de matériel informatique à prix solidaire": 0.05,
}
_PUBLIC_SHARES = {
    "Seniors": 0.20,
    "Jeunes": 0.15,
    "Familles et/ou enfants": 0.12,
    "Étudiants": 0.05,
    "Femmes": 0.03,
}
_PROGRAMME_SHARES = {
    "Conseillers numériques": 0.35,
    "Aidants Connect": 0.15,
    "France Services": 0.10,
    "Certification PIX": 0.05,
    "Point d'accès numérique CAF": 0.05,
    "Bibliothèques numérique de référence": 0.02,
    "Emmaüs Connect": 0.01,
    "Promeneurs du net": 0.02,
}
_HELP_WITH = [
    "impôts",
    "CAF",
    "ANTS (carte grise, permis)",
    "France Travail",
    "retraite",
    "Ameli",
    "MSA",
    "prime d'activité",
    "dossier de logement social",
    "inscriptions scolaires",
]
# The usual hours (about a quarter of the places share one of them), then composed ones.
_COMMON_HOURS = [
    "Mo-Fr 09:00-12:00,14:00-17:00",
    "Mo-Fr 08:30-12:00,13:30-17:00",
    "Tu-Sa 10:00-12:30,14:00-18:00",
    "Mo-Fr 09:00-12:00,14:00-17:00; PH off",
    "Mo,We,Fr 09:00-12:00; Tu,Th 14:00-17:30",
    "Mo-Th 08:30-12:00,13:30-17:00; Fr 08:30-12:00; PH off",
    "We 14:00-18:00; Sa 09:00-12:00",
    "Tu,Th 14:00-17:00",
]
_DAY_SETS = [
    (["Mo", "Tu", "We", "Th", "Fr"], 0.45),
    (["Tu", "We", "Th", "Fr", "Sa"], 0.15),
    (["Mo", "Tu", "Th", "Fr"], 0.08),
    (["Mo", "Tu", "We", "Th", "Fr", "Sa"], 0.07),
    (["Tu", "Th"], 0.06),
    (["We", "Sa"], 0.06),
    (["Mo", "We", "Fr"], 0.06),
    (["Tu", "We", "Fr", "Sa"], 0.04),
    (["Th"], 0.03),
]
_DAYS = ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"]
_AM_START = ["08:00", "08:30", "08:45", "09:00", "09:00", "09:00", "09:30", "10:00"]
_AM_END = ["11:30", "12:00", "12:00", "12:00", "12:15", "12:30"]
_PM_START = ["13:00", "13:30", "13:30", "13:45", "14:00", "14:00", "14:00"]
_PM_END = ["16:30", "17:00", "17:00", "17:30", "18:00", "18:00", "18:30", "19:00"]


def _weighted(rng: random.Random, table: list[tuple[Any, float]]) -> Any:
    return rng.choices([v for v, _w in table], weights=[w for _v, w in table], k=1)[0]


def _day_list(days: list[str]) -> str:
    """["Mo", "Tu", "We"] → "Mo-We"; ["Mo", "We"] → "Mo,We" (the OSM spelling people write)."""
    indexes = [_DAYS.index(d) for d in days]
    if len(indexes) > 2 and indexes == list(range(indexes[0], indexes[-1] + 1)):
        return f"{days[0]}-{days[-1]}"
    return ",".join(days)


def _day_hours(rng: random.Random) -> str:
    shape = rng.random()
    morning = f"{rng.choice(_AM_START)}-{rng.choice(_AM_END)}"
    afternoon = f"{rng.choice(_PM_START)}-{rng.choice(_PM_END)}"
    if shape < 0.62:
        return f"{morning},{afternoon}"
    if shape < 0.80:
        return morning
    if shape < 0.93:
        return afternoon
    return f"{rng.choice(_AM_START)}-{rng.choice(_PM_END)}"  # continuous day


def realistic_hours(rng: random.Random) -> str:
    """Opening hours as places write them: ~12 % unknown, ~25 % one of the usual few, the rest composed
    (weekday sets, morning/afternoon spans at quarter hours, one day different, « PH off »): thousands
    of distinct strings over 25 000 places, as in the national data."""
    draw = rng.random()
    if draw < 0.12:
        return ""
    if draw < 0.37:
        return rng.choice(_COMMON_HOURS)
    days = list(_weighted(rng, _DAY_SETS))
    usual = _day_hours(rng)
    rules = []
    if len(days) > 2 and rng.random() < 0.45:
        odd = days.pop(rng.randrange(len(days)))
        rules.append(f"{_day_list(days)} {usual}")
        rules.append(f"{odd} {_day_hours(rng)}")
        rules.sort(key=lambda rule: _DAYS.index(rule[:2]))
    else:
        rules.append(f"{_day_list(days)} {usual}")
    if rng.random() < 0.5:
        rules.append("PH off")
    return "; ".join(rules)


def _shares(rng: random.Random, shares: dict[str, float], *, at_least_one: bool = False) -> list[str]:
    chosen = [value for value, share in shares.items() if rng.random() < share]
    if at_least_one and not chosen:
        chosen = [next(iter(shares))]
    return chosen


def _summary(rng: random.Random, kind: str, services: list[str]) -> tuple[str, str]:
    """A short and a detailed presentation as places write them (naming the procedures they help with)."""
    helped = rng.sample(_HELP_WITH, rng.randint(0, 4))
    summary = f"{kind} : accompagnement au numérique"
    if "Aide aux démarches administratives" in services:
        summary += " et aide aux démarches en ligne"
    detail = ""
    if helped:
        detail = "Nous vous aidons pour vos démarches : " + ", ".join(helped) + "."
    if rng.random() < 0.3:
        detail += " Ateliers collectifs d'initiation à l'ordinateur, à la tablette et au smartphone."
    if rng.random() < 0.2:
        detail += " Sur rendez-vous de préférence."
    return summary + ".", detail.strip()


def _sample(rng: random.Random, values: list[str], low: int, high: int) -> str:
    return "|".join(rng.sample(values, rng.randint(low, min(high, len(values)))))


def _communes(department: str | None = None) -> list[tuple[Any, ...]]:
    """(code, name, postcode, lat, lon, population) of the loaded communes (of one ``department`` when
    given); fake ones when none."""
    from maillage.territories.models import Territory

    communes = Territory.objects.communes()
    if department:
        communes = communes.filter(department__code=department)
    rows = [
        (c.code, c.name, (c.postcodes or [""])[0], c.latitude, c.longitude, c.population or 1)
        for c in communes.exclude(latitude=None).only(
            "code", "name", "postcodes", "latitude", "longitude", "population"
        )
        if c.postcodes
    ]
    if rows:
        return rows
    fake = []
    departments = [d for d in range(1, 96) if d != 20]
    for i in range(2000):
        dept = departments[i % len(departments)]
        number = i % 1000
        fake.append(
            (
                f"{dept:02d}{number:03d}",
                f"Commune {i}",
                f"{dept:02d}{number:03d}",
                43 + (i % 50) / 10,
                1 + (i % 60) / 10,
                1000,
            )
        )
    return fake


def generate_csv(
    rows: int = 25_000,
    *,
    seed: int = 1,
    department: str | None = None,
    source: str = "",
    prefix: str = "bench",
) -> bytes:
    """A standard CSV of ``rows`` realistic places spread over the loaded communes (by population), or
    over one ``department``'s; ``source`` and the ids' ``prefix`` keep several sets apart."""
    source = source or BENCH_SOURCE
    from maillage.places.choices import AccessMode, Fee, SpecificSupport, SupportMode
    from maillage.places.interop.writer import write_csv

    rng = random.Random(seed)
    communes = _communes(department)
    # Places are where people live: a commune's chance grows with its population (square root: a
    # city of 100 000 has more places than a village, not 1 000 times more).
    weights = [max(c[5], 1) ** 0.5 for c in communes]
    chosen = rng.choices(communes, weights=weights, k=rows)
    kinds = [(name, typologies) for name, typologies, _share in _KINDS]
    kind_weights = [share for _name, _typologies, share in _KINDS]
    access = [v for v in AccessMode.values if v != AccessMode.NO_PUBLIC]

    def records() -> Any:
        for i, (code, name, postcode, lat, lon, _pop) in enumerate(chosen):
            kind, typologies = rng.choices(kinds, weights=kind_weights, k=1)[0]
            services = _shares(rng, _SERVICE_SHARES, at_least_one=True)
            summary, detail = _summary(rng, kind, services)
            yield {
                "id": f"{prefix}-{i:06d}",
                "pivot": f"{rng.randint(10**13, 10**14 - 1)}",
                "nom": f"{kind} de {name}{rng.choice(_QUALIFIERS)}" + (f" {i}" if rng.random() < 0.1 else ""),
                "commune": name,
                "code_postal": postcode,
                "code_insee": code,
                "adresse": f"{rng.randint(1, 120)} {rng.choice(_STREETS)}",
                "complement_adresse": rng.choice(["", "", "Rez-de-chaussée", "Bâtiment B"]),
                # Within ~2 km of the commune's centre (people's places are in town, not in the fields).
                "latitude": round(lat + rng.gauss(0, 0.008), 6),
                "longitude": round(lon + rng.gauss(0, 0.011), 6),
                "typologie": "|".join(typologies),
                "telephone": f"+335{rng.randint(10_000_000, 99_999_999)}",
                "courriels": f"contact{i}@exemple-lieu.fr",
                "site_web": rng.choice(["", f"https://www.lieu-{i}.exemple.fr/"]),
                "horaires": realistic_hours(rng),
                "presentation_resume": summary,
                "presentation_detail": detail,
                "source": source,
                "itinerance": rng.choice(["Fixe", "Fixe", "Fixe", "Fixe", "Itinérant"]),
                "structure_parente": "",
                "date_maj": f"202{rng.randint(4, 5)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                "services": "|".join(services),
                "publics_specifiquement_adresses": "|".join(_shares(rng, _PUBLIC_SHARES)),
                "prise_en_charge_specifique": _sample(rng, list(SpecificSupport.values), 0, 1)
                if rng.random() < 0.3
                else "",
                "frais_a_charge": rng.choice(
                    [Fee.FREE.value] * 7 + [Fee.FREE_UNDER_CONDITION.value] * 2 + [Fee.PAID.value]
                ),
                "dispositif_programmes_nationaux": "|".join(_shares(rng, _PROGRAMME_SHARES)),
                "formations_labels": "",
                "autres_formations_labels": "",
                "modalites_acces": _sample(rng, access, 1, 3),
                "modalites_accompagnement": _sample(rng, list(SupportMode.values), 1, 3),
                "fiche_acces_libre": "",
                "prise_rdv": rng.choice(["", "", "https://www.rdv-solidarites.fr/"]),
            }

    buffer = io.StringIO()
    write_csv(records(), buffer)
    return buffer.getvalue().encode("utf-8")


def clear_places() -> int:
    from maillage.places.models import DuplicateCandidate, Place

    ids = Place.objects.filter(source=BENCH_SOURCE).values("pk")
    DuplicateCandidate.objects.filter(place_a__in=ids).delete()
    DuplicateCandidate.objects.filter(place_b__in=ids).delete()
    deleted, _ = Place.objects.filter(source=BENCH_SOURCE).delete()
    return deleted


def ensure_territories() -> int:
    """Load the territories into the bench database when missing (offline, vendored data)."""
    from django.core.management import call_command

    from maillage.territories.models import Territory

    if not Territory.objects.communes().exists():
        try:
            call_command("load_territories", verbosity=0)
        except Exception as error:  # noqa: BLE001 — the bench still runs on fake INSEE codes
            print(f"Territoires non chargés ({error}) : codes INSEE fictifs.", flush=True)
    return Territory.objects.communes().count()


ANALYZED_TABLES = ("places_place", "places_openinginterval", "places_duplicatecandidate", "core_auditlog")


def fill_places(rows: int = 25_000, *, seed: int = 1) -> int:
    """Make sure the bench database holds ``rows`` bench places (imported through the real importer).

    Idempotent: does nothing when they are already there. Returns the number of bench places.
    """
    from maillage.bench.common import vacuum_analyze
    from maillage.places.models import Place

    ensure_territories()
    if Place.objects.filter(source=BENCH_SOURCE).count() == rows:
        return rows
    clear_places()
    job = _import(generate_csv(rows, seed=seed))
    if job.status not in {"done", "unchanged"}:
        raise SystemExit(f"Import refusé : {job.report.get('message')} {job.report.get('errors', [])[:5]}")
    vacuum_analyze(*ANALYZED_TABLES)
    return Place.objects.filter(source=BENCH_SOURCE).count()


def _import(data: bytes) -> Any:
    from maillage.places.services import places_import

    return places_import(data=data, filename="banc-essai.csv", source=BENCH_SOURCE)


def _rate(rows: int, seconds: float) -> str:
    return f"{rows / seconds:,.0f}".replace(",", " ")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rows", type=int, default=25_000, help="Nombre de lieux (25 000 par défaut)")
    parser.add_argument("--keep", action="store_true", help="Garder les lieux en base après la mesure")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profile", metavar="FICHIER", help="Profil cProfile du premier import dans FICHIER")
    parser.add_argument(
        "--phases",
        action="store_true",
        help="Temps (mur, CPU Python, CPU PostgreSQL) de chaque étape du premier import, et EXPLAIN "
        "(ANALYZE, BUFFERS) de ses écritures",
    )


def raw_copy_seconds(data: bytes) -> float:
    """The honest baseline of an import: PostgreSQL's ``COPY`` of the same CSV bytes into an unlogged
    table of text columns (no parsing into types, no checks, no index): what the disk and the server
    need at least to take the file in."""
    return _raw_copy(data).wall


def _raw_copy(data: bytes) -> Any:
    import csv

    from django.db import connection, transaction

    from maillage.bench.common import CpuMeter

    header = next(csv.reader(io.StringIO(data[:4096].decode("utf-8-sig"))))
    columns = ", ".join(f'"c{i}" text' for i in range(len(header)))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_raw_copy")
        cursor.execute(f"CREATE UNLOGGED TABLE bench_raw_copy ({columns})")
        with (
            CpuMeter() as meter,
            cursor.cursor.copy("COPY bench_raw_copy FROM STDIN WITH (FORMAT csv, HEADER true)") as copy,
        ):
            copy.write(data)
        cursor.execute("DROP TABLE bench_raw_copy")
    return meter


def _table_floor() -> Any:
    """The floor set by the directory table itself: the bench places, already typed and derived, copied
    again into ``places_place`` with one ``INSERT … SELECT`` (all its indexes — GIN, GiST, B-tree —, its
    generated text-search column, its foreign keys checked at once), then rolled back. No import can
    write these rows for less."""
    from django.db import connection, transaction

    from maillage.bench.common import CpuMeter

    class Rollback(Exception):
        pass

    meter = CpuMeter()
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT array_agg(quote_ident(attname) ORDER BY attnum) FROM pg_attribute WHERE attrelid = "
                "'places_place'::regclass AND attnum > 0 AND NOT attisdropped AND attgenerated = ''"
            )
            names = cursor.fetchone()[0]
            shifted = {
                "id": "id + 1000000000",
                "source_id": "source_id || '#'",
            }  # no clash with the originals
            targets = ", ".join(names)
            values = ", ".join(shifted.get(name, name) for name in names)
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(
                "CREATE TEMPORARY TABLE bench_floor AS SELECT * FROM places_place WHERE source = %s",
                [BENCH_SOURCE],
            )
            cursor.execute("ANALYZE bench_floor")
            with meter:
                cursor.execute(f"INSERT INTO places_place ({targets}) SELECT {values} FROM bench_floor")  # noqa: S608
            raise Rollback
    except Rollback:
        pass
    return meter


#: The steps of an import timed by ``--phases``: (label, module, attribute); nested steps are printed
#: inside the step that calls them (their time is part of it).
_PHASES = [
    ("lecture du fichier (décodage, CSV)", "maillage.places.interop", "read"),
    ("validation (colonne par colonne)", "maillage.places.interop", "validate_records"),
    ("communes (résolution, territoire)", "maillage.places.services.imports", "_resolve_communes"),
    ("table de transit (COPY)", "maillage.places.services.staging", "StagedImport._stage"),
    (
        "classement (nouveau / changé / inchangé)",
        "maillage.places.services.staging",
        "StagedImport._classify",
    ),
    ("écriture (dérivés + INSERT + audit)", "maillage.places.services.staging", "StagedImport.write"),
    ("  horaires (« ouvert maintenant »)", "maillage.places.open_now", "ensure_hours"),
    ("  INSERT … SELECT des lieux", "maillage.places.services.staging", "StagedImport._insert_new"),
    ("  UPDATE … FROM des lieux", "maillage.places.services.staging", "StagedImport._update_changed"),
    ("  journal d'audit", "maillage.places.services.staging", "StagedImport._audit"),
    ("annuaires périmés", "maillage.places.annuaire_files", "mark_stale"),
    ("doublons probables", "maillage.places.services.imports", "_flag_duplicates"),
]


@contextmanager
def _phase_meters(explain: bool) -> Iterator[dict[str, list[float]]]:
    """Wrap the import's steps to sum their wall, Python CPU and server CPU; with ``explain``, the
    import's INSERT and UPDATE statements run under ``EXPLAIN (ANALYZE, BUFFERS)`` (they still write)
    and their plans are printed."""
    import importlib

    from django.db import connection

    from maillage.bench.common import _cpu_seconds

    with connection.cursor() as cursor:  # read once: a step may run inside a COPY (no query then)
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]

    def server_cpu_seconds() -> float:
        return _cpu_seconds(backend)

    totals: dict[str, list[float]] = {label: [0.0, 0.0, 0.0, 0] for label, _m, _a in _PHASES}
    patched: list[tuple[Any, str, Any]] = []

    def wrap(label: str, function: Any) -> Any:
        def timed(*args: Any, **kwargs: Any) -> Any:
            server, python, wall = server_cpu_seconds(), time.process_time(), time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                total = totals[label]
                total[0] += time.perf_counter() - wall
                total[1] += time.process_time() - python
                total[2] += server_cpu_seconds() - server
                total[3] += 1

        return timed

    for label, module_name, attribute in _PHASES:
        owner: Any = importlib.import_module(module_name)
        name = attribute
        if "." in attribute:
            class_name, name = attribute.split(".")
            owner = getattr(owner, class_name)
        original = getattr(owner, name)
        patched.append((owner, name, original))
        setattr(owner, name, wrap(label, original))

    def explained(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        head = sql.lstrip()[:40].upper()
        if many or not head.startswith(
            ("INSERT INTO PLACES_PLACE", "UPDATE PLACES_PLACE P", "INSERT INTO CORE")
        ):
            return execute(sql, params, many, context)
        result = execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params, many, context)
        plan = "\n    ".join(row[0] for row in context["cursor"].fetchall())
        print(f"  EXPLAIN (ANALYZE, BUFFERS) {sql[:70]}…\n    {plan}", flush=True)
        return result

    try:
        if explain:
            with connection.execute_wrapper(explained):
                yield totals
        else:
            yield totals
    finally:
        for owner, name, original in patched:
            setattr(owner, name, original)


def _print_phases(totals: dict[str, list[float]], meter: Any) -> None:
    print("Étapes du premier import (mur ; CPU Python ; CPU PostgreSQL ; appels) :", flush=True)
    for label, (wall, python, server, calls) in totals.items():
        if calls:
            print(f"  {label:<44} {wall:6.2f} s ; {python:6.2f} s ; {server:6.2f} s ; {calls}", flush=True)
    nested = [v for label, v in totals.items() if label.startswith(" ")]
    write = totals["écriture (dérivés + INSERT + audit)"]
    derive = [write[i] - sum(v[i] for v in nested) for i in range(3)]
    print(
        f"  {'  colonnes dérivées (Python) et leur COPY':<44} {derive[0]:6.2f} s ; {derive[1]:6.2f} s ; {derive[2]:6.2f} s",
        flush=True,
    )
    known = [v for label, v in totals.items() if not label.startswith(" ")]
    rest = (
        meter.wall - sum(v[0] for v in known),
        meter.python - sum(v[1] for v in known),
        (meter.server or 0.0) - sum(v[2] for v in known),
    )
    print(
        f"  {'le reste (job, verrou, rapport)':<44} {rest[0]:6.2f} s ; {rest[1]:6.2f} s ; {rest[2]:6.2f} s",
        flush=True,
    )


def _cpu_ratio(meter: Any, baseline: Any) -> str:
    from maillage.bench.common import ratio

    if meter.total is None or baseline.total is None:
        return "×?"
    return ratio(meter.total, baseline.total)


def run(args: argparse.Namespace) -> None:
    from django.conf import settings

    from maillage.bench.common import CpuMeter, context_line, ensure_database, ratio, timer, vacuum_analyze
    from maillage.places.models import Place
    from maillage.places.services import export_places

    settings.IMPORT_MAX_ROWS = max(settings.IMPORT_MAX_ROWS, args.rows)
    settings.IMPORT_MAX_BYTES = max(settings.IMPORT_MAX_BYTES, args.rows * 2000)
    ensure_database()
    communes = ensure_territories()
    print(f"Communes du référentiel : {communes}", flush=True)
    clear_places()
    vacuum_analyze(*ANALYZED_TABLES)
    with timer(f"Génération d'un CSV standard de {args.rows} lieux"):
        data = generate_csv(args.rows, seed=args.seed)
    print(f"Taille du fichier : {len(data) / 1_048_576:.1f} Mo {context_line()}", flush=True)

    copies = sorted((_raw_copy(data) for _ in range(3)), key=lambda m: m.wall)
    base = copies[1]
    baseline = base.wall
    print(
        f"Référence : COPY brut du même fichier dans une table de textes : {base.describe()} (médiane de 3) "
        f"{context_line()}",
        flush=True,
    )
    profile = None
    if args.profile:
        import cProfile

        profile = cProfile.Profile()
        profile.enable()
    with _phase_meters(args.phases) if args.phases else nullcontext() as totals, CpuMeter() as first:
        job = _import(data)
    if totals is not None:
        _print_phases(totals, first)
    if profile is not None:
        profile.disable()
        profile.dump_stats(args.profile)
        print(f"Profil du premier import : {args.profile} (python -m pstats)", flush=True)
    if job.status != "done":
        raise SystemExit(f"Import refusé : {job.report.get('message')} {job.report.get('errors', [])[:5]}")
    print(
        f"Import (analyse + validation + écriture + doublons + audit) : {first.describe()}, "
        f"{_rate(args.rows, first.wall)} lignes/s ; rapport au COPY brut {ratio(first.wall, baseline)} "
        f"(en CPU Python + PostgreSQL : {_cpu_ratio(first, base)}) — {job.created_count} créés, "
        f"{job.duplicate_count} doublons probables {context_line()}",
        flush=True,
    )
    vacuum_analyze(*ANALYZED_TABLES)
    floor = _table_floor()
    print(
        f"Plancher de la table : les mêmes lignes, déjà prêtes, insérées dans places_place (index, colonne "
        f"générée, clés étrangères) : {floor.describe()} ; rapport au COPY brut {ratio(floor.wall, baseline)} "
        f"(en CPU : {_cpu_ratio(floor, base)}) ; l'import vaut {ratio(first.wall, floor.wall)} ce plancher "
        f"{context_line()}",
        flush=True,
    )
    with CpuMeter() as again_meter:
        again = _import(data)
    print(
        f"Ré-import du même fichier : {again_meter.describe()}, {_rate(args.rows, again_meter.wall)} lignes/s ; "
        f"rapport au COPY brut {ratio(again_meter.wall, baseline)} (en CPU Python + PostgreSQL : "
        f"{_cpu_ratio(again_meter, base)}) — {again.unchanged_count} inchangés, "
        f"{again.created_count + again.updated_count} écrits {context_line()}",
        flush=True,
    )
    total = Place.objects.published().count()
    for file_format in ("csv", "json"):
        buffer = io.StringIO()
        start = time.perf_counter()
        count = export_places(stream=buffer, file_format=file_format)
        elapsed = time.perf_counter() - start
        print(
            f"Export {file_format.upper()} : {count} lieux en {elapsed:.2f} s "
            f"({len(buffer.getvalue().encode()) / 1_048_576:.1f} Mo) {context_line()}",
            flush=True,
        )
    print(f"Lieux publiés en base : {total}", flush=True)
    if not args.keep:
        clear_places()
