"""A coordinator's team export: mediators matched and shown before anything is written, all or nothing."""

import threading
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from maillage.activities import importer, team
from maillage.activities.models import Activity, ActivityImportJob, PendingTeamImport, TeamMemberLink
from tests.activities.coop_files import CoopActivity, coop_export
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def team_people(lot, lot_coordinator, lot_mediator, figeac):
    lot_mediator.first_name, lot_mediator.last_name = "Camille", "Durand"
    lot_mediator.save()
    other = UserFactory(first_name="Ali", last_name="Benali", email="ali.benali@exemple.fr")
    MembershipFactory(
        user=other, organisation=OrganisationFactory(territory=figeac), territory=figeac, role="mediator"
    )
    return lot_mediator, other


def _activities():
    return [
        CoopActivity(
            date=date(2026, 3, 3),
            channel="À domicile",
            commune="Figeac",
            insee="46102",
            mediator=("Camille", "Durand", "Médiateur", ""),
            coop_id="t-1",
        ),
        CoopActivity(
            date=date(2026, 3, 4),
            channel="À domicile",
            commune="Figeac",
            insee="46102",
            mediator=("ALI", "Bénali", "Conseiller Numérique", "4242"),
            coop_id="t-2",
        ),
        CoopActivity(
            date=date(2026, 3, 5),
            channel="À domicile",
            commune="Figeac",
            insee="46102",
            mediator=("Inconnue", "Personne", "Médiateur", ""),
            coop_id="t-3",
        ),
    ]


def test_mapping_is_shown_before_anything_is_written_and_unknown_needs_a_choice(
    client, lot_coordinator, team_people
):
    camille, ali = team_people
    client.force_login(lot_coordinator)
    upload = SimpleUploadedFile(
        "coop-numerique_accompagnements_2026-06-30.xlsx", coop_export(_activities(), team=True)
    )
    response = client.post(reverse("activities:import_team"), {"file": upload})
    assert response.status_code == 302
    pending = PendingTeamImport.objects.get()
    page = client.get(response["Location"]).content.decode()
    assert Activity.objects.count() == 0
    assert "même prénom et nom" in page and "Conum 4242" in page
    assert "aucun·e médiateur·rice du territoire ne correspond" in page
    # The unknown mediator has no choice: refused, nothing written.
    members = team.members_of(pending)
    proposals = team.proposals(lot_coordinator, members)
    by_key = {p.member.key: p for p in proposals}
    assert {key: p.mediator for key, p in by_key.items()} == {
        "nom:camille|durand": camille,
        "conum:4242": ali,
        "nom:inconnue|personne": None,
    }
    data = {f"m{i}": (str(p.mediator.pk) if p.mediator else "") for i, p in enumerate(proposals)}
    response = client.post(response["Location"], data)
    assert "Choisissez un·e médiateur·rice ou « Ne pas importer ses lignes »" in response.content.decode()
    assert Activity.objects.count() == 0 and PendingTeamImport.objects.count() == 1
    # The coordinator leaves the unknown person's rows out: the two others are imported.
    data = {f"m{i}": (str(p.mediator.pk) if p.mediator else team.SKIP) for i, p in enumerate(proposals)}
    response = client.post(reverse("activities:import_team_confirm", args=[pending.pk]), data)
    assert response.status_code == 302
    assert dict(Activity.objects.values_list("coop_id", "mediator_id")) == {"t-1": camille.pk, "t-2": ali.pk}
    assert PendingTeamImport.objects.count() == 0
    job = ActivityImportJob.objects.get()
    assert job.counts["skipped_rows"] == 1 and job.mediator == lot_coordinator
    assert TeamMemberLink.objects.filter(key="conum:4242", mediator=ali).exists()
    assert by_key["conum:4242"].reason == "même prénom et nom"


def test_remembered_choice_and_other_territory_refused(client, lot_coordinator, team_people, lozere_mediator):
    camille, _ali = team_people
    TeamMemberLink.objects.create(key="nom:inconnue|personne", mediator=camille)
    pending = team.stage(
        coordinator=lot_coordinator, content=coop_export(_activities(), team=True), filename="e.xlsx"
    )
    proposals = {p.member.key: p for p in team.proposals(lot_coordinator, team.members_of(pending))}
    assert proposals["nom:inconnue|personne"].mediator == camille
    assert proposals["nom:inconnue|personne"].reason == "choix d’un import précédent"
    # A mediator of another territory cannot be chosen, even by a forged form.
    choices = {key: str(lozere_mediator.pk) for key in proposals}
    with pytest.raises(Exception, match="Choisissez"):
        team.confirm(coordinator=lot_coordinator, pending=pending, choices=choices)
    assert Activity.objects.count() == 0
    # Another coordinator cannot see the pending file.
    client.force_login(UserFactory())
    assert client.get(reverse("activities:import_team_confirm", args=[pending.pk])).status_code == 404


def test_one_bad_row_of_one_mediator_writes_nothing_for_anyone(lot_coordinator, team_people):
    camille, ali = team_people
    activities = _activities()
    activities[1].channel = "Sur la lune"
    pending = team.stage(
        coordinator=lot_coordinator, content=coop_export(activities, team=True), filename="e.xlsx"
    )
    choices = {
        "nom:camille|durand": str(camille.pk),
        "conum:4242": str(ali.pk),
        "nom:inconnue|personne": team.SKIP,
    }
    with pytest.raises(importer.ImportFailed):
        team.confirm(coordinator=lot_coordinator, pending=pending, choices=choices)
    assert Activity.objects.count() == 0 and PendingTeamImport.objects.count() == 1
    activities[1].channel = "À domicile"
    pending = team.stage(
        coordinator=lot_coordinator, content=coop_export(activities, team=True), filename="e.xlsx"
    )
    result = team.confirm(coordinator=lot_coordinator, pending=pending, choices=choices)
    assert (result.created, result.skipped) == (2, 1)
    # A re-import changes nothing.
    pending = team.stage(
        coordinator=lot_coordinator, content=coop_export(activities, team=True), filename="e.xlsx"
    )
    result = team.confirm(coordinator=lot_coordinator, pending=pending, choices=choices)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 2)


def test_self_export_is_not_a_team_export_and_mediators_cannot_open_the_page(
    client, lot_coordinator, lot_mediator
):
    with pytest.raises(importer.ImportFailed) as failure:
        team.stage(
            coordinator=lot_coordinator,
            content=coop_export([CoopActivity(date=date(2026, 3, 3), insee="46102")]),
            filename="e.xlsx",
        )
    assert "n’est pas l’export d’une équipe" in importer.iter_errors(failure.value.errors)[0]
    client.force_login(lot_mediator)
    assert client.get(reverse("activities:import_team")).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_two_coordinators_confirming_at_once_import_once(lot, lot_coordinator, team_people):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("Concurrence mesurée sur PostgreSQL (la base SQLite de test est en mémoire).")
    camille, ali = team_people
    second = UserFactory()
    MembershipFactory(
        user=second, organisation=OrganisationFactory(territory=lot), territory=lot, role="coordinator"
    )
    content = coop_export(_activities(), team=True)
    choices = {
        "nom:camille|durand": str(camille.pk),
        "conum:4242": str(ali.pk),
        "nom:inconnue|personne": team.SKIP,
    }
    pendings = [
        team.stage(coordinator=user, content=content, filename="e.xlsx") for user in (lot_coordinator, second)
    ]
    results, errors = [], []

    def run(user, pending):
        from django.db import connection

        try:
            results.append(team.confirm(coordinator=user, pending=pending, choices=choices))
        except Exception as error:  # noqa: BLE001 — reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(u, p))
        for u, p in zip((lot_coordinator, second), pendings, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Activity.objects.count() == 2
    created = sum(r.created for r in results)
    assert created == 2, (results, errors)


def test_stale_pending_team_imports_are_purged(lot_coordinator, team_people):
    from datetime import timedelta

    from django.utils import timezone

    from maillage.activities import retention

    pending = team.stage(
        coordinator=lot_coordinator, content=coop_export(_activities(), team=True), filename="e.xlsx"
    )
    now = timezone.now()
    assert retention.purge(now=now)["pending_team_imports"] == 0
    PendingTeamImport.objects.filter(pk=pending.pk).update(created_at=now - timedelta(hours=25))
    assert retention.purge(now=now, dry_run=True)["pending_team_imports"] == 1
    assert retention.purge(now=now)["pending_team_imports"] == 1
    assert PendingTeamImport.objects.count() == 0
