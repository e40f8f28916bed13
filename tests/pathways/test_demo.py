from __future__ import annotations

from maillage.core.demo import DemoContext
from maillage.pathways import demo
from maillage.pathways.models import Diagnostic, Referral
from maillage.pathways.models import ReferralStatus as S
from tests.factories import make_commune
from tests.pathways.factories import france_services


def test_seed_is_idempotent_and_varied(lot, lot_prescriber, figeac, cahors):
    places = [france_services(figeac), france_services(cahors, name="Médiathèque de Cahors")]
    make_commune("46201", "Gramat", lot, lat=44.7819, lon=1.7244)
    ctx = DemoContext(department=lot, users={"prescriber": lot_prescriber}, places=places)
    demo.seed(ctx)
    diagnostics, referrals = Diagnostic.objects.count(), Referral.objects.count()
    assert diagnostics == demo.DIAGNOSTIC_COUNT
    assert referrals >= 20
    statuses = set(Referral.objects.values_list("status", flat=True))
    assert {S.PROPOSED, S.REFUSED, S.TAKEN_UP} <= statuses
    demo.seed(ctx)
    assert (Diagnostic.objects.count(), Referral.objects.count()) == (diagnostics, referrals)


def test_seed_sends_no_mail(lot, lot_prescriber, figeac, django_capture_on_commit_callbacks):
    from django.core import mail

    ctx = DemoContext(department=lot, users={"prescriber": lot_prescriber}, places=[france_services(figeac)])
    with django_capture_on_commit_callbacks(execute=True):
        demo.seed(ctx)
    assert Referral.objects.exclude(status=S.PROPOSED).exists()
    assert mail.outbox == []


def test_demo_place_managers_receive_referrals(lot, lot_prescriber, figeac, cahors):
    """« Reçues par mes lieux » is not empty for the demo's place managers."""
    from maillage.pathways.selectors import referrals_received
    from tests.places.factories import PlaceManagerFactory

    managed = france_services(cahors, name="Médiathèque de Cahors")
    manager = PlaceManagerFactory(place=managed).user
    ctx = DemoContext(
        department=lot, users={"prescriber": lot_prescriber}, places=[france_services(figeac), managed]
    )
    demo.seed(ctx)
    assert referrals_received(manager).count() >= 3
