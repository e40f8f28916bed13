from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from maillage.roadmaps.models import Action, ActionUpdate, Measurement, Meeting

pytestmark = pytest.mark.django_db


def _urls(roadmap, measurement=None):
    action = roadmap.actions.get(number=1)
    body = roadmap.bodies.get()
    meeting = body.meetings.get()
    urls = {
        "detail": reverse("roadmaps:detail", args=[roadmap.pk]),
        "dashboard": reverse("roadmaps:dashboard", args=[roadmap.pk]),
        "governance": reverse("roadmaps:governance", args=[roadmap.pk]),
        "action": reverse("roadmaps:action", args=[roadmap.pk, 1]),
        "export": reverse("roadmaps:export", args=[roadmap.pk, "yaml"]),
        "report_pdf": reverse("roadmaps:report", args=[roadmap.pk, 2025, "pdf"]),
        "report_docx": reverse("roadmaps:report", args=[roadmap.pk, 2025, "docx"]),
        "meeting": reverse("roadmaps:meeting", args=[meeting.pk]),
        "update": reverse("roadmaps:action_update", args=[action.pk]),
        "meeting_create": reverse("roadmaps:meeting_create", args=[body.pk]),
        "meeting_edit": reverse("roadmaps:meeting_edit", args=[body.pk, meeting.pk]),
        "action_edit": reverse("roadmaps:action_edit", args=[action.pk]),
        "version_create": reverse("roadmaps:version_create", args=[roadmap.pk]),
    }
    if measurement is not None:
        urls["evidence"] = reverse("roadmaps:evidence", args=[measurement.pk])
    return urls


READ = [
    "detail",
    "dashboard",
    "governance",
    "action",
    "export",
    "report_pdf",
    "report_docx",
    "meeting",
    "evidence",
]
EDIT = ["update", "meeting_create", "meeting_edit", "action_edit", "version_create"]


@pytest.mark.parametrize("name", READ + EDIT)
def test_other_territory_gets_404(client, roadmap, lozere_coordinator, measurement_with_evidence, name):
    client.force_login(lozere_coordinator)
    assert client.get(_urls(roadmap, measurement_with_evidence)[name]).status_code == 404


@pytest.mark.parametrize("name", READ + EDIT)
def test_anonymous_is_sent_to_login(client, roadmap, measurement_with_evidence, name):
    response = client.get(_urls(roadmap, measurement_with_evidence)[name])
    assert response.status_code == 302
    assert "/compte/" in response["Location"]


@pytest.mark.parametrize("name", READ)
def test_viewer_reads(client, roadmap, lot_viewer, measurement_with_evidence, name):
    client.force_login(lot_viewer)
    assert client.get(_urls(roadmap, measurement_with_evidence)[name]).status_code == 200


@pytest.mark.parametrize("name", EDIT)
def test_viewer_cannot_edit(client, roadmap, lot_viewer, name):
    client.force_login(lot_viewer)
    assert client.get(_urls(roadmap)[name]).status_code == 403


@pytest.mark.parametrize("name", READ + EDIT)
def test_coordinator_does_everything(client, roadmap, lot_coordinator, measurement_with_evidence, name):
    client.force_login(lot_coordinator)
    assert client.get(_urls(roadmap, measurement_with_evidence)[name]).status_code == 200


def test_lead_edits_only_the_actions_of_its_organisation(client, roadmap, lot_lead):
    client.force_login(lot_lead)
    mine = Action.objects.get(roadmap=roadmap, number=2)
    other = Action.objects.get(roadmap=roadmap, number=1)
    assert client.get(reverse("roadmaps:action_update", args=[mine.pk])).status_code == 200
    assert client.get(reverse("roadmaps:action_update", args=[other.pk])).status_code == 403
    assert (
        client.post(reverse("roadmaps:action_update", args=[other.pk]), {"status": "done"}).status_code == 403
    )
    assert client.get(reverse("roadmaps:meeting_create", args=[roadmap.bodies.get().pk])).status_code == 403
    page = client.get(reverse("roadmaps:action", args=[roadmap.pk, 2])).content.decode()
    assert "Mettre à jour cette action" in page
    page = client.get(reverse("roadmaps:action", args=[roadmap.pk, 1])).content.decode()
    assert "Mettre à jour cette action" not in page


def test_lead_of_another_organisation_cannot_edit(client, roadmap, other_lead):
    client.force_login(other_lead)
    for action in roadmap.actions.all():
        assert client.get(reverse("roadmaps:action_update", args=[action.pk])).status_code == 403


def test_lead_updates_progress_and_indicator_values(client, roadmap, lot_coordinator):
    action = roadmap.actions.get(number=1)
    indicators = list(action.indicators.order_by("position"))
    client.force_login(lot_coordinator)
    page = client.get(reverse("roadmaps:action_update", args=[action.pk]))
    month = page.context["form"].fields["month"].choices[1][0]  # last month
    response = client.post(
        reverse("roadmaps:action_update", args=[action.pk]),
        {
            "month": month,
            "status": "in_progress",
            "progress": "40",
            "note": "Deux COPIL préparés",
            f"ind{indicators[0].pk}-value": "3",
            f"ind{indicators[0].pk}-comment": "COTECH + 2 GT",
            f"ind{indicators[1].pk}-achieved": "on",
        },
    )
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.progress == 40
    assert action.progress_note == "Deux COPIL préparés"
    assert action.last_update_at is not None
    assert ActionUpdate.objects.filter(action=action).count() == 1
    assert Measurement.objects.filter(indicator=indicators[0], value=3, comment="COTECH + 2 GT").exists()
    assert Measurement.objects.filter(indicator=indicators[1], achieved=True).exists()


def test_update_errors_are_reported(client, roadmap, lot_coordinator):
    action = roadmap.actions.get(number=1)
    indicator = action.indicators.get(position=1)
    client.force_login(lot_coordinator)
    response = client.post(
        reverse("roadmaps:action_update", args=[action.pk]),
        {
            "month": "1999-01-01",
            "status": "in_progress",
            "progress": "140",
            f"ind{indicator.pk}-value": "beaucoup",
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "La mise à jour n'a pas été enregistrée" in page
    assert "Saisissez un nombre" in page
    action.refresh_from_db()
    assert action.progress == 0


def test_coordinator_records_a_meeting_with_attendance(client, roadmap, lot_coordinator):
    body = roadmap.bodies.get()
    members = list(body.members.order_by("pk"))
    client.force_login(lot_coordinator)
    response = client.post(
        reverse("roadmaps:meeting_create", args=[body.pk]),
        {
            "date": "2026-01-20",
            "agenda": "Bilan 2025",
            "decisions": "Programme 2026 validé",
            f"member_{members[0].pk}": "present",
            f"member_{members[1].pk}": "absent",
        },
    )
    assert response.status_code == 302
    meeting = Meeting.objects.get(body=body, date="2026-01-20")
    assert meeting.attendances.count() == 2
    page = client.get(reverse("roadmaps:meeting", args=[meeting.pk])).content.decode()
    assert "50 %" in page


def test_pages_show_the_roadmap(client, roadmap, lot_viewer):
    client.force_login(lot_viewer)
    page = client.get(reverse("roadmaps:detail", args=[roadmap.pk])).content.decode()
    assert "Coordonner la feuille de route" in page
    assert "Ajout de l&#x27;action 3" in page
    page = client.get(reverse("roadmaps:action", args=[roadmap.pk, 3])).content.decode()
    assert "version 2" in page
    page = client.get(reverse("roadmaps:dashboard", args=[roadmap.pk])).content.decode()
    assert 'role="img"' in page and "<title id=" in page and "<desc id=" in page
    assert "Avancement moyen par axe" in page
    assert "ANCT" in page  # budget by funder


def test_evidence_download(client, roadmap, lot_viewer, measurement_with_evidence):
    client.force_login(lot_viewer)
    response = client.get(reverse("roadmaps:evidence", args=[measurement_with_evidence.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content) == b"%PDF-1.4 test"


def test_list_is_scoped_and_counts_queries(
    client, roadmap, lot_viewer, lozere_coordinator, django_assert_max_num_queries
):
    from tests.roadmaps.factories import make_roadmap

    for i in range(5):
        make_roadmap(identifiant=f"autre-{i}", titre=f"Autre {i}")
    client.force_login(lot_viewer)
    with django_assert_max_num_queries(6):
        page = client.get(reverse("roadmaps:list")).content.decode()
    assert "Feuille de route de test" in page and "Autre 4" in page
    client.force_login(lozere_coordinator)
    assert "Feuille de route de test" not in client.get(reverse("roadmaps:list")).content.decode()


def test_dashboard_query_count_does_not_grow_with_actions(
    client, roadmap, lot_coordinator, django_assert_max_num_queries
):
    client.force_login(lot_coordinator)
    with django_assert_max_num_queries(22) as small:
        client.get(reverse("roadmaps:dashboard", args=[roadmap.pk]))
    # a bigger roadmap: same number of queries
    from maillage.roadmaps.exchange.importer import import_data
    from tests.roadmaps.factories import sample

    data = sample()
    template = data["axes"][0]["actions"][0]
    for n in range(10, 30):
        data["axes"][0]["actions"].append({**template, "numero": n, "objectif": "1.1"})
    import_data(data)
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(reverse("roadmaps:dashboard", args=[roadmap.pk]))


def test_detail_query_count(client, roadmap, lot_viewer, django_assert_max_num_queries):
    client.force_login(lot_viewer)
    with django_assert_max_num_queries(18):
        assert client.get(reverse("roadmaps:detail", args=[roadmap.pk])).status_code == 200


def test_lead_records_spending(client, roadmap, lot_lead):
    action = roadmap.actions.get(number=2)
    line = action.budget_lines.get()
    client.force_login(lot_lead)
    page = client.get(reverse("roadmaps:action_update", args=[action.pk]))
    month = page.context["form"].fields["month"].choices[0][0]
    assert "Budget réalisé à ce jour" in page.content.decode()
    response = client.post(
        reverse("roadmaps:action_update", args=[action.pk]),
        {"month": month, "status": "in_progress", "progress": "10", f"budget-spent_{line.pk}": "7500"},
    )
    assert response.status_code == 302
    line.refresh_from_db()
    assert line.spent == 7500
    response = client.post(
        reverse("roadmaps:action_update", args=[action.pk]),
        {"month": month, "status": "in_progress", "progress": "10", f"budget-spent_{line.pk}": "-3"},
    )
    assert response.status_code == 400


def test_coordinator_edits_the_sheet_but_not_the_lead(client, roadmap, lot_coordinator, lot_lead):
    action = roadmap.actions.get(number=2)
    url = reverse("roadmaps:action_edit", args=[action.pk])
    client.force_login(lot_lead)
    assert client.get(url).status_code == 403
    client.force_login(lot_coordinator)
    response = client.post(
        url,
        {
            "title": "Former les aidants numériques",
            "target_publics": "Secrétaires de mairie\nTravailleurs sociaux\n",
            "priority": "high",
            "maturity": "funded",
            "fne": "on",
            "start_date": "2026-01-01",
            "end_date": "2025-01-01",
        },
    )
    assert response.status_code == 400
    assert "La fin précède le début." in response.content.decode()
    response = client.post(
        url,
        {
            "title": "Former les aidants numériques",
            "target_publics": "Secrétaires de mairie\nTravailleurs sociaux\n",
            "priority": "high",
            "maturity": "funded",
            "fne": "on",
        },
    )
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.title == "Former les aidants numériques"
    assert action.target_publics == ["Secrétaires de mairie", "Travailleurs sociaux"]


def test_lead_ticks_steps_and_milestones(client, roadmap, lot_coordinator):
    action = roadmap.actions.get(number=1)
    first, second = action.steps.order_by("position")
    milestone = action.milestones.get()
    client.force_login(lot_coordinator)
    month = (
        client.get(reverse("roadmaps:action_update", args=[action.pk]))
        .context["form"]
        .fields["month"]
        .choices[0][0]
    )
    response = client.post(
        reverse("roadmaps:action_update", args=[action.pk]),
        {
            "month": month,
            "status": "in_progress",
            "progress": "50",
            f"etapes-step_{first.pk}": "on",
            f"etapes-milestone_{milestone.pk}": "on",
        },
    )
    assert response.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    milestone.refresh_from_db()
    assert first.done and not second.done  # the second was done; unticked means not done
    assert milestone.done_on is not None


def test_coordinator_records_an_amendment(client, roadmap, lot_coordinator, lot_lead):
    url = reverse("roadmaps:version_create", args=[roadmap.pk])
    client.force_login(lot_lead)
    assert client.post(url, {"decided_by": "x", "decided_on": "2026-03-01"}).status_code == 403
    client.force_login(lot_coordinator)
    response = client.post(
        url,
        {
            "decided_by": "Comité syndical",
            "decided_on": "2026-03-06",
            "reference": "Délibération CS2026/04",
            "prior_opinion": "COPIL du 12 février 2026",
            "changes": "Action 12 : nouveau porteur",
        },
    )
    assert response.status_code == 302
    version = roadmap.versions.get(number=3)
    assert version.reference == "Délibération CS2026/04"
    assert (
        "Délibération CS2026/04" in client.get(reverse("roadmaps:detail", args=[roadmap.pk])).content.decode()
    )


def test_decimal_comma_is_accepted(client, roadmap, lot_coordinator):
    action = roadmap.actions.get(number=1)
    indicator = action.indicators.get(position=1)
    client.force_login(lot_coordinator)
    month = (
        client.get(reverse("roadmaps:action_update", args=[action.pk]))
        .context["form"]
        .fields["month"]
        .choices[0][0]
    )
    response = client.post(
        reverse("roadmaps:action_update", args=[action.pk]),
        {"month": month, "status": "in_progress", "progress": "5", f"ind{indicator.pk}-value": "2,5"},
    )
    assert response.status_code == 302
    assert Measurement.objects.get(indicator=indicator, period_start=month).value == Decimal("2.5")


def test_lead_sees_its_actions_on_the_list(client, roadmap, lot_lead, django_assert_max_num_queries):
    client.force_login(lot_lead)
    with django_assert_max_num_queries(7):
        page = client.get(reverse("roadmaps:list")).content.decode()
    assert "Vos actions à mettre à jour" in page
    assert reverse("roadmaps:action_update", args=[roadmap.actions.get(number=2).pk]) in page
    assert reverse("roadmaps:action_update", args=[roadmap.actions.get(number=1).pk]) not in page


def test_dashboard_attendance_counts_match_the_governance_detail(roadmap):
    """The dashboard's one GROUP BY gives the figures of the governance page (which loads every row),
    for the meetings of the year only, with an unknown rate for a body nobody was listed for."""
    from maillage.roadmaps.models import Attendance, GovernanceBody
    from maillage.roadmaps.reporting import attendance_by_body, attendance_summary

    copil = roadmap.bodies.get()
    members = list(copil.members.order_by("pk"))
    later = Meeting.objects.create(body=copil, date="2026-02-03")
    Attendance.objects.create(meeting=later, member=members[0], status="present")
    Attendance.objects.create(meeting=later, member=members[1], status="absent")
    Meeting.objects.create(body=copil, date="2026-09-30")  # nobody listed
    GovernanceBody.objects.create(roadmap=roadmap, kind="cotech", name="COTECH")
    for year in (2025, 2026, 2027):
        detail = [
            (b.body.pk, len(b.meetings), b.present, b.total, b.rate)
            for b in attendance_by_body(roadmap, year=year)
        ]
        summary = [
            (b.body.pk, b.meeting_count, b.present, b.total, b.rate)
            for b in attendance_summary(roadmap, year=year)
        ]
        assert summary == detail
    assert [(b.meeting_count, b.rate) for b in attendance_summary(roadmap, year=2026)] == [
        (2, 50.0),
        (0, None),
    ]
    assert [(b.meeting_count, b.rate) for b in attendance_summary(roadmap, year=2025)] == [
        (1, 66.7),
        (0, None),
    ]


def test_measurement_summaries_take_each_indicator_latest_measurement(roadmap):
    """Indicators measured on different calendars: each one's latest value is its own, never the value
    another indicator has at its own latest date."""
    from datetime import date
    from decimal import Decimal

    from maillage.roadmaps.models import Indicator
    from maillage.roadmaps.reporting import measurement_summaries

    action = roadmap.actions.get(number=1)
    monthly, quarterly, never = (
        Indicator.objects.create(action=action, position=50 + i, label=f"Indicateur {i}", kind="quantitatif")
        for i in range(3)
    )
    for month, value in [(1, 5), (2, 7), (3, 9)]:
        Measurement.objects.create(
            indicator=monthly,
            period_start=date(2026, month, 1),
            period_end=date(2026, month, 28),
            value=value,
        )
    for start, value in [(date(2025, 10, 1), 40), (date(2026, 1, 1), 11), (date(2026, 2, 1), None)]:
        Measurement.objects.create(
            indicator=quarterly, period_start=start, period_end=start, value=value, text_value=f"t{value}"
        )
    summaries = measurement_summaries(roadmap)
    assert (summaries[monthly.pk].last_start, summaries[monthly.pk].last_value) == (date(2026, 3, 1), 9)
    assert summaries[monthly.pk].total == Decimal(21) and summaries[monthly.pk].count == 3
    quarter = summaries[quarterly.pk]
    assert (quarter.last_start, quarter.last_value, quarter.last_text) == (date(2026, 2, 1), None, "tNone")
    assert quarter.total == Decimal(51)
    assert never.pk not in summaries
