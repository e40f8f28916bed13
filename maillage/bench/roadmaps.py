"""Roadmap steering at the size of a real département: 25 actions, 3 years of monthly measurements.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/maillage_bench_roadmaps \\
        .venv/bin/python -m maillage.bench roadmaps [--repeat 50] [--reports 3]

Steps: the Lot roadmap of the seeds (23 actions) plus 2 copies → 25 actions; every typed indicator is made
monthly and gets 36 measurements (2024-01 → 2026-12) with comments and authors; governance meetings with
attendance; a coordinator. Then the coordinator dashboard is fetched through the whole Django stack (test
client, session, middleware, template) ``--repeat`` times → p50/p95; and the bilan annuel 2025 is generated
``--reports`` times as PDF (WeasyPrint) and as DOCX (python-docx), data building included.
"""

from __future__ import annotations

import argparse
import copy
import os
import random
import time
from datetime import date
from decimal import Decimal
from typing import Any

from maillage.bench.common import ensure_database, percentile, report, time_calls

SLUG = "lot-numerique-ensemble-2024-2027"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--repeat", type=int, default=50, help="Requêtes mesurées sur le tableau de bord")
    parser.add_argument("--reports", type=int, default=3, help="Bilans générés par format")
    parser.add_argument("--year", type=int, default=2025)


def _setup() -> tuple[Any, Any]:
    import yaml

    from maillage.accounts.models import Membership, Organisation, User
    from maillage.roadmaps.demo import LOT_FILE
    from maillage.roadmaps.exchange.importer import import_data
    from maillage.roadmaps.models import (
        Attendance,
        BodyMember,
        Indicator,
        Measurement,
        Meeting,
    )
    from maillage.roadmaps.periods import add_months, period_for
    from maillage.territories.models import Territory, TerritoryKind

    region, _ = Territory.objects.get_or_create(
        kind=TerritoryKind.REGION, code="76", defaults={"name": "Occitanie"}
    )
    lot, _ = Territory.objects.get_or_create(
        kind=TerritoryKind.DEPARTMENT, code="46", defaults={"name": "Lot", "region": region}
    )
    data = yaml.safe_load(LOT_FILE.read_text(encoding="utf-8"))
    solidaire = data["axes"][1]["actions"]
    for number in (24, 25):
        clone = copy.deepcopy(solidaire[4])  # action 8, with budget and indicators
        clone.update({"numero": number, "titre": f"{clone['titre']} (copie de banc d'essai {number})"})
        clone.pop("introduite_par_version", None)
        solidaire.append(clone)
    roadmap = import_data(data, territory=lot).roadmap

    user = User.objects.filter(email="bench-roadmaps@exemple.fr").first() or User.objects.create_user(
        email="bench-roadmaps@exemple.fr", password=None
    )
    organisation, _ = Organisation.objects.get_or_create(name="Syndicat mixte Lot Numérique")
    Membership.objects.get_or_create(user=user, organisation=organisation, territory=lot, role="coordinator")

    indicators = list(Indicator.objects.filter(action__roadmap=roadmap, metric_key=""))
    Indicator.objects.filter(pk__in=[i.pk for i in indicators]).update(frequency="mensuelle")
    Measurement.objects.filter(indicator__in=indicators).delete()
    rng = random.Random(46)
    rows = []
    for indicator in indicators:
        day = date(2024, 1, 1)
        for _ in range(36):
            start, end = period_for(day, "mensuelle")
            rows.append(
                Measurement(
                    indicator=indicator,
                    period_start=start,
                    period_end=end,
                    value=Decimal(rng.randint(0, 20)) if indicator.kind == "quantitatif" else None,
                    text_value="Appréciation de banc d'essai" if indicator.kind == "qualitatif" else "",
                    achieved=(day.year >= 2025) if indicator.kind == "livrable" else None,
                    comment="Mesure de banc d'essai",
                    author=user,
                )
            )
            day = add_months(day, 1)
    Measurement.objects.bulk_create(rows, batch_size=2000)
    for body in roadmap.bodies.all():
        members = list(body.members.all()) or [
            BodyMember.objects.create(body=body, person_name="Membre de banc")
        ]
        for month in range(1, 37, 3):
            meeting, _ = Meeting.objects.get_or_create(
                body=body, date=add_months(date(2024, 1, 1), month - 1)
            )
            for member in members:
                Attendance.objects.get_or_create(
                    meeting=meeting,
                    member=member,
                    defaults={"status": rng.choice(["present", "present", "excuse", "absent"])},
                )
    print(
        f"Données : {roadmap.actions.count()} actions, {len(indicators)} indicateurs saisis, "
        f"{Measurement.objects.filter(indicator__action__roadmap=roadmap).count()} mesures, "
        f"{Meeting.objects.filter(body__roadmap=roadmap).count()} réunions.",
        flush=True,
    )
    return roadmap, user


def run(args: argparse.Namespace) -> None:
    import logging

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from maillage.roadmaps.reports import build_report, render_docx, render_pdf

    logging.getLogger("weasyprint").setLevel(logging.WARNING)
    logging.getLogger("fontTools").setLevel(logging.WARNING)
    ensure_database()
    roadmap, user = _setup()
    client = Client()
    client.force_login(user)
    url = reverse("roadmaps:dashboard", args=[roadmap.pk])  # type: ignore[attr-defined]

    def fetch() -> None:
        response = client.get(url)
        assert response.status_code == 200, response.status_code

    with CaptureQueriesContext(connection) as queries:
        fetch()
    print(f"Tableau de bord : {len(queries.captured_queries)} requêtes SQL par affichage.", flush=True)
    samples = time_calls(fetch, repeat=args.repeat, warmup=3)
    report("Tableau de bord (requête complète, serveur)", samples)
    cpu_start = time.process_time()
    for _ in range(10):
        fetch()
    print(
        f"  temps CPU Python moyen par affichage : {(time.process_time() - cpu_start) * 100:.1f} ms",
        flush=True,
    )
    print(
        f"  charge de la machine (load average 1 min) : {os.getloadavg()[0]:.1f} sur {os.cpu_count()} CPU",
        flush=True,
    )
    print(
        f"  objectif p95 ≤ 150 ms : {'atteint' if percentile(samples, 95) <= 150 else 'NON atteint'}",
        flush=True,
    )

    for label, render in (("PDF", lambda r: render_pdf(r)), ("DOCX", lambda r: render_docx(r))):
        durations = []
        cpu = []
        size = 0
        for _ in range(args.reports):
            start, start_cpu = time.perf_counter(), time.process_time()
            content = render(build_report(roadmap, args.year))
            durations.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
            size = len(content)
        worst = max(durations)
        print(
            f"Bilan annuel {args.year} {label} : médiane {sorted(durations)[len(durations) // 2]:.2f} s, "
            f"max {worst:.2f} s, temps CPU du processus {min(cpu):.2f} s ({size / 1024:.0f} Kio) — "
            f"objectif ≤ 5 s : {'atteint' if worst <= 5 else 'NON atteint'}",
            flush=True,
        )
