"""Funding test data: a roadmap with actions (through the ORM), opportunities, applications, posts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from maillage.accounts.models import Organisation
from maillage.funding import services
from maillage.funding.models import AdvisorPost, Application, ApplicationStatus, Opportunity, Programme
from maillage.roadmaps.models import Action, Axis, Roadmap
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory


def make_roadmap(territory: Any, *, slug: str = "") -> Roadmap:
    carrier = OrganisationFactory(name=f"Porteur {territory.code}", territory=territory)
    return Roadmap.objects.create(
        slug=slug or f"fdr-{territory.code}-{Roadmap.objects.count() + 1}",
        title=f"Feuille de route {territory.name}",
        territory=territory,
        carrier=carrier,
        start_year=2024,
        end_year=2027,
    )


def make_action(roadmap: Roadmap, number: int = 1, *, leads: list[Organisation] | None = None) -> Action:
    axis, _ = Axis.objects.get_or_create(roadmap=roadmap, number=1, defaults={"title": "Solidaire"})
    action = Action.objects.create(roadmap=roadmap, axis=axis, number=number, title=f"Action {number}")
    for org in leads or []:
        action.lead_organisations.add(org)
    return action


def make_lead(territory: Any, action: Action) -> Any:
    """An action lead whose structure co-carries ``action``."""
    user = UserFactory()
    org = OrganisationFactory(name=f"Structure porteuse {action.pk}", territory=territory)
    MembershipFactory(user=user, organisation=org, territory=territory, role="action_lead")
    action.lead_organisations.add(org)
    return user


def make_opportunity(territory: Any, title: str = "FSE+ inclusion", **values: Any) -> Opportunity:
    values.setdefault("programme", Programme.FSE_PLUS)
    return Opportunity.objects.create(territory=territory, title=title, **values)


def make_application(actor: Any, action: Action, **values: Any) -> Application:
    values.setdefault("title", "Formation des aidants")
    values.setdefault("programme", Programme.FSE_PLUS)
    values.setdefault("amount_requested", Decimal("12000"))
    values.setdefault("funder", Organisation.objects.get_or_create(name="Région Occitanie")[0])
    return services.create_application(actor=actor, application=Application(action=action, **values))


def make_granted(actor: Any, action: Action, granted: str = "10000", **values: Any) -> Application:
    return make_application(
        actor,
        action,
        status=ApplicationStatus.GRANTED,
        submitted_on=date(2025, 1, 15),
        decided_on=date(2025, 3, 20),
        granted_amount=Decimal(granted),
        **values,
    )


def make_post(
    territory: Any, employer_name: str = "Commune de Figeac", label: str = "Conseiller numérique"
) -> AdvisorPost:
    employer = OrganisationFactory(name=employer_name, territory=territory)
    return AdvisorPost.objects.create(
        territory=territory, employer=employer, label=label, start_date=date(2021, 5, 1)
    )
