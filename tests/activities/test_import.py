import io
from datetime import date

import pytest
from django.core.management import call_command

from maillage.activities import importer, rollup
from maillage.activities.models import Activity, ActivityRollup, ParticipantCount
from maillage.core.models import AuditLog
from tests.activities.coop_files import CoopActivity, Person, coop_export
from tests.activities.factories import subtract_everything_as_staged

pytestmark = pytest.mark.django_db


def _individual(**values):
    defaults = {
        "coop_id": "a-1",
        "date": date(2026, 2, 3),
        "channel": "À domicile",
        "commune": "Figeac",
        "postcode": "46100",
        "insee": "46102",
        "duration": 45,
        "themes": ["E-mail", "Aide aux démarches administratives", "Logement"],
        "devices": ["Téléphone"],
        "level": "3/3",
        "reoriented": "Oui",
        "redirection": "Administration (mairie, préfecture…)",
        "tags": ["seniors"],
        "people": [
            Person(
                commune="Figeac",
                postcode="46100",
                insee="46102",
                gender="Féminin",
                age_band="70 ans et plus",
                status="Retraité",
            )
        ],
    }
    defaults.update(values)
    return CoopActivity(**defaults)


def _workshop(**values):
    defaults = {
        "coop_id": "a-2",
        "date": date(2026, 2, 4),
        "kind": "Atelier collectif",
        "channel": "Autre lieu",
        "commune": "Cahors",
        "insee": "46042",
        "duration": 90,
        "themes": ["Prévention en sécurité numérique"],
        "devices": ["Ordinateur"],
        "workshop_title": "Arnaques",
        "level": "1/3",
        "people": [
            Person(gender="Féminin", age_band="60 - 69 ans", status="Retraité"),
            Person(gender="Masculin", age_band="70 ans et plus", status="Non communiqué ou hétérogène"),
            Person(gender="Féminin"),
        ],
    }
    defaults.update(values)
    return CoopActivity(**defaults)


ROWS = [_individual(), _workshop()]


def coop_xlsx(activities):
    return coop_export(list(activities))


def test_coop_xlsx_import_is_idempotent(lot_mediator, figeac, cahors):
    content = coop_xlsx(ROWS)
    result = importer.import_activities(
        actor=lot_mediator, mediator=lot_mediator, content=content, filename="export.xlsx"
    )
    assert (result.created, result.updated, result.unchanged) == (2, 0, 0)
    workshop = Activity.objects.get(coop_id="a-2")
    assert workshop.participants_count == 3 and workshop.kind == "collectif"
    genders = dict(
        ParticipantCount.objects.filter(activity=workshop, dimension="gender").values_list("value", "count")
    )
    assert genders == {"feminin": 2, "masculin": 1}
    individual = Activity.objects.get(coop_id="a-1")
    assert individual.procedures == ["logement"] and individual.oriented is True
    assert individual.department_id == figeac.department_id and individual.epci_id == figeac.epci_id
    snapshot = sorted(
        ActivityRollup.objects.values_list("grain", "dimension", "value", "month", "accompaniments")
    )
    again = importer.import_activities(
        actor=lot_mediator, mediator=lot_mediator, content=content, filename="export.xlsx"
    )
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert Activity.objects.count() == 2
    assert (
        sorted(ActivityRollup.objects.values_list("grain", "dimension", "value", "month", "accompaniments"))
        == snapshot
    )
    assert AuditLog.objects.filter(action="import").count() == 2
    # rollup after a bulk import equals a rebuild
    rows = sorted(
        (r.grain, r.dimension, r.value, r.month, r.accompaniments)
        for r in ActivityRollup.objects.all()
        if r.accompaniments or r.activities
    )
    rollup.rebuild()
    assert (
        sorted(
            (r.grain, r.dimension, r.value, r.month, r.accompaniments) for r in ActivityRollup.objects.all()
        )
        == rows
    )


def test_changed_row_updates(lot_mediator, figeac, cahors):
    importer.import_activities(
        actor=lot_mediator, mediator=lot_mediator, content=coop_xlsx(ROWS), filename="e.xlsx"
    )
    changed = [_individual(duration=60)]
    result = importer.import_activities(
        actor=lot_mediator, mediator=lot_mediator, content=coop_xlsx(changed), filename="e.xlsx"
    )
    assert (result.created, result.updated) == (0, 1)
    assert Activity.objects.get(coop_id="a-1").duration_minutes == 60


def test_one_bad_row_writes_nothing_and_reports_every_error(lot_mediator, figeac, cahors):
    # Sheet rows, most recent first under the header (row 22): a-3 (23), a-2 ×3 (24–26), a-1 (27).
    activities = [
        _individual(channel="Sur la lune"),
        _workshop(themes=["Prévention en sécurité numérique", "Astrologie"]),
        _individual(coop_id="a-3", date=date(2026, 2, 5), duration=0, themes=[], channel="À distance"),
    ]
    content = coop_xlsx(activities)
    with pytest.raises(importer.ImportFailed) as failure:
        importer.import_activities(
            actor=lot_mediator, mediator=lot_mediator, content=content, filename="e.xlsx"
        )
    messages = importer.iter_errors(failure.value.errors)
    assert any(m.startswith("ligne 27, colonne « Canaux d’accompagnement »") for m in messages), messages
    assert any(
        "ligne 24, colonne « Thématique(s) d’accompagnement »" in m and "Astrologie" in m for m in messages
    )
    assert any("ligne 23, colonne « Durée (min) »" in m for m in messages), messages
    assert any("ligne 23, colonne « Thématique(s) d’accompagnement »" in m for m in messages), messages
    assert Activity.objects.count() == 0
    # A workshop row with another type in the same ID CRA is a duplicate of an individual id.
    content = coop_xlsx([_individual(), _individual(date=date(2026, 2, 1))])
    with pytest.raises(importer.ImportFailed) as failure:
        importer.import_activities(
            actor=lot_mediator, mediator=lot_mediator, content=content, filename="e.xlsx"
        )
    assert importer.iter_errors(failure.value.errors) == [
        "ligne 24, colonne « ID CRA » : identifiant « a-1 » en double (ligne 23)."
    ]


def test_csv_template_round_trip_and_encodings(lot_mediator, figeac, cahors):
    text = importer.template_csv()
    for content in (
        text.encode("utf-8"),
        ("\ufeff" + text).encode("utf-8"),
        text.encode("cp1252", errors="replace"),
        text.replace(";", ",").encode("utf-8"),
    ):
        if b"," in content[:20] and b";" not in content[:200]:
            # comma separated: quote cells containing commas
            import csv

            out = io.StringIO()
            writer = csv.writer(out)
            for row in csv.reader(io.StringIO(text), delimiter=";"):
                writer.writerow(row)
            content = out.getvalue().encode("utf-8")
        Activity.objects.all().delete()
        result = importer.import_activities(
            actor=lot_mediator, mediator=lot_mediator, content=content, filename="modele.csv"
        )
        assert result.created == 2
        assert Activity.objects.get(coop_id="exemple-2").participants_count == 2


def test_missing_column_and_limits(lot_mediator):
    with pytest.raises(importer.ImportFailed) as failure:
        importer.import_activities(
            actor=lot_mediator,
            mediator=lot_mediator,
            content=b"ID CRA;Date;Type\n1;01/01/2026;Atelier collectif\n",
            filename="x.csv",
        )
    messages = importer.iter_errors(failure.value.errors)
    assert "ligne 1, colonne « Durée (min) » : colonne obligatoire absente." in messages, messages
    with pytest.raises(importer.ImportFailed) as failure:
        importer.import_activities(
            actor=lot_mediator, mediator=lot_mediator, content=b"x" * 200, filename="x.csv", max_bytes=100
        )
    assert "trop volumineux" in importer.iter_errors(failure.value.errors)[0]
    text = importer.template_csv()
    with pytest.raises(importer.ImportFailed) as failure:
        importer.import_activities(
            actor=lot_mediator, mediator=lot_mediator, content=text.encode(), filename="x.csv", max_rows=2
        )
    assert "dépasse 2 lignes" in importer.iter_errors(failure.value.errors)[0]


def test_other_mediators_id_is_refused(lot_mediator, lozere_mediator, figeac, cahors):
    importer.import_activities(
        actor=lot_mediator, mediator=lot_mediator, content=coop_xlsx(ROWS[:1]), filename="e.xlsx"
    )
    with pytest.raises(importer.ImportFailed):
        importer.import_activities(
            actor=lozere_mediator, mediator=lozere_mediator, content=coop_xlsx(ROWS[:1]), filename="e.xlsx"
        )


def test_management_command(lot_mediator, figeac, cahors, tmp_path):
    path = tmp_path / "modele.csv"
    path.write_text(importer.template_csv(), encoding="utf-8")
    out = io.StringIO()
    call_command("import_activities", str(path), "--mediator", lot_mediator.email, stdout=out)
    assert "2 créée(s)" in out.getvalue()
    bad = tmp_path / "bad.csv"
    bad.write_text("ID CRA;Date\n", encoding="utf-8")
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("import_activities", str(bad), "--mediator", lot_mediator.email, stdout=io.StringIO())


def _full_rollup():
    return sorted(
        (r.grain, r.dimension, r.department_id, r.month, r.value, r.activities, r.accompaniments, r.anonymous)
        for r in ActivityRollup.objects.all()
        if r.activities or r.accompaniments or r.anonymous
    )


def test_bulk_import_rollup_matches_raw_counts_and_rebuild(lot_mediator, figeac, cahors):
    """Every measure of the rollup after an import, a changed re-import and a second file equals a rebuild
    from the raw tables (the PostgreSQL path groups its staging tables in SQL)."""
    rows = list(ROWS)
    for n in range(12):
        rows.append(_individual(coop_id=f"b-{n}", duration=30 + n))
    importer.import_activities(
        actor=lot_mediator, mediator=lot_mediator, content=coop_xlsx(rows), filename="e.xlsx"
    )
    rows[-1] = _individual(coop_id="b-11", duration=90)  # one changed, one new
    extra = _individual(coop_id="b-new")
    result = importer.import_activities(
        actor=lot_mediator, mediator=lot_mediator, content=coop_xlsx([*rows, extra]), filename="e.xlsx"
    )
    assert (result.created, result.updated) == (1, 1)
    incremental = _full_rollup()
    kinds = [r for r in incremental if r[0] == "d" and r[1] == "kind"]
    assert sum(r[5] for r in kinds) == Activity.objects.count()
    assert sum(r[6] for r in kinds) == sum(Activity.objects.values_list("participants_count", flat=True))
    rollup.rebuild()
    assert _full_rollup() == incremental


def test_repeated_bad_values_are_reported_on_every_line_and_cells_are_trimmed(lot_mediator, figeac, cahors):
    """The analyser remembers parsed cells: an error must still be reported on each line it occurs."""
    header = "ID CRA;Date;Type;Durée (min);Canaux d’accompagnement;Code Insee;Thématique(s) d’accompagnement;Genre du bénéficiaire;Nom de l’atelier"
    good = "c-1; 03/02/2026 ;Accompagnement individuel; 45 ;À domicile; 46102 ; E-mail ;Féminin"  # short row
    bad = [
        "c-2;03/02/2026;Accompagnement individuel;45;À domicile;46102;E-mail;  Xyz ;",
        "c-3;03/02/2026;Accompagnement individuel;9999;À domicile;46102;Bidule;Xyz;",
        "c-4;03/02/2026;Accompagnement individuel;9999;À domicile;46102;Bidule;Xyz;",
    ]
    with pytest.raises(importer.ImportFailed) as failure:
        importer.import_activities(
            actor=lot_mediator,
            mediator=lot_mediator,
            content="\n".join([header, good, *bad]).encode(),
            filename="x.csv",
        )
    messages = importer.iter_errors(failure.value.errors)
    assert sum("« Xyz »" in m and "Genre du bénéficiaire" in m for m in messages) == 3
    assert sum("« Bidule »" in m for m in messages) == 2
    assert sum("Durée" in m for m in messages) == 2
    assert Activity.objects.count() == 0
    result = importer.import_activities(
        actor=lot_mediator, mediator=lot_mediator, content=f"{header}\n{good}\n".encode(), filename="x.csv"
    )
    assert result.created == 1
    activity = Activity.objects.get(coop_id="c-1")
    assert (activity.duration_minutes, activity.commune_id, activity.themes) == (45, figeac.pk, ["email"])


def test_reimport_with_accented_tags_and_workshops_is_unchanged(lot_mediator, figeac, cahors):
    content = coop_xlsx([_individual(tags=["Séniors, été ; « spécial »", "Été", "seniors"]), _workshop()])
    first = importer.import_activities(
        actor=lot_mediator, mediator=lot_mediator, content=content, filename="e.xlsx"
    )
    again = importer.import_activities(
        actor=lot_mediator, mediator=lot_mediator, content=content, filename="e.xlsx"
    )
    assert (again.created, again.updated, again.unchanged) == (0, 0, first.created)
    activity = Activity.objects.get(coop_id="a-1")
    assert activity.tags == ["Séniors, été ; « spécial »", "Été", "seniors"]
    assert activity.source == "coop" and activity.created_at is not None and activity.updated_at is not None


def test_import_rollup_with_shared_tag_lists_and_months_equals_rebuild_and_subtracts_to_zero(
    lot_mediator, figeac, cahors
):
    """The import's rollup groups activities per dimension (PostgreSQL: grouping sets, then masks and
    tags exploded per group): activities sharing a tag list, tags equal once cut to 64 characters,
    several months, workshops and remote rows all add up as a rebuild; subtracting the same rows
    (``sign=-1``, PostgreSQL) brings every measure back to zero. Ids follow the dates."""
    long_tag = "x" * 70
    rows = [
        _individual(coop_id="t-1", date=date(2026, 3, 9), tags=["Séniors", long_tag, long_tag + "y"]),
        _individual(coop_id="t-2", date=date(2026, 1, 5), tags=["Séniors", long_tag, long_tag + "y"]),
        _individual(coop_id="t-3", date=date(2026, 1, 20), tags=["Séniors"], channel="À distance"),
        _workshop(coop_id="t-4", date=date(2026, 3, 2), tags=["Séniors", "Quartier"]),
        _workshop(coop_id="t-5", date=date(2026, 2, 14)),
    ]
    importer.import_activities(
        actor=lot_mediator, mediator=lot_mediator, content=coop_xlsx(rows), filename="t.xlsx"
    )
    by_date = list(Activity.objects.order_by("date", "coop_id").values_list("id", flat=True))
    assert by_date == sorted(by_date)
    incremental = _full_rollup()
    tags = {(r[3], r[4]): r[5] for r in incremental if r[0] == "d" and r[1] == "tag"}
    assert tags[(date(2026, 1, 1), "x" * 64)] == 1  # one activity with two tags cut to the same 64 chars
    assert tags[(date(2026, 3, 1), "Séniors")] == 2
    rollup.rebuild()
    assert _full_rollup() == incremental

    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        subtract_everything_as_staged(cursor, "t")
        cursor.execute("SHOW work_mem")
        assert cursor.fetchone()[0] != rollup.ROLLUP_WORK_MEM  # set for the statement only
    assert _full_rollup() == []
