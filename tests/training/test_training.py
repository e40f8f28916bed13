"""Aidants trained against the target, metrics, pages (cross-territory 404, query counts)."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from maillage.core.metrics import compute_metric
from maillage.training import selectors, services
from maillage.training.models import HabilitationStatus, Module, TrainingRecord, TrainingTarget
from tests.factories import OrganisationFactory
from tests.training.factories import make_aidant


@pytest.mark.django_db
def test_target_progress_by_year_kind_and_epci(lot, figeac, lot_coordinator):
    module = Module.objects.get(code="inclusion-numerique")
    mairie = OrganisationFactory(name="Mairie de Figeac", kind="collectivite", territory=figeac)
    for index in range(5):
        aidant = make_aidant(
            lot, name=f"Aidant {index}", organisation=mairie if index % 2 else None, commune=figeac
        )
        TrainingRecord.objects.create(
            aidant=aidant, module=module, completed_on=date(2025 + index % 2, 5, 1), source="manual"
        )
        TrainingRecord.objects.create(
            aidant=aidant, module=module, completed_on=date(2026, 6, 1), source="manual"
        )
    make_aidant(lot, name="Pas Formé")
    target = services.set_target(
        actor=lot_coordinator, territory=lot, label="60 aidants", count=60, start_year=2025, end_year=2026
    )
    progress = selectors.target_progress(target)
    assert progress.trained == 5 and progress.percent == 8
    assert progress.by_year == [(2025, 3), (2026, 2)]
    assert dict(progress.by_kind) == {"France Services": 3, "Mairie (secrétariat)": 2}
    assert progress.by_epci == [("CC du Grand Figeac", 5)]
    assert compute_metric("training.aidants_trained", lot, date(2025, 1, 1), date(2026, 12, 31)) == 5
    assert (
        compute_metric("training.aidants_trained_inclusion", lot, date(2025, 1, 1), date(2025, 12, 31)) == 3
    )


@pytest.mark.django_db
def test_active_habilitations_metric(lot):
    aidant = make_aidant(lot)
    other = make_aidant(lot, name="Inès Vidal")
    services.save_habilitation(
        actor=None,
        aidant=aidant,
        organisation=aidant.organisation,
        status=HabilitationStatus.GRANTED,
        granted_on=date(2025, 4, 2),
        renewal_on=date(2026, 4, 2),
        check=False,
    )
    services.save_habilitation(
        actor=None,
        aidant=other,
        organisation=other.organisation,
        status=HabilitationStatus.REQUESTED,
        check=False,
    )
    assert compute_metric("training.habilitations_active", lot, date(2025, 1, 1), date(2025, 12, 31)) == 1
    assert compute_metric("training.habilitations_active", lot, date(2026, 1, 1), date(2026, 12, 31)) == 0


@pytest.mark.django_db
def test_pages_and_cross_territory(client, lot, figeac, lot_coordinator, lozere_coordinator):
    aidant = make_aidant(lot)
    TrainingTarget.objects.create(territory=lot, label="60 aidants", count=60, start_year=2025, end_year=2026)
    client.force_login(lot_coordinator)
    for name in [
        "training:home",
        "training:aidants",
        "training:habilitations",
        "training:import",
        "training:needs",
        "training:modules",
    ]:
        assert client.get(reverse(name)).status_code == 200, name
    assert client.get(reverse("training:aidant", args=[aidant.pk])).status_code == 200
    response = client.post(
        reverse("training:record_add", args=[aidant.pk]),
        {"module": Module.objects.get(code="aidants-connect").pk, "completed_on": "2025-03-01"},
    )
    assert response.status_code == 302 and aidant.records.count() == 1
    client.force_login(lozere_coordinator)
    assert client.get(reverse("training:aidant", args=[aidant.pk])).status_code == 404
    assert client.get(reverse("training:aidant_edit", args=[aidant.pk])).status_code == 404
    assert client.post(reverse("training:record_add", args=[aidant.pk]), {}).status_code == 404
    assert "Claire" not in client.get(reverse("training:aidants")).content.decode()


@pytest.mark.django_db
def test_aidant_list_query_count(client, lot, lot_coordinator, django_assert_max_num_queries):
    module = Module.objects.first()
    for index in range(40):
        aidant = make_aidant(lot, name=f"Aidant {index}")
        TrainingRecord.objects.create(
            aidant=aidant, module=module, completed_on=date(2025, 1, 1), source="manual"
        )
    client.force_login(lot_coordinator)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("training:aidants"))
    assert response.status_code == 200 and "39 Aidant" in response.content.decode()


@pytest.mark.django_db
def test_import_page_reports_errors_in_french(client, lot, lot_coordinator):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(lot_coordinator)
    upload = SimpleUploadedFile(
        "ac.csv", b"nom;prenom;email;structure\r\nMartin;;x;FS\r\n", content_type="text/csv"
    )
    response = client.post(reverse("training:import"), {"territory": lot.pk, "file": upload})
    body = response.content.decode()
    assert (
        response.status_code == 400
        and "Ligne 2, colonne « prenom »" in body
        and "rien n'a été importé" in body
    )
