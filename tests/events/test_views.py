"""Pages: the public session page and its form without JavaScript, the .ics feed, coordinators' pages,
cross-territory 404, query counts."""

from __future__ import annotations

import pytest
from django.urls import reverse

from maillage.core.models import AuditLog
from maillage.events.models import EventProject, Registration, RegistrationStatus
from tests.events.factories import make_place, make_registration, make_session


@pytest.mark.django_db
def test_public_page_registers_an_outsider_without_javascript(client, lot, figeac):
    session = make_session(lot, place=make_place(figeac), capacity=1)
    url = reverse("events:public", args=[session.pk])
    page = client.get(url)
    assert page.status_code == 200 and "<form" in page.content.decode()
    data = {
        "full_name": "Claire Martin",
        "structure_name": "Mairie",
        "email": "claire@ex.fr",
        "accessibility_needs": "LSF",
    }
    assert "votre inscription est enregistrée" in client.post(url, data).content.decode().lower()
    again = client.post(url, {**data, "email": "CLAIRE@ex.fr"})
    assert again.status_code == 200
    other = client.post(url, {**data, "full_name": "Paul", "email": "paul@ex.fr"}).content.decode()
    assert "liste d'attente" in other
    assert Registration.objects.filter(session=session).count() == 2
    # The honeypot: nothing stored.
    assert client.post(url, {**data, "email": "robot@ex.fr", "website": "x"}).status_code == 404
    assert not Registration.objects.filter(email="robot@ex.fr").exists()


@pytest.mark.django_db
def test_private_sessions_have_no_public_page(client, lot):
    session = make_session(lot, visibility="private")
    assert client.get(reverse("events:public", args=[session.pk])).status_code == 404


@pytest.mark.django_db
def test_ics_feed_lists_public_sessions_of_the_territory(client, lot, lozere):
    make_session(lot, title="Rencontre publique")
    make_session(lot, title="Réunion privée", visibility="private")
    make_session(lozere, title="Ailleurs")
    response = client.get(reverse("events:ics", args=["46"]))
    body = response.content.decode()
    assert response["Content-Type"].startswith("text/calendar")
    assert "BEGIN:VCALENDAR" in body and "Rencontre publique" in body
    assert "Réunion privée" not in body and "Ailleurs" not in body
    assert client.get(reverse("events:agenda", args=["46"])).status_code == 200


@pytest.mark.django_db
def test_coordinator_creates_edits_and_takes_attendance(client, lot, lot_coordinator):
    client.force_login(lot_coordinator)
    response = client.post(
        reverse("events:new"),
        {
            "territory": lot.pk,
            "kind": "webinar",
            "title": "Webinaire Pass numérique",
            "starts_at": "2030-03-01T14:00",
            "ends_at": "2030-03-01T16:00",
            "is_remote": "on",
            "remote_url": "https://visio.exemple.fr/x",
            "capacity": "30",
            "visibility": "public",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert AuditLog.objects.filter(object_type="events.Session", action="create").exists()
    session = make_session(lot, days=-1)
    reg = make_registration(session)
    url = reverse("events:attendance", args=[session.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {f"r{reg.pk}": "present"}).status_code == 302
    reg.refresh_from_db()
    assert reg.attendance == "present"
    detail = client.get(reverse("events:detail", args=[session.pk])).content.decode()
    assert reverse("events:certificate", args=[session.pk, reg.pk]) in detail
    pdf = client.get(reverse("events:certificate", args=[session.pk, reg.pk]))
    assert pdf["Content-Type"] == "application/pdf"


@pytest.mark.django_db
def test_professional_registers_in_one_click(client, lot, lot_mediator):
    session = make_session(lot, visibility="private")
    client.force_login(lot_mediator)
    client.post(reverse("events:register_me", args=[session.pk]))
    client.post(reverse("events:register_me", args=[session.pk]))
    assert Registration.objects.get(session=session).user == lot_mediator
    client.post(reverse("events:unregister_me", args=[session.pk]))
    assert Registration.objects.get(session=session).status == RegistrationStatus.CANCELLED


@pytest.mark.django_db
def test_other_territories_get_404(client, lot, lozere_coordinator, lozere_mediator):
    session = make_session(lot, days=-1)
    reg = make_registration(session, attendance="present")
    project = EventProject.objects.create(territory=lot, title="NEC du Lot")
    client.force_login(lozere_coordinator)
    for url in [
        reverse("events:detail", args=[session.pk]),
        reverse("events:edit", args=[session.pk]),
        reverse("events:attendance", args=[session.pk]),
        reverse("events:certificate", args=[session.pk, reg.pk]),
        reverse("events:project", args=[project.pk]),
    ]:
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("events:register_me", args=[session.pk])).status_code == 404
    assert client.post(reverse("events:registration_cancel", args=[session.pk, reg.pk])).status_code == 404
    # A mediator of the Lot reads but does not edit; the Lozère lists show nothing of the Lot.
    assert "NEC du Lot" not in client.get(reverse("events:projects")).content.decode()


@pytest.mark.django_db
def test_mediator_cannot_edit(client, lot, lot_mediator):
    session = make_session(lot)
    client.force_login(lot_mediator)
    assert client.get(reverse("events:detail", args=[session.pk])).status_code == 200
    assert client.get(reverse("events:edit", args=[session.pk])).status_code == 404
    assert client.get(reverse("events:new")).status_code == 404


@pytest.mark.django_db
def test_session_list_query_count(client, lot, figeac, lot_coordinator, django_assert_max_num_queries):
    for index in range(30):
        session = make_session(lot, days=index + 1, place=make_place(figeac), title=f"Session {index}")
        make_registration(session)
    client.force_login(lot_coordinator)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("events:list"))
    assert response.status_code == 200 and "Session 29" in response.content.decode()


@pytest.mark.django_db
def test_project_page_with_unknown_amounts(client, lot, lot_coordinator):
    client.force_login(lot_coordinator)
    response = client.post(
        reverse("events:project_new"), {"territory": lot.pk, "title": "NEC 2027", "kind": "nec"}
    )
    project = EventProject.objects.get(title="NEC 2027")
    assert response.status_code == 302
    add = reverse("events:project_add", args=[project.pk, "budget"])
    client.post(add, {"budget-kind": "cost", "budget-label": "Salle", "budget-amount": "800"})
    client.post(add, {"budget-kind": "cost", "budget-label": "Traiteur", "budget-amount": ""})
    client.post(
        reverse("events:project_add", args=[project.pk, "checklist"]),
        {"checklist-label": "Réserver la salle", "checklist-due_on": "2027-01-10"},
    )
    client.post(reverse("events:project_add", args=[project.pk, "committee"]), {"committee-name": "Camille"})
    page = client.get(reverse("events:project", args=[project.pk])).content.decode()
    assert "800,00 €" in page or "800.00 €" in page
    assert "1 montant inconnu" in page and "Réserver la salle" in page and "Camille" in page
