"""Attendance feeds the modules done, certificates are tagged PDFs, evaluations come by signed link."""

from __future__ import annotations

import re
import zlib

import pytest
from django.core import mail

from maillage.events import documents, services
from maillage.events.models import Evaluation, RegistrationStatus
from maillage.training.models import Aidant, Module, TrainingRecord
from tests.events.factories import make_place, make_registration, make_session


@pytest.mark.django_db
def test_present_at_a_training_session_records_the_module(lot, figeac, lot_coordinator, lot_mediator):
    module = Module.objects.get(code="inclusion-numerique")
    session = make_session(lot, days=-1, kind="training", module=module, place=make_place(figeac))
    outsider = make_registration(session, name="Claire Martin", structure_name="Mairie de Figeac")
    member = make_registration(session, name="Inès Vidal", email=lot_mediator.email, user=lot_mediator)
    absent = make_registration(session, name="Paul Absent")
    services.mark_attendance(
        actor=lot_coordinator,
        session_id=session.pk,
        marks={outsider.pk: "present", member.pk: "present", absent.pk: "absent"},
    )
    records = TrainingRecord.objects.filter(session=session)
    assert records.count() == 2
    claire = Aidant.objects.get(email_normalised="claire.martin@exemple.fr")
    assert claire.organisation.name == "Mairie de Figeac" and claire.territory == lot
    assert Aidant.objects.get(user=lot_mediator).organisation.name == "Association Lot Médiation"
    # Idempotent, and a correction removes the module done.
    services.mark_attendance(actor=lot_coordinator, session_id=session.pk, marks={outsider.pk: "present"})
    assert records.count() == 2
    services.mark_attendance(actor=lot_coordinator, session_id=session.pk, marks={outsider.pk: "excused"})
    assert records.count() == 1


@pytest.mark.django_db
def test_attendance_is_refused_before_the_day_and_across_territories(
    lot, lozere_coordinator, lot_coordinator
):
    future = make_session(lot, days=5)
    reg = make_registration(future)
    with pytest.raises(services.EventsError):
        services.mark_attendance(actor=lot_coordinator, session_id=future.pk, marks={reg.pk: "present"})
    past = make_session(lot, days=-1)
    reg = make_registration(past)
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.mark_attendance(actor=lozere_coordinator, session_id=past.pk, marks={reg.pk: "present"})


def _pdf_objects(data: bytes) -> bytes:
    """The PDF with its compressed streams inflated (object streams hold the catalog)."""
    out = [data]
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            out.append(zlib.decompress(match.group(1)))
        except zlib.error:
            continue
    return b"\n".join(out)


@pytest.mark.django_db
def test_certificate_is_a_tagged_pdf(lot, figeac):
    session = make_session(lot, days=-1, place=make_place(figeac), title="Rencontre T1")
    registration = make_registration(session, attendance="present")
    pdf = documents.certificate_pdf(registration)
    assert pdf.startswith(b"%PDF")
    content = _pdf_objects(pdf)
    assert b"/StructTreeRoot" in content and b"/MarkInfo" in content
    assert b"pdfuaid" in content  # PDF/UA identification in the XMP metadata


@pytest.mark.django_db
def test_evaluation_by_signed_link_once(client, lot, lot_coordinator, django_capture_on_commit_callbacks):
    session = make_session(lot, days=-1)
    registration = make_registration(session, attendance="present")
    make_registration(session, name="Absent", attendance="absent")
    with django_capture_on_commit_callbacks(execute=True):
        assert services.send_evaluations(actor=lot_coordinator, session_id=session.pk) == 1
    assert len(mail.outbox) == 1
    url = next(line for line in mail.outbox[0].body.splitlines() if "/evaluation/" in line).strip()
    path = url[url.index("/animation/") :]
    assert client.get(path).status_code == 200
    answers = {
        "overall": "5",
        "usefulness": "4",
        "organisation": "4",
        "speakers": "5",
        "comment": "Très utile",
    }
    assert client.post(path, answers).status_code == 200
    assert client.post(path, answers).status_code == 200
    assert Evaluation.objects.filter(registration=registration).count() == 1
    assert client.get("/animation/evaluation/faux-jeton/").status_code == 404
    registration.status = RegistrationStatus.CANCELLED
    registration.save()
    assert client.get(path).status_code == 404
