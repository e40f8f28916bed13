"""The web import of a roadmap: checked on the page, written by a background job (checked again there)."""

from __future__ import annotations

import pytest
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile

from maillage.core import jobs
from maillage.core.models import Job, JobStatus
from maillage.roadmaps.models import Roadmap
from tests.roadmaps.factories import sample

pytestmark = pytest.mark.django_db
URL = "/feuilles-de-route/importer/"


@pytest.fixture
def queue_only(monkeypatch):
    monkeypatch.setattr(jobs, "_queue", lambda record, delay_s=0: None)


def _upload(data, name="fdr.yaml"):
    return SimpleUploadedFile(name, yaml.safe_dump(data, allow_unicode=True).encode())


def test_the_job_waits_then_writes_and_links_the_roadmap(client, lot, lot_coordinator, queue_only):
    client.force_login(lot_coordinator)
    response = client.post(URL, {"file": _upload(sample())})
    job = Job.objects.get(kind="roadmaps.import")
    assert response["Location"] == job.get_absolute_url() and job.territory_code == "46"
    assert not Roadmap.objects.exists()
    jobs.run(job.pk)
    roadmap = Roadmap.objects.get()
    html = client.get(job.get_absolute_url()).content.decode()
    assert f"/feuilles-de-route/{roadmap.pk}/" in html and "créée" in html


def test_rights_lost_before_the_job_ran_refuse_the_import(client, lot, lot_coordinator, queue_only):
    client.force_login(lot_coordinator)
    client.post(URL, {"file": _upload(sample())})
    job = Job.objects.get(kind="roadmaps.import")
    lot_coordinator.memberships.update(is_active=False)
    jobs.run(job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and job.result["refused"] is True
    assert "vous ne coordonnez pas ce territoire" in job.result["errors"][0]
    assert not Roadmap.objects.exists()
