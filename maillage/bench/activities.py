# ruff: noqa: S608, S106 — SQL built from constants of this module; "!" is Django’s unusable password.
"""Activity reports at national size: 8 million accompaniments, 5 years, 5 000 mediators (PostgreSQL).

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/maillage_bench_activities \\
        .venv/bin/python -m maillage.bench activities [--scale 0.01]

Steps: territories (vendored COG), 5 000 mediators with organisations, places and followed
beneficiaries; activities, accompaniments and workshop counts generated in SQL (INSERT … SELECT
generate_series, foreign-key triggers off, secondary indexes rebuilt afterwards); the statistics
rollup rebuilt; an import of a Coop-layout XLSX (« Liste des accompagnements », header on row 22)
through the real import path, beside a raw COPY of the same rows into a staging table; then p95 of
the département / national statistics pages and of a cross-tab page (Django test client, whole
request), each compared with ONE hand-written raw statement computing the same figures; queries and
Python time of one page; load average with the figures; sizes on disk.
"""

from __future__ import annotations

import argparse
import csv
import io
import math
import os
import random
import time
from datetime import date, timedelta
from typing import Any

from maillage.bench.common import percentile, report, time_calls, timer, verified_client

ACCOMPANIMENTS = 8_000_000
MEDIATORS = 5_000
YEARS = 5
COLLECTIVE_SHARE = 0.027  # of activities: ~20 % of accompaniments are workshop participations
FOLLOWED_SHARE = 0.02
BENEFICIARIES_PER_MEDIATOR = 20
TABLES = ("activities_activity", "activities_accompaniment", "activities_participantcount")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--scale", type=float, default=1.0, help="Fraction des 8 millions (0.01 : essai rapide)"
    )
    parser.add_argument("--mediators", type=int, default=MEDIATORS)
    parser.add_argument(
        "--import-rows",
        type=int,
        default=0,
        help="Lignes du fichier importé (défaut : 200 000 × scale, min 5 000)",
    )
    parser.add_argument("--repeat", type=int, default=30, help="Requêtes mesurées par page")
    parser.add_argument("--reuse", action="store_true", help="Garder les données déjà générées")
    parser.add_argument("--seed", type=int, default=46)


def _exec(sql: str, params: Any = None) -> Any:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        try:
            return cursor.fetchall()
        except Exception:  # noqa: BLE001 — statements without a result
            return None


def _scalar(sql: str, params: Any = None) -> Any:
    rows = _exec(sql, params)
    return rows[0][0] if rows else None


# --- Reference data ---------------------------------------------------------------------------


def _territories() -> int:
    from django.core.management import call_command

    from maillage.territories.models import Territory

    if Territory.objects.communes().count() < 30_000:
        call_command("load_territories", verbosity=0)
    return Territory.objects.communes().count()


def _people(mediators: int, seed: int) -> None:
    """Users, organisations, places, beneficiaries and the ``bench_mediator`` lookup table."""
    from django.db import transaction
    from django.utils import timezone

    from maillage.accounts.models import Organisation, User
    from maillage.places.models import Place
    from maillage.territories.models import Territory

    exists = _scalar("SELECT to_regclass('bench_mediator') IS NOT NULL")
    if exists and _scalar("SELECT count(*) FROM bench_mediator") == mediators:
        return
    rng = random.Random(seed)
    communes = list(
        Territory.objects.communes()
        .filter(epci__isnull=False, department__isnull=False)
        .values_list("id", "department_id", "epci_id", "code", "name")
    )
    by_epci: dict[int, list[tuple[Any, ...]]] = {}
    for row in communes:
        by_epci.setdefault(row[2], []).append(row)
    departments = sorted({row[1] for row in communes})
    by_department: dict[int, list[tuple[Any, ...]]] = {}
    for row in communes:
        by_department.setdefault(row[1], []).append(row)
    with transaction.atomic():
        _exec("DROP TABLE IF EXISTS bench_mediator")
        _exec(
            "TRUNCATE activities_participantcount, activities_accompaniment, activities_activity, "
            "activities_activityrollup, activities_activitypairrollup CASCADE"  # equipment references activities
        )
        organisations = Organisation.objects.bulk_create(
            [
                Organisation(name=f"Structure banc {i}", kind="association")
                for i in range(max(1, mediators // 5))
            ],
            batch_size=2000,
        )
        existing = set(
            User.objects.filter(email__endswith="@banc.maillage.fr").values_list("email", flat=True)
        )
        emails = [f"mediateur-{i}@banc.maillage.fr" for i in range(mediators)]
        User.objects.bulk_create(
            [User(email=e, username=e, password="!") for e in emails if e not in existing], batch_size=2000
        )
        pks = dict(User.objects.filter(email__in=emails).values_list("email", "pk"))
        users = [User(pk=pks[e]) for e in emails]
        _exec("DELETE FROM activities_beneficiary WHERE mediator_id = ANY(%s)", [list(pks.values())])
        today = timezone.localdate()
        rows: list[list[Any]] = []
        places = []
        for index, user in enumerate(users):
            department = departments[index % len(departments)]
            home = rng.choice(by_department[department])
            neighbours = by_epci[home[2]]
            chosen = [home, rng.choice(neighbours), rng.choice(neighbours)]
            rows.append(
                [
                    index + 1,
                    user.pk,
                    organisations[index % len(organisations)].pk,
                    department,
                    home[2],
                    *[c[0] for c in chosen],
                ]
            )
            for k in range(2):
                commune = chosen[k]
                places.append(
                    Place(
                        source="banc-activites",
                        source_id=f"banc-{index}-{k}",
                        name=f"Lieu {index}-{k}",
                        address="1 place de la Mairie",
                        postcode="00000",
                        commune_name=commune[4],
                        insee_code=commune[3],
                        commune_id=commune[0],
                        data_updated_on=today,
                    )
                )
        Place.objects.filter(source="banc-activites").delete()
        Place.objects.bulk_create(places, batch_size=2000)
        place_ids = dict(Place.objects.filter(source="banc-activites").values_list("source_id", "id"))
        for mediator_row in rows:
            index = mediator_row[0] - 1
            mediator_row += [place_ids[f"banc-{index}-0"], place_ids[f"banc-{index}-1"]]
        _exec(
            "CREATE UNLOGGED TABLE bench_mediator (idx int PRIMARY KEY, user_id int, structure_id int, "
            "department_id int, epci_id int, c1 int, c2 int, c3 int, place1 int, place2 int, ben_base int)"
        )
        for start in range(0, len(rows), 1000):
            chunk = rows[start : start + 1000]
            values = ", ".join(["(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, NULL)"] * len(chunk))
            _exec(f"INSERT INTO bench_mediator VALUES {values}", [v for r in chunk for v in r])
        _exec("CREATE INDEX bench_mediator_user ON bench_mediator (user_id)")
        _exec(
            "INSERT INTO activities_beneficiary (created_at, updated_at, mediator_id, first_name, last_name, "
            "birth_year, phone, email, age_band, gender, social_status, residence_commune_id, informed_at, "
            "last_activity_date, anonymised_at) "
            "SELECT now(), now(), m.user_id, 'Prénom', 'Nom ' || g, NULL, '', '', 'soixante_dix_plus', "
            "'feminin', 'retraite', m.c1, now(), NULL, NULL "
            f"FROM bench_mediator m CROSS JOIN generate_series(1, {BENEFICIARIES_PER_MEDIATOR}) g"
        )
        _exec(
            "UPDATE bench_mediator m SET ben_base = b.first FROM (SELECT mediator_id, min(id) AS first "
            "FROM activities_beneficiary GROUP BY mediator_id) b WHERE b.mediator_id = m.user_id"
        )


def _combos(seed: int) -> None:
    """Small lookup tables of theme / device combinations (JSON list + bit mask), weighted by repetition."""
    from maillage.activities.choices import Device, Procedure, Theme, mask_of

    rng = random.Random(seed)
    themes = list(Theme.values)
    weights = [8, 10, 3, 6, 8, 12, 5, 4, 5, 6, 2, 4, 6, 2, 2, 2, 3, 2, 25]
    rows = []
    for index in range(400):
        k = rng.choice([1, 1, 1, 2, 2, 3])
        chosen = list(dict.fromkeys(rng.choices(themes, weights=weights, k=k)))
        procedures = []
        if Theme.ADMINISTRATIVE in chosen:
            procedures = list(dict.fromkeys(rng.choices(list(Procedure.values), k=rng.choice([1, 1, 2]))))
        rows.append(
            (
                index + 1,
                _json(chosen),
                mask_of(chosen, Theme),
                _json(procedures),
                mask_of(procedures, Procedure),
            )
        )
    devices = []
    for index in range(50):
        chosen = list(
            dict.fromkeys(
                rng.choices(list(Device.values), weights=[30, 40, 15, 5, 10], k=rng.choice([0, 1, 1, 2]))
            )
        )
        devices.append((index + 1, _json(chosen), mask_of(chosen, Device)))
    _exec("DROP TABLE IF EXISTS bench_theme; DROP TABLE IF EXISTS bench_device")
    _exec(
        "CREATE UNLOGGED TABLE bench_theme (idx int PRIMARY KEY, themes jsonb, mask int, procedures jsonb, pmask int)"
    )
    _exec("CREATE UNLOGGED TABLE bench_device (idx int PRIMARY KEY, devices jsonb, mask int)")
    _exec(
        "INSERT INTO bench_theme VALUES " + ", ".join(["(%s, %s, %s, %s, %s)"] * len(rows)),  # noqa: S608
        [v for r in rows for v in r],
    )
    _exec(
        "INSERT INTO bench_device VALUES " + ", ".join(["(%s, %s, %s)"] * len(devices)),  # noqa: S608
        [v for r in devices for v in r],
    )


def _json(values: list[str]) -> str:
    import json

    return json.dumps(values)


# --- Raw data ---------------------------------------------------------------------------------


def _secondary_indexes() -> list[tuple[str, str]]:
    return [
        (name, definition)
        for name, definition in _exec(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s) "
            "AND indexname NOT IN (SELECT conname FROM pg_constraint)",
            [list(TABLES)],
        )
    ]


WORKERS = 2  # this machine has 2 cores: two connections load in parallel


def _in_parallel(jobs: list[list[tuple[str, dict[str, Any] | None]]], seed: int) -> None:
    """Run each list of statements on its own connection, in threads."""
    import threading

    from django.db import connection

    errors: list[BaseException] = []

    def work(index: int, statements: list[tuple[str, dict[str, Any] | None]]) -> None:
        try:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SET session_replication_role = replica"
                )  # no FK triggers: consistent by construction
                cursor.execute("SET synchronous_commit = off")
                cursor.execute("SET maintenance_work_mem = '1GB'")
                cursor.execute("SET work_mem = '256MB'")
                cursor.execute("SELECT setseed(%s)", [((seed + index) % 1000) / 1000])
                for sql, params in statements:
                    cursor.execute(sql, params)
        except BaseException as error:  # noqa: BLE001 — reported by the main thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]


def _split(lo: int, hi: int, chunk: int) -> list[list[tuple[int, int]]]:
    ranges = [(a, min(hi, a + chunk - 1)) for a in range(lo, hi + 1, chunk)]
    return [ranges[i::WORKERS] for i in range(WORKERS)]


def _generate(accompaniments: int, mediators: int, seed: int) -> dict[str, float]:
    figures: dict[str, float] = {}
    activities = round(accompaniments / (1 + 8 * COLLECTIVE_SHARE))
    start = date.today() - timedelta(days=365 * YEARS)  # noqa: DTZ011
    days = 365 * YEARS
    _exec(
        "TRUNCATE activities_participantcount, activities_accompaniment, activities_activity, "
        "activities_activityrollup, activities_activitypairrollup, activities_activityimportjob CASCADE"
    )
    indexes = _secondary_indexes()
    for name, _definition in indexes:
        _exec(f'DROP INDEX IF EXISTS "{name}"')
    begin = time.perf_counter()
    chunk = 250_000
    common = {
        "start": start,
        "days": days,
        "pcol": COLLECTIVE_SHARE,
        "m": mediators,
        "followed": FOLLOWED_SHARE,
    }
    with timer(f"  activités ({activities:,} lignes)".replace(",", " ")):
        _in_parallel(
            [
                [(_ACTIVITY_SQL, {**common, "lo": a, "hi": b}) for a, b in part]
                for part in _split(1, activities, chunk)
            ],
            seed,
        )
    low, high = _exec("SELECT min(id), max(id) FROM activities_activity")[0]
    with timer("  accompagnements individuels"):
        _in_parallel(
            [
                [(_ACCOMPANIMENT_SQL, {"lo": a, "hi": b, "n": BENEFICIARIES_PER_MEDIATOR}) for a, b in part]
                for part in _split(low, high, chunk)
            ],
            seed,
        )
    with timer("  effectifs des ateliers"):
        _in_parallel([[(_COUNTS_SQL, None)]], seed)
    with timer("  index secondaires reconstruits"):
        _in_parallel(
            [[(definition, None) for _n, definition in indexes[i::WORKERS]] for i in range(WORKERS)], seed
        )
    with timer("  VACUUM ANALYZE"):
        for table in TABLES:
            _exec(f"VACUUM ANALYZE {table}")
    figures["generate_s"] = time.perf_counter() - begin
    return figures


_ACTIVITY_SQL = """
INSERT INTO activities_activity (created_at, updated_at, kind, mediator_id, structure_id, date, duration_minutes,
  place_type, place_id, commune_id, department_id, epci_id, themes, themes_mask, procedures, procedures_mask,
  procedure_details, devices, devices_mask, autonomy, oriented, orientation, workshop_title, workshop_level, tags,
  participants_count, anonymous_count, coop_id, source)
SELECT now(), now(), CASE WHEN r.col THEN 'collectif' ELSE 'individuel' END, m.user_id, m.structure_id,
  %(start)s::date + r.day,
  CASE WHEN r.col THEN (ARRAY[90, 120, 120, 180])[1 + floor(r.u3 * 4)::int]
       ELSE (ARRAY[15, 30, 30, 45, 45, 60, 90, 120])[1 + floor(r.u3 * 8)::int] END,
  r.pt,
  CASE WHEN r.pt = 'lieu_activite' THEN (CASE WHEN r.u4 < 0.6 THEN m.place1 ELSE m.place2 END) END,
  CASE WHEN r.pt = 'lieu_activite' THEN (CASE WHEN r.u4 < 0.6 THEN m.c1 ELSE m.c2 END)
       ELSE (ARRAY[m.c1, m.c2, m.c3])[1 + floor(r.u5 * 3)::int] END,
  m.department_id, m.epci_id,
  t.themes, t.mask, t.procedures, t.pmask, '', d.devices, d.mask,
  CASE WHEN r.col THEN '' ELSE (ARRAY['entierement_accompagne', 'partiellement_autonome', 'autonome'])[1 + floor(r.u6 * 3)::int] END,
  CASE WHEN r.col THEN NULL ELSE r.u7 < 0.2 END,
  CASE WHEN NOT r.col AND r.u7 < 0.2 THEN (ARRAY['administration', 'mediation_numerique', 'operateur_ou_organisme_en_charge',
    'aide_sociale', 'insertion_professionnelle', 'aide_aux_demarches_administratives', 'autre'])[1 + floor(r.u8 * 7)::int] ELSE '' END,
  CASE WHEN r.col THEN 'Atelier' ELSE '' END,
  CASE WHEN r.col THEN (ARRAY['debutant', 'intermediaire', 'avance'])[1 + floor(r.u8 * 3)::int] ELSE '' END,
  CASE WHEN r.u6 < 0.25 THEN jsonb_build_array('Étiquette ' || (1 + floor(r.u9 * 30))::int) ELSE '[]'::jsonb END,
  CASE WHEN r.col THEN r.np ELSE 1 END,
  CASE WHEN r.col THEN r.np WHEN r.u9 < %(followed)s THEN 0 ELSE 1 END,
  NULL, 'maillage'
FROM (
  SELECT g, random() < %(pcol)s AS col, floor(random() * %(days)s)::int AS day, random() AS u1, random() AS u2,
    random() AS u3, random() AS u4, random() AS u5, random() AS u6, random() AS u7, random() AS u8, random() AS u9,
    random() AS u10, 3 + floor(random() * 13)::int AS np,
    CASE WHEN random() < 0.70 THEN 'lieu_activite' WHEN random() < 0.4 THEN 'domicile'
         WHEN random() < 0.67 THEN 'a_distance' ELSE 'autre' END AS pt
  FROM generate_series(%(lo)s, %(hi)s) g
) r
JOIN bench_mediator m ON m.idx = 1 + floor(r.u1 * %(m)s)::int
JOIN bench_theme t ON t.idx = 1 + floor(r.u2 * 400)::int
JOIN bench_device d ON d.idx = 1 + floor(r.u10 * 50)::int
"""

_ACCOMPANIMENT_SQL = """
INSERT INTO activities_accompaniment (activity_id, beneficiary_id, age_band, gender, social_status,
  residence_commune_id, already_accompanied)
SELECT a.id, CASE WHEN a.anonymous_count = 0 THEN m.ben_base + (a.id %% %(n)s) END,
  (ARRAY['moins_de_douze', 'douze_dix_huit', 'dix_huit_vingt_quatre', 'vingt_cinq_trente_neuf', 'vingt_cinq_trente_neuf',
         'quarante_cinquante_neuf', 'quarante_cinquante_neuf', 'quarante_cinquante_neuf', 'soixante_soixante_neuf',
         'soixante_soixante_neuf', 'soixante_soixante_neuf', 'soixante_dix_plus', 'soixante_dix_plus',
         'soixante_dix_plus', 'soixante_dix_plus', 'non_communique'])[1 + floor(random() * 16)::int],
  (ARRAY['masculin', 'feminin', 'feminin', 'non_communique'])[1 + floor(random() * 4)::int],
  (ARRAY['scolarise', 'sans_emploi', 'sans_emploi', 'en_emploi', 'en_emploi', 'retraite', 'retraite', 'retraite',
         'non_communique'])[1 + floor(random() * 9)::int],
  CASE WHEN a.place_type = 'domicile' OR random() < 0.3 THEN a.commune_id END,
  NULL
FROM activities_activity a JOIN bench_mediator m ON m.user_id = a.mediator_id
WHERE a.kind = 'individuel' AND a.id BETWEEN %(lo)s AND %(hi)s
"""

_COUNTS_SQL = """
INSERT INTO activities_participantcount (activity_id, dimension, value, count)
SELECT a.id, v.dim, v.val, v.n FROM activities_activity a,
LATERAL (VALUES
  ('gender', 'feminin', (a.participants_count * 6) / 10),
  ('gender', 'masculin', a.participants_count - (a.participants_count * 6) / 10),
  ('age_band', 'soixante_dix_plus', a.participants_count / 2),
  ('age_band', 'soixante_soixante_neuf', a.participants_count - a.participants_count / 2),
  ('social_status', 'retraite', (a.participants_count * 7) / 10),
  ('social_status', 'non_communique', a.participants_count - (a.participants_count * 7) / 10)
) AS v(dim, val, n)
WHERE a.kind = 'collectif' AND v.n > 0
"""


# --- Import -----------------------------------------------------------------------------------


COOP_HEADER = [
    "Date",
    "Enregistré le",
    "Dernière modification le",
    "Type",
    "Participants",
    "Bénéficiaire",
    "Canaux d’accompagnement",
    "Nom du lieu",
    "Adresse",
    "Commune",
    "Code postal",
    "Code Insee",
    "Durée (min)",
    "Nom de l’atelier",
    "Matériel numérique utilisé",
    "Thématique(s) d’accompagnement",
    "Tags",
    "Nom de la démarche administrative",
    "Niveau d’autonomie (ou de l’atelier)",
    "Bénéficiaire réorienté",
    "Structure de redirection",
    "Commune du bénéficiaire",
    "Code postal du bénéficiaire",
    "Code Insee du bénéficiaire",
    "Genre du bénéficiaire",
    "Tranche d’âge du bénéficiaire",
    "Statut du bénéficiaire",
    "Notes supplémentaires",
    "Source de la donnée",
    "ID CRA",
]


def _import_rows(rows: int, seed: int, department_id: int) -> list[list[Any]]:
    """``rows`` data rows in the Coop's export layout (coop-export.md): labels, line breaks inside
    multi-valued cells, commas inside tags, « n/3 », workshops of 3 to 10 rows sharing one ID CRA,
    beneficiary names present (never imported)."""
    import uuid

    from maillage.territories.models import Territory

    rng = random.Random(seed)
    communes = list(
        Territory.objects.communes()
        .filter(department_id=department_id)
        .values_list("name", "code", "postcodes")
    )
    themes = [
        "E-mail",
        "Navigation sur internet",
        "Aide aux démarches administratives\nLogement",
        "Santé\nBanque et achats en ligne",
        "Bureautique",
        "Prévention en sécurité numérique",
        "Aide aux démarches administratives",
        "Diagnostic numérique\nPrendre en main du matériel",
    ]
    devices = ["Téléphone", "Ordinateur", "Ordinateur\nTéléphone", "", "Tablette", "Pas de matériel"]
    tags = ["", "", "", "Séniors", "Quartier prioritaire, centre\nSéniors", "France Services"]
    genders = ["Féminin", "Masculin", "Non communiqué"]
    ages = ["70 ans et plus", "60 - 69 ans", "40 - 59 ans", "25 - 39 ans", "18 - 24 ans", "Non communiqué"]
    statuses = ["Retraité", "En emploi", "Sans emploi", "Scolarisé", "Non communiqué ou hétérogène"]
    day0 = date.today() - timedelta(days=365)  # noqa: DTZ011
    out: list[list[Any]] = []
    while len(out) < rows:
        day = day0 + timedelta(days=rng.randrange(365))
        name, code, postcodes = rng.choice(communes)
        postcode = postcodes[0] if isinstance(postcodes, list) and postcodes else ""
        coop_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        recorded = f"{day:%d/%m/%Y} à {rng.randrange(8, 19):02d}:{rng.randrange(60):02d}"
        workshop = rng.random() < 0.05
        size = rng.randint(3, 10) if workshop else 1
        theme = rng.choice(themes)
        for index in range(1, size + 1):
            home = rng.choice(communes) if rng.random() < 0.6 and not workshop else None
            out.append(
                [
                    day,
                    recorded,
                    "",
                    "Atelier collectif" if workshop else "Accompagnement individuel",
                    f"{index}/{size}" if workshop else 1,
                    "Bénéficiaire anonyme" if rng.random() < 0.8 else "Zéphyrine Martin",
                    "Autre lieu" if workshop else rng.choice(["À domicile", "Autre lieu", "À distance"]),
                    "",
                    "",
                    name,
                    postcode,
                    code,
                    90 if workshop else rng.choice([15, 30, 45, 60, 90]),
                    "Atelier numérique" if workshop else "",
                    rng.choice(devices),
                    theme,
                    rng.choice(tags),
                    "Demande d’APL" if "démarches" in theme and rng.random() < 0.3 else "",
                    rng.choice(["", "1/3", "2/3", "3/3"]),
                    "" if workshop else rng.choice(["", "Oui", "Non"]),
                    "",
                    home[0] if home else "",
                    "",
                    home[1] if home else "",
                    rng.choice(genders),
                    rng.choice(ages),
                    rng.choice(statuses),
                    "",
                    "Coop",
                    coop_id,
                ]
            )
    return out


def _import_file(rows: list[list[Any]]) -> bytes:
    """The XLSX bytes: information block, filters block, header on row 22."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Activités")
    sheet.append(["Informations export"])
    for label, value in (
        ("Nom", "Banc"),
        ("Prénom", "Médiation"),
        ("Rôle", "Médiateur"),
        ("Total", len(rows)),
        ("Date d'export", f"{date.today():%d/%m/%Y}"),  # noqa: DTZ011
        ("Heure d'export", "10:42"),
    ):
        sheet.append([label, value])
    sheet.append([])
    sheet.append(["Filtres"])
    for label in (
        "Période",
        "Source",
        "Lieux d’accompagnement",
        "Communes",
        "Départements",
        "Type d’accompagnement",
        "Rôle",
        "Thématiques non administratives",
        "Thématiques administratives",
        "Tags",
    ):
        sheet.append([label, "-"])
    sheet.append([])
    sheet.append([""])
    sheet.append(COOP_HEADER)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _raw_copy(rows: list[list[Any]]) -> float:
    """Baseline: COPY the same rows (every cell as text) into an index-free staging table."""
    from django.db import connection, transaction

    columns = ", ".join(f"c{i} text" for i in range(len(COOP_HEADER)))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for row in rows:
        writer.writerow(["" if v is None else (f"{v:%Y-%m-%d}" if isinstance(v, date) else v) for v in row])
    data = buffer.getvalue()
    start = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS banc_copy")
        cursor.execute(f"CREATE TEMP TABLE banc_copy ({columns}) ON COMMIT DROP")
        with cursor.cursor.copy("COPY banc_copy FROM STDIN (FORMAT csv)") as copy:
            copy.write(data)
    return time.perf_counter() - start


def _raw_statistics_sql(start: date, end: date, department: int | None) -> tuple[str, list[Any]]:
    """Hand-written baseline: every figure of a statistics page (each breakdown, months, people) in
    one statement over the raw tables, unpivoting the dimensions of each row with LATERAL VALUES."""
    from maillage.activities.choices import Device, Procedure, Theme

    def bits(choices: Any) -> str:
        return ", ".join(f"({1 << i}, '{value}')" for i, value in enumerate(choices.values))

    where = "date BETWEEN %s AND %s" + (" AND department_id = %s" if department else "")
    params: list[Any] = [start, end] + ([department] if department else [])
    sql = f"""
WITH a AS MATERIALIZED (SELECT * FROM activities_activity WHERE {where})
SELECT v.d, v.v, COUNT(*), SUM(a.participants_count), SUM(a.anonymous_count) FROM a
CROSS JOIN LATERAL (VALUES ('kind', a.kind), ('channel', a.place_type),
  ('duration', CASE WHEN a.duration_minutes < 30 THEN 'moins_30' WHEN a.duration_minutes < 60 THEN '30_60'
                    WHEN a.duration_minutes < 120 THEN '60_120' ELSE '120_plus' END),
  ('commune', a.commune_id::text), ('place', a.place_id::text),
  ('autonomy', CASE WHEN a.kind = 'individuel' AND a.autonomy <> '' THEN a.autonomy END),
  ('orientation', CASE WHEN a.kind = 'individuel' AND a.oriented IS NOT NULL THEN
     (CASE WHEN NOT a.oriented THEN 'non' WHEN a.orientation = '' THEN 'oui' ELSE a.orientation END) END),
  ('level', CASE WHEN a.kind = 'collectif' AND a.workshop_level <> '' THEN a.workshop_level END),
  ('month', to_char(a.date, 'YYYY-MM'))) v(d, v)
WHERE v.v IS NOT NULL GROUP BY v.d, v.v
UNION ALL SELECT 'theme', b.v, COUNT(*), SUM(a.participants_count), SUM(a.anonymous_count)
  FROM a JOIN (VALUES {bits(Theme)}) b(bit, v) ON a.themes_mask & b.bit <> 0 GROUP BY b.v
UNION ALL SELECT 'procedure', b.v, COUNT(*), SUM(a.participants_count), SUM(a.anonymous_count)
  FROM a JOIN (VALUES {bits(Procedure)}) b(bit, v) ON a.procedures_mask & b.bit <> 0 GROUP BY b.v
UNION ALL SELECT 'device', b.v, COUNT(*), SUM(a.participants_count), SUM(a.anonymous_count)
  FROM a JOIN (VALUES {bits(Device)}) b(bit, v) ON a.devices_mask & b.bit <> 0 GROUP BY b.v
UNION ALL SELECT 'tag', t.v, COUNT(*), SUM(a.participants_count), SUM(a.anonymous_count)
  FROM a CROSS JOIN LATERAL jsonb_array_elements_text(a.tags) t(v) GROUP BY t.v
UNION ALL SELECT v.d, v.v, 0, COUNT(*), SUM(CASE WHEN p.beneficiary_id IS NULL THEN 1 ELSE 0 END)
  FROM activities_accompaniment p JOIN a ON a.id = p.activity_id
  CROSS JOIN LATERAL (VALUES ('age_band', p.age_band), ('gender', p.gender), ('social_status', p.social_status),
    ('residence', p.residence_commune_id::text)) v(d, v) WHERE v.v IS NOT NULL GROUP BY v.d, v.v
UNION ALL SELECT c.dimension, c.value, 0, SUM(c.count), SUM(c.count)
  FROM activities_participantcount c JOIN a ON a.id = c.activity_id WHERE c.count > 0 GROUP BY c.dimension, c.value
UNION ALL SELECT 'people', '', COUNT(DISTINCT p.beneficiary_id), 0, 0
  FROM activities_accompaniment p JOIN a ON a.id = p.activity_id WHERE p.beneficiary_id IS NOT NULL
"""
    return sql, params


def _forget_imports(mediator_id: int) -> int:
    """Remove what the benchmark imported (a previous or this run) and subtract it from the rollup, so
    runs with ``--reuse`` measure fresh imports on the same database. Returns the activities removed."""
    from django.db import connection, transaction

    from maillage.activities import rollup

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE banc_act ON COMMIT DROP AS SELECT * FROM activities_activity "
            "WHERE mediator_id = %s AND source IN ('csv', 'coop')",
            [mediator_id],
        )
        cursor.execute("SELECT count(*) FROM banc_act")
        removed = int(cursor.fetchone()[0])
        cursor.execute(
            "CREATE TEMP TABLE banc_acc ON COMMIT DROP AS SELECT p.* FROM activities_accompaniment p "
            "JOIN banc_act a ON a.id = p.activity_id"
        )
        cursor.execute(
            "CREATE TEMP TABLE banc_cnt ON COMMIT DROP AS SELECT c.* FROM activities_participantcount c "
            "JOIN banc_act a ON a.id = c.activity_id"
        )
        if removed:
            rollup.add_from_tables(cursor, "banc_act", "banc_acc", "banc_cnt", sign=-1)
            for table in ("activities_accompaniment", "activities_participantcount"):
                cursor.execute(f"DELETE FROM {table} WHERE activity_id IN (SELECT id FROM banc_act)")  # noqa: S608
            cursor.execute("DELETE FROM activities_activity WHERE id IN (SELECT id FROM banc_act)")
        cursor.execute("DELETE FROM activities_activityimportjob WHERE mediator_id = %s", [mediator_id])
    return removed


def _bench_users(department_ids: list[int]) -> tuple[Any, Any, Any]:
    from maillage.accounts.models import Membership, Organisation, User

    org, _ = Organisation.objects.get_or_create(name="Coordination banc", defaults={"kind": "collectivite"})
    coordinator, _ = User.objects.get_or_create(
        email="coordination@banc.maillage.fr", defaults={"username": "coordination@banc.maillage.fr"}
    )
    for department_id in department_ids:
        Membership.objects.get_or_create(
            user=coordinator, organisation=org, territory_id=department_id, role="coordinator"
        )
    importer_user, _ = User.objects.get_or_create(
        email="import@banc.maillage.fr", defaults={"username": "import@banc.maillage.fr"}
    )
    Membership.objects.get_or_create(
        user=importer_user, organisation=org, territory_id=department_ids[0], role="mediator"
    )
    admin, _ = User.objects.get_or_create(
        email="admin@banc.maillage.fr",
        defaults={"username": "admin@banc.maillage.fr", "is_superuser": True, "is_staff": True},
    )
    return coordinator, importer_user, admin


# --- Run --------------------------------------------------------------------------------------


def _seconds_or_reused(seconds: float) -> str:
    """A step's duration, or that it was not run (``--reuse``): never « nan s »."""
    return "données réutilisées" if math.isnan(seconds) else f"{seconds:.0f} s"


def _cpu_per_call(func: Any, calls: int) -> tuple[float, float]:
    """(Python, PostgreSQL backend) CPU milliseconds per call of ``func``: what the work costs whatever
    the load of the machine (a wall time under load mixes in the other processes' work)."""
    from maillage.bench.common import CpuMeter

    with CpuMeter() as meter:
        for _ in range(calls):
            func()
    return meter.python * 1000 / calls, (meter.server or 0.0) * 1000 / calls


def _cpu_comparison(warm: Any, cold: Any, raw: Any, calls: int) -> None:
    """The département page (figures cached, and after a write: cache empty) against the raw GROUP BY,
    in CPU of both processes. The raw statement runs without parallel workers here (their CPU is not
    the backend's): its work is the same, spread over fewer processes."""
    from django.db import connection, transaction

    page = _cpu_per_call(warm, calls)
    first = _cpu_per_call(cold, calls)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        baseline = _cpu_per_call(raw, calls)
    total = sum(baseline)
    print(
        f"En CPU par requête (Python + PostgreSQL) : page département {page[0]:.0f} + {page[1]:.0f} ms, "
        f"cache vide {first[0]:.0f} + {first[1]:.0f} ms ; GROUP BY brut {baseline[0]:.0f} + "
        f"{baseline[1]:.0f} ms ; rapport GROUP BY brut / page × {total / max(sum(page), 1e-9):.1f}, "
        f"cache vide × {total / max(sum(first), 1e-9):.1f} (objectif ≥ 10) ; charge "
        f"{' '.join(f'{v:.2f}' for v in os.getloadavg())}",
        flush=True,
    )


def run(args: argparse.Namespace) -> None:
    from django.db import connection
    from django.utils import timezone

    from maillage.activities import importer, rollup, selectors
    from maillage.bench.common import ensure_database

    ensure_database()
    accompaniments = int(ACCOMPANIMENTS * args.scale)
    print(
        f"Cible : {accompaniments:,} accompagnements, {args.mediators:,} médiateur·rices, {YEARS} ans".replace(
            ",", " "
        ),
        flush=True,
    )
    with timer("Territoires"):
        print(f"  {_territories()} communes", flush=True)
    with timer("Médiateur·rices, structures, lieux, bénéficiaires suivi·es"):
        _people(args.mediators, args.seed)
        _combos(args.seed)
    from maillage.accounts.models import User

    previous = User.objects.filter(email="import@banc.maillage.fr").values_list("pk", flat=True).first()
    if previous is not None and (forgotten := _forget_imports(previous)):  # before judging --reuse
        print(f"  {forgotten:,} activités d'un banc précédent retirées (agrégat compris)".replace(",", " "))
    current = _scalar("SELECT coalesce(sum(participants_count), 0) FROM activities_activity")
    if not (args.reuse and current and abs(current - accompaniments) < accompaniments * 0.05):
        with timer("Génération des données brutes (SQL)") as gen:
            _generate(accompaniments, args.mediators, args.seed)
        with timer("Reconstruction de l'agrégat (rollup)") as rebuild_timer:
            rollup_rows = rollup.rebuild()
        _exec("VACUUM ANALYZE activities_activityrollup, activities_activitypairrollup")
        print(f"  {rollup_rows:,} lignes d'agrégat".replace(",", " "), flush=True)
    else:
        gen = rebuild_timer = {"seconds": float("nan")}
    totals = _exec(
        "SELECT count(*), sum(participants_count), sum(CASE WHEN kind = 'collectif' THEN 1 ELSE 0 END) FROM activities_activity"
    )[0]
    print(
        f"Activités : {totals[0]:,}, accompagnements : {totals[1]:,}, ateliers : {totals[2]:,}".replace(
            ",", " "
        ),
        flush=True,
    )

    departments = [
        row[0]
        for row in _exec(
            "SELECT department_id FROM activities_activity WHERE department_id IS NOT NULL "
            "GROUP BY department_id ORDER BY count(*) DESC LIMIT 10"
        )
    ]
    coordinator, importer_user, admin = _bench_users(departments)

    # Import of a Coop-layout XLSX through the real path (streamed read + analyse + staging COPY +
    # INSERT … SELECT + rollup grouped in SQL + foreign-key checks at commit), then an idempotent re-run,
    # beside a raw COPY of the same rows into a staging table, in the same run.
    import_rows = args.import_rows or max(5_000, int(200_000 * args.scale))
    forgotten = _forget_imports(importer_user.pk)
    if forgotten:
        print(f"  {forgotten:,} activités d'un banc précédent retirées (agrégat compris)".replace(",", " "))
    rows = _import_rows(import_rows, args.seed, departments[0])
    content = _import_file(rows)
    print(
        f"Fichier Coop : {len(rows):,} lignes, {len(content) / 1024**2:.1f} Mo".replace(",", " "), flush=True
    )
    copy_s = min(_raw_copy(rows) for _ in range(3))
    load_before = os.getloadavg()
    start = time.perf_counter()
    cpu_start = time.process_time()
    result = importer.import_activities(
        actor=None,
        mediator=importer_user,
        content=content,
        filename="coop-numerique_accompagnements_banc.xlsx",
        max_rows=import_rows * 2,
        max_bytes=len(content) + 1,
    )
    import_s = time.perf_counter() - start
    import_cpu_s = time.process_time() - cpu_start
    load_after = os.getloadavg()
    start = time.perf_counter()
    again = importer.import_activities(
        actor=None,
        mediator=importer_user,
        content=content,
        filename="coop-numerique_accompagnements_banc.xlsx",
        max_rows=import_rows * 2,
        max_bytes=len(content) + 1,
    )
    reimport_s = time.perf_counter() - start
    start = time.perf_counter()
    cpu_start = time.process_time()
    with importer.without_cyclic_gc():  # as in the import
        table = importer.read_table(
            content, "banc.xlsx", max_rows=import_rows * 2, max_bytes=len(content) + 1
        )
    read_s = time.perf_counter() - start
    read_cpu_s = time.process_time() - cpu_start
    print(
        f"Import : {import_rows:,} lignes ({result.created:,} activités) en {import_s:.1f} s = "
        f"{import_rows / import_s:,.0f} lignes/s (objectif ≥ 20 000) ; lecture XLSX seule "
        f"{read_s:.1f} s ({len(table.rows):,} lignes) ; relance identique : {again.unchanged:,} inchangées, "
        f"{reimport_s:.1f} s".replace(",", " "),
        flush=True,
    )
    print(
        f"Temps CPU du processus Python (indépendant de la charge) : import {import_cpu_s:.1f} s = "
        f"{import_cpu_s / import_rows * 1e6:.0f} µs par ligne, dont lecture XLSX {read_cpu_s:.1f} s = "
        f"{read_cpu_s / import_rows * 1e6:.0f} µs par ligne ; le reste du temps réel "
        f"({import_s - import_cpu_s:.1f} s) est PostgreSQL ou l'attente due à la charge",
        flush=True,
    )
    print(
        f"Base de comparaison : COPY brut des mêmes lignes en table de préparation {copy_s:.2f} s = "
        f"{import_rows / copy_s:,.0f} lignes/s ; import / COPY = × {import_s / copy_s:.1f} "
        "(objectif ≤ 5)".replace(",", " "),
        flush=True,
    )
    print(
        "Charge moyenne (1, 5, 15 min) avant l'import : "
        f"{' '.join(f'{v:.2f}' for v in load_before)} ; après : {' '.join(f'{v:.2f}' for v in load_after)} "
        f"({os.cpu_count()} cœurs)",
        flush=True,
    )
    forgotten = _forget_imports(importer_user.pk)
    print(f"  {forgotten:,} activités importées par le banc retirées (agrégat compris)".replace(",", " "))
    with timer("  VACUUM ANALYZE après retrait (place réutilisable, index sans lignes mortes)"):
        _exec(
            "VACUUM ANALYZE activities_activity, activities_accompaniment, activities_participantcount, "
            "activities_activityrollup, activities_activitypairrollup"
        )

    today = timezone.localdate()
    period_start, period_end = selectors.default_period(today)
    client = verified_client(coordinator)
    admin_client = verified_client(admin)
    cycle = iter(range(10**9))

    def department_page() -> None:
        department = departments[next(cycle) % len(departments)]
        response = client.get("/activites/statistiques/", {"perimetre": f"department:{department}"})
        assert response.status_code == 200, response.status_code

    def national_page() -> None:
        response = admin_client.get("/activites/statistiques/", {"perimetre": "national:0"})
        assert response.status_code == 200, response.status_code

    def crosstab_page() -> None:
        department = departments[next(cycle) % len(departments)]
        response = client.get(
            "/activites/statistiques/",
            {"perimetre": f"department:{department}", "lignes": "theme", "colonnes": "age_band"},
        )
        assert response.status_code == 200, response.status_code

    def one_raw_group_by(department: int | None) -> Any:
        """The same figures as a statistics page, by ONE hand-written statement on the raw tables."""
        sql, params = _raw_statistics_sql(period_start, period_end, department)
        return lambda: _exec(sql, params)

    def national_crosstab_raw() -> None:
        import dataclasses

        selectors.cross_tab(
            dataclasses.replace(national_scope, rollup_key=None), period_start, period_end, "month", "theme"
        )

    def national_crosstab() -> None:
        selectors.cross_tab(national_scope, period_start, period_end, "month", "theme")

    national_scope = selectors.resolve_scope(admin, "national:0")
    # Queries and time of one département page: what is SQL and what is Python.
    from django.db import connection as db
    from django.test.utils import CaptureQueriesContext

    for _ in range(3):
        department_page()
    with CaptureQueriesContext(db) as captured:
        start = time.perf_counter()
        response = client.get("/activites/statistiques/", {"perimetre": f"department:{departments[0]}"})
        page_ms = (time.perf_counter() - start) * 1000
    sql_ms = sum(float(q["time"]) for q in captured.captured_queries) * 1000
    scope = selectors.resolve_scope(coordinator, f"department:{departments[0]}")
    start = time.perf_counter()
    selectors.compute_stats(scope, period_start, period_end, top=50)
    compute_ms = (time.perf_counter() - start) * 1000
    with CaptureQueriesContext(db) as stats_captured:
        selectors.compute_stats(scope, period_start, period_end, top=50)
    print(
        f"Page département : {len(captured.captured_queries)} requêtes SQL au total "
        f"(dont {len(stats_captured.captured_queries)} pour les statistiques), {page_ms:.0f} ms dont SQL "
        f"{sql_ms:.0f} ms, Python {page_ms - sql_ms:.0f} ms (statistiques seules {compute_ms:.0f} ms) ; "
        f"code HTTP {response.status_code}",
        flush=True,
    )

    from django.core.cache import cache

    def cold(page: Any) -> Any:
        """The page with an empty statistics cache (what the first reader after a write waits)."""

        def call() -> None:
            cache.clear()
            page()

        return call

    repeat = args.repeat
    results: dict[str, list[float]] = {}
    # The « agrégat » series measures a page whose figures are cached: each of the 10 départements is
    # read once first (until then 7 of the 30 samples were first readings of a département, cache
    # misses, which made the p95). The first reading is measured apart, in the « cache vide » series.
    for _ in departments:
        department_page()
    cpu_start = time.process_time()
    results["département (page, agrégat)"] = time_calls(department_page, repeat=repeat, warmup=0)
    cpu_ms = (time.process_time() - cpu_start) * 1000 / repeat
    print(
        f"Page département : temps CPU du processus {cpu_ms:.0f} ms par requête (moyenne de {repeat}, "
        "indépendant de l'attente due à la charge)",
        flush=True,
    )
    cpu_start = time.process_time()
    results["national (page, agrégat)"] = time_calls(national_page, repeat=max(5, repeat // 2))
    national_cpu_ms = (time.process_time() - cpu_start) * 1000 / (max(5, repeat // 2) + 1)
    print(f"Page nationale : temps CPU du processus {national_cpu_ms:.0f} ms par requête", flush=True)
    results["département (page, cache vide)"] = time_calls(cold(department_page), repeat=max(5, repeat // 2))
    results["national (page, cache vide)"] = time_calls(cold(national_page), repeat=max(5, repeat // 2))
    results["croisement thème × âge, département (page)"] = time_calls(
        crosstab_page, repeat=max(5, repeat // 2), warmup=len(departments)
    )
    results["croisement thème × âge, département (page, cache vide)"] = time_calls(
        cold(crosstab_page), repeat=max(5, repeat // 2)
    )
    results["département, UN GROUP BY brut écrit à la main (mêmes chiffres)"] = time_calls(
        one_raw_group_by(departments[0]), repeat=max(5, repeat // 3), warmup=1
    )
    results["national, UN GROUP BY brut écrit à la main (mêmes chiffres)"] = time_calls(
        one_raw_group_by(None), repeat=3, warmup=1
    )
    results["croisement mois × thème, national (agrégat)"] = time_calls(national_crosstab, repeat=5, warmup=1)
    results["croisement mois × thème, national (tables brutes)"] = time_calls(
        national_crosstab_raw, repeat=3, warmup=1
    )
    load = os.getloadavg()
    for label, samples in results.items():
        report(label, samples)
    raw_cycle = iter(range(10**9))

    def raw_department() -> None:  # each of the 10 départements in turn, as the pages
        one_raw_group_by(departments[next(raw_cycle) % len(departments)])()

    _cpu_comparison(department_page, cold(department_page), raw_department, len(departments))

    def p95(label: str) -> float:
        return percentile(results[label], 95)

    dep_ratio = p95("département, UN GROUP BY brut écrit à la main (mêmes chiffres)") / p95(
        "département (page, agrégat)"
    )
    nat_ratio = p95("national, UN GROUP BY brut écrit à la main (mêmes chiffres)") / p95(
        "national (page, agrégat)"
    )
    dep_cold = p95("département, UN GROUP BY brut écrit à la main (mêmes chiffres)") / p95(
        "département (page, cache vide)"
    )
    nat_cold = p95("national, UN GROUP BY brut écrit à la main (mêmes chiffres)") / p95(
        "national (page, cache vide)"
    )
    print(
        f"Rapport GROUP BY brut / page entière (p95) : département × {dep_ratio:.1f}, national × "
        f"{nat_ratio:.1f} (objectif ≥ 10) ; cache vide : département × {dep_cold:.1f}, national × "
        f"{nat_cold:.1f} ; charge moyenne {' '.join(f'{v:.2f}' for v in load)}",
        flush=True,
    )
    sizes = _exec(
        "SELECT relname, pg_total_relation_size(oid) FROM pg_class WHERE relname = ANY(%s) ORDER BY 1",
        [[*TABLES, "activities_activityrollup", "activities_activitypairrollup"]],
    )
    total = 0
    for name, size in sizes:
        total += size
        print(f"Taille {name} : {size / 1024**2:,.0f} Mo".replace(",", " "), flush=True)
    print(f"Taille totale : {total / 1024**3:.2f} Go", flush=True)
    print(
        "RÉSUMÉ | accompagnements {acc:,} | génération {gen} | rollup {rb} | import de bout en bout "
        "{ips:,.0f} lignes/s (× {cr:.1f} le COPY brut, charge {load:.2f}) | "
        "département p95 {dep:.0f} ms | national p95 {nat:.0f} ms | croisement p95 {ct:.0f} ms | "
        "GROUP BY brut / page : département ×{dr:.1f}, national ×{nr:.1f} (cache vide ×{dc:.1f}, ×{nc:.1f}) | "
        "CPU import {icpu:.0f} µs/ligne | disque {size:.2f} Go".format(
            dc=dep_cold,
            nc=nat_cold,
            icpu=import_cpu_s / import_rows * 1e6,
            acc=totals[1],
            gen=_seconds_or_reused(gen["seconds"]),
            rb=_seconds_or_reused(rebuild_timer["seconds"]),
            ips=import_rows / import_s,
            cr=import_s / copy_s,
            load=load_after[0],
            dep=p95("département (page, agrégat)"),
            nat=p95("national (page, agrégat)"),
            ct=p95("croisement thème × âge, département (page)"),
            dr=dep_ratio,
            nr=nat_ratio,
            size=total / 1024**3,
        ).replace(",", " "),
        flush=True,
    )
    connection.close()
