"""Users, organisations (structures) and memberships giving a role on a territory."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from maillage.core.models import TimestampedModel


def normalise_email(value: object) -> str:
    """E-mail addresses are compared and stored stripped and lower-cased (one account per address)."""
    return str(value or "").strip().lower()


class EmailUserManager(UserManager["User"]):
    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(email=normalise_email(username))

    def create_user(self, email: str, password: str | None = None, **extra: object) -> User:  # type: ignore[override]
        email = normalise_email(email)
        extra.setdefault("username", email)
        return super().create_user(email=email, password=password, **extra)  # type: ignore[arg-type]

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> User:  # type: ignore[override]
        email = normalise_email(email)
        extra.setdefault("username", email)
        return super().create_superuser(email=email, password=password, **extra)  # type: ignore[arg-type]


class User(AbstractUser):
    """A professional. The public has no account. Logs in with an e-mail address."""

    email = models.EmailField(_("adresse e-mail"), unique=True)
    phone = models.CharField(_("téléphone"), max_length=30, blank=True)
    terms_accepted_at = models.DateTimeField(
        _("conditions d'utilisation acceptées le"), null=True, blank=True
    )

    session_salt = models.CharField(max_length=32, blank=True, editable=False)

    USERNAME_FIELD = "email"  # type: ignore[misc]
    REQUIRED_FIELDS = []  # type: ignore[misc]

    objects = EmailUserManager()  # type: ignore[misc]

    class Meta:
        verbose_name = _("utilisateur")
        verbose_name_plural = _("utilisateurs")
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                name="user_email_case_insensitive_unique",
                violation_error_message=_("Un compte existe déjà avec cette adresse e-mail."),
            )
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    def clean(self) -> None:
        super().clean()
        self.email = normalise_email(self.email)

    def get_session_auth_hash(self) -> str:
        """Sessions die when the password or ``session_salt`` changes (« déconnecter mes autres sessions »)."""
        base = super().get_session_auth_hash()
        if not self.session_salt:
            return base
        from django.utils.crypto import salted_hmac

        return salted_hmac(
            "maillage.accounts.session", base + self.session_salt, algorithm="sha256"
        ).hexdigest()

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.email = normalise_email(self.email)
        self.username = self.email  # the login is the e-mail; keeps AbstractUser's unique username in step
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "email" in update_fields:
            kwargs["update_fields"] = set(update_fields) | {"username"}
        super().save(*args, **kwargs)


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


class Invitation(TimestampedModel):
    """A signed, single-use, expiring link that gives ``role`` on ``territory`` within ``organisation``.

    The link carries the invitation's id and ``nonce``: resending draws a new nonce (old links die),
    accepting or revoking sets a date (the link then opens a page saying what to do).
    """

    email = models.EmailField(_("adresse e-mail"))
    first_name = models.CharField(_("prénom"), max_length=150, blank=True)
    last_name = models.CharField(_("nom"), max_length=150, blank=True)
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("structure"), on_delete=models.CASCADE, related_name="invitations"
    )
    territory = models.ForeignKey(
        "territories.Territory", verbose_name=_("territoire"), on_delete=models.PROTECT, related_name="+"
    )
    role = models.CharField(_("rôle"), max_length=20, choices=Role.choices)
    invited_by = models.ForeignKey(
        User, verbose_name=_("invité par"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    nonce = models.CharField(max_length=64, editable=False)
    expires_at = models.DateTimeField(_("expire le"))
    sent_at = models.DateTimeField(_("envoyée le"), null=True, blank=True)
    send_count = models.PositiveSmallIntegerField(_("envois"), default=0)
    accepted_at = models.DateTimeField(_("acceptée le"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        User,
        verbose_name=_("acceptée par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    revoked_at = models.DateTimeField(_("révoquée le"), null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                "organisation",
                "territory",
                "role",
                condition=models.Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="invitation_one_pending_per_membership",
            )
        ]
        indexes = [models.Index(fields=["territory", "accepted_at"], name="invitation_territory_idx")]

    def __str__(self) -> str:
        return f"{self.email} — {self.get_role_display()} — {self.territory}"

    @property
    def is_pending(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None


class AccessRequestStatus(models.TextChoices):
    PENDING = "pending", _("en attente")
    APPROVED = "approved", _("acceptée")
    DECLINED = "declined", _("refusée")


class AccessRequest(TimestampedModel):
    """« Demander un accès »: a stranger asks a role on a territory; a coordinator of it decides."""

    email = models.EmailField(_("adresse e-mail"))
    first_name = models.CharField(_("prénom"), max_length=150)
    last_name = models.CharField(_("nom"), max_length=150)
    organisation_name = models.CharField(_("structure"), max_length=250)
    organisation_siret = models.CharField(_("SIRET de la structure"), max_length=14, blank=True)
    territory = models.ForeignKey(
        "territories.Territory", verbose_name=_("territoire"), on_delete=models.PROTECT, related_name="+"
    )
    role = models.CharField(_("rôle demandé"), max_length=20, choices=Role.choices)
    message = models.TextField(_("message"), max_length=2000, blank=True)
    status = models.CharField(
        _("statut"), max_length=10, choices=AccessRequestStatus.choices, default=AccessRequestStatus.PENDING
    )
    decided_by = models.ForeignKey(
        User,
        verbose_name=_("décidée par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("décidée le"), null=True, blank=True)
    invitation = models.ForeignKey(
        Invitation,
        verbose_name=_("invitation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("demande d'accès")
        verbose_name_plural = _("demandes d'accès")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["territory", "status"], name="access_request_territory_idx")]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name} <{self.email}>"
