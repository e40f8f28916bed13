from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from maillage.core.models import AuditLog
from maillage.places.choices import DuplicateReason, ImportStatus
from maillage.places.models import DuplicateCandidate, ImportJob, Place
from maillage.places.services import places_import
from tests.factories import make_commune
from tests.places.factories import PlaceFactory
from tests.places.standard_files import EXAMPLE_CSV, row, to_csv

pytestmark = pytest.mark.django_db


def _import(data, **kwargs):
    kwargs.setdefault("filename", "lieux.csv")
    return places_import(data=data, **kwargs)


def test_import_official_example_without_territory():
    job = _import(EXAMPLE_CSV.read_bytes())
    assert job.status == ImportStatus.DONE, job.report
    place = Place.objects.get()
    assert (place.source, place.source_id, place.commune_id) == ("Hubik", "structure-1", None)
    assert place.services_search.startswith("|Maîtrise des outils numériques du quotidien|")
    assert job.created_count == 1


@pytest.mark.parametrize(
    "kwargs", [{"bom": True}, {"encoding": "cp1252", "delimiter": ";"}, {"delimiter": ";"}]
)
def test_import_variants_resolve_the_commune(figeac, kwargs):
    job = _import(to_csv([row(), row(id="lieu-2", nom="Espace Été", code_insee="")], **kwargs))
    assert job.status == ImportStatus.DONE, job.report
    assert set(Place.objects.values_list("commune_id", flat=True)) == {figeac.pk}
    # the INSEE code is completed from postcode + name
    assert Place.objects.get(source_id="lieu-2").insee_code == "46102"


def test_one_invalid_row_writes_nothing(figeac, lot_coordinator):
    data = to_csv(
        [row(), row(id="lieu-2", date_maj="2026-13-45"), row(id="lieu-3", courriels="pas un courriel")]
    )
    job = _import(data, user=lot_coordinator, territory=figeac.department)
    assert job.status == ImportStatus.REFUSED
    assert Place.objects.count() == 0
    assert [(e["line"], e["column"]) for e in job.report["errors"]] == [(3, "date_maj"), (4, "courriels")]
    assert "Aucun lieu n'a été enregistré" in job.report["message"]
    assert ImportJob.objects.get().error_count == 2


def test_reimport_changes_nothing_and_update_is_detected(figeac):
    data = to_csv([row(), row(id="lieu-2", nom="Espace Été")])
    first = _import(data, territory=figeac.department)
    assert (first.created_count, first.updated_count) == (2, 0)
    audit_count = AuditLog.objects.count()
    again = _import(data, territory=figeac.department)
    assert (again.created_count, again.updated_count, again.unchanged_count) == (0, 0, 2)
    assert again.status == ImportStatus.UNCHANGED
    assert "déjà été importé" in again.report["message"]
    assert AuditLog.objects.count() == audit_count + 1  # only the job entry
    changed = _import(to_csv([row(telephone="+33565340001"), row(id="lieu-2", nom="Espace Été")]))
    assert (changed.created_count, changed.updated_count, changed.unchanged_count) == (0, 1, 1)
    place = Place.objects.get(source_id="lieu-1")
    assert place.phone == "+33565340001"
    entry = AuditLog.objects.filter(
        object_type="places.Place", object_id=str(place.pk), action="update"
    ).get()
    assert entry.changes["phone"] == ["+33565340000", "+33565340001"]


def test_territory_import_refuses_rows_outside(figeac, mende, lot_coordinator):
    data = to_csv([row(), row(id="lieu-2", commune="Mende", code_postal="48000", code_insee="48095")])
    job = _import(data, user=lot_coordinator, territory=figeac.department)
    assert job.status == ImportStatus.REFUSED
    assert [(e["line"], e["column"]) for e in job.report["errors"]] == [(3, "code_insee")]
    assert "n'est pas dans le territoire" in job.report["errors"][0]["message"]


def test_territory_import_cannot_overwrite_another_territorys_place(figeac, mende, lot_coordinator):
    PlaceFactory(source="Lot Numérique", source_id="lieu-1", commune=mende)
    job = _import(to_csv([row()]), user=lot_coordinator, territory=figeac.department)
    assert job.status == ImportStatus.REFUSED
    assert job.report["errors"][0]["column"] == "id"


def test_limits(settings):
    settings.IMPORT_MAX_BYTES = 100
    job = _import(EXAMPLE_CSV.read_bytes())
    assert job.status == ImportStatus.REFUSED and "trop volumineux" in job.report["message"]
    settings.IMPORT_MAX_BYTES = 10_000_000
    settings.IMPORT_MAX_ROWS = 1
    job = _import(to_csv([row(), row(id="2")]))
    assert job.status == ImportStatus.REFUSED and "Trop de lignes" in job.report["message"]


def test_duplicates_are_flagged_not_merged(figeac):
    existing = PlaceFactory(
        commune=figeac,
        name="Médiathèque de Figeac",
        pivot="99999999999999",
        latitude=44.6087,
        longitude=2.0318,
    )
    same_siret = PlaceFactory(
        commune=figeac, name="Autre nom", pivot="21460102100013", address="2 boulevard Pasteur"
    )
    job = _import(to_csv([row()]))
    assert job.duplicate_count == 2
    new = Place.objects.get(source_id="lieu-1")
    reasons = {
        DuplicateCandidate.objects.get(place_a_id=min(new.pk, p.pk), place_b_id=max(new.pk, p.pk)).reason
        for p in (existing, same_siret)
    }
    assert reasons == {DuplicateReason.NAME_NEARBY, DuplicateReason.SIRET_ADDRESS}
    assert Place.objects.count() == 3
    # re-import: no new candidates
    _import(to_csv([row(telephone="+33565349999")]))
    assert DuplicateCandidate.objects.count() == 2


def test_far_away_homonym_is_not_a_duplicate(figeac, lot):
    other = make_commune("46042", "Cahors", lot, postcodes=["46000"], lat=44.4475, lon=1.4419)
    PlaceFactory(commune=other, name="Médiathèque de Figeac", pivot="11111111111111")
    job = _import(to_csv([row()]))
    assert job.duplicate_count == 0


def test_command_exit_status_and_report(tmp_path, figeac):
    good = tmp_path / "lieux.csv"
    good.write_bytes(to_csv([row()]))
    out, err = io.StringIO(), io.StringIO()
    call_command("import_places", str(good), "--territory", "46", "--no-progress", stdout=out, stderr=err)
    assert "1 créé(s)" in out.getvalue()
    bad = tmp_path / "faux.csv"
    bad.write_bytes(to_csv([row(code_postal="x")]))
    with pytest.raises(CommandError) as excinfo:
        call_command("import_places", str(bad), "--no-progress", stdout=out, stderr=err)
    assert excinfo.value.returncode == 2
    assert "Ligne 2, colonne « code_postal »" in err.getvalue()
    with pytest.raises(CommandError):
        call_command("import_places", str(good), "--territory", "99999", stdout=out, stderr=err)


def test_export_command_csv_and_json(tmp_path, figeac):
    _import(to_csv([row(), row(id="lieu-2")]))
    target = tmp_path / "export.json"
    err = io.StringIO()
    call_command("export_places", str(target), "--territory", "46102", stderr=err)
    assert [item["id"] for item in json.loads(target.read_text())] == ["lieu-1", "lieu-2"]
    assert "2 lieu(x)" in err.getvalue()
    with pytest.raises(CommandError):
        call_command("export_places", str(tmp_path / "x.txt"))


def test_imported_places_carry_the_derived_columns_of_save(figeac):
    """The import writes what ``Place.save()`` would derive (search columns, « ouvert maintenant »
    number), for new and for changed places, and one audit entry per created place."""
    from maillage.places.models import SEARCH_COLUMNS, OpeningSchedule

    job = _import(to_csv([row(), row(id="lieu-2", nom="Espace Été", horaires="")]))
    changed = _import(to_csv([row(horaires="Mo-Fr 09:00-12:00", nom="Médiathèque Astrolabe")]))
    assert (changed.created_count, changed.updated_count) == (0, 1)
    for place in Place.objects.all():
        stored = {name: getattr(place, name) for name in SEARCH_COLUMNS}
        place.sync_search_columns()
        assert stored == {name: getattr(place, name) for name in SEARCH_COLUMNS}
        expected = (
            OpeningSchedule.objects.get(hours_key=place.opening_hours_key).pk if place.opening_hours else None
        )
        assert place.opening_schedule == expected
    place = Place.objects.get(source_id="lieu-1")
    assert "astrolab" in place.search_document and place.opening_hours == "Mo-Fr 09:00-12:00"
    created = AuditLog.objects.filter(object_type="places.Place", action="create")
    assert sorted(created.values_list("object_id", flat=True)) == sorted(
        str(pk) for pk in Place.objects.values_list("pk", flat=True)
    )
    assert {entry.changes["import_job"] for entry in created} == {job.pk}


def test_long_texts_of_imported_places_are_stored_compressed_and_read_back_whole(figeac):
    """A place with a long presentation (its row beyond PostgreSQL's 2 kB, compressed with LZ4 there)
    reads back exactly as imported, and is found by a word of that presentation."""
    from django.db import connection

    from maillage.places.selectors import SearchFilters, place_search

    detail = "Permanence xylophone. " + " ".join(
        f"Atelier numéro {i} : tablette, smartphone et démarches." for i in range(60)
    )
    job = _import(to_csv([row(presentation_detail=detail)]))
    assert job.created_count == 1
    place = Place.objects.get(source_id="lieu-1")
    assert place.description == detail
    assert place in place_search(SearchFilters(q="xylophone"))
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_column_compression(description), pg_column_compression(standard_document) "
                "FROM places_place WHERE id = %s",
                [place.pk],
            )
            assert cursor.fetchone() == ("lz4", "lz4")
