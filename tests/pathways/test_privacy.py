"""Who sees what: prescriber's organisation, the receiving place only, coordinators' aggregates only;
other territories get 404. Retention anonymises identities without changing counts."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from maillage.core.models import AuditLog
from maillage.pathways import retention, stats, workflow
from maillage.pathways.models import Referral, ReferralStatus
from tests.pathways.factories import france_services, make_referral

S = ReferralStatus


@pytest.fixture
def referral(lot_prescriber, diagnostic, fs_figeac):
    return make_referral(lot_prescriber, diagnostic, fs_figeac, email="jd@exemple.fr")


def private_urls(referral):
    return [
        reverse("pathways:diagnostic", args=[referral.diagnostic_id]),
        reverse("pathways:referral_new", args=[referral.diagnostic_id, referral.place_id]),
        reverse("pathways:referral", args=[referral.pk]),
        reverse("pathways:referral_pdf", args=[referral.pk]),
        reverse("pathways:follow_up", args=[referral.pk]),
    ]


@pytest.mark.parametrize(
    "persona",
    [
        "lozere_coordinator",
        "lozere_prescriber",
        "other_lot_prescriber",
        "unaffiliated_user",
    ],
)
# The territory's coordinator now sees the referral without the person's identity:
# tests/pathways/test_referral_lists.py::test_coordinator_detail_page_without_identity.
def test_others_get_404(client, request, referral, persona):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    for url in private_urls(referral):
        assert client.get(url).status_code == 404, url
    assert (
        client.post(reverse("pathways:referral", args=[referral.pk]), {"to": S.CANCELLED}).status_code == 404
    )
    assert Referral.objects.get(pk=referral.pk).status == S.SENT
    lists = client.get(reverse("pathways:referrals")).content.decode()
    assert referral.place.name not in lists


def test_anonymous_is_sent_to_login(client, referral):
    response = client.get(reverse("pathways:referral", args=[referral.pk]))
    assert response.status_code == 302 and "/compte/" in response.url


def test_place_manager_sees_only_what_was_sent_to_the_place(
    client, lot_prescriber, diagnostic, fs_figeac, figeac, place_manager, referral
):
    proposed = make_referral(lot_prescriber, diagnostic, fs_figeac, send=False)
    other_place = france_services(figeac, name="Autre lieu")
    elsewhere = make_referral(lot_prescriber, diagnostic, other_place)
    client.force_login(place_manager)
    page = client.get(reverse("pathways:referral", args=[referral.pk]))
    assert page.status_code == 200 and "jd@exemple.fr" in page.content.decode()
    for hidden in (proposed, elsewhere):
        assert client.get(reverse("pathways:referral", args=[hidden.pk])).status_code == 404
    # the place never sees the diagnostic itself nor prints the person's summary
    assert client.get(reverse("pathways:diagnostic", args=[diagnostic.pk])).status_code == 404
    assert client.get(reverse("pathways:referral_pdf", args=[referral.pk])).status_code == 404
    client.post(reverse("pathways:referral", args=[referral.pk]), {"to": S.ACCEPTED})
    assert Referral.objects.get(pk=referral.pk).status == S.ACCEPTED
    assert (
        client.post(reverse("pathways:referral", args=[referral.pk]), {"to": S.CANCELLED}).status_code == 302
    )
    assert Referral.objects.get(pk=referral.pk).status == S.ACCEPTED  # cancelling is the prescriber's move


def test_colleague_of_same_organisation_sees_referral(client, lot, referral):
    from tests.factories import MembershipFactory, UserFactory

    colleague = UserFactory()
    MembershipFactory(user=colleague, organisation=referral.organisation, territory=lot, role="prescriber")
    client.force_login(colleague)
    assert client.get(reverse("pathways:referral", args=[referral.pk])).status_code == 200


def test_viewing_a_referral_is_audited(client, lot_prescriber, referral):
    client.force_login(lot_prescriber)
    client.get(reverse("pathways:referral", args=[referral.pk]))
    assert AuditLog.objects.filter(
        action="view", object_type="pathways.Referral", object_id=str(referral.pk)
    ).exists()


def test_statistics_scoped_to_territory(
    client, lot_coordinator, lozere_coordinator, unaffiliated_user, referral, django_assert_max_num_queries
):
    client.force_login(lot_coordinator)
    with django_assert_max_num_queries(25):
        page = client.get(reverse("pathways:statistics"))
    body = page.content.decode()
    assert page.status_code == 200
    assert "Maison des solidarités de Figeac" in body  # aggregate by organisation
    assert "jd@exemple.fr" not in body and "J. D." not in body
    client.force_login(lozere_coordinator)
    assert (
        "Maison des solidarités de Figeac" not in client.get(reverse("pathways:statistics")).content.decode()
    )
    client.force_login(unaffiliated_user)
    assert client.get(reverse("pathways:statistics")).status_code == 404


def test_prescriber_statistics_are_their_organisation_only(
    client, lot_prescriber, other_lot_prescriber, figeac, fs_figeac, referral
):
    from tests.pathways.factories import make_diagnostic

    make_diagnostic(other_lot_prescriber, figeac)
    client.force_login(other_lot_prescriber)
    body = client.get(reverse("pathways:statistics")).content.decode()
    assert "CAF du Lot" in body and "Maison des solidarités de Figeac" not in body


def test_retention_purge_anonymises_identities_and_keeps_counts(
    lot, lot_prescriber, figeac, fs_figeac, settings
):
    from tests.pathways.factories import make_diagnostic

    settings.REFERRAL_IDENTITY_RETENTION_DAYS = 730
    start = dt.datetime(2024, 1, 10, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        diagnostic = make_diagnostic(lot_prescriber, figeac)
        old = make_referral(
            lot_prescriber, diagnostic, fs_figeac, email="vieux@exemple.fr", message="Appeler le matin"
        )
        workflow.transition(
            referral_id=old.pk,
            to_status=S.REFUSED,
            side="place",
            refusal_reason="autre",
            reason="M. Dupont injoignable",
        )
    with time_machine.travel(start + dt.timedelta(days=700), tick=False):
        recent = make_referral(lot_prescriber, diagnostic, fs_figeac, email="recent@exemple.fr")
    period = (dt.date(2024, 1, 1), dt.date(2026, 12, 31))
    before = stats.referral_rates(stats.scoped_referrals([lot], None, *period))
    with time_machine.travel(start + dt.timedelta(days=731), tick=False):
        assert retention.purge(now=dt.datetime.now(tz=dt.UTC), dry_run=True)["orientations"] == 1
        assert Referral.objects.get(pk=old.pk).email == "vieux@exemple.fr"
        call_command("purge", stdout=open("/dev/null", "w"))  # noqa: SIM115
        assert retention.purge(now=dt.datetime.now(tz=dt.UTC))["orientations"] == 0  # idempotent
    old.refresh_from_db()
    assert (old.first_name, old.phone, old.email, old.message, old.refusal_message) == ("", "", "", "", "")
    assert old.identity_anonymised_at is not None
    assert not old.events.exclude(reason="").exists()
    assert Referral.objects.get(pk=recent.pk).email == "recent@exemple.fr"
    assert not Referral.objects.filter(email="vieux@exemple.fr").exists()
    assert stats.referral_rates(stats.scoped_referrals([lot], None, *period)) == before
    assert old.status == S.REFUSED and old.refusal_reason == "autre"
    assert AuditLog.objects.filter(action="anonymise", object_type="pathways.Referral").exists()
