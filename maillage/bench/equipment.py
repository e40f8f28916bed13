"""Benchmark of the refurbishment loop on PostgreSQL, each figure beside an honest baseline.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/maillage_bench_equipment \\
        .venv/bin/python -m maillage.bench equipment [--devices 50000] [--allocations 20000] [--rows 10000]

Fills a département (the Lot, with its real communes) with ``--devices`` devices spread over 60 donations
of varied donors, kinds and states, their workshop log, parts, and ``--allocations`` people equipped in
communes weighted by population, followed at six months (INSERT … SELECT, then ANALYZE). Prints:

* the workshop list (whole request through the test client), p50/p95 warm (its counts kept for the data
  version) and cold (first view after a write bumped the version), beside a bare ``SELECT … LIMIT 50`` of
  the same rows (warm) and that SELECT plus the stock GROUP BY and the count (cold) (aim ≤ 150 ms);
* the statistics page (whole request), p50/p95 warm and cold, beside the same figures computed by
  hand-written GROUP BY queries (aim ≤ 150 ms);
* beside each wall time, the CPU time of this process (``time.process_time``: Python, not the database);
* the import of a ``--rows`` inventory CSV end to end (rows/s, aim ≥ 2 000), beside a raw ``COPY`` of the
  same file into a staging table, with the ratio.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import random
import time
from typing import Any

from maillage.bench.common import ensure_database, percentile, verified_client

DONORS = [
    ("Conseil départemental", "collectivity"),
    ("Communauté de communes", "collectivity"),
    ("Mairie", "collectivity"),
    ("Banque régionale", "company"),
    ("Assurances du Sud-Ouest", "company"),
    ("Cabinet comptable", "company"),
    ("Centre hospitalier", "public_body"),
    ("Lycée", "public_body"),
    ("Association Emmaüs Connect", "association"),
    ("Particulier", "individual"),
]
KINDS = ["laptop"] * 12 + ["desktop"] * 4 + ["tablet"] * 2 + ["smartphone"] * 2 + ["screen"]
BRANDS = {
    "laptop": [
        ("Dell", "Latitude 5490"),
        ("Lenovo", "ThinkPad T480"),
        ("HP", "EliteBook 840 G5"),
        ("Acer", "TravelMate"),
    ],
    "desktop": [("Dell", "OptiPlex 7060"), ("HP", "ProDesk 600"), ("Fujitsu", "Esprimo")],
    "tablet": [("Samsung", "Galaxy Tab A"), ("Apple", "iPad 6")],
    "smartphone": [("Samsung", "Galaxy A52"), ("Apple", "iPhone 8"), ("Fairphone", "4")],
    "screen": [("Iiyama", "ProLite"), ("Dell", "P2219H")],
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--devices", type=int, default=50_000)
    parser.add_argument("--allocations", type=int, default=20_000)
    parser.add_argument("--rows", type=int, default=10_000, help="Lignes du fichier d'inventaire importé")
    parser.add_argument("--repeat", type=int, default=100)


def _context() -> tuple[Any, Any]:
    from django.core.management import call_command

    from maillage.accounts.models import Membership, Organisation, User
    from maillage.territories.models import Territory, TerritoryKind

    if not Territory.objects.filter(kind=TerritoryKind.COMMUNE).exists():
        call_command("load_territories", verbosity=0)
    lot = Territory.objects.get(kind=TerritoryKind.DEPARTMENT, code="46")
    user, _created = User.objects.get_or_create(
        email="banc-equipement@exemple.fr", defaults={"username": "banc-equipement@exemple.fr"}
    )
    organisation, _created = Organisation.objects.get_or_create(
        name="Banc d'essai reconditionnement", defaults={"kind": "association", "territory": lot}
    )
    Membership.objects.get_or_create(user=user, organisation=organisation, territory=lot, role="coordinator")
    return lot, user


def fill(lot: Any, user: Any, *, devices: int, allocations: int) -> None:
    from django.db import connection

    from maillage.equipment.models import Device

    if Device.objects.filter(territory=lot, source_key__startswith="bench-").count() >= devices:
        return
    rng = random.Random(46)
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE equipment_followup, equipment_allocation_criteria, equipment_allocation, equipment_partusage, "
            "equipment_deviceevent, equipment_device, equipment_donation, equipment_donor RESTART IDENTITY CASCADE"
        )
        for index, (name, kind) in enumerate(DONORS):
            cursor.execute(
                "INSERT INTO equipment_donor (created_at, updated_at, territory_id, name, kind, siret) "
                "VALUES (now(), now(), %s, %s, %s, '')",
                [lot.pk, f"{name} {index + 1}", kind],
            )
        cursor.execute(
            """
            INSERT INTO equipment_donation (created_at, updated_at, territory_id, donor_id, received_on, legal_frame,
                reference, decided_on, document, declared_count, notes, created_by_id)
            SELECT now(), now(), %s, 1 + (g %% 10), current_date - (g * 11), CASE WHEN g %% 3 = 0 THEN 'convention' ELSE '' END,
                'DON-' || g, NULL, '', CASE WHEN g %% 4 = 0 THEN NULL ELSE %s / 60 + (g %% 7) END, '', %s
            FROM generate_series(1, 60) AS g
            """,
            [lot.pk, devices, user.pk],
        )
        cursor.execute(
            """
            INSERT INTO equipment_device (created_at, updated_at, territory_id, donation_id, asset_tag, source_key, kind,
                brand, model, serial_number, declared_state, state, state_changed_at, scrap_reason, operating_system,
                erased_at, erasure_method, erasure_reference, parts_count, parts_without_cost)
            SELECT now() - (g %% 700) * interval '1 day', now(), %s, 1 + (g %% 60), 'EQ-' || lpad(g::text, 6, '0'),
                'bench-' || g, (%s::text[])[1 + (g * 7919) %% %s], 'Marque ' || (g %% 9), 'Modèle ' || (g %% 37),
                'SN' || md5(g::text), CASE WHEN g %% 5 = 0 THEN 'broken' ELSE 'to_check' END,
                CASE WHEN g <= %s THEN 'given'
                     WHEN g %% 11 = 0 THEN 'scrapped'
                     WHEN g %% 7 = 0 THEN 'received'
                     WHEN g %% 7 = 1 THEN 'diagnosed'
                     WHEN g %% 7 = 2 THEN 'refurbishing'
                     ELSE 'ready' END,
                now() - (g %% 300) * interval '1 day',
                CASE WHEN g > %s AND g %% 11 = 0 THEN 'beyond_repair' ELSE '' END,
                CASE WHEN g <= %s OR g %% 7 > 2 THEN 'Linux Mint 22' ELSE '' END,
                CASE WHEN g <= %s OR g %% 7 > 2 THEN current_date - (g %% 300) END,
                CASE WHEN g <= %s OR g %% 7 > 2 THEN 'overwrite' ELSE '' END, '', 0, 0
            FROM generate_series(1, %s) AS g
            """,
            [
                lot.pk,
                KINDS,
                len(KINDS),
                allocations,
                allocations,
                allocations,
                allocations,
                allocations,
                devices,
            ],
        )
        cursor.execute("SELECT setval(pg_get_serial_sequence('equipment_device', 'id'), %s)", [devices])
        cursor.execute(
            """
            INSERT INTO equipment_deviceevent (device_id, kind, from_state, to_state, actor_id, actor_label, at, minutes_spent, note)
            SELECT d.id, 'transition', '', s.state, %s, 'Banc', d.created_at + s.n * interval '1 day',
                   CASE WHEN s.n > 0 THEN 15 + (d.id %% 60) END, ''
            FROM equipment_device d
            CROSS JOIN LATERAL (VALUES (0, 'received'), (1, 'diagnosed'), (2, 'ready')) AS s(n, state)
            WHERE s.n = 0 OR d.state IN ('ready', 'given', 'reserved') OR (s.n = 1 AND d.state <> 'received')
            """,
            [user.pk],
        )
        cursor.execute(
            """
            INSERT INTO equipment_partusage (device_id, kind, description, quantity, unit_cost, added_by_id, added_at)
            SELECT id, CASE WHEN id %% 3 = 0 THEN 'ram' ELSE 'storage' END, '', 1,
                   CASE WHEN id %% 13 = 0 THEN NULL WHEN id %% 3 = 0 THEN 16 ELSE 30 END, %s, now()
            FROM equipment_device WHERE id %% 5 < 2
            """,
            [user.pk],
        )
        cursor.execute(
            """
            CREATE TEMP TABLE bench_communes AS
            SELECT row_number() OVER (ORDER BY id) AS n, id
            FROM territories_territory, generate_series(1, 1 + coalesce(population, 0) / 1000)
            WHERE kind = 'commune' AND department_id = %s
            """,
            [lot.pk],
        )
        cursor.execute("SELECT count(*) FROM bench_communes")
        n_communes = cursor.fetchone()[0]
        cursor.execute(
            """
            INSERT INTO equipment_allocation (created_at, updated_at, device_id, territory_id, referral_id, diagnostic_id,
                person_label, commune_id, status, reserved_at, reserved_by_id, given_at, given_by_id,
                training_completed_on, training_activity_id, agreement_kind, agreement_signed, follow_up_consent,
                cancelled_reason, identity_anonymised_at)
            SELECT now(), now(), g, %s, NULL, NULL, 'P. ' || g, c.id, 'given', now() - (g %% 400) * interval '1 day', %s,
                now() - (g %% 390) * interval '1 day', %s, current_date - (g %% 390), NULL, 'gift', true, g %% 5 <> 0, '', NULL
            FROM generate_series(1, %s) AS g JOIN bench_communes c ON c.n = 1 + (g * 7919) %% %s
            """,
            [lot.pk, user.pk, user.pk, allocations, n_communes],
        )
        cursor.execute(
            """
            INSERT INTO equipment_followup (allocation_id, due_on, done_at, done_by_id, still_used, uses, problem)
            SELECT id, (given_at + interval '182 days')::date,
                   CASE WHEN given_at < now() - interval '190 days' THEN given_at + interval '190 days' END, NULL,
                   CASE WHEN given_at < now() - interval '190 days' THEN (ARRAY['yes','yes','sometimes','no'])[1 + id % 4] ELSE '' END,
                   '["procedures"]'::jsonb,
                   CASE WHEN given_at < now() - interval '190 days' THEN (ARRAY['none','none','connection','skills'])[1 + id % 4] ELSE '' END
            FROM equipment_allocation WHERE follow_up_consent
            """
        )
        cursor.execute("DROP TABLE bench_communes")
    # The log was written in bulk: fold it into the devices' running totals, as the services would have.
    from maillage.equipment import totals
    from maillage.equipment.models import DeviceEvent, PartUsage

    totals.rebuild(Device, DeviceEvent, PartUsage)
    from django.db import transaction

    from maillage.equipment import versions

    with transaction.atomic():
        versions.bump(lot.pk)  # the rows were written behind the services' back
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # what autovacuum would have done after such a fill
    del rng


def _drop_import(lot: Any) -> None:
    """Remove what the timed import wrote (devices, their log, donations and donors): left behind, its
    840 donations would weigh on the next run's statistics page."""
    from django.db import transaction

    from maillage.equipment import versions
    from maillage.equipment.models import Device, Donation, Donor

    with transaction.atomic():
        Device.objects.filter(source_key__startswith="IMP-").delete()
        Donation.objects.filter(donor__name__endswith=" (import)", devices__isnull=True).delete()
        Donor.objects.filter(name__endswith=" (import)", donations__isnull=True).delete()
        versions.bump(lot.pk)


def _inventory_csv(rows: int) -> bytes:
    rng = random.Random(7)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(
        [
            "identifiant",
            "type",
            "donateur",
            "type_donateur",
            "date_don",
            "reference_don",
            "marque",
            "modele",
            "numero_serie",
            "etat_declare",
            "etat",
        ]
    )
    labels = {
        "laptop": "Ordinateur portable",
        "desktop": "Unité centrale",
        "tablet": "Tablette",
        "smartphone": "Smartphone",
        "screen": "Écran",
    }
    for i in range(rows):
        kind = rng.choice(KINDS)
        brand, model = rng.choice(BRANDS[kind])
        donor, donor_kind = DONORS[i % len(DONORS)]
        writer.writerow(
            [
                f"IMP-{i:06d}",
                labels[kind],
                f"{donor} (import)",
                {
                    "collectivity": "Collectivité",
                    "company": "Entreprise",
                    "public_body": "Établissement public",
                    "association": "Association",
                    "individual": "Particulier",
                }[donor_kind],
                f"{1 + i % 28:02d}/{1 + i % 12:02d}/2025",
                f"LOT-{i % 40}",
                brand,
                model,
                f"IMP{rng.getrandbits(40):010X}",
                rng.choice(["Fonctionne", "À vérifier", "En panne", ""]),
                rng.choice(["Reçu", "Reçu", "Diagnostiqué", "Prêt"]),
            ]
        )
    return out.getvalue().encode("cp1252", errors="replace")


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"charge {one:.1f}/{five:.1f}/{fifteen:.1f}"


def _db_size() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        return str(cursor.fetchone()[0])


class Samples:
    """Wall and CPU (``time.process_time``: this process only, the database's share excluded) times."""

    def __init__(self) -> None:
        self.wall: list[float] = []
        self.cpu: list[float] = []

    def text(self) -> str:
        return (
            f"p50 {percentile(self.wall, 50):.1f} ms, p95 {percentile(self.wall, 95):.1f} ms "
            f"(CPU Python p50 {percentile(self.cpu, 50):.1f} ms, p95 {percentile(self.cpu, 95):.1f} ms)"
        )


def _time(func: Any, repeat: int, *, before: Any = None) -> Samples:
    """Time ``func``; ``before`` (a write, not timed) runs before each call when given."""
    for _ in range(3):
        if before:
            before()
        func()
    samples = Samples()
    for _ in range(repeat):
        if before:
            before()
        cpu, start = time.process_time(), time.perf_counter()
        func()
        samples.wall.append((time.perf_counter() - start) * 1000)
        samples.cpu.append((time.process_time() - cpu) * 1000)
    return samples


def _line(label: str, samples: Samples, baseline: Samples | None = None) -> None:
    text = f"{label}: {samples.text()}"
    if baseline:
        ratio = percentile(samples.wall, 95) / max(percentile(baseline.wall, 95), 0.001)
        text += f" — référence SQL brute p95 {percentile(baseline.wall, 95):.1f} ms (×{ratio:.1f})"
    print(f"{text} [{_load()}, base {_db_size()}]", flush=True)


def run(args: argparse.Namespace) -> None:
    import logging

    from django.db import connection, transaction

    from maillage.equipment import versions

    logging.getLogger("maillage.requests").setLevel(logging.WARNING)  # one line per request otherwise
    ensure_database()
    lot, user = _context()
    start = time.perf_counter()
    fill(lot, user, devices=args.devices, allocations=args.allocations)
    print(
        f"Remplissage ({args.devices} appareils, {args.allocations} attributions, ANALYZE) : {time.perf_counter() - start:.1f} s",
        flush=True,
    )
    _drop_import(lot)  # left by an older run of this bench
    # Production settings ask coordinators for a second factor: the session is a verified one.
    client = verified_client(user)

    def write() -> None:
        """What any service does to the loop's version: the next page view computes afresh (cold)."""
        with transaction.atomic():
            versions.bump(lot.pk)

    def workshop() -> None:
        response = client.get("/equipement/atelier/", {"state": "ready"})
        assert response.status_code == 200, response.status_code

    def raw_workshop() -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT d.id, d.asset_tag, d.kind, d.state, d.state_changed_at, p.name FROM equipment_device d "
                "LEFT JOIN places_place p ON p.id = d.workshop_place_id WHERE d.territory_id = %s AND d.state = 'ready' "
                "ORDER BY d.state_changed_at, d.id LIMIT 50",
                [lot.pk],
            )
            cursor.fetchall()

    def raw_workshop_cold() -> None:
        """The page's rows, plus what the kept counts hold: the stock by place and state, the count."""
        raw_workshop()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT workshop_place_id, state, count(*) FROM equipment_device WHERE territory_id = %s "
                "GROUP BY 1, 2",
                [lot.pk],
            )
            cursor.fetchall()
            cursor.execute(
                "SELECT count(*) FROM equipment_device WHERE territory_id = %s AND state = 'ready'", [lot.pk]
            )
            cursor.fetchall()

    _line(
        "Liste de l'atelier, chaude (page entière)",
        _time(workshop, args.repeat),
        _time(raw_workshop, args.repeat),
    )
    _line(
        "Liste de l'atelier, froide (1re vue après une écriture)",
        _time(workshop, args.repeat, before=write),
        _time(raw_workshop_cold, args.repeat),
    )

    def statistics() -> None:
        response = client.get("/equipement/statistiques/")
        assert response.status_code == 200, response.status_code

    def raw_statistics() -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT state, kind, count(*) FROM equipment_device WHERE territory_id = %s GROUP BY state, kind",
                [lot.pk],
            )
            cursor.fetchall()
            cursor.execute(
                "SELECT c.name, e.name, count(*) FROM equipment_allocation a JOIN territories_territory c ON c.id = a.commune_id "
                "LEFT JOIN territories_territory e ON e.id = c.epci_id WHERE a.territory_id = %s AND a.status = 'given' GROUP BY 1, 2",
                [lot.pk],
            )
            cursor.fetchall()
            cursor.execute(
                "SELECT sum(unit_cost * quantity), count(*) FILTER (WHERE unit_cost IS NULL) FROM equipment_partusage p "
                "JOIN equipment_device d ON d.id = p.device_id WHERE d.territory_id = %s",
                [lot.pk],
            )
            cursor.fetchall()

    repeat = max(args.repeat // 4, 20)
    raw = _time(raw_statistics, repeat)
    _line("Page des chiffres, chaude (page entière)", _time(statistics, args.repeat), raw)
    _line(
        "Page des chiffres, froide (1re vue après une écriture)", _time(statistics, repeat, before=write), raw
    )

    from maillage.equipment import importer

    data = _inventory_csv(args.rows)
    _drop_import(lot)
    start = time.perf_counter()
    report = importer.import_inventory(actor=user, territory=lot, data=data, filename="inventaire.csv")
    seconds = time.perf_counter() - start
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE bench_inventory (line text)")
        copy_start = time.perf_counter()
        with cursor.copy("COPY bench_inventory FROM STDIN") as copy:
            for line in data.decode("cp1252").splitlines()[1:]:
                copy.write_row([line])
        copy_seconds = time.perf_counter() - copy_start
        cursor.execute("DROP TABLE bench_inventory")
    print(
        f"Import d'inventaire ({args.rows} lignes, {report.created} créés) : {seconds:.2f} s, {args.rows / seconds:.0f} lignes/s "
        f"— COPY brut des mêmes lignes {copy_seconds:.3f} s (×{seconds / max(copy_seconds, 0.0001):.0f}) [{_load()}]",
        flush=True,
    )
    start = time.perf_counter()
    again = importer.import_inventory(actor=user, territory=lot, data=data, filename="inventaire.csv")
    print(
        f"Ré-import du même fichier : {time.perf_counter() - start:.2f} s, {again.unchanged} inchangés, {again.created} créés",
        flush=True,
    )
    _drop_import(lot)
