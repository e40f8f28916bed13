"""Pages of the funding watch: who sees and changes what (404 across territories), forms, files, lists."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from maillage.core.models import AuditLog
from maillage.funding import services
from maillage.funding.models import Application, ApplicationDocument, Opportunity, PostYear
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from tests.funding.factories import (
    make_action,
    make_application,
    make_granted,
    make_lead,
    make_opportunity,
    make_post,
    make_roadmap,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def action(lot):
    return make_action(make_roadmap(lot), 8)


@pytest.fixture
def lot_data(lot, lot_coordinator, action):
    opportunity = make_opportunity(lot, deadline=timezone.localdate() + timedelta(days=10))
    application = make_granted(lot_coordinator, action, opportunity=opportunity)
    services.add_instalment(
        actor=lot_coordinator, application=application, received_on=date(2025, 4, 30), amount=Decimal("5000")
    )
    post = make_post(lot)
    services.save_post_year(
        actor=lot_coordinator,
        post=post,
        values=services.YearInput(
            year=2025, state_amount=Decimal("17500"), cost=Decimal("35000"), other_funding=None
        ),
    )
    document = services.save_document(
        actor=lot_coordinator,
        application=application,
        kind="convention",
        title="Convention",
        upload=SimpleUploadedFile("convention.pdf", b"%PDF-1.4 demo", content_type="application/pdf"),
    )
    return {"opportunity": opportunity, "application": application, "post": post, "document": document}


def _urls(data, lot):
    a, o, p, d = data["application"], data["opportunity"], data["post"], data["document"]
    return [
        reverse("funding:opportunity", args=[o.pk]),
        reverse("funding:opportunity_edit", args=[o.pk]),
        reverse("funding:application", args=[a.pk]),
        reverse("funding:application_edit", args=[a.pk]),
        reverse("funding:instalment_delete", args=[a.instalments.get().pk]),
        reverse("funding:document", args=[d.pk]),
        reverse("funding:document_replace", args=[d.pk]),
        reverse("funding:document_delete", args=[d.pk]),
        reverse("funding:post", args=[p.pk]),
        reverse("funding:post_edit", args=[p.pk]),
        reverse("funding:degressivity", args=[lot.pk]),
        reverse("funding:post_year_delete", args=[p.years.get().pk]),
    ]


def test_coordinator_pages(client, lot, lot_coordinator, lot_data):
    client.force_login(lot_coordinator)
    for url in [
        reverse("funding:home"),
        reverse("funding:opportunities"),
        reverse("funding:opportunities") + "?toutes=1",
        reverse("funding:opportunity_create"),
        reverse("funding:applications"),
        reverse("funding:applications") + "?statut=versements",
        reverse("funding:application_create"),
        reverse("funding:posts"),
        reverse("funding:post_create"),
        *_urls(lot_data, lot),
    ]:
        response = client.get(url)
        assert response.status_code in (200, 302), url
    page = client.get(reverse("funding:degressivity", args=[lot.pk])).content.decode()
    assert "17\u202f500\u00a0€" in page and "(50\u00a0%)" in page
    assert "autres financements non renseignés" in page  # the gap is shown before other funding


def test_other_territory_gets_404_everywhere(client, lot, lozere_coordinator, lozere_mediator, lot_data):
    for user in (lozere_coordinator, lozere_mediator):
        client.force_login(user)
        for url in _urls(lot_data, lot):
            assert client.get(url).status_code == 404, url
        assert (
            client.post(reverse("funding:instalment_add", args=[lot_data["application"].pk])).status_code
            == 404
        )
        assert (
            client.post(reverse("funding:document_add", args=[lot_data["application"].pk])).status_code == 404
        )
        assert client.post(reverse("funding:post_year_save", args=[lot_data["post"].pk])).status_code == 404
        for name in ("funding:opportunities", "funding:applications"):
            assert lot_data["opportunity"].title not in client.get(reverse(name)).content.decode()
        assert "Formation des aidants" not in client.get(reverse("funding:applications")).content.decode()


def test_no_membership_no_page(client, unaffiliated_user, lot_data):
    client.force_login(unaffiliated_user)
    for name in ("funding:home", "funding:opportunities", "funding:applications", "funding:posts"):
        assert client.get(reverse(name)).status_code == 404


def test_removed_member_gets_404(client, lot, lot_coordinator, lot_data):
    lot_coordinator.memberships.update(is_active=False)
    client.force_login(lot_coordinator)
    assert client.get(reverse("funding:home")).status_code == 404
    assert client.get(reverse("funding:application", args=[lot_data["application"].pk])).status_code == 404


def test_epci_porteurs_see_the_department_watch(client, lot, figeac_epci, lot_data):
    user = UserFactory()
    MembershipFactory(
        user=user, organisation=OrganisationFactory(), territory=figeac_epci, role="action_lead"
    )
    client.force_login(user)
    assert client.get(reverse("funding:opportunity", args=[lot_data["opportunity"].pk])).status_code == 200
    assert lot_data["opportunity"].title in client.get(reverse("funding:opportunities")).content.decode()
    assert (
        client.get(reverse("funding:opportunity_edit", args=[lot_data["opportunity"].pk])).status_code == 403
    )


def test_viewer_reads_but_does_not_change(client, lot, lot_viewer, lot_data):
    client.force_login(lot_viewer)
    assert client.get(reverse("funding:application", args=[lot_data["application"].pk])).status_code == 200
    assert (
        client.get(reverse("funding:application_edit", args=[lot_data["application"].pk])).status_code == 403
    )
    assert client.get(reverse("funding:opportunity_create")).status_code == 403
    assert client.get(reverse("funding:degressivity", args=[lot.pk])).status_code == 200
    assert client.get(reverse("funding:post_edit", args=[lot_data["post"].pk])).status_code == 403


def test_action_lead_applies_for_their_action(client, lot, action):
    lead = make_lead(lot, action)
    client.force_login(lead)
    response = client.post(
        reverse("funding:application_create"),
        {
            "action": action.pk,
            "title": "Fondation Orange — ateliers",
            "programme": "fondation",
            "new_funder": "Fondation Orange",
            "amount_requested": "4 500,50",
            "status": "preparation",
        },
    )
    application = Application.objects.get()
    assert response.url == reverse("funding:application", args=[application.pk])
    assert (
        application.amount_requested == Decimal("4500.50") and application.funder.name == "Fondation Orange"
    )
    assert application.granted_amount is None and application.budget_line is None
    other = make_action(action.roadmap, 2)
    bad = client.post(
        reverse("funding:application_create"),
        {"action": other.pk, "title": "x", "programme": "fne", "status": "preparation"},
    )
    assert bad.status_code == 400  # not one of their actions: not a choice


def test_granted_over_request_is_refused_until_confirmed(client, lot_coordinator, action):
    application = make_application(lot_coordinator, action, status="deposee", submitted_on=date(2025, 1, 10))
    client.force_login(lot_coordinator)
    url = reverse("funding:application_edit", args=[application.pk])
    data = {
        "title": application.title,
        "programme": "fse_plus",
        "amount_requested": "12000",
        "status": "accordee",
        "submitted_on": "2025-01-10",
        "decided_on": "2025-03-01",
        "granted_amount": "13000",
        "read_version": application.version,
    }
    refused = client.post(url, data)
    assert refused.status_code == 400
    assert "dépasse le montant demandé" in refused.content.decode()
    assert Application.objects.get().granted_amount is None
    ok = client.post(url, {**data, "over_request_confirmed": "on"})
    assert ok.status_code == 302
    assert Application.objects.get().granted_amount == Decimal("13000")


def test_second_person_saving_a_stale_form_is_told(client, lot, lot_coordinator, action):
    application = make_application(lot_coordinator, action)
    colleague = make_lead(lot, action)
    url = reverse("funding:application_edit", args=[application.pk])
    data = {"title": "Version A", "programme": "fse_plus", "status": "preparation", "read_version": 1}
    client.force_login(lot_coordinator)
    assert client.post(url, data).status_code == 302
    client.force_login(colleague)
    stale = client.post(url, {**data, "title": "Version B"})
    assert stale.status_code == 409
    assert "a été modifié par quelqu" in stale.content.decode()
    assert Application.objects.get().title == "Version A"


def test_instalment_and_documents_through_the_pages(
    client, lot_coordinator, action, django_capture_on_commit_callbacks
):
    application = make_granted(lot_coordinator, action)
    client.force_login(lot_coordinator)
    detail = reverse("funding:application", args=[application.pk])
    response = client.post(
        reverse("funding:instalment_add", args=[application.pk]),
        {"versement-received_on": "2025-05-02", "versement-amount": "4000", "versement-note": ""},
    )
    assert response.url == detail
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("funding:document_add", args=[application.pk]),
            {
                "piece-kind": "dossier",
                "piece-title": "",
                "piece-file": SimpleUploadedFile("dossier.pdf", b"%PDF-1 a"),
            },
        )
    document = ApplicationDocument.objects.get()
    first = document.file.name
    assert client.get(reverse("funding:document", args=[document.pk])).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("funding:document_replace", args=[document.pk]),
            {"kind": "dossier", "title": "v2", "file": SimpleUploadedFile("dossier-v2.pdf", b"%PDF-1 b")},
        )
    document.refresh_from_db()
    assert document.file.name != first and not default_storage.exists(first)
    assert default_storage.exists(document.file.name)
    refused = client.post(
        reverse("funding:document_add", args=[application.pk]),
        {"piece-kind": "dossier", "piece-file": SimpleUploadedFile("script.exe", b"MZ")},
    )
    assert refused.status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("funding:document_delete", args=[document.pk]))
    assert not ApplicationDocument.objects.exists() and not default_storage.exists(document.file.name)
    assert "4\u202f000\u00a0€" in client.get(detail).content.decode()


def test_opportunity_and_post_forms(client, lot, lot_coordinator):
    client.force_login(lot_coordinator)
    response = client.post(
        reverse("funding:opportunity_create"),
        {
            "territory": lot.pk,
            "title": "FEDER usages",
            "programme": "feder",
            "new_funder": "Région Occitanie",
            "rate": "60",
            "deadline": "2026-06-30",
            "url": "https://example.org/appel",
        },
    )
    opportunity = Opportunity.objects.get()
    assert response.url == reverse("funding:opportunity", args=[opportunity.pk])
    page = client.get(response.url).content.decode()
    assert "60\u00a0%" in page and "Plafond" in page and "0\u00a0€" not in page
    response = client.post(
        reverse("funding:post_create"),
        {
            "territory": lot.pk,
            "new_employer": "Commune de Gramat",
            "label": "Conseillère numérique",
            "kind": "conseiller",
        },
    )
    post_url = response.url
    post_pk = int(post_url.rstrip("/").split("/")[-1])
    for year, state in (("2024", "25000"), ("2025", "17500"), ("2025", "15000")):
        client.post(
            reverse("funding:post_year_save", args=[post_pk]),
            {"annee-year": year, "annee-state_amount": state, "annee-cost": "35000"},
        )
    assert list(PostYear.objects.order_by("year").values_list("year", "state_amount")) == [
        (2024, Decimal("25000")),
        (2025, Decimal("15000")),
    ]  # the same year twice is one row
    assert AuditLog.objects.filter(object_type="funding.PostYear").count() == 3


def test_unknown_amounts_read_non_renseigne(client, lot, lot_coordinator):
    post = make_post(lot)
    services.save_post_year(
        actor=lot_coordinator, post=post, values=services.YearInput(2026, None, None, None)
    )
    client.force_login(lot_coordinator)
    page = client.get(reverse("funding:degressivity", args=[lot.pk])).content.decode()
    assert "non renseigné" in page and "0\u00a0€" not in page


def test_workspace_links_to_funding(client, lot_coordinator):
    client.force_login(lot_coordinator)
    assert reverse("funding:home") in client.get(reverse("accounts:home")).content.decode()


def test_list_query_counts_do_not_grow(client, lot, lot_coordinator, action, django_assert_max_num_queries):
    funder = OrganisationFactory(name="Région")
    for i in range(25):
        make_opportunity(lot, f"Appel {i}", funder=funder, deadline=timezone.localdate() + timedelta(days=i))
        application = make_granted(lot_coordinator, make_action(action.roadmap, 100 + i), funder=funder)
        services.add_instalment(
            actor=lot_coordinator, application=application, received_on=date(2025, 5, 1), amount=Decimal("10")
        )
    for i in range(10):
        post = make_post(lot, f"Employeur {i}")
        for year in (2024, 2025, 2026):
            services.save_post_year(
                actor=lot_coordinator, post=post, values=services.YearInput(year, Decimal("1000"), None, None)
            )
    client.force_login(lot_coordinator)
    for url in (
        reverse("funding:opportunities"),
        reverse("funding:applications"),
        reverse("funding:degressivity", args=[lot.pk]),
        reverse("funding:home"),
    ):
        with django_assert_max_num_queries(14):
            assert client.get(url).status_code == 200


def test_action_page_links_to_its_applications(client, lot_coordinator, action):
    mine = make_application(lot_coordinator, action, title="Dossier de cette action")
    make_application(lot_coordinator, make_action(action.roadmap, 3), title="Dossier d'une autre action")
    client.force_login(lot_coordinator)
    page = client.get(reverse("roadmaps:action", args=[action.roadmap_id, action.number])).content.decode()
    assert f"/financements/dossiers/?action={action.pk}" in page
    listed = client.get(reverse("funding:applications") + f"?action={action.pk}").content.decode()
    assert mine.title in listed and "Dossier d&#x27;une autre action" not in listed
    form = client.get(reverse("funding:application_create") + f"?action={action.pk}").content.decode()
    assert f'<option value="{action.pk}" selected>' in form
