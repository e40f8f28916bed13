"""Pages: diagnostic → proposals → referral → signed-link answer → follow-up; PDF; statistics."""

from __future__ import annotations

import copy
import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from maillage.core.models import AuditLog
from maillage.pathways import grid as engine
from maillage.pathways import workflow
from maillage.pathways.models import Diagnostic, DiagnosticGrid, Referral, ReferralStatus
from tests.pathways.factories import BEGINNER, make_diagnostic, make_referral

S = ReferralStatus


def form_data(commune, answers=BEGINNER):
    data = {"commune": commune.pk, "person_informed": "on", "started_at": "2026-01-01T10:00:00+00:00"}
    for code, value in answers.items():
        data[f"q_{code}"] = value
    return data


def test_diagnostic_form_scores_and_redirects(client, lot_prescriber, figeac, fs_figeac):
    client.force_login(lot_prescriber)
    page = client.get(reverse("pathways:diagnostic_new"))
    assert page.status_code == 200
    assert page["Cache-Control"] == "no-store"
    assert "Grille 2026.1" in page.content.decode()
    response = client.post(reverse("pathways:diagnostic_new"), form_data(figeac))
    diagnostic = Diagnostic.objects.get()
    assert response.status_code == 302 and response.url == reverse(
        "pathways:diagnostic", args=[diagnostic.pk]
    )
    assert diagnostic.profile == "P2" and diagnostic.skills_score == 4
    assert {"URGENCE", "SANS_EMAIL", "SANS_CONNEXION"} <= set(diagnostic.flags)
    assert diagnostic.person_informed and diagnostic.grid.version == "2026.1"
    assert AuditLog.objects.filter(object_type="pathways.Diagnostic", action="create").exists()
    detail = client.get(response.url)
    body = detail.content.decode()
    assert detail["Cache-Control"] == "no-store"
    assert "P2 — Débutant·e" in body
    assert fs_figeac.name in body and "France Services" in body


def test_diagnostic_form_errors_in_french(client, lot_prescriber, figeac):
    client.force_login(lot_prescriber)
    response = client.post(
        reverse("pathways:diagnostic_new"), {"commune": figeac.pk, "q_A1": ["aucun", "smartphone"]}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "« Aucun » ne peut pas être coché avec un appareil." in body
    assert "Ce champ est obligatoire." in body
    assert not Diagnostic.objects.exists()


def test_commune_outside_territory_is_refused(client, lot_prescriber, mende):
    client.force_login(lot_prescriber)
    response = client.post(reverse("pathways:diagnostic_new"), form_data(mende))
    assert response.status_code == 200
    assert not Diagnostic.objects.exists()


def test_old_diagnostics_keep_their_grid_version(client, lot_prescriber, figeac):
    old = make_diagnostic(lot_prescriber, figeac)
    definition = copy.deepcopy(engine.load_grid_file("2026.1"))
    definition["version"] = "2027.1"
    definition["profiles"][2]["label"] = "Débutant·e (v2027)"
    definition["sections"][0]["questions"][0]["label"] = "Nouvelle question sur les appareils"
    DiagnosticGrid.objects.update(is_current=False)
    DiagnosticGrid.objects.create(
        version="2027.1", title="Grille 2027.1", definition=definition, is_current=True
    )
    client.force_login(lot_prescriber)
    body = client.get(reverse("pathways:diagnostic", args=[old.pk])).content.decode()
    assert "grille 2026.1" in body and "P2 — Débutant·e" in body and "(v2027)" not in body
    assert "Nouvelle question" in client.get(reverse("pathways:diagnostic_new")).content.decode()
    new = make_diagnostic(lot_prescriber, figeac)
    assert new.grid.version == "2027.1" and old.grid.version == "2026.1"


def test_referral_sent_from_proposals(
    client, lot_prescriber, diagnostic, fs_figeac, django_capture_on_commit_callbacks
):
    client.force_login(lot_prescriber)
    url = reverse("pathways:referral_new", args=[diagnostic.pk, fs_figeac.pk])
    assert client.get(url).status_code == 200
    bad = client.post(url, {"mode": "send", "first_name": "Jo"})
    assert bad.status_code == 200 and "Cochez cet engagement" in bad.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url,
            {
                "mode": "send",
                "first_name": "Jo",
                "contact_preference": "telephone",
                "phone": "0601020304",
                "person_informed": "on",
            },
        )
    referral = Referral.objects.get()
    assert response.url == reverse("pathways:referral", args=[referral.pk])
    assert referral.status == S.SENT and referral.distance_km is not None
    assert len(mail.outbox) == 1
    page = client.get(response.url)
    assert page["Cache-Control"] == "no-store" and "Jo" in page.content.decode()


def test_prescriber_cancels_and_marks_taken_up(client, lot_prescriber, diagnostic, fs_figeac):
    ref = make_referral(lot_prescriber, diagnostic, fs_figeac, send=False)
    client.force_login(lot_prescriber)
    url = reverse("pathways:referral", args=[ref.pk])
    client.post(url, {"to": S.ACCEPTED})  # not the prescriber's move: ignored
    assert Referral.objects.get(pk=ref.pk).status == S.PROPOSED
    client.post(url, {"to": S.TAKEN_UP})
    assert Referral.objects.get(pk=ref.pk).status == S.TAKEN_UP


def test_signed_link_answer_page(client, lot_prescriber, diagnostic, fs_figeac):
    ref = make_referral(lot_prescriber, diagnostic, fs_figeac)
    url = reverse("pathways:answer", args=[workflow.make_link_token(ref)])
    page = client.get(url)
    assert page.status_code == 200 and page["Cache-Control"] == "no-store"
    assert "J. D." in page.content.decode()
    refused = client.post(url, {"to": S.REFUSED, "refusal_reason": "session-complete", "reason": ""})
    assert refused.status_code == 400
    assert Referral.objects.get(pk=ref.pk).status == S.SENT
    client.post(url, {"to": S.ACCEPTED})
    ref.refresh_from_db()
    assert ref.status == S.ACCEPTED
    event = ref.events.last()
    assert event.actor is None and "lien signé" in event.actor_label
    client.post(url, {"to": S.TAKEN_UP})
    assert Referral.objects.get(pk=ref.pk).status == S.TAKEN_UP
    closed = client.get(url).content.decode()
    assert "Cette orientation est close" in closed


@pytest.mark.parametrize("tamper", ["forged", "truncated", "garbage"])
def test_forged_link_changes_nothing(client, lot_prescriber, diagnostic, fs_figeac, tamper):
    ref = make_referral(lot_prescriber, diagnostic, fs_figeac)
    token = workflow.make_link_token(ref)
    bad = {"forged": token[:-3] + "abc", "truncated": token[: len(token) // 2], "garbage": "pas-un-jeton"}[
        tamper
    ]
    url = reverse("pathways:answer", args=[bad])
    for response in (client.get(url), client.post(url, {"to": S.ACCEPTED})):
        assert response.status_code == 404
        assert (
            "Ce lien n&#x27;est pas valide" in response.content.decode()
            or "Ce lien n'est pas valide" in response.content.decode()
        )
    assert Referral.objects.get(pk=ref.pk).status == S.SENT
    assert ref.events.count() == 2


def test_expired_link_changes_nothing(client, lot_prescriber, diagnostic, fs_figeac):
    start = dt.datetime(2026, 4, 1, 8, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        ref = make_referral(lot_prescriber, diagnostic, fs_figeac)
        token = workflow.make_link_token(ref)
    with time_machine.travel(start + dt.timedelta(days=20), tick=False):
        url = reverse("pathways:answer", args=[token])
        response = client.post(url, {"to": S.ACCEPTED})
        assert response.status_code == 410
        assert "Ce lien a expiré" in response.content.decode()
        assert client.get(url).status_code == 410
    assert Referral.objects.get(pk=ref.pk).status == S.SENT


def test_pdf_summary(client, lot_prescriber, diagnostic, fs_figeac):
    ref = make_referral(lot_prescriber, diagnostic, fs_figeac)
    client.force_login(lot_prescriber)
    response = client.get(reverse("pathways:referral_pdf", args=[ref.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert response["Cache-Control"] == "no-store"


def test_summary_html_content(lot_prescriber, diagnostic, fs_figeac):
    from maillage.pathways.pdf import render_summary_html

    ref = make_referral(lot_prescriber, diagnostic, fs_figeac)
    html = render_summary_html(ref, hours=[("Du lundi au vendredi", "9 h – 12 h")])
    assert "Du lundi au vendredi" in html and fs_figeac.address in html
    assert "Une pièce d’identité" in html  # what to bring, from the grid
    assert "mot de passe que vous connaissez" in html  # no e-mail flag


def test_follow_up_after_thirty_days(client, lot_prescriber, diagnostic, fs_figeac):
    start = dt.datetime(2026, 5, 4, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        ref = make_referral(lot_prescriber, diagnostic, fs_figeac)
        workflow.transition(referral_id=ref.pk, to_status=S.TAKEN_UP, side="place", actor_label="Lieu")
    client.force_login(lot_prescriber)
    with time_machine.travel(start + dt.timedelta(days=29), tick=False):
        assert (
            f"Faire le suivi n° {ref.pk}" not in client.get(reverse("pathways:follow_ups")).content.decode()
        )
    with time_machine.travel(start + dt.timedelta(days=31), tick=False):
        assert f"Faire le suivi n° {ref.pk}" in client.get(reverse("pathways:follow_ups")).content.decode()
        url = reverse("pathways:follow_up", args=[ref.pk])
        missing = client.post(url, {"need_met": "non"})
        assert "Indiquez pourquoi" in missing.content.decode()
        client.post(url, {"need_met": "non", "difficulty": "offre_inaccessible", "comment": "Trop loin"})
        assert (
            f"Faire le suivi n° {ref.pk}" not in client.get(reverse("pathways:follow_ups")).content.decode()
        )
    ref.refresh_from_db()
    assert ref.follow_up.need_met is False and ref.follow_up.difficulty == "offre_inaccessible"


def test_home_and_lists(client, lot_prescriber, diagnostic, fs_figeac, django_assert_max_num_queries):
    for _ in range(5):
        make_referral(lot_prescriber, diagnostic, fs_figeac)
    client.force_login(lot_prescriber)
    assert client.get(reverse("pathways:home")).status_code == 200
    with django_assert_max_num_queries(12):
        response = client.get(reverse("pathways:referrals"))
    assert response.status_code == 200
    assert response.content.decode().count(fs_figeac.name) == 5
    assert client.get(reverse("pathways:referrals") + "?statut=sent").status_code == 200


@pytest.mark.parametrize(
    ("raw", "shown"), [("+33565000000", "05 65 00 00 00"), ("0565000000", "05 65 00 00 00"), ("3939", "3939")]
)
def test_phone_is_printed_the_french_way(raw, shown):
    from maillage.pathways.pdf import french_phone

    assert french_phone(raw) == shown


def test_follow_up_list_and_home_query_counts(
    client, lot_prescriber, diagnostic, fs_figeac, django_assert_max_num_queries
):
    start = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        for _ in range(6):
            ref = make_referral(lot_prescriber, diagnostic, fs_figeac)
            workflow.transition(referral_id=ref.pk, to_status=S.TAKEN_UP, side="place", actor_label="Lieu")
    client.force_login(lot_prescriber)
    with time_machine.travel(start + dt.timedelta(days=40), tick=False):
        with django_assert_max_num_queries(10):
            body = client.get(reverse("pathways:follow_ups")).content.decode()
        assert body.count("Faire le suivi n°") == 6
        with django_assert_max_num_queries(14):
            assert client.get(reverse("pathways:home")).status_code == 200
