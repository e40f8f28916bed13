"""Stored annuaire PDFs: built once by a job, served as a file, rebuilt when the territory's places change.

WeasyPrint is replaced by a counter here (the real PDF is checked in test_annuaire.py and
test_territory_lookup.py): these tests are about when a file is built, stored and served.
"""

from __future__ import annotations

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from maillage.core import jobs
from maillage.core.models import Job, JobStatus
from maillage.places import annuaire_files, pdf
from maillage.places.models import AnnuaireFile
from maillage.places.services import places_import
from tests.places.factories import PlaceFactory
from tests.places.standard_files import row, to_csv

pytestmark = pytest.mark.django_db


@pytest.fixture
def renders(monkeypatch):
    """Count the builds; each build gives a distinct tiny « PDF »."""
    calls: list[str] = []

    def fake_render(territory):
        calls.append(territory.code)
        return f"%PDF-1.7 annuaire {territory.code} n°{len(calls)}".encode()

    monkeypatch.setattr(pdf, "render_annuaire", fake_render)
    return calls


@pytest.fixture
def queue_only(monkeypatch):
    """A queue whose worker has not run yet (the immediate test backend runs the job inside enqueue)."""
    monkeypatch.setattr(jobs, "_queue", lambda record, delay_s=0: None)


def _url(territory) -> str:
    return reverse("places:annuaire_pdf", args=[pdf.SLUG_BY_KIND[territory.kind], territory.code])


def test_built_once_stored_and_served_as_a_file(client, figeac, figeac_epci, renders) -> None:
    PlaceFactory(commune=figeac)
    first = client.get(_url(figeac_epci))
    assert first.status_code == 200 and first["Content-Type"] == "application/pdf"
    assert first.content == f"%PDF-1.7 annuaire {figeac_epci.code} n°1".encode()
    assert "Last-Modified" in first and "annuaire-lieux-" in first["Content-Disposition"]
    record = AnnuaireFile.objects.get(territory=figeac_epci)
    assert record.is_fresh and record.place_count == 1 and default_storage.exists(record.file_name)
    assert record.job.status == JobStatus.SUCCEEDED and record.job.territory_code == figeac_epci.code
    assert client.get(_url(figeac_epci)).content == first.content
    assert renders == [figeac_epci.code]


def test_serving_a_stored_file_is_two_queries(client, figeac, lot, renders) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    PlaceFactory(commune=figeac)
    client.get(_url(lot))
    with CaptureQueriesContext(connection) as captured:
        response = client.get(_url(lot))
    assert response.status_code == 200 and renders == ["46"]
    # the territory, then its stored file (PostgreSQL adds the request's savepoint around them)
    queries = [q["sql"] for q in captured.captured_queries if "SAVEPOINT" not in q["sql"]]
    assert len(queries) == 2, queries


def test_a_place_saved_or_deleted_rebuilds_its_territories(
    client, figeac, figeac_epci, lot, renders, django_capture_on_commit_callbacks
) -> None:
    place = PlaceFactory(commune=figeac)
    client.get(_url(lot))
    client.get(_url(figeac_epci))
    old_name = AnnuaireFile.objects.get(territory=lot).file_name
    place.name = "Médiathèque renommée"
    with django_capture_on_commit_callbacks(execute=True):
        place.save()  # the immediate backend rebuilds both at once
    assert renders == ["46", figeac_epci.code, "46", figeac_epci.code]
    assert all(r.is_fresh for r in AnnuaireFile.objects.all())
    assert not default_storage.exists(old_name)  # the replaced file is deleted
    assert client.get(_url(lot)).content.endswith(b"n\xc2\xb03")
    place.delete()
    assert len(renders) == 6


def test_a_place_moved_to_another_commune_rebuilds_the_old_one(client, figeac, cahors, renders) -> None:
    place = PlaceFactory(commune=figeac)
    client.get(_url(figeac))
    place.commune = cahors
    place.save()
    assert renders == [figeac.code, figeac.code]


def test_an_import_marks_the_territory_stale(client, figeac, lot, renders, queue_only) -> None:
    PlaceFactory(commune=figeac)
    annuaire_files.build(lot.pk)  # the file exists, fresh
    assert client.get(_url(lot)).status_code == 200
    places_import(data=to_csv([row(id="nouveau")]), filename="lieux.csv", territory=lot)
    record = AnnuaireFile.objects.select_related("job").get(territory=lot)
    assert not record.is_fresh and record.job.status == JobStatus.QUEUED  # its rebuild waits in the queue
    # Meanwhile the last good file is served, with its date.
    stale = client.get(_url(lot))
    assert stale.status_code == 200 and stale.content.endswith(b"n\xc2\xb01") and "Last-Modified" in stale
    assert (
        Job.objects.filter(kind="places.annuaire", status=JobStatus.QUEUED).count() == 1
    )  # not one per visit
    jobs.run(record.job.pk)
    assert client.get(_url(lot)).content.endswith(b"n\xc2\xb02")


def test_first_request_shows_a_page_that_reloads_until_ready(
    client, figeac, lot, renders, queue_only
) -> None:
    PlaceFactory(commune=figeac)
    response = client.get(_url(lot))
    assert response.status_code == 202 and response["Cache-Control"] == "no-store"
    html = response.content.decode()
    assert "http-equiv" not in html  # no timed reload (WCAG 2.2.1, axe « meta-refresh »): a link
    assert "est en préparation" in html and "Actualiser" in html
    client.get(_url(lot))
    job = Job.objects.get(kind="places.annuaire")  # one job for both visits
    jobs.run(job.pk)
    ready = client.get(_url(lot))
    assert ready.status_code == 200 and ready.content.startswith(b"%PDF")


def test_a_failed_build_is_shown_in_french_and_not_retried_at_once(
    client, lot, monkeypatch, queue_only
) -> None:
    def broken(territory):
        raise jobs.JobError("Police de caractères introuvable.")

    monkeypatch.setattr(pdf, "render_annuaire", broken)
    client.get(_url(lot))
    job = Job.objects.get(kind="places.annuaire")
    jobs.run(job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    response = client.get(_url(lot))
    assert response.status_code == 503
    assert "Police de caractères introuvable." in response.content.decode()
    assert "<meta http-equiv" not in response.content.decode()
    assert Job.objects.filter(kind="places.annuaire").count() == 1


def test_a_change_during_the_build_queues_one_more(figeac, lot, monkeypatch, queue_only) -> None:
    place = PlaceFactory(commune=figeac)
    record = annuaire_files.record_for(lot)

    def render_while_someone_edits(territory):
        AnnuaireFile.objects.filter(pk=record.pk).update(version=record.version + 1)
        return b"%PDF-1.7 built"

    monkeypatch.setattr(pdf, "render_annuaire", render_while_someone_edits)
    annuaire_files.build(lot.pk)
    record.refresh_from_db()
    assert not record.is_fresh and record.file_name  # served meanwhile, rebuilt next
    assert record.job is not None and record.job.status == JobStatus.QUEUED
    assert place.pk


def test_a_territory_over_the_cap_is_refused_by_the_job(figeac, lot, monkeypatch, renders) -> None:
    monkeypatch.setattr(pdf, "MAX_PLACES", 1)
    PlaceFactory(commune=figeac)
    PlaceFactory(commune=figeac)
    with pytest.raises(jobs.JobError, match="compte 2 lieux"):
        annuaire_files.build(lot.pk)
    assert renders == []


def test_the_coordinator_sees_the_build_and_its_report(client, figeac, lot, lot_coordinator, renders) -> None:
    PlaceFactory(commune=figeac)
    client.get(_url(lot))
    job = Job.objects.get(kind="places.annuaire")
    client.force_login(lot_coordinator)
    page = client.get(reverse("job", args=[job.pk])).content.decode()
    assert "Annuaire imprimable : Lot" in page and "Annuaire produit : 1 lieu" in page
    assert _url(lot) in page
