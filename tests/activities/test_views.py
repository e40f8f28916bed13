import pytest
from django.urls import reverse
from django.utils import timezone

from maillage.activities.models import Activity, Beneficiary
from maillage.core.models import AuditLog
from tests.activities.factories import followed, individual, workshop

pytestmark = pytest.mark.django_db


def test_mediator_records_an_individual_activity(client, lot_mediator, figeac):
    client.force_login(lot_mediator)
    url = reverse("activities:create") + "?type=individuel"
    page = client.get(url)
    assert page.status_code == 200
    assert page["Cache-Control"] == "no-store"
    response = client.post(
        url,
        {
            "kind": "individuel",
            "date": "2026-03-02",
            "duration": "30",
            "place_type": "domicile",
            "commune": figeac.pk,
            "themes": ["email"],
            "gender": "feminin",
            "age_band": "non_communique",
            "social_status": "retraite",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    activity = Activity.objects.get()
    assert activity.mediator == lot_mediator and activity.commune == figeac
    assert AuditLog.objects.filter(object_type="activities.Activity", action="create").exists()


def test_validation_errors_are_french_and_tied_to_fields(client, lot_mediator, figeac):
    client.force_login(lot_mediator)
    response = client.post(
        reverse("activities:create") + "?type=individuel",
        {
            "kind": "individuel",
            "date": "",
            "duration": "autre",
            "place_type": "domicile",
            "procedures": ["logement"],
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'aria-describedby="id_date_error"' in html and 'aria-invalid="true"' in html
    assert 'id="id_themes"' in html and "id_themes_error" in html
    assert "Indiquez la durée en minutes" in html
    assert "Choisissez au moins une thématique." in html and "Indiquez la date." in html
    assert "Indiquez la commune" in html
    assert "Cochez aussi la thématique « Aide aux démarches administratives »" in html
    assert Activity.objects.count() == 0


def test_collective_workshop_with_counts(client, lot_mediator, cahors):
    client.force_login(lot_mediator)
    response = client.post(
        reverse("activities:create") + "?type=collectif",
        {
            "kind": "collectif",
            "date": "2026-03-02",
            "duration": "120",
            "place_type": "autre",
            "commune": cahors.pk,
            "themes": ["securite_numerique"],
            "workshop_title": "Arnaques",
            "workshop_level": "debutant",
            "participants": "6",
            "n_gender_feminin": "4",
            "n_gender_masculin": "3",
        },
    )
    assert response.status_code == 200  # 7 counted for 6 participants
    assert "7 personnes comptées" in response.content.decode()
    data = {
        "kind": "collectif",
        "date": "2026-03-02",
        "duration": "120",
        "place_type": "autre",
        "commune": cahors.pk,
        "themes": ["securite_numerique"],
        "participants": "6",
        "n_gender_feminin": "4",
        "n_gender_masculin": "2",
    }
    assert client.post(reverse("activities:create") + "?type=collectif", data).status_code == 302
    activity = Activity.objects.get()
    assert activity.participants_count == 6
    assert activity.participant_counts.count() >= 3


def test_defaults_and_duplicate(client, lot_mediator, figeac):
    last = individual(
        lot_mediator, figeac, themes=["sante", "email"], place_type="domicile", duration_minutes=90
    )
    client.force_login(lot_mediator)
    html = client.get(reverse("activities:create")).content.decode()
    assert f'value="{timezone.localdate():%Y-%m-%d}"' in html
    assert 'value="90" class="pill" id="id_duration_4" checked' in html or 'value="90"' in html
    html = client.get(reverse("activities:create") + f"?dupliquer={last.pk}").content.decode()
    assert 'value="sante"' in html and "prérempli" in html
    assert 'value="sante" id="id_themes_8" checked' in html or ('value="sante"' in html and "checked" in html)


def test_list_query_count(client, lot_mediator, figeac, django_assert_max_num_queries):
    for _i in range(15):
        individual(lot_mediator, figeac)
    workshop(lot_mediator, figeac)
    client.force_login(lot_mediator)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("activities:list"))
    assert response.status_code == 200


def test_mediator_sees_only_own(client, lot_mediator, lozere_mediator, figeac, mende):
    mine = individual(lot_mediator, figeac)
    other = individual(lozere_mediator, mende)
    person = followed(lozere_mediator)
    client.force_login(lot_mediator)
    assert client.get(reverse("activities:detail", args=[mine.pk])).status_code == 200
    for name in ("activities:detail", "activities:update"):
        assert client.get(reverse(name, args=[other.pk])).status_code == 404
    assert client.post(reverse("activities:delete", args=[other.pk])).status_code == 404
    for name in ("activities:beneficiary", "activities:beneficiary_update"):
        assert client.get(reverse(name, args=[person.pk])).status_code == 404
    assert client.post(reverse("activities:beneficiary_anonymise", args=[person.pk])).status_code == 404
    assert client.get(reverse("activities:create") + f"?dupliquer={other.pk}").status_code == 404
    html = client.get(reverse("activities:list")).content.decode()
    assert f"/activites/{other.pk}/" not in html
    assert person.last_name not in client.get(reverse("activities:beneficiaries")).content.decode()


def test_coordinator_sees_aggregates_not_people(client, lot_coordinator, lot_mediator, figeac):
    person = followed(lot_mediator, last_name="Zébulon")
    activity = individual(lot_mediator, figeac, beneficiary=person)
    client.force_login(lot_coordinator)
    assert client.get(reverse("activities:detail", args=[activity.pk])).status_code == 404
    assert client.get(reverse("activities:beneficiary", args=[person.pk])).status_code == 404
    assert client.get(reverse("activities:beneficiaries")).status_code == 404
    response = client.get(reverse("activities:stats"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Zébulon" not in html and "Zéphyrine" not in html
    assert 'role="img"' in html and "<title" in html


def test_beneficiary_requires_information_and_is_audited_without_values(client, lot_mediator):
    client.force_login(lot_mediator)
    url = reverse("activities:beneficiary_create")
    response = client.post(
        url,
        {
            "first_name": "Lucien",
            "last_name": "Bex",
            "gender": "masculin",
            "age_band": "non_communique",
            "social_status": "non_communique",
        },
    )
    assert response.status_code == 200 and Beneficiary.objects.count() == 0
    assert "id_informed_error" in response.content.decode()
    response = client.post(
        url,
        {
            "first_name": "Lucien",
            "last_name": "Bex",
            "gender": "masculin",
            "age_band": "non_communique",
            "social_status": "non_communique",
            "informed": "on",
        },
    )
    person = Beneficiary.objects.get()
    assert response.status_code == 302 and person.informed_at is not None
    page = client.get(reverse("activities:beneficiary", args=[person.pk]))
    assert page["Cache-Control"] == "no-store"
    client.post(
        reverse("activities:beneficiary_update", args=[person.pk]),
        {
            "first_name": "Lucien",
            "last_name": "Bexx",
            "gender": "masculin",
            "age_band": "non_communique",
            "social_status": "retraite",
            "informed": "on",
        },
    )
    entry = AuditLog.objects.filter(object_type="activities.Beneficiary", action="update").get()
    assert (
        "last_name" in entry.changes and "Bexx" not in str(entry.changes) and "Bex" not in str(entry.changes)
    )
    client.post(reverse("activities:beneficiary_anonymise", args=[person.pk]))
    person.refresh_from_db()
    assert person.anonymised_at and person.last_name == ""
    assert client.get(reverse("activities:beneficiary", args=[person.pk])).status_code == 404


def test_coordination_activity(client, lot_coordinator, lot):
    client.force_login(lot_coordinator)
    url = reverse("activities:coordination_create")
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "kind": "evenement",
            "name": "NEC local Figeac",
            "date": "2026-10-10",
            "duration_minutes": "240",
            "territorial_level": "departemental",
            "event_type": "nec_local",
            "mediators_count": "4",
            "structures_count": "3",
            "other_actors_count": "0",
            "participants_count": "120",
            "territory": lot.pk,
        },
    )
    assert response.status_code == 302
    html = client.get(reverse("activities:list")).content.decode()
    assert "NEC local Figeac" in html and "127" in html


def test_mediator_cannot_record_coordination(client, lot_mediator):
    client.force_login(lot_mediator)
    assert client.get(reverse("activities:coordination_create")).status_code == 404


def test_import_page_and_template(client, lot_mediator, figeac, cahors):
    from maillage.activities import importer

    client.force_login(lot_mediator)
    template = client.get(reverse("activities:import_template"))
    assert template.status_code == 200 and template["Content-Type"].startswith("text/csv")
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("modele.csv", importer.template_csv().encode(), content_type="text/csv")
    response = client.post(reverse("activities:import"), {"file": upload})
    # the import runs in the background: the job page shows its report
    assert response.status_code == 302 and response["Location"].startswith("/traitements/")
    assert "2 activité(s) créée(s)" in client.get(response["Location"]).content.decode()
    bad = SimpleUploadedFile(
        "bad.csv",
        "ID CRA;Date;Type;Durée;Canal;Thématiques\nx;01/01/2026;Individuel;30;Nulle part;E-mail\n".encode(),
        content_type="text/csv",
    )
    html = client.post(reverse("activities:import"), {"file": bad}, follow=True).content.decode()
    assert "ligne 2, colonne « Canaux d’accompagnement »" in html


def test_other_roles_get_404(client, lot_prescriber, unaffiliated_user):
    for user in (lot_prescriber, unaffiliated_user):
        client.force_login(user)
        for name in (
            "activities:list",
            "activities:create",
            "activities:beneficiaries",
            "activities:import",
            "activities:stats",
        ):
            assert client.get(reverse(name)).status_code == 404, name


def test_anonymous_is_sent_to_login(client):
    for name in ("activities:list", "activities:stats", "activities:import"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and "/compte/" in response["Location"]


def test_update_and_delete_are_audited(client, lot_mediator, figeac, cahors):
    activity = individual(lot_mediator, figeac, themes=["email"])
    client.force_login(lot_mediator)
    url = reverse("activities:update", args=[activity.pk])
    page = client.get(url)
    assert page.status_code == 200 and 'value="email"' in page.content.decode()
    response = client.post(
        url,
        {
            "kind": "individuel",
            "date": "2026-03-02",
            "duration": "60",
            "place_type": "domicile",
            "commune": cahors.pk,
            "themes": ["sante"],
            "gender": "masculin",
            "age_band": "non_communique",
            "social_status": "non_communique",
        },
    )
    assert response.status_code == 302
    activity.refresh_from_db()
    assert activity.themes == ["sante"] and activity.commune == cahors and activity.duration_minutes == 60
    entry = AuditLog.objects.get(object_type="activities.Activity", action="update")
    assert set(entry.changes) >= {"themes", "commune_id", "duration_minutes"}
    assert "sante" not in str(entry.changes)  # field names only
    assert client.post(reverse("activities:delete", args=[activity.pk])).status_code == 302
    assert not Activity.objects.exists()
    assert AuditLog.objects.filter(object_type="activities.Activity", action="delete").exists()


def test_coordination_territory_is_limited_to_own(client, lot_coordinator, lozere):
    client.force_login(lot_coordinator)
    response = client.post(
        reverse("activities:coordination_create"),
        {
            "kind": "animation",
            "name": "Réunion",
            "date": "2026-10-10",
            "duration_minutes": "60",
            "territorial_level": "departemental",
            "meeting_type": "comite",
            "mediators_count": "1",
            "structures_count": "0",
            "other_actors_count": "0",
            "participants_count": "0",
            "territory": lozere.pk,
        },
    )
    assert response.status_code == 200
    assert "id_territory_error" in response.content.decode()


def test_beneficiary_list_query_count(client, lot_mediator, django_assert_max_num_queries):
    for index in range(12):
        followed(lot_mediator, last_name=f"Nom{index}")
    client.force_login(lot_mediator)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("activities:beneficiaries"))
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
