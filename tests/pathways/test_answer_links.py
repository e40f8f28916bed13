"""The place's side without an account: resend (revoke) the link, message the prescriber, no personal
data once the referral is closed, phone as a tel: link."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse

from maillage.core.models import AuditLog
from maillage.pathways import workflow
from maillage.pathways.models import Referral, ReferralStatus
from tests.pathways.factories import make_referral

S = ReferralStatus
pytestmark = pytest.mark.django_db


def _answer_url(referral) -> str:
    return reverse("pathways:answer", args=[workflow.make_link_token(referral)])


def test_phone_is_a_tel_link(client, lot_prescriber, diagnostic, fs_figeac):
    ref = make_referral(lot_prescriber, diagnostic, fs_figeac)
    html = client.get(_answer_url(ref)).content.decode()
    assert 'href="tel:+33600000000"' in html
    assert "06 00 00 00 00" in html


def test_resend_revokes_every_previous_link(
    client, lot_prescriber, diagnostic, fs_figeac, django_capture_on_commit_callbacks
):
    ref = make_referral(lot_prescriber, diagnostic, fs_figeac)
    old_url = _answer_url(ref)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(old_url, {"action": "resend"})
    assert response.status_code == 200 and "Nouveau lien envoyé" in response.content.decode()
    ref.refresh_from_db()
    assert ref.link_version == 2
    assert len(mail.outbox) == 1 and "ne fonctionnent plus" in mail.outbox[0].body
    new_path = re.search(r"/parcours/reponse/[^/\s]+/", mail.outbox[0].body).group(0)
    # the old link is dead for reading and for answering; the new one works
    assert client.get(old_url).status_code == 404
    assert client.post(old_url, {"to": S.ACCEPTED}).status_code == 404
    assert Referral.objects.get(pk=ref.pk).status == S.SENT
    assert client.get(new_path).status_code == 200
    assert AuditLog.objects.filter(object_id=str(ref.pk), changes__has_key="link_version").exists()


def test_prescriber_resends_from_the_referral_page(client, lot_prescriber, diagnostic, fs_figeac):
    ref = make_referral(lot_prescriber, diagnostic, fs_figeac)
    old_url = _answer_url(ref)
    client.force_login(lot_prescriber)
    client.post(reverse("pathways:referral", args=[ref.pk]), {"action": "resend"})
    assert Referral.objects.get(pk=ref.pk).link_version == 2
    client.logout()
    assert client.get(old_url).status_code == 404


def test_closed_referral_cannot_be_resent(client, lot_prescriber, diagnostic, fs_figeac):
    ref = make_referral(lot_prescriber, diagnostic, fs_figeac)
    url = _answer_url(ref)
    client.post(url, {"to": S.TAKEN_UP})
    client.post(url, {"action": "resend"})
    assert Referral.objects.get(pk=ref.pk).link_version == 1


def test_closed_referral_shows_no_personal_data(client, lot_prescriber, diagnostic, fs_figeac):
    ref = make_referral(
        lot_prescriber, diagnostic, fs_figeac, email="jd@exemple.fr", message="Rappeler le matin"
    )
    url = _answer_url(ref)
    open_html = client.get(url).content.decode()
    assert "J. D." in open_html and "jd@exemple.fr" in open_html and "Rappeler le matin" in open_html
    client.post(url, {"to": S.REFUSED, "refusal_reason": "session-complete", "reason": "Complet"})
    closed = client.get(url).content.decode()
    for personal in ("J. D.", "jd@exemple.fr", "06 00 00 00 00", "+33600000000", "Rappeler le matin"):
        assert personal not in closed


def test_message_back_to_the_prescriber(
    client, lot_prescriber, diagnostic, fs_figeac, django_capture_on_commit_callbacks
):
    lot_prescriber.email = "prescriptrice@msa.fr"
    lot_prescriber.save()
    ref = make_referral(lot_prescriber, diagnostic, fs_figeac)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(_answer_url(ref), {"action": "message", "text": "Pouvez-vous rappeler <b>lundi</b> ?"})
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["prescriptrice@msa.fr"]
    assert "Pouvez-vous rappeler <b>lundi</b> ?" in mail.outbox[0].body
    event = ref.events.last()
    assert "lundi" in event.reason and event.to_status == event.from_status == S.SENT
    client.force_login(lot_prescriber)
    html = client.get(reverse("pathways:referral", args=[ref.pk])).content.decode()
    assert "&lt;b&gt;lundi&lt;/b&gt;" in html


def test_empty_message_is_refused(client, lot_prescriber, diagnostic, fs_figeac):
    ref = make_referral(lot_prescriber, diagnostic, fs_figeac)
    response = client.post(_answer_url(ref), {"action": "message", "text": "   "}, follow=True)
    assert "Écrivez votre message" in response.content.decode()
    assert ref.events.count() == 2
