"""Benchmark of the animation of the network and the training of aidants, on PostgreSQL, each figure
beside an honest baseline measured in the same run.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/maillage_bench_events \\
        .venv/bin/python -m maillage.bench network [--sessions 500] [--registrations 15000] [--aidants 3000]

Fills a département (the Lot, with its real communes) with ``--sessions`` sessions over a year (a third
of them still to come), ``--registrations`` registrations with attendance, ``--aidants`` aidants of 120
structures with their modules done and 40 % of them habilitated (INSERT … SELECT, then ANALYZE). Prints:

* the session list (whole request through the test client, all periods, 50 a page with counts), p50/p95,
  beside a bare ``SELECT … GROUP BY … LIMIT 50`` of the same rows (aim ≤ 150 ms);
* the aidants list (whole request, with modules done and habilitation), p50/p95, beside the same rows
  by hand-written SQL (aim ≤ 150 ms);
* the attendance certificate (PDF/UA with WeasyPrint), p50/p95 (aim ≤ 1 s), beside the render of its
  HTML alone.
"""

from __future__ import annotations

import argparse
import os
import time
from typing import Any

from maillage.bench.common import ensure_database, percentile, verified_client


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sessions", type=int, default=500)
    parser.add_argument("--registrations", type=int, default=15_000)
    parser.add_argument("--aidants", type=int, default=3_000)
    parser.add_argument("--repeat", type=int, default=60)


def _context() -> tuple[Any, Any]:
    from django.core.management import call_command

    from maillage.accounts.models import Membership, Organisation, User
    from maillage.territories.models import Territory, TerritoryKind

    if not Territory.objects.filter(kind=TerritoryKind.COMMUNE).exists():
        call_command("load_territories", verbosity=0)
    lot = Territory.objects.get(kind=TerritoryKind.DEPARTMENT, code="46")
    user, _created = User.objects.get_or_create(
        email="banc-reseau@exemple.fr", defaults={"username": "banc-reseau@exemple.fr"}
    )
    organisation, _created = Organisation.objects.get_or_create(
        name="Banc d'essai animation", defaults={"kind": "syndicat", "territory": lot}
    )
    Membership.objects.get_or_create(user=user, organisation=organisation, territory=lot, role="coordinator")
    return lot, user


def fill(lot: Any, user: Any, *, sessions: int, registrations: int, aidants: int) -> None:
    from django.db import connection

    from maillage.events.models import Session
    from maillage.training.models import Habilitation

    if (
        Session.objects.filter(territory=lot, title__startswith="Banc ").count() == sessions
        and Habilitation.objects.exists()
    ):
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE events_evaluation, events_registration, events_session, events_checklistitem, "
            "events_budgetline, events_committeemember, events_eventproject, training_trainingrecord, "
            "training_habilitation, training_trainingneed_modules, training_trainingneed, training_aidant "
            "RESTART IDENTITY CASCADE"
        )
        cursor.execute("DELETE FROM accounts_organisation WHERE name LIKE 'Banc structure %%'")
        cursor.execute(
            """
            INSERT INTO accounts_organisation (created_at, updated_at, name, kind, siret, rna, territory_id, email, website)
            SELECT now(), now(), 'Banc structure ' || g, (ARRAY['france_services','collectivite','social','association'])[1 + g %% 4],
                   '', '', c.id, '', ''
            FROM generate_series(1, 120) AS g
            JOIN LATERAL (SELECT id FROM territories_territory WHERE kind = 'commune' AND department_id = %s
                          ORDER BY id OFFSET (g * 7) %% 300 LIMIT 1) c ON true
            """,
            [lot.pk],
        )
        cursor.execute(
            "CREATE TEMP TABLE bench_orgs AS SELECT row_number() OVER (ORDER BY o.id) AS n, o.id, o.territory_id, t.epci_id "
            "FROM accounts_organisation o JOIN territories_territory t ON t.id = o.territory_id WHERE o.name LIKE 'Banc structure %%'"
        )
        cursor.execute(
            "CREATE TEMP TABLE bench_places AS SELECT row_number() OVER (ORDER BY p.id) AS n, p.id FROM places_place p "
            "JOIN territories_territory c ON c.id = p.commune_id WHERE c.department_id = %s LIMIT 50",
            [lot.pk],
        )
        cursor.execute("SELECT count(*) FROM bench_places")
        n_places = cursor.fetchone()[0]
        cursor.execute("SELECT id FROM training_module ORDER BY position")
        modules = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            """
            INSERT INTO events_session (created_at, updated_at, territory_id, kind, title, description, starts_at, ends_at,
                place_id, is_remote, remote_url, capacity, speakers, visibility, organiser_id, module_id, project_id, status,
                reminder_sent_at, evaluation_sent_at, created_by_id)
            SELECT now(), now(), %s, k.kind, 'Banc ' || k.kind || ' ' || g, 'Programme de la session ' || g,
                   s.starts_at, s.starts_at + interval '3 hours',
                   (SELECT id FROM bench_places WHERE n = 1 + g %% greatest(%s, 1)), %s = 0 OR g %% 5 = 0, '',
                   CASE WHEN g %% 7 = 0 THEN NULL ELSE 30 END, 'Formateur ' || (g %% 12), CASE WHEN g %% 4 = 0 THEN 'private' ELSE 'public' END,
                   NULL, CASE WHEN k.kind = 'training' THEN (%s::bigint[])[1 + g %% 2] END, NULL, 'scheduled', NULL, NULL, %s
            FROM generate_series(1, %s) AS g
            CROSS JOIN LATERAL (SELECT (ARRAY['training','training','sensibilisation','network_meeting','webinar','nec'])[1 + g %% 6] AS kind) k
            CROSS JOIN LATERAL (SELECT date_trunc('hour', now()) - interval '300 days' + (g * 365.0 / %s) * interval '1 day' AS starts_at) s
            """,
            [lot.pk, n_places, n_places, modules, user.pk, sessions, sessions],
        )
        per_session = max(1, registrations // max(sessions, 1))
        cursor.execute(
            """
            INSERT INTO events_registration (created_at, updated_at, session_id, user_id, full_name, structure_name, email,
                email_normalised, accessibility_needs, status, attendance, attendance_marked_at, reminded_at, link_version, anonymised_at)
            SELECT now(), now(), s.id, NULL, 'Personne ' || s.id || '-' || r, 'Structure ' || (r %% 40), 'p' || s.id || '-' || r || '@exemple.fr',
                   'p' || s.id || '-' || r || '@exemple.fr', CASE WHEN r %% 25 = 0 THEN 'Boucle magnétique' ELSE '' END,
                   CASE WHEN r > 30 THEN 'waiting' ELSE 'registered' END,
                   CASE WHEN s.ends_at < now() AND r <= 30 THEN (ARRAY['present','present','present','excused','absent'])[1 + (s.id + r) %% 5] ELSE '' END,
                   CASE WHEN s.ends_at < now() THEN s.ends_at END, NULL, 1, NULL
            FROM events_session s CROSS JOIN generate_series(1, %s) AS r
            """,
            [per_session],
        )
        cursor.execute(
            """
            INSERT INTO training_aidant (created_at, updated_at, territory_id, user_id, first_name, last_name, email, email_normalised,
                organisation_id, structure_kind, commune_id, epci_id, is_active)
            SELECT now(), now(), %s, NULL, 'Prénom' || (g %% 97), 'Nom' || lpad(g::text, 5, '0'), 'aidant' || g || '@exemple.fr',
                   'aidant' || g || '@exemple.fr', o.id,
                   (ARRAY['france_services','mairie','social','mediation','library','association'])[1 + g %% 6], o.territory_id, o.epci_id, true
            FROM generate_series(1, %s) AS g JOIN bench_orgs o ON o.n = 1 + g %% 120
            """,
            [lot.pk, aidants],
        )
        cursor.execute(
            """
            INSERT INTO training_trainingrecord (created_at, updated_at, aidant_id, module_id, completed_on, source, session_id, note)
            SELECT now(), now(), a.id, (%s::bigint[])[1 + (a.id + m) %% %s], current_date - ((a.id * 7 + m * 90) %% 700)::int, 'manual', NULL, ''
            FROM training_aidant a CROSS JOIN generate_series(1, 2) AS m WHERE a.id %% 5 <> 0 AND (m = 1 OR a.id %% 3 = 0)
            """,
            [modules, len(modules)],
        )
        cursor.execute(
            """
            INSERT INTO training_habilitation (created_at, updated_at, aidant_id, organisation_id, status, training_done_on,
                requested_on, granted_on, renewal_on)
            SELECT now(), now(), a.id, a.organisation_id, CASE WHEN a.id %% 10 = 0 THEN 'requested' WHEN a.id %% 13 = 0 THEN 'expired' ELSE 'granted' END,
                   current_date - 200, current_date - 190, current_date - 180, current_date + 185
            FROM training_aidant a WHERE a.id %% 5 < 2
            """,
            [],
        )
        cursor.execute("DROP TABLE bench_orgs")
        cursor.execute("DROP TABLE bench_places")
        cursor.execute("ANALYZE")


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"charge {one:.1f}/{five:.1f}/{fifteen:.1f}"


def _time(func: Any, repeat: int) -> list[float]:
    for _ in range(3):
        func()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def _line(
    label: str,
    samples: list[float],
    baseline: list[float] | None = None,
    base_label: str = "référence SQL brute",
) -> None:
    text = f"{label}: p50 {percentile(samples, 50):.1f} ms, p95 {percentile(samples, 95):.1f} ms"
    if baseline:
        ratio = percentile(samples, 95) / max(percentile(baseline, 95), 0.001)
        text += f" — {base_label} p95 {percentile(baseline, 95):.1f} ms (×{ratio:.1f})"
    print(f"{text} [{_load()}]", flush=True)


def run(args: argparse.Namespace) -> None:
    from django.db import connection

    ensure_database()
    lot, user = _context()
    start = time.perf_counter()
    fill(lot, user, sessions=args.sessions, registrations=args.registrations, aidants=args.aidants)
    from maillage.events.models import Registration
    from maillage.training.models import Aidant

    print(
        f"Remplissage ({args.sessions} sessions, {Registration.objects.count()} inscriptions, "
        f"{Aidant.objects.count()} aidants, ANALYZE) : {time.perf_counter() - start:.1f} s",
        flush=True,
    )
    # Production settings ask coordinators for a second factor: the session is a verified one.
    client = verified_client(user)

    def sessions_page() -> None:
        response = client.get("/animation/", {"period": "all", "page": "3"})
        assert response.status_code == 200, response.status_code

    def raw_sessions() -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT s.id, s.title, s.kind, s.starts_at, s.capacity, p.name, "
                "count(r.id) FILTER (WHERE r.status = 'registered'), count(r.id) FILTER (WHERE r.status = 'waiting'), "
                "count(r.id) FILTER (WHERE r.attendance = 'present') "
                "FROM events_session s LEFT JOIN places_place p ON p.id = s.place_id "
                "LEFT JOIN events_registration r ON r.session_id = s.id WHERE s.territory_id = %s "
                "GROUP BY s.id, p.name ORDER BY s.starts_at DESC, s.id DESC LIMIT 50 OFFSET 100",
                [lot.pk],
            )
            cursor.fetchall()

    _line(
        "Liste des sessions (page entière)",
        _time(sessions_page, args.repeat),
        _time(raw_sessions, args.repeat),
    )

    def aidants_page() -> None:
        response = client.get("/formation/aidants/", {"page": "10"})
        assert response.status_code == 200, response.status_code

    def raw_aidants() -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT a.id, a.last_name, a.first_name, o.name, a.structure_kind, e.name, "
                "(SELECT count(DISTINCT module_id) FROM training_trainingrecord t WHERE t.aidant_id = a.id), "
                "EXISTS (SELECT 1 FROM training_habilitation h WHERE h.aidant_id = a.id AND h.status = 'granted') "
                "FROM training_aidant a JOIN accounts_organisation o ON o.id = a.organisation_id "
                "LEFT JOIN territories_territory e ON e.id = a.epci_id WHERE a.territory_id = %s "
                "ORDER BY a.last_name, a.first_name, a.id LIMIT 50 OFFSET 450",
                [lot.pk],
            )
            cursor.fetchall()

    _line(
        "Liste des aidants (page entière)", _time(aidants_page, args.repeat), _time(raw_aidants, args.repeat)
    )

    from django.template.loader import render_to_string
    from django.utils import timezone

    from maillage.events import documents

    registration = (
        Registration.objects.filter(attendance="present")
        .select_related("session__place", "session__module", "session__organiser")
        .first()
    )
    if registration is None:
        print("Aucune présence : attestation non mesurée.", flush=True)
        return
    repeat = max(args.repeat // 6, 8)

    def certificate() -> None:
        response = client.get(f"/animation/{registration.session_id}/attestations/{registration.pk}.pdf")
        assert response.status_code == 200 and response.content.startswith(b"%PDF"), response.status_code

    def html_only() -> None:
        render_to_string(
            "events/pdf/certificate.html",
            {
                "title": "Attestation",
                "registration": registration,
                "session": registration.session,
                "hours": 3,
                "printed_on": timezone.localdate(),
            },
        )

    _line(
        "Attestation de présence PDF/UA (requête entière)",
        _time(certificate, repeat),
        _time(html_only, repeat),
        base_label="HTML seul (sans WeasyPrint)",
    )
    _pdf_size = len(documents.certificate_pdf(registration))
    print(f"Taille de l'attestation : {_pdf_size / 1024:.0f} Ko", flush=True)
