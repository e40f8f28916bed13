"""Operations: the health probe, French error pages with a reference, JSON logs, the demo outbox."""

from __future__ import annotations

import json
import logging

import pytest
from django.core import mail
from django.db import OperationalError
from django.test import Client
from django.urls import reverse

from maillage.core.logs import ContextFilter, JsonFormatter
from maillage.core.models import Job, JobStatus, OutboxMessage


def test_health_reports_database_queue_and_disk(client, db):
    response = client.get("/sante/")
    assert response.status_code == 200
    data = response.json()
    assert data["status"] == "ok"
    assert data["checks"]["database"]["ok"] and data["checks"]["queue"]["lag_s"] is None
    assert "media" in data["checks"]["disk"]["paths"]
    assert response["Cache-Control"].startswith("max-age=0")


def test_health_says_when_the_queue_waits_too_long(client, db, settings):
    settings.HEALTH_MAX_QUEUE_LAG_S = -1
    Job.objects.create(kind="x", label="x", status=JobStatus.QUEUED)
    response = client.get("/sante/")
    assert response.status_code == 503
    assert "maillage worker" in response.json()["checks"]["queue"]["message"]


def test_health_says_when_the_disk_is_full(client, db, settings):
    settings.HEALTH_MIN_FREE_DISK_MB = 10**12
    response = client.get("/sante/")
    assert response.status_code == 503
    assert "Espace disque insuffisant" in response.json()["checks"]["disk"]["message"]


def test_health_says_when_the_database_is_down(client, db, monkeypatch):
    from maillage.core import health

    def broken() -> None:
        raise OperationalError("connection refused")

    monkeypatch.setattr(health, "_ping", broken)
    response = client.get("/sante/")
    assert response.status_code == 503
    assert response.json()["checks"]["database"]["message"] == "La base de données ne répond pas."


def test_error_pages_are_french_with_navigation_and_a_reference(client, db, lot_mediator):
    page = client.get("/nulle-part/")
    text = page.content.decode()
    assert page.status_code == 404 and "Page introuvable" in text and page["X-Request-ID"] in text
    assert 'href="/lieux/"' in text
    wrong_method = client.get(reverse("accounts:logout"))
    assert wrong_method.status_code == 405 and "Action impossible" in wrong_method.content.decode()
    assert "POST" in wrong_method["Allow"] and "Content-Security-Policy" in wrong_method
    client.force_login(lot_mediator)
    forbidden = client.get(reverse("places:stale")) if _has_route("places:stale") else None
    if forbidden is not None and forbidden.status_code == 403:
        assert "Accès refusé" in forbidden.content.decode()


def _has_route(name: str) -> bool:
    from django.urls import NoReverseMatch

    try:
        reverse(name)
    except NoReverseMatch:
        return False
    return True


@pytest.mark.urls("tests.core.urls_crash")
def test_a_server_error_gives_the_french_page_without_touching_the_database(db):
    client = Client(raise_request_exception=False)
    response = client.get("/panne/", headers={"x-request-id": "abcdef123456"})
    assert response.status_code == 500
    text = response.content.decode()
    assert "Une erreur est survenue" in text and "abcdef123456" in text and "Traceback" not in text


def test_json_logs_carry_request_id_and_user_id_never_the_path(client, lot_mediator, caplog):
    client.force_login(lot_mediator)
    with caplog.at_level(logging.INFO, logger="maillage.requests"):
        client.get("/lieux/?q=Zéphyrine", headers={"x-request-id": "req-0123456789"})
    record = next(r for r in caplog.records if r.name == "maillage.requests")
    ContextFilter().filter(record)
    line = json.loads(JsonFormatter().format(record))
    assert line["route"] == "lieux/" and line["status"] == 200 and line["method"] == "GET"
    assert "Zéphyrine" not in json.dumps(line) and lot_mediator.email not in json.dumps(line)


def test_request_id_and_user_id_reach_records_logged_during_the_request(client, lot_mediator, caplog):
    client.force_login(lot_mediator)
    with caplog.at_level(logging.INFO, logger="maillage.requests"):
        client.get("/lieux/", headers={"x-request-id": "req-abcdefgh"})
    record = next(r for r in caplog.records if r.name == "maillage.requests")
    assert getattr(record, "request_id", None) in (None, "req-abcdefgh")
    ContextFilter().filter(record)  # outside the request the context is reset
    assert record.request_id == ""


@pytest.fixture
def queued_email(settings):
    settings.EMAIL_BACKEND = "maillage.core.mail.QueuedEmailBackend"


def test_emails_go_through_the_queue(db, queued_email):
    from django.core.mail import send_mail

    send_mail("Objet", "Texte https://exemple.fr/lien", "a@exemple.fr", ["b@exemple.fr"])
    job = Job.objects.get(kind="core.send_email")
    assert job.status == JobStatus.SUCCEEDED and job.result == {"destinataires": 1, "envoyés": 1}
    assert [m.subject for m in mail.outbox] == ["Objet"]
    # Once delivered, the queue keeps no copy of the addresses or the text (it may name a person).
    assert job.params == {}


def test_an_email_that_fails_for_good_leaves_no_copy_in_the_queue(db, queued_email, settings):
    from django.core.mail import send_mail

    settings.EMAIL_DELIVERY_BACKEND = "tests.core.test_operations.BrokenBackend"
    send_mail("Objet", "Bonjour Mme Durand, 06 12 34 56 78", "a@exemple.fr", ["durand@exemple.fr"])
    job = Job.objects.get(kind="core.send_email")
    assert job.status == JobStatus.FAILED and job.attempts == job.max_attempts
    assert "Durand" not in str(job.params) and job.params == {}


class BrokenBackend:
    def __init__(self, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("serveur de courriel injoignable")


@pytest.fixture
def demo_outbox(settings, queued_email):
    settings.DEMO_MODE = True
    settings.EMAIL_DELIVERY_BACKEND = "maillage.core.mail.OutboxBackend"


def test_the_demo_outbox_shows_the_emails_sent(client, demo_outbox, lot_mediator):
    from django.core.mail import send_mail

    send_mail(
        "Nouvelle orientation",
        "Répondez : http://127.0.0.1:8000/parcours/reponse/abc/",
        "a@x.fr",
        ["lieu@x.fr"],
    )
    assert OutboxMessage.objects.count() == 1 and mail.outbox == []
    client.force_login(lot_mediator)
    page = client.get(reverse("demo_outbox")).content.decode()
    assert "Nouvelle orientation" in page and 'href="http://127.0.0.1:8000/parcours/reponse/abc/"' in page


def test_the_outbox_does_not_exist_outside_the_demo(client, lot_mediator):
    client.force_login(lot_mediator)
    assert client.get(reverse("demo_outbox")).status_code == 404
