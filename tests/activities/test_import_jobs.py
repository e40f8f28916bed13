"""The web imports of activities run as background jobs: progress page, report, French failures, nothing
half-written (the immediate test backend runs a job inside enqueue; ``queue_only`` holds it queued)."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from maillage.activities import importer, team
from maillage.activities.models import Activity, PendingTeamImport
from maillage.core import jobs
from maillage.core.models import Job, JobStatus
from tests.activities.coop_files import CoopActivity, coop_export

pytestmark = pytest.mark.django_db


@pytest.fixture
def queue_only(monkeypatch):
    monkeypatch.setattr(jobs, "_queue", lambda record, delay_s=0: None)


def _template_upload():
    return SimpleUploadedFile("modele.csv", importer.template_csv().encode(), content_type="text/csv")


def test_the_page_follows_the_job_then_shows_the_report(client, lot_mediator, figeac, cahors, queue_only):
    client.force_login(lot_mediator)
    response = client.post(reverse("activities:import"), {"file": _template_upload()})
    job = Job.objects.get(kind="activities.import")
    assert response["Location"] == job.get_absolute_url()
    assert job.territory_code == "46"  # the department's coordinators see it too
    waiting = client.get(response["Location"]).content.decode()
    assert "En attente" in waiting and "Actualiser la page" in waiting
    assert Activity.objects.count() == 0
    jobs.run(job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and job.result["created"] == 2
    assert not default_storage.exists(job.params["path"])  # the uploaded file is not kept
    done = client.get(response["Location"]).content.decode()
    assert "Import terminé : 2 activité(s) créée(s)" in done and reverse("activities:list") in done
    assert Activity.objects.count() == 2


def test_a_refused_file_lists_its_errors_and_writes_nothing(client, lot_mediator, figeac):
    client.force_login(lot_mediator)
    bad = SimpleUploadedFile(
        "bad.csv",
        "ID CRA;Date;Type;Durée;Canal;Thématiques\nx;01/01/2026;Individuel;30;Nulle part;E-mail\n".encode(),
        content_type="text/csv",
    )
    html = client.post(reverse("activities:import"), {"file": bad}, follow=True).content.decode()
    assert "1 erreur : aucune ligne n’a été importée" in html
    assert "ligne 2, colonne « Canaux d’accompagnement »" in html
    assert Job.objects.get(kind="activities.import").result["refused"] is True
    assert Activity.objects.count() == 0


def test_an_unexpected_failure_is_retried_then_shown_in_french(
    client, lot_mediator, figeac, cahors, monkeypatch, queue_only
):
    def crash(**kwargs):
        Activity.objects.all().delete()  # would-be partial work: rolled back with the import
        raise RuntimeError("disque plein")

    client.force_login(lot_mediator)
    client.post(reverse("activities:import"), {"file": _template_upload()})
    job = Job.objects.get(kind="activities.import")
    monkeypatch.setattr(importer, "import_activities", crash)
    for _attempt in range(job.max_attempts):
        Job.objects.filter(pk=job.pk).update(status=JobStatus.QUEUED)
        jobs.run(job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.attempts == job.max_attempts
    assert "Le traitement a échoué de façon inattendue" in job.error
    page = client.get(job.get_absolute_url()).content.decode()
    assert "Échec" in page and "Le traitement a échoué de façon inattendue" in page
    assert Activity.objects.count() == 0


def test_a_team_import_whose_file_expired_fails_with_a_french_message(
    client, lot, lot_coordinator, lot_mediator, figeac, queue_only
):
    lot_mediator.first_name, lot_mediator.last_name = "Camille", "Durand"
    lot_mediator.save()
    rows = [
        CoopActivity(
            date=date(2026, 3, 3),
            channel="À domicile",
            commune="Figeac",
            insee="46102",
            mediator=("Camille", "Durand", "Médiateur", ""),
            coop_id="t-1",
        )
    ]
    client.force_login(lot_coordinator)
    upload = SimpleUploadedFile("equipe.xlsx", coop_export(rows, team=True))
    confirm_url = client.post(reverse("activities:import_team"), {"file": upload})["Location"]
    pending = PendingTeamImport.objects.get()
    proposals = team.proposals(lot_coordinator, team.members_of(pending))
    data = {f"m{i}": str(p.mediator.pk) for i, p in enumerate(proposals)}
    response = client.post(confirm_url, data)
    job = Job.objects.get(kind="activities.team_import")
    assert response["Location"] == job.get_absolute_url()
    pending.delete()  # purged (24 h) before the worker ran
    jobs.run(job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.attempts == 1  # bad input: not retried
    assert "n'est plus disponible" in job.error and "déposez-le à nouveau" in job.error
    assert Activity.objects.count() == 0
