"""Benchmark of the user pathway at national scale on PostgreSQL.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/maillage_bench_pathways \\
        .venv/bin/python -m maillage.bench pathways [--referrals 1000000] [--places 25000] [--repeat 200]

Fills the bench database with 25 000 places (``maillage.bench.places.fill_places``, the real importer)
and 1 million referrals over 600 000 diagnostics spread across every commune (INSERT … SELECT from
``generate_series``: seconds, not hours), then prints:

* the p95 time to compute the proposals for one diagnostic (SQL prefilter + ranking + opening hours),
  over diagnostics in dense and rural communes (aim ≤ 100 ms);
* the p95 time of the statistics page of a département (the full Django view through the test client,
  and the aggregates alone), for the département with the most referrals (aim ≤ 300 ms).
"""

from __future__ import annotations

import argparse
import random
from typing import Any

BENCH_ORG_PREFIX = "Banc d'essai parcours"
ORGS = 200


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--referrals", type=int, default=1_000_000)
    parser.add_argument("--diagnostics", type=int, default=600_000)
    parser.add_argument("--places", type=int, default=25_000)
    parser.add_argument("--repeat", type=int, default=200, help="Mesures par indicateur")
    parser.add_argument("--refill", action="store_true", help="Régénérer diagnostics et orientations")


def _organisations() -> list[int]:
    from maillage.accounts.models import Organisation

    existing = list(
        Organisation.objects.filter(name__startswith=BENCH_ORG_PREFIX)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if len(existing) >= ORGS:
        return existing[:ORGS]
    Organisation.objects.bulk_create(
        [Organisation(name=f"{BENCH_ORG_PREFIX} {i:03d}", kind="social") for i in range(len(existing), ORGS)]
    )
    return _organisations()


def fill_pathways(*, diagnostics: int, referrals: int, refill: bool) -> None:
    """Bulk-generate diagnostics and referrals in SQL (kept between runs unless ``refill``)."""
    from django.db import connection

    from maillage.pathways.models import DiagnosticGrid, Referral
    from maillage.places.models import Place

    if not refill and Referral.objects.count() >= referrals:
        return
    orgs = _organisations()
    grid = DiagnosticGrid.objects.get(is_current=True)
    place_ids = list(Place.objects.filter(is_published=True).order_by("pk").values_list("pk", flat=True))
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE pathways_followup, pathways_referralevent, pathways_referral, pathways_diagnostic "
            "RESTART IDENTITY"
        )
        # Diagnostics: spread over communes weighted by population (communes repeated by size class).
        cursor.execute(
            """
            CREATE TEMP TABLE bench_communes AS
            SELECT row_number() OVER (ORDER BY id) AS n, id, department_id
            FROM territories_territory, generate_series(1, 1 + coalesce(population, 0) / 5000)
            WHERE kind = 'commune' AND latitude IS NOT NULL AND department_id IS NOT NULL
            """
        )
        cursor.execute("SELECT count(*) FROM bench_communes")
        n_communes = cursor.fetchone()[0]
        cursor.execute(
            """
            INSERT INTO pathways_diagnostic (
                grid_id, prescriber_id, organisation_id, commune_id, department_id, answers,
                skills_score, admin_score, profile, flags, needs, orientations, notes, specific_support,
                is_fragile, person_informed, duration_seconds, nearest_match_km, proposals_computed_at,
                unmet_need, created_at, updated_at)
            SELECT %(grid)s, NULL, (%(orgs)s::bigint[])[1 + g %% %(n_orgs)s], c.id, c.department_id,
                '{"C2": "non"}'::jsonb, g %% 11, g %% 4,
                (ARRAY['P0','P1','P2','P2','P3','P3','P4'])[1 + g %% 7],
                (ARRAY['[]', '["URGENCE"]', '["SANS_EMAIL", "SANS_CONNEXION"]', '["SANS_EQUIPEMENT"]',
                       '[]', '["ILLETTRISME_FLE", "NON_MOBILE"]'])[1 + g %% 6]::jsonb,
                '["demarche_admin"]'::jsonb,
                (ARRAY['["ateliers_debutants"]', '["demarche_accompagnee", "ateliers_debutants"]',
                       '["equipement"]', '[]'])[1 + g %% 4]::jsonb,
                '[]'::jsonb, '[]'::jsonb, g %% 7 <> 6, true, 240 + g %% 300,
                (g %% 40)::float, now(), g %% 23 = 0, t, t
            FROM generate_series(1, %(count)s) AS g
            JOIN bench_communes c ON c.n = 1 + (g::bigint * 7919) %% %(n_communes)s
            CROSS JOIN LATERAL (SELECT now() - make_interval(mins => (g * 37) %% (540 * 24 * 60))) AS ts(t)
            """,
            {
                "grid": grid.pk,
                "orgs": orgs,
                "n_orgs": len(orgs),
                "count": diagnostics,
                "n_communes": n_communes,
            },
        )
        # Referrals: every status, realistic delays; two thirds of diagnostics lead to one or two.
        cursor.execute(
            """
            INSERT INTO pathways_referral (
                diagnostic_id, place_id, orientation, status, prescriber_id, organisation_id, department_id,
                commune_id, distance_km, first_name, phone, email, contact_preference, message,
                person_informed, identity_anonymised_at, created_at, sent_at, review_started_at,
                responded_at, taken_up_at, closed_at, last_reminder_at, reminders_sent, refusal_reason,
                refusal_message, link_version, response_hours)
            SELECT d.id, (%(places)s::bigint[])[1 + (g::bigint * 104729) %% %(n_places)s],
                (ARRAY['ateliers_debutants', 'demarche_accompagnee', 'equipement', 'emploi'])[1 + g %% 4],
                st.status, NULL, d.organisation_id, d.department_id, d.commune_id, (g %% 35)::float,
                'A. B.', '0600000000', '', 'telephone', '', true, NULL,
                d.created_at, CASE WHEN st.status <> 'proposed' THEN d.created_at END,
                CASE WHEN st.status = 'under_review' THEN d.created_at + interval '2 days' END,
                CASE WHEN st.status IN ('accepted', 'taken_up', 'refused', 'under_review')
                     THEN d.created_at + make_interval(hours => 6 + g %% 200) END,
                CASE WHEN st.status = 'taken_up' THEN d.created_at + interval '9 days' END,
                CASE WHEN st.status IN ('taken_up', 'refused', 'cancelled', 'expired')
                     THEN d.created_at + interval '10 days' END,
                NULL, 0,
                CASE WHEN st.status = 'refused'
                     THEN (ARRAY['beneficiaire-non-joignable', 'session-complete', 'beneficiaire-absent',
                                 'autre'])[1 + g %% 4] ELSE '' END,
                '', 1,
                CASE WHEN st.status IN ('accepted', 'taken_up', 'refused', 'under_review')
                     THEN 6 + g %% 200 END
            FROM generate_series(1, %(count)s) AS g
            JOIN pathways_diagnostic d ON d.id = 1 + (g * 15485863::bigint) %% %(n_diag)s
            CROSS JOIN LATERAL (SELECT (ARRAY['proposed', 'sent', 'under_review', 'accepted', 'taken_up',
                'taken_up', 'taken_up', 'refused', 'cancelled', 'expired'])[1 + g %% 10] AS status) AS st
            """,
            {"places": place_ids, "n_places": len(place_ids), "count": referrals, "n_diag": diagnostics},
        )


def vacuum() -> None:
    """Outside any transaction: VACUUM sets the visibility map that index-only scans rely on (what
    autovacuum does in production)."""
    from django.db import connection

    with connection.cursor() as cursor:
        for table in ("pathways_diagnostic", "pathways_referral", "places_place"):
            cursor.execute(f"VACUUM ANALYZE {table}")


def _bench_user(department: Any) -> Any:
    from maillage.accounts.models import Membership, Organisation, User

    user = User.objects.filter(email="banc-parcours@exemple.fr").first()
    if user is None:
        user = User.objects.create_user(email="banc-parcours@exemple.fr", password=None)
    organisation = Organisation.objects.filter(name__startswith=BENCH_ORG_PREFIX).order_by("pk").first()
    for role in ("coordinator", "prescriber"):
        Membership.objects.get_or_create(
            user=user, organisation=organisation, territory=department, role=role
        )
    return user


def run(args: argparse.Namespace) -> None:
    from datetime import date

    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.utils import timezone

    from maillage.bench.common import ensure_database, report, time_calls, timer
    from maillage.bench.places import fill_places
    from maillage.pathways import services, stats
    from maillage.pathways.matching import compute_proposals
    from maillage.pathways.models import Diagnostic, Referral
    from maillage.places.models import Place
    from maillage.territories.models import Territory

    ensure_database()
    with timer(f"Lieux ({args.places})"):
        fill_places(args.places)
    with timer(f"Diagnostics ({args.diagnostics}) et orientations ({args.referrals}) en SQL"):
        fill_pathways(diagnostics=args.diagnostics, referrals=args.referrals, refill=args.refill)
    with timer("VACUUM ANALYZE"):
        vacuum()
    print(
        f"En base : {Place.objects.count()} lieux, {Diagnostic.objects.count()} diagnostics, "
        f"{Referral.objects.count()} orientations.",
        flush=True,
    )

    top = Referral.objects.values("department_id").annotate(n=Count("pk")).order_by("-n").first() or {
        "department_id": Territory.objects.departments().values_list("pk", flat=True).first(),
        "n": 0,
    }
    department = Territory.objects.get(pk=int(top["department_id"] or 0))
    user = _bench_user(department)
    Diagnostic.objects.filter(prescriber=user, referrals=None).delete()  # left by an interrupted run
    rng = random.Random(7)
    communes = list(
        Territory.objects.communes_of([department]).exclude(latitude=None).order_by("-population", "code")
    )
    sample = communes[:10] + rng.sample(communes, min(30, len(communes)))
    answers = {
        "A1": ["smartphone"],
        "A2": "mobile_limite",
        "A3": "non",
        "B1": "2",
        "B2": "1",
        "B3": "1",
        "B4": "0",
        "B5": "0",
        "C1": "un_pro_fait_pour_moi",
        "C2": "oui",
        "D4": "oui",
        "D2": ["vue"],
        "E": ["demarche_admin", "emploi"],
    }
    diagnostics = [
        services.create_diagnostic(actor=user, commune=c, answers=answers, person_informed=True)
        for c in sample
    ]
    at = timezone.now()
    cycle = iter(range(10**9))
    proposal_counts: list[int] = []

    def one_proposal() -> None:
        result = compute_proposals(diagnostics[next(cycle) % len(diagnostics)], at=at)
        proposal_counts.append(len(result.proposals))

    import os

    print(f"Département mesuré : {department} ({top['n']} orientations).", flush=True)
    print(
        f"Charge de la machine (1, 5, 15 min) : {os.getloadavg()} sur {os.cpu_count()} processeurs.",
        flush=True,
    )
    report(
        "Propositions pour un diagnostic (SQL + classement + horaires)",
        time_calls(one_proposal, repeat=args.repeat),
    )
    print(f"  lieux proposés par diagnostic : {min(proposal_counts)}–{max(proposal_counts)}", flush=True)

    start, end = date(timezone.localdate().year - 1, 1, 1), timezone.localdate()
    report(
        "Statistiques d'un département (agrégats seuls, 2 ans)",
        time_calls(lambda: stats.compute([department], None, start, end), repeat=max(args.repeat // 4, 20)),
    )
    client = Client()
    client.force_login(user)
    url = f"/parcours/statistiques/?start={start.isoformat()}&end={end.isoformat()}"

    def page() -> None:
        response = client.get(url, HTTP_HOST="localhost")
        if response.status_code != 200:
            raise SystemExit(f"Page de statistiques : HTTP {response.status_code}")

    report(
        "Page de statistiques d'un département (vue Django complète, 2 ans)",
        time_calls(page, repeat=max(args.repeat // 4, 20)),
    )
    print(f"Charge de la machine en fin de mesure : {os.getloadavg()}.", flush=True)
    Diagnostic.objects.filter(prescriber=user, referrals=None).delete()
    connection.close()
