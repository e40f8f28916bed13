"""Demo accounts: one per role on the Lot, plus a Lozère coordinator and a superuser. Idempotent."""

from __future__ import annotations

from maillage.accounts.models import Membership, Organisation, Role, User
from maillage.core.demo import DEMO_PASSWORD, DemoContext
from maillage.territories.models import Territory, TerritoryKind

ORGANISATIONS = {
    "coordination": ("Syndicat mixte Lot Numérique (démo)", "syndicat"),
    "mediation": ("Association Clic & Lien (démo)", "association"),
    "france_services": ("France Services du Causse (démo)", "france_services"),
    "solidarites": ("Maison des solidarités départementale (démo)", "social"),
    "departement": ("Conseil départemental (démo)", "collectivite"),
    "lozere": ("Lozère Développement (démo)", "collectivite"),
}

USERS = [
    # role key, e-mail, first name, last name, organisation key, role
    ("coordinator", "coordination@demo.maillage.fr", "Camille", "Delmas", "coordination", Role.COORDINATOR),
    ("mediator", "mediation@demo.maillage.fr", "Inès", "Vidal", "mediation", Role.MEDIATOR),
    ("action_lead", "porteur@demo.maillage.fr", "Hugo", "Bessières", "france_services", Role.ACTION_LEAD),
    ("prescriber", "prescription@demo.maillage.fr", "Nadia", "Lacombe", "solidarites", Role.PRESCRIBER),
    ("viewer", "lecture@demo.maillage.fr", "Paul", "Rigal", "departement", Role.VIEWER),
]


def seed(ctx: DemoContext) -> None:
    for key, (name, kind) in ORGANISATIONS.items():
        territory = ctx.department
        if key == "lozere":
            territory = (
                Territory.objects.filter(kind=TerritoryKind.DEPARTMENT, code="48").first() or ctx.department
            )
        organisation, _ = Organisation.objects.update_or_create(
            name=name, defaults={"kind": kind, "territory": territory}
        )
        ctx.organisations[key] = organisation

    for role_key, email, first, last, org_key, role in USERS:
        user = _user(email, first, last)
        Membership.objects.get_or_create(
            user=user, organisation=ctx.organisations[org_key], territory=ctx.department, role=role
        )
        ctx.users[role_key] = user

    lozere = Territory.objects.filter(kind=TerritoryKind.DEPARTMENT, code="48").first()
    if lozere is not None:
        user = _user("coordination-lozere@demo.maillage.fr", "Lucie", "Pagès")
        Membership.objects.get_or_create(
            user=user, organisation=ctx.organisations["lozere"], territory=lozere, role=Role.COORDINATOR
        )
        ctx.users["coordinator_lozere"] = user

    _team_examples(ctx)

    admin = _user("admin@demo.maillage.fr", "Admin", "Démo")
    if not admin.is_superuser:
        admin.is_superuser = admin.is_staff = True
        admin.save(update_fields=["is_superuser", "is_staff"])
    ctx.users["superuser"] = admin


def _user(email: str, first: str, last: str) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=DEMO_PASSWORD, first_name=first, last_name=last)
    return user


def _team_examples(ctx: DemoContext) -> None:
    """Something to see on the coordinator's team pages: a pending invitation and an access request."""
    import secrets
    from datetime import timedelta

    from django.utils import timezone

    from maillage.accounts.models import AccessRequest, Invitation

    Invitation.objects.update_or_create(
        email="nouvelle-mediatrice@demo.maillage.fr",
        organisation=ctx.organisations["mediation"],
        territory=ctx.department,
        role=Role.MEDIATOR,
        accepted_at=None,
        revoked_at=None,
        defaults={
            "first_name": "Léa",
            "last_name": "Fabre",
            "invited_by": ctx.users.get("coordinator"),
            "nonce": secrets.token_urlsafe(24),
            "expires_at": timezone.now() + timedelta(days=7),
        },
    )
    AccessRequest.objects.get_or_create(
        email="accueil@ccas-demo.maillage.fr",
        defaults={
            "first_name": "Karim",
            "last_name": "Benali",
            "organisation_name": "CCAS de Figeac (démo)",
            "territory": ctx.department,
            "role": Role.PRESCRIBER,
            "message": "Travailleur social, j'oriente les personnes vers les lieux de médiation.",
        },
    )
