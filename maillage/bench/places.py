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
import os
import random
import time
from typing import Any

BENCH_SOURCE = "Banc d'essai"

_KINDS = [
    ("Médiathèque", ["BIB", "MUNI"]),
    ("France Services", ["RFS"]),
    ("Espace public numérique", ["EPN"]),
    ("Centre social", ["CS"]),
    ("Mairie", ["MUNI"]),
    ("Tiers-lieu", ["TIERS_LIEUX", "ASSO"]),
    ("Maison des solidarités", ["MDS", "DEPT"]),
    ("Association numérique", ["ASSO"]),
    ("CCAS", ["CCAS"]),
    ("Mission locale", ["ML"]),
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
]
_HOURS = [
    "Mo-Fr 09:00-12:00,14:00-17:00",
    "Tu-Sa 10:00-12:30,14:00-18:00",
    "Mo,We,Fr 09:00-12:00; Tu,Th 14:00-17:30",
    "Mo-Th 08:30-12:00,13:30-17:00; Fr 08:30-12:00; PH off",
    "We 14:00-18:00; Sa 09:00-12:00",
    "",
]


def _sample(rng: random.Random, values: list[str], low: int, high: int) -> str:
    return "|".join(rng.sample(values, rng.randint(low, min(high, len(values)))))


def _communes() -> list[tuple[Any, ...]]:
    """(code, name, postcode, lat, lon, population) of the loaded communes; fake ones when none."""
    from maillage.territories.models import Territory

    rows = [
        (c.code, c.name, (c.postcodes or [""])[0], c.latitude, c.longitude, c.population or 1)
        for c in Territory.objects.communes()
        .exclude(latitude=None)
        .only("code", "name", "postcodes", "latitude", "longitude", "population")
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


def generate_csv(rows: int = 25_000, *, seed: int = 1) -> bytes:
    """A standard CSV of ``rows`` realistic places spread over the loaded communes (by population)."""
    from maillage.places.choices import (
        AccessMode,
        Fee,
        NationalProgramme,
        Public,
        Service,
        SpecificSupport,
        SupportMode,
    )
    from maillage.places.interop.writer import write_csv

    rng = random.Random(seed)
    communes = _communes()
    weights = [max(c[5], 1) ** 0.5 for c in communes]
    chosen = rng.choices(communes, weights=weights, k=rows)
    services = list(Service.values)
    access = [v for v in AccessMode.values if v != AccessMode.NO_PUBLIC]

    def records() -> Any:
        for i, (code, name, postcode, lat, lon, _pop) in enumerate(chosen):
            kind, typologies = _KINDS[i % len(_KINDS)]
            yield {
                "id": f"bench-{i:06d}",
                "pivot": f"{rng.randint(10**13, 10**14 - 1)}",
                "nom": f"{kind} de {name}" + (f" {i // len(communes)}" if i >= len(communes) else ""),
                "commune": name,
                "code_postal": postcode,
                "code_insee": code,
                "adresse": f"{rng.randint(1, 120)} {rng.choice(_STREETS)}",
                "complement_adresse": rng.choice(["", "", "Rez-de-chaussée", "Bâtiment B"]),
                "latitude": round(lat + rng.uniform(-0.01, 0.01), 6),
                "longitude": round(lon + rng.uniform(-0.01, 0.01), 6),
                "typologie": "|".join(typologies),
                "telephone": f"+335{rng.randint(10_000_000, 99_999_999)}",
                "courriels": f"contact{i}@exemple-lieu.fr",
                "site_web": rng.choice(["", f"https://www.lieu-{i}.exemple.fr/"]),
                "horaires": rng.choice(_HOURS),
                "presentation_resume": f"{kind} : accompagnement au numérique et aide aux démarches en ligne.",
                "presentation_detail": "",
                "source": BENCH_SOURCE,
                "itinerance": rng.choice(["Fixe", "Fixe", "Fixe", "Itinérant"]),
                "structure_parente": "",
                "date_maj": f"202{rng.randint(4, 5)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                "services": _sample(rng, services, 1, 5),
                "publics_specifiquement_adresses": _sample(rng, list(Public.values), 0, 2),
                "prise_en_charge_specifique": _sample(rng, list(SpecificSupport.values), 0, 2),
                "frais_a_charge": rng.choice(
                    [Fee.FREE.value, Fee.FREE.value, Fee.FREE_UNDER_CONDITION.value]
                ),
                "dispositif_programmes_nationaux": _sample(rng, list(NationalProgramme.values), 0, 2),
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


def fill_places(rows: int = 25_000, *, seed: int = 1) -> int:
    """Make sure the bench database holds ``rows`` bench places (imported through the real importer).

    Idempotent: does nothing when they are already there. Returns the number of bench places.
    """
    from maillage.places.models import Place

    ensure_territories()
    if Place.objects.filter(source=BENCH_SOURCE).count() == rows:
        return rows
    clear_places()
    job = _import(generate_csv(rows, seed=seed))
    if job.status not in {"done", "unchanged"}:
        raise SystemExit(f"Import refusé : {job.report.get('message')} {job.report.get('errors', [])[:5]}")
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


def run(args: argparse.Namespace) -> None:
    from django.conf import settings

    from maillage.bench.common import ensure_database, timer
    from maillage.places.models import Place
    from maillage.places.services import export_places

    settings.IMPORT_MAX_ROWS = max(settings.IMPORT_MAX_ROWS, args.rows)
    settings.IMPORT_MAX_BYTES = max(settings.IMPORT_MAX_BYTES, args.rows * 2000)
    ensure_database()
    communes = ensure_territories()
    print(f"Communes du référentiel : {communes}", flush=True)
    clear_places()
    with timer(f"Génération d'un CSV standard de {args.rows} lieux"):
        data = generate_csv(args.rows, seed=args.seed)
    print(f"Taille du fichier : {len(data) / 1_048_576:.1f} Mo", flush=True)

    print(
        f"Charge de la machine (load average 1 min) : {os.getloadavg()[0]:.1f} pour {os.cpu_count()} CPU",
        flush=True,
    )
    start, cpu = time.perf_counter(), time.process_time()
    job = _import(data)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    if job.status != "done":
        raise SystemExit(f"Import refusé : {job.report.get('message')} {job.report.get('errors', [])[:5]}")
    print(
        f"Import (analyse + écriture + doublons + audit) : {elapsed:.2f} s, {_rate(args.rows, elapsed)} lignes/s "
        f"(CPU Python {cpu:.2f} s) — {job.created_count} créés, {job.duplicate_count} doublons probables",
        flush=True,
    )
    start, cpu = time.perf_counter(), time.process_time()
    again = _import(data)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    print(
        f"Ré-import du même fichier : {elapsed:.2f} s, {_rate(args.rows, elapsed)} lignes/s (CPU Python {cpu:.2f} s) "
        f"— {again.unchanged_count} inchangés, {again.created_count + again.updated_count} écrits",
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
            f"({len(buffer.getvalue().encode()) / 1_048_576:.1f} Mo)",
            flush=True,
        )
    print(f"Lieux publiés en base : {total}", flush=True)
    if not args.keep:
        clear_places()
