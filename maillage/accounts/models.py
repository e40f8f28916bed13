"""Users, organisations (structures) and memberships giving a role on a territory."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _

from maillage.core.models import TimestampedModel


class EmailUserManager(UserManager["User"]):
    def create_user(self, email: str, password: str | None = None, **extra: object) -> User:  # type: ignore[override]
        extra.setdefault("username", email.lower())
        return super().create_user(email=email.lower(), password=password, **extra)  # type: ignore[arg-type]

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> User:  # type: ignore[override]
        extra.setdefault("username", email.lower())
        return super().create_superuser(email=email.lower(), password=password, **extra)  # type: ignore[arg-type]


class User(AbstractUser):
    """A professional. The public has no account. Logs in with an e-mail address."""

    email = models.EmailField(_("adresse e-mail"), unique=True)
    phone = models.CharField(_("téléphone"), max_length=30, blank=True)

    USERNAME_FIELD = "email"  # type: ignore[misc]
    REQUIRED_FIELDS = []  # type: ignore[misc]

    objects = EmailUserManager()  # type: ignore[misc]

    class Meta:
        verbose_name = _("utilisateur")
        verbose_name_plural = _("utilisateurs")

    def __str__(self) -> str:
        return self.get_full_name() or self.email


class OrganisationKind(models.TextChoices):
    LOCAL_AUTHORITY = "collectivite", _("Collectivité territoriale")
    STATE = "etat", _("Service de l'État")
    SYNDICATE = "syndicat", _("Syndicat mixte")
    ASSOCIATION = "association", _("Association")
    FRANCE_SERVICES = "france_services", _("Structure France Services")
    SOCIAL = "social", _("Organisme social (CAF, CPAM, MSA…)")
    EMPLOYMENT = "emploi", _("Emploi et insertion (France Travail, Mission locale…)")
    COMPANY = "entreprise", _("Entreprise")
    OTHER = "autre", _("Autre")


class Organisation(TimestampedModel):
    """A legal body (structure): collectivité, association, France Services host, company…"""

    name = models.CharField(_("nom"), max_length=250)
    kind = models.CharField(
        _("type"), max_length=20, choices=OrganisationKind.choices, default=OrganisationKind.OTHER
    )
    siret = models.CharField(_("SIRET"), max_length=14, blank=True, db_index=True)
    rna = models.CharField(_("RNA"), max_length=10, blank=True)
    territory = models.ForeignKey(
        "territories.Territory",
        verbose_name=_("territoire de rattachement"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    email = models.EmailField(_("e-mail"), blank=True)
    website = models.URLField(_("site web"), blank=True)

    class Meta:
        verbose_name = _("structure")
        verbose_name_plural = _("structures")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    COORDINATOR = "coordinator", _("Coordinateur·rice territorial·e")
    ACTION_LEAD = "action_lead", _("Porteur·se d'action")
    MEDIATOR = "mediator", _("Médiateur·rice / conseiller·e numérique")
    PRESCRIBER = "prescriber", _("Prescripteur·rice / travailleur·se social·e")
    VIEWER = "viewer", _("Lecteur·rice (élu·e, financeur)")


class Membership(TimestampedModel):
    """Gives ``user`` a ``role`` on ``territory`` (département or EPCI) within ``organisation``."""

    user = models.ForeignKey(
        User, verbose_name=_("utilisateur"), on_delete=models.CASCADE, related_name="memberships"
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("structure"), on_delete=models.PROTECT, related_name="memberships"
    )
    territory = models.ForeignKey(
        "territories.Territory", verbose_name=_("territoire"), on_delete=models.PROTECT, related_name="+"
    )
    role = models.CharField(_("rôle"), max_length=20, choices=Role.choices)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("habilitation")
        verbose_name_plural = _("habilitations")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation", "territory", "role"], name="membership_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} — {self.territory}"
