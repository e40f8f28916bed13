"""Retention that leaves nothing: identities typed anywhere are gone 3 years later.

Seeds one person everywhere personal data can go (followed beneficiary, activity free text and tags,
referral identity, message, refusal details, event reason, follow-up comment, evidence file replaced then
kept), travels 3 years ahead, runs ``maillage purge`` and scans every text column of every table (and the
media storage) for the seeded identity.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
import time_machine
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import models

from maillage.pathways import services as pathway_services
from maillage.pathways import workflow
from maillage.pathways.models import ReferralStatus
from maillage.roadmaps.models import Action, Measurement
from maillage.roadmaps.services import MeasurementInput, record_measurement
from tests.activities.factories import followed, individual
from tests.pathways.factories import france_services, make_diagnostic, make_referral
from tests.roadmaps.factories import make_roadmap

pytestmark = pytest.mark.django_db

NAME, SURNAME = "Zéphirine", "Quintalard"
PHONE, EMAIL = "0612345678", "zephirine.quintalard@exemple.fr"
IDENTITY = (NAME, SURNAME, PHONE, EMAIL)
START = dt.datetime(2026, 1, 5, 10, tzinfo=dt.UTC)


def _text_columns() -> list[tuple[type[models.Model], str]]:
    kinds = (models.CharField, models.TextField, models.JSONField, models.FileField, models.EmailField)
    return [
        (model, field.name)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, kinds) and model._meta.app_label not in ("sessions", "contenttypes", "auth")
    ]


def _scan() -> list[str]:
    found = []
    for model, name in _text_columns():
        for value in model.objects.values_list(name, flat=True).iterator():
            text = str(value or "")
            found += [f"{model._meta.label}.{name}: {part}" for part in IDENTITY if part in text]
    return found


def test_a_purge_three_years_later_leaves_no_identity(
    settings,
    tmp_path,
    lot_mediator,
    lot_prescriber,
    lot_coordinator,
    figeac,
    django_capture_on_commit_callbacks,
):
    settings.MEDIA_ROOT = tmp_path
    with time_machine.travel(START, tick=False):
        person = followed(lot_mediator, first_name=NAME, last_name=SURNAME, phone=PHONE, email=EMAIL)
        individual(
            lot_mediator,
            figeac,
            day=START.date(),
            beneficiary=person,
            themes=("aide_aux_demarches_administratives",),
            procedure_details=f"Dossier CAF de {NAME} {SURNAME}",
            tags=[f"{SURNAME}"],
        )
        individual(
            lot_mediator,
            figeac,
            day=START.date(),
            themes=("aide_aux_demarches_administratives",),
            procedure_details=f"Rappeler au {PHONE}",
        )
        place = france_services(figeac)
        diagnostic = make_diagnostic(lot_prescriber, figeac)
        refused = make_referral(
            lot_prescriber, diagnostic, place, first_name=NAME, phone=PHONE, email=EMAIL, message=f"{SURNAME}"
        )
        workflow.transition(
            referral_id=refused.pk,
            to_status=ReferralStatus.REFUSED,
            side="place",
            refusal_reason="autre",
            reason=f"{NAME} {SURNAME} injoignable",
        )
        taken = make_referral(lot_prescriber, diagnostic, place, first_name=NAME, email=EMAIL)
        workflow.transition(referral_id=taken.pk, to_status=ReferralStatus.TAKEN_UP, side="prescriber")
    with time_machine.travel(START + dt.timedelta(days=40), tick=False):
        pathway_services.record_follow_up(
            actor=lot_prescriber, referral=taken, need_met=True, comment=f"{NAME} {SURNAME} ravie"
        )
        roadmap = make_roadmap(territory=lot_coordinator.memberships.get().territory)
        indicator = Action.objects.filter(roadmap=roadmap).first().indicators.first()
        for content in (b"premier", b"second"):
            with django_capture_on_commit_callbacks(execute=True):
                record_measurement(
                    actor=lot_coordinator,
                    item=MeasurementInput(
                        indicator=indicator,
                        value=1,
                        text_value="ok",
                        achieved=True,
                        evidence=SimpleUploadedFile(f"feuille-{SURNAME}.pdf", content),
                    ),
                    day=START.date(),
                )
    files = [p for p in Path(tmp_path).rglob("*") if p.is_file()]
    assert len(files) == 1, files  # the replaced evidence file left storage at once
    assert _scan()  # the identity really is in the database before the purge

    with django_capture_on_commit_callbacks(execute=True):
        Measurement.objects.all().delete()  # the measurement goes: its file goes with it
    with time_machine.travel(START + dt.timedelta(days=3 * 365 + 1), tick=False):
        out = io.StringIO()
        call_command("purge", stdout=out)
    printed = out.getvalue()
    assert "activities — beneficiaries : 1" in printed
    assert "activities — activity_free_texts : 1" in printed  # the one without a followed person
    assert "pathways — orientations : 2" in printed
    assert _scan() == []
    assert [p for p in Path(tmp_path).rglob("*") if p.is_file()] == []
