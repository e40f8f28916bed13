"""The three real roadmaps of the seeds import without loss, and the demo is idempotent."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from maillage.core.demo import DemoContext
from maillage.roadmaps import demo
from maillage.roadmaps.exchange.exporter import export_data, to_yaml
from maillage.roadmaps.exchange.importer import import_data, import_file
from maillage.roadmaps.models import Action, Attendance, Measurement, Meeting, Roadmap
from tests.factories import make_epci

pytestmark = pytest.mark.django_db


@pytest.fixture
def ccalct(lozere):
    return make_epci("200069268", "CC Aubrac Lot Causses Tarn", lozere)


def test_lot_roadmap_with_its_amendment(lot):
    roadmap = import_file(demo.LOT_FILE).roadmap
    assert roadmap.territory == lot
    assert roadmap.actions.count() == 23
    assert sorted(roadmap.actions.values_list("number", flat=True)) == list(range(1, 24))
    assert [a.title for a in roadmap.axes.order_by("number")] == [
        "Lot Numérique Responsable",
        "Lot Numérique Solidaire",
        "Lot Numérique Innovant",
    ]
    amendment = roadmap.versions.get(number=2)
    assert amendment.decided_on == date(2025, 11, 28)
    assert "19 juin 2025" in amendment.prior_opinion
    action23 = roadmap.actions.get(number=23)
    assert action23.introduced_by == amendment
    assert action23.objective.code == "2.4"
    assert [o.name for o in action23.lead_organisations.all()] == ["Association la Locollective"]
    charges = sum(b.planned for b in action23.budget_lines.exclude(nature="produit").exclude(unit="etp"))
    assert charges == Decimal(3904)
    # 15 actions carried or co-carried by the syndicate, 15 FNE actions (+ the amendment)
    carried = roadmap.actions.filter(lead_organisations__name="Syndicat mixte Lot Numérique").distinct()
    assert carried.count() == 15
    assert roadmap.actions.filter(fne=True).exclude(number=23).count() == 15
    action8 = roadmap.actions.get(number=8)
    assert action8.budget_lines.get(nature="prestation").planned == Decimal(20000)
    assert action8.indicators.get(position=2).target == 60
    silver_geek = roadmap.actions.get(number=22).budget_lines.filter(label="Cotisation Silver Geek")
    assert {(b.year, b.planned) for b in silver_geek} == {(2025, 200), (2026, 400), (2027, 600)}
    syndical = roadmap.bodies.get(kind="assemblee")
    march = syndical.meetings.get(date=date(2025, 3, 7))
    assert march.attendances.filter(status="present").count() == 11
    assert march.attendances.count() == 18


def test_lozere_roadmap(lozere):
    roadmap = import_file(demo.LOZERE_FILE).roadmap
    assert roadmap.territory == lozere
    assert roadmap.actions.count() == 14
    assert list(roadmap.axes.order_by("number").values_list("number", flat=True)) == [1, 2, 3]
    assert [roadmap.actions.filter(axis__number=n).count() for n in (1, 2, 3)] == [4, 7, 3]
    assert roadmap.actions.get(number=9).budget_lines.get(nature="prestation").planned == Decimal(20000)
    assert roadmap.actions.get(number=6).budget_lines.get(unit="etp").planned == Decimal("0.5")


def test_ccalct_roadmap(ccalct):
    roadmap = import_file(demo.CCALCT_FILE).roadmap
    assert roadmap.territory == ccalct
    assert roadmap.actions.count() == 9
    assert "D25_086" in roadmap.versions.get().reference
    assert {b.kind for b in roadmap.bodies.all()} == {"copil", "cotech", "groupe_de_travail"}
    assert roadmap.actions.get(number=5).milestones.get().due_on == date(2026, 9, 30)


@pytest.mark.parametrize("path", [demo.LOT_FILE, demo.LOZERE_FILE, demo.CCALCT_FILE])
def test_seed_round_trip(path, lot, ccalct):
    roadmap = import_file(path).roadmap
    first = to_yaml(export_data(roadmap))
    import_data(__import__("yaml").safe_load(first))
    assert to_yaml(export_data(roadmap)) == first


def _context(lot):
    from maillage.accounts import demo as accounts_demo

    ctx = DemoContext(department=lot)
    accounts_demo.seed(ctx)
    return ctx


def test_demo_is_idempotent_and_gives_the_lead_some_lot_actions(lot, ccalct, capsys):
    ctx = _context(lot)
    demo.seed(ctx)
    counts = (
        Roadmap.objects.count(),
        Action.objects.count(),
        Measurement.objects.count(),
        Meeting.objects.count(),
        Attendance.objects.count(),
    )
    demo.seed(ctx)
    assert counts == (
        Roadmap.objects.count(),
        Action.objects.count(),
        Measurement.objects.count(),
        Meeting.objects.count(),
        Attendance.objects.count(),
    )
    assert Roadmap.objects.count() == 3
    assert Measurement.objects.exists()
    assert all("fictive" in m.comment for m in Measurement.objects.all())
    lead_org = ctx.users["action_lead"].memberships.get().organisation
    lot_roadmap = Roadmap.objects.get(slug="lot-numerique-ensemble-2024-2027")
    assert set(lot_roadmap.actions.filter(lead_organisations=lead_org).values_list("number", flat=True)) == {
        3,
        8,
        12,
    }


def test_demo_skips_missing_territories(lot, capsys):
    demo.seed(_context(lot))
    out = capsys.readouterr().out
    assert "département 48 absent" in out
    assert "CC Aubrac Lot Causses Tarn" in out and "ignorée" in out
    assert Roadmap.objects.count() == 1


def test_demo_computes_the_indicators_maillage_records(lot, ccalct):
    from maillage.core.metrics import get_metric

    demo.seed(_context(lot))
    roadmap = Roadmap.objects.get(slug="lot-numerique-ensemble-2024-2027")
    computed = dict(
        roadmap.actions.filter(indicators__metric_key__gt="").values_list(
            "indicators__label", "indicators__metric_key"
        )
    )
    assert computed["Réunions du COPIL et des COTECH"] == "roadmaps.meetings"
    assert (
        computed["Accompagnements numériques réalisés (bénévoles et conseiller)"]
        == "activities.accompaniments"
    )
    assert computed["Ateliers de parentalité numérique"] == "activities.workshops_parenting"
    assert computed["Foyers lotois équipés grâce au dispositif"] == "equipment.given"
    # trainees are people trained (training module), not the stock of Aidants Connect habilitations
    assert (
        computed["Aidants formés à l'inclusion numérique ou à Aidants Connect"] == "training.aidants_trained"
    )
    assert computed["Financements identifiés"] == "funding.opportunities"
    assert computed["Taux de participation aux rencontres trimestrielles"] == (
        "events.network_meeting_participation_rate"
    )
    # a count of one kind of workshop is not « every workshop »
    assert "Ateliers Fresque du numérique organisés sur le territoire" not in computed
    assert len(computed) >= 8 and all(get_metric(k) for k in computed.values())
    # computed indicators carry no typed values
    assert not Measurement.objects.filter(indicator__metric_key__gt="").exists()


def test_indicator_census_of_the_seeds(lot, ccalct):
    """Every seed indicator is computed or typed (nothing « à relier » since events, training and funding
    landed) — and the command says how many."""
    import io

    from django.core.management import call_command

    from maillage.roadmaps.indicator_links import COMPUTED, PENDING, PENDING_LINK, TYPED, census

    demo.seed(_context(lot))
    lot_roadmap = Roadmap.objects.get(slug="lot-numerique-ensemble-2024-2027")
    rows, counts = census(lot_roadmap)
    assert len(rows) == 77
    assert counts[COMPUTED] >= 22 and counts[PENDING_LINK] == 0
    assert counts[COMPUTED] + counts[TYPED] == 77
    computed = {(r.action, r.label): r.metric for r in rows if r.state == COMPUTED}
    assert computed[("5", "Financements identifiés")] == "funding.opportunities"
    assert computed[("8", "Aidants formés à l'inclusion numérique ou à Aidants Connect")] == (
        "training.aidants_trained"
    )
    # every pending entry names an indicator of its seed that exists and is not computed (no stale label)
    assert Roadmap.objects.count() == 3
    for roadmap in Roadmap.objects.all():
        typed = {(r.action, r.label) for r in census(roadmap)[0] if r.state == PENDING_LINK}
        assert {(a, label) for slug, a, label in PENDING if slug == roadmap.slug} <= typed, roadmap.slug
    out = io.StringIO()
    call_command("roadmap_indicators", lot_roadmap.slug, "--detail", stdout=out)
    text = out.getvalue()
    assert (
        f"77 indicateurs — {counts[COMPUTED]} calculés par Maillage, {counts[PENDING_LINK]} à relier" in text
    )
    assert "[saisi] Plaquettes et flyers distribués" in text
    assert "→ activities.workshops_parenting" in text
