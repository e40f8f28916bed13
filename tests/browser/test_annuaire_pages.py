"""The annuaire's waiting and failure pages (a stored PDF built by a job) in a real browser, with axe."""

from __future__ import annotations

import pytest

from maillage.core import jobs
from maillage.core.models import Job
from tests.browser.conftest import assert_accessible
from tests.places.factories import PlaceFactory

pytestmark = pytest.mark.browser


def test_waiting_then_failed_annuaire_pages(page, figeac, monkeypatch) -> None:
    monkeypatch.setattr(jobs, "_queue", lambda record, delay_s=0: None)  # the worker has not run yet
    PlaceFactory(commune=figeac)
    page.goto("/lieux/annuaire/departement/46.pdf")
    assert "est en préparation" in page.inner_text("main")
    assert page.get_by_role("link", name="Actualiser").count() == 1
    assert_accessible(page, context="annuaire en préparation")
    page.set_viewport_size({"width": 320, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth <= 320")
    job = Job.objects.get(kind="places.annuaire")
    Job.objects.filter(pk=job.pk).update(status="failed", error="Police de caractères introuvable.")
    from django.utils import timezone

    Job.objects.filter(pk=job.pk).update(finished_at=timezone.now())
    page.goto("/lieux/annuaire/departement/46.pdf")
    assert "n'a pas pu être préparé" in page.inner_text("main").replace("’", "'")
    assert_accessible(page, context="annuaire en échec")
