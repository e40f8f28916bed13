"""Benchmark of the coordinator's team pages on PostgreSQL.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/maillage_bench_accounts \\
        .venv/bin/python -m maillage.bench accounts [--members 2000] [--organisations 500] [--repeat 60]

Fills one département (the Lot, 46, with 9 EPCIs; real rows when ``load-territories`` ran, created
otherwise) with 500 organisations and 2 000 members (varied names, roles, EPCIs, last logins: never,
recent, older than 6 months), ANALYZE, then requests each team page through the whole Django stack
(middleware, two-factor check with a verified session, templates) as the département's coordinator and
prints its p50/p95 time (aim ≤ 150 ms), its SQL query count and its weight as sent (aim ≤ 100 KB; plus
the gzip size a proxy would send). Baseline in the same run: one raw SQL query returning the same rows
(the 50 members of a page, with their organisation and territory, and the total count).
"""

from __future__ import annotations

import argparse
import gzip
import os
import random
from datetime import timedelta
from typing import Any

from maillage.bench.common import ensure_database, percentile, report, time_calls

PREFIX = "banc-equipe"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--members", type=int, default=2000)
    parser.add_argument("--organisations", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=60, help="Mesures par page")


FIRST = [
    "Camille",
    "Inès",
    "Hugo",
    "Nadia",
    "Paul",
    "Lucie",
    "Karim",
    "Léa",
    "Julien",
    "Sofia",
    "Marc",
    "Élodie",
    "Yanis",
    "Chloé",
    "Thomas",
    "Aïcha",
    "Nicolas",
    "Manon",
    "Rémi",
    "Sarah",
]
LAST = [
    "Delmas",
    "Vidal",
    "Bessières",
    "Lacombe",
    "Rigal",
    "Pagès",
    "Benali",
    "Martin",
    "Bernard",
    "Durand",
    "Lefebvre",
    "Moreau",
    "Fournier",
    "Girard",
    "Bonnet",
    "Dupont",
    "Lambert",
    "Fontaine",
    "Rousseau",
    "Vincent",
    "Muller",
    "Faure",
    "André",
    "Mercier",
    "Blanc",
    "Guérin",
    "Boyer",
    "Garnier",
    "Chevalier",
    "François",
]
KINDS = [
    "collectivite",
    "association",
    "france_services",
    "social",
    "emploi",
    "entreprise",
    "autre",
    "syndicat",
]
ROLES = ["mediator"] * 6 + ["prescriber"] * 5 + ["action_lead"] * 2 + ["viewer"] + ["coordinator"]


def _territories() -> tuple[Any, list[Any]]:
    from maillage.territories.models import Territory, TerritoryKind

    region, _ = Territory.objects.get_or_create(
        kind=TerritoryKind.REGION, code="76", defaults={"name": "Occitanie"}
    )
    lot, _ = Territory.objects.get_or_create(
        kind=TerritoryKind.DEPARTMENT,
        code="46",
        defaults={"name": "Lot", "region": region, "search_name": "lot"},
    )
    epcis = list(Territory.objects.filter(kind=TerritoryKind.EPCI, department=lot).order_by("code"))
    if not epcis:
        for n in range(9):
            epci, _ = Territory.objects.get_or_create(
                kind=TerritoryKind.EPCI,
                code=f"2000{n:05d}",
                defaults={
                    "name": f"Communauté de communes {n + 1} (banc)",
                    "department": lot,
                    "region": region,
                },
            )
            epcis.append(epci)
    return lot, epcis


def _fill(members: int, organisations: int) -> Any:
    from django.contrib.auth.hashers import make_password
    from django.db import connection
    from django.utils import timezone
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from maillage.accounts.models import Membership, Organisation, User

    lot, epcis = _territories()
    rng = random.Random(46)
    now = timezone.now()
    Membership.objects.filter(user__email__startswith=PREFIX).delete()
    Membership.objects.filter(organisation__name__startswith=PREFIX).delete()
    User.objects.filter(email__startswith=PREFIX).delete()
    Organisation.objects.filter(name__startswith=PREFIX).delete()
    orgs = Organisation.objects.bulk_create(
        [
            Organisation(
                name=f"{PREFIX} {rng.choice(['CCAS', 'Mairie', 'Association', 'France Services', 'Médiathèque'])} {i:03d}",
                kind=rng.choice(KINDS),
                siret=f"{rng.randrange(10**13, 10**14):014d}" if rng.random() < 0.7 else "",
                territory=lot if i % 3 == 0 else rng.choice(epcis),
            )
            for i in range(organisations)
        ]
    )
    password = make_password(None)
    users = User.objects.bulk_create(
        [
            User(
                email=f"{PREFIX}-{i:05d}@exemple.fr",
                username=f"{PREFIX}-{i:05d}@exemple.fr",
                first_name=rng.choice(FIRST),
                last_name=rng.choice(LAST),
                password=password,
                last_login=(
                    None
                    if rng.random() < 0.2
                    else now - timedelta(days=rng.choice([1, 5, 20, 60, 150, 200, 400, 700]))
                ),
            )
            for i in range(members)
        ]
    )
    Membership.objects.bulk_create(
        [
            Membership(
                user=user,
                organisation=(org := rng.choice(orgs)),
                territory=org.territory if rng.random() < 0.8 else lot,
                role=rng.choice(ROLES),
                is_active=rng.random() < 0.93,
            )
            for user in users
        ]
    )
    coordinator = User.objects.create_user(
        email=f"{PREFIX}-coordination@exemple.fr", password=None, first_name="Coord"
    )
    Membership.objects.create(user=coordinator, organisation=orgs[0], territory=lot, role="coordinator")
    device = TOTPDevice.objects.create(user=coordinator, name="banc", confirmed=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return coordinator, device, lot


def _baseline(lot: Any) -> None:
    from django.db import connection

    sql = """
        SELECT m.id, m.role, m.is_active, u.email, u.first_name, u.last_name, u.last_login, o.name, t.name,
               count(*) OVER () AS total
        FROM accounts_membership m
        JOIN accounts_user u ON u.id = m.user_id
        JOIN accounts_organisation o ON o.id = m.organisation_id
        JOIN territories_territory t ON t.id = m.territory_id
        WHERE m.is_active AND (t.id = %s OR t.department_id = %s)
        ORDER BY u.last_name, u.first_name, u.email, m.id
        LIMIT 50 OFFSET 500
    """

    def run() -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql, [lot.pk, lot.pk])
            rows = cursor.fetchall()
        assert len(rows) == 50, len(rows)

    report("Référence : une requête SQL brute (50 membres d'une page + total)", time_calls(run, repeat=100))


def run(args: argparse.Namespace) -> None:
    import logging

    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django_otp import DEVICE_ID_SESSION_KEY

    from maillage.accounts.models import Organisation

    logging.getLogger("django.request").setLevel(logging.ERROR)
    # Count the queries of one request (Django resets the query log when a request starts).
    from django.core.signals import request_started
    from django.db import reset_queries

    request_started.disconnect(reset_queries)
    ensure_database()
    print(
        f"Charge de la machine (1, 5, 15 min) : {os.getloadavg()} sur {os.cpu_count()} processeurs.",
        flush=True,
    )
    coordinator, device, lot = _fill(args.members, args.organisations)
    print(
        f"Jeu : {args.members} membres, {args.organisations} structures dans le Lot et ses EPCI ; "
        f"double authentification exigée : {settings.TWO_FACTOR_REQUIRED} (session vérifiée).",
        flush=True,
    )
    client = Client()
    client.force_login(coordinator)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    org = Organisation.objects.filter(name__startswith=PREFIX, territory=lot).order_by("pk").first()
    assert org is not None
    pages = [
        ("Membres, page 1", "/compte/equipe/"),
        ("Membres, page 20", "/compte/equipe/?page=20"),
        ("Membres, recherche « martin »", "/compte/equipe/?q=martin"),
        ("Membres jamais connectés", "/compte/equipe/?statut=never"),
        ("Membres inactifs depuis 6 mois", "/compte/equipe/?statut=dormant"),
        ("Structures, page 1", "/compte/equipe/structures/"),
        ("Structures, page 8", "/compte/equipe/structures/?page=8"),
        ("Une structure (membres, lieux)", f"/compte/equipe/structures/{org.pk}/"),
        ("Inviter", "/compte/equipe/inviter/"),
        ("Invitations", "/compte/equipe/invitations/"),
        ("Demandes d'accès", "/compte/equipe/demandes/"),
    ]
    worst_p95 = worst_kb = 0.0
    for label, url in pages:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code, response.get("Location"))
        body = response.content
        with CaptureQueriesContext(connection) as queries:
            client.get(url)

        def fetch(url: str = url) -> None:
            client.get(url)

        samples = time_calls(fetch, repeat=args.repeat, warmup=2)
        kb = len(body) / 1024
        print(
            f"{label} : {len(queries.captured_queries)} requêtes SQL, {kb:.1f} Ko envoyés "
            f"({len(gzip.compress(body)) / 1024:.1f} Ko compressés)",
            flush=True,
        )
        report(f"  {label}", samples)
        worst_p95 = max(worst_p95, percentile(samples, 95))
        worst_kb = max(worst_kb, kb)
    _baseline(lot)
    print(
        f"Pire p95 : {worst_p95:.1f} ms (objectif ≤ 150 ms) ; page la plus lourde : {worst_kb:.1f} Ko "
        f"(objectif ≤ 100 Ko). Charge : {os.getloadavg()}.",
        flush=True,
    )
