"""User pathway: versioned diagnostic grids, diagnostics, referrals (orientations) and follow-ups.

Personal data is minimal: a diagnostic is anonymous; a referral sent to a place may carry a first
name or initials and one contact (phone or e-mail), anonymised after
``REFERRAL_IDENTITY_RETENTION_DAYS`` by ``retention.purge``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from maillage.core.models import TimestampedModel
from maillage.pathways import grid as grid_engine


class DiagnosticGrid(models.Model):
    """One immutable version of the question set, scoring and orientation rules."""

    version = models.CharField(_("version"), max_length=20, unique=True)
    title = models.CharField(_("titre"), max_length=200)
    definition = models.JSONField(_("définition"))
    is_current = models.BooleanField(_("version en vigueur"), default=False)
    published_at = models.DateTimeField(_("publiée le"), auto_now_add=True)

    class Meta:
        verbose_name = _("grille de diagnostic")
        verbose_name_plural = _("grilles de diagnostic")
        ordering = ["-published_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_current"], condition=models.Q(is_current=True), name="pathways_one_current_grid"
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.version})"

    def profile_label(self, code: str) -> str:
        return grid_engine.label_of(self.definition["profiles"], code)

    def flag_label(self, code: str) -> str:
        return grid_engine.label_of(self.definition["flags"], code)

    def orientation(self, code: str) -> dict[str, Any]:
        return grid_engine.orientation(self.definition, code)


class Diagnostic(TimestampedModel):
    """A diagnostic run by a prescriber with a person, who stays anonymous."""

    grid = models.ForeignKey(
        DiagnosticGrid, verbose_name=_("grille"), on_delete=models.PROTECT, related_name="diagnostics"
    )
    prescriber = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("prescripteur·rice"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    organisation = models.ForeignKey(
        "accounts.Organisation", verbose_name=_("structure"), on_delete=models.PROTECT, related_name="+"
    )
    commune = models.ForeignKey(
        "territories.Territory",
        verbose_name=_("commune de la personne"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    department = models.ForeignKey(
        "territories.Territory",
        verbose_name=_("département"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # led by the (department, created_at) indexes
    )
    answers = models.JSONField(_("réponses"), default=dict)
    skills_score = models.PositiveSmallIntegerField(_("score de compétences (S)"), default=0)
    admin_score = models.PositiveSmallIntegerField(_("score d'autonomie administrative (C)"), default=0)
    profile = models.CharField(_("profil"), max_length=10, db_index=True)
    flags = models.JSONField(_("indicateurs"), default=list, blank=True)
    needs = models.JSONField(_("besoins exprimés"), default=list, blank=True)
    orientations = models.JSONField(_("orientations conseillées"), default=list, blank=True)
    notes = models.JSONField(_("remarques"), default=list, blank=True)
    specific_support = models.JSONField(_("prises en charge spécifiques"), default=list, blank=True)
    is_fragile = models.BooleanField(_("fragilité numérique"), default=False)
    person_informed = models.BooleanField(_("personne informée du traitement de ses données"), default=False)
    duration_seconds = models.PositiveIntegerField(_("durée (secondes)"), null=True, blank=True)
    nearest_match_km = models.FloatField(_("lieu adapté le plus proche (km)"), null=True, blank=True)
    proposals_computed_at = models.DateTimeField(_("propositions calculées le"), null=True, blank=True)
    unmet_need = models.BooleanField(
        _("demande non satisfaite"),
        default=False,
        help_text=_("Orientation conseillée mais aucun lieu adapté à moins de 20 km."),
    )

    class Meta:
        verbose_name = _("diagnostic")
        verbose_name_plural = _("diagnostics")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["department", "created_at"], name="pathways_diag_dept_created"),
            models.Index(fields=["organisation", "created_at"], name="pathways_diag_org_created"),
        ]

    def __str__(self) -> str:
        return f"Diagnostic n° {self.pk}"

    @property
    def profile_label(self) -> str:
        return self.grid.profile_label(self.profile)


class ReferralStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposée (adresse remise)")
    SENT = "sent", _("Envoyée au lieu")
    UNDER_REVIEW = "under_review", _("À l'étude")
    ACCEPTED = "accepted", _("Acceptée")
    TAKEN_UP = "taken_up", _("Prise en charge (la personne est venue)")
    REFUSED = "refused", _("Déclinée")
    CANCELLED = "cancelled", _("Annulée")
    EXPIRED = "expired", _("Expirée")


OPEN_STATUSES = (ReferralStatus.SENT, ReferralStatus.UNDER_REVIEW)
FINAL_STATUSES = (
    ReferralStatus.TAKEN_UP,
    ReferralStatus.REFUSED,
    ReferralStatus.CANCELLED,
    ReferralStatus.EXPIRED,
)


class RefusalReason(models.TextChoices):
    """DORA / les emplois refusal reasons (the design note, §1.2)."""

    NOT_REACHABLE = "beneficiaire-non-joignable", _("Personne injoignable")
    ABSENT = "beneficiaire-absent", _("Personne absente au rendez-vous")
    EMPLOYED = "beneficiaire-en-emploi", _("Personne en emploi")
    IN_TRAINING = "beneficiaire-en-formation", _("Personne en formation")
    NOT_ELIGIBLE = "beneficiaire-non-eligible", _("Personne non éligible")
    NOT_MOBILE = "beneficiaire-non-mobile", _("Personne non mobile")
    NOT_INTERESTED = "beneficiaire-non-interesse", _("Personne non intéressée")
    PERIPHERAL_BARRIERS = "freins-peripheriques", _("Freins périphériques")
    FULL = "session-complete", _("Session complète")
    DUPLICATE = "orientation-en-doublon", _("Orientation en doublon")
    OTHER = "autre", _("Autre")


class ContactPreference(models.TextChoices):
    PHONE = "telephone", _("Par téléphone")
    EMAIL = "email", _("Par e-mail")
    REFERENT = "referent", _("Via le ou la professionnel·le qui oriente")


class Referral(models.Model):
    """An orientation of a person towards a place, tracked until the person came (or not)."""

    diagnostic = models.ForeignKey(
        Diagnostic, verbose_name=_("diagnostic"), on_delete=models.PROTECT, related_name="referrals"
    )
    place = models.ForeignKey(
        "places.Place", verbose_name=_("lieu"), on_delete=models.PROTECT, related_name="referrals"
    )
    orientation = models.CharField(_("type d'orientation"), max_length=40, blank=True)
    status = models.CharField(
        _("statut"), max_length=20, choices=ReferralStatus.choices, default=ReferralStatus.PROPOSED
    )
    prescriber = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("prescripteur·rice"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    organisation = models.ForeignKey(
        "accounts.Organisation", verbose_name=_("structure"), on_delete=models.PROTECT, related_name="+"
    )
    department = models.ForeignKey(
        "territories.Territory",
        verbose_name=_("département"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # led by the (department, created_at) indexes
    )
    commune = models.ForeignKey(
        "territories.Territory",
        verbose_name=_("commune de la personne"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    distance_km = models.FloatField(_("distance (km)"), null=True, blank=True)

    # Identity: only when the referral is sent, and minimal. Anonymised by retention.purge.
    first_name = models.CharField(_("prénom ou initiales"), max_length=60, blank=True)
    phone = models.CharField(_("téléphone"), max_length=30, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    contact_preference = models.CharField(
        _("préférence de contact"), max_length=12, choices=ContactPreference.choices, blank=True
    )
    message = models.TextField(_("message au lieu"), max_length=600, blank=True)
    person_informed = models.BooleanField(_("personne informée"), default=False)
    identity_anonymised_at = models.DateTimeField(_("identité anonymisée le"), null=True, blank=True)

    created_at = models.DateTimeField(_("créée le"), db_index=True)
    sent_at = models.DateTimeField(_("envoyée le"), null=True, blank=True)
    review_started_at = models.DateTimeField(_("mise à l'étude le"), null=True, blank=True)
    responded_at = models.DateTimeField(_("réponse du lieu le"), null=True, blank=True)
    taken_up_at = models.DateTimeField(_("prise en charge le"), null=True, blank=True)
    closed_at = models.DateTimeField(_("close le"), null=True, blank=True)
    response_hours = models.PositiveIntegerField(
        _("délai de réponse (heures)"),
        null=True,
        blank=True,
        help_text=_("De l'envoi à la première réponse."),
    )
    last_reminder_at = models.DateTimeField(_("dernière relance le"), null=True, blank=True)
    reminders_sent = models.PositiveSmallIntegerField(_("relances envoyées"), default=0)
    refusal_reason = models.CharField(
        _("motif de refus"), max_length=40, choices=RefusalReason.choices, blank=True
    )
    refusal_message = models.TextField(_("précisions sur le refus"), blank=True)
    link_version = models.PositiveIntegerField(_("version du lien signé"), default=1)

    class Meta:
        verbose_name = _("orientation")
        verbose_name_plural = _("orientations")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["department", "created_at"], name="pathways_ref_dept_created"),
            models.Index(fields=["organisation", "created_at"], name="pathways_ref_org_created"),
            models.Index(fields=["status", "sent_at"], name="pathways_ref_status_sent"),
            models.Index(fields=["place", "status"], name="pathways_ref_place_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="refused") | ~models.Q(refusal_reason=""),
                name="pathways_refused_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"Orientation n° {self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES

    @property
    def has_identity(self) -> bool:
        return bool(self.first_name or self.phone or self.email)


class ReferralEvent(models.Model):
    """The log of a referral: every transition, who, when and why."""

    referral = models.ForeignKey(
        Referral, verbose_name=_("orientation"), on_delete=models.CASCADE, related_name="events"
    )
    at = models.DateTimeField(_("date"))
    from_status = models.CharField(_("statut précédent"), max_length=20, blank=True)
    to_status = models.CharField(_("nouveau statut"), max_length=20)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("auteur"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_label = models.CharField(_("auteur (libellé)"), max_length=200)
    reason = models.TextField(_("motif"), blank=True)

    class Meta:
        verbose_name = _("évènement d'orientation")
        verbose_name_plural = _("journal des orientations")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.referral_id}: {self.from_status} → {self.to_status}"

    @property
    def to_label(self) -> str:
        return str(ReferralStatus(self.to_status).label) if self.to_status else ""


class FollowUpRemediation(models.TextChoices):
    """What happened when the need was met (Eva ``MiseEnAction.remediation``, adapted)."""

    AUTONOMOUS = "autonome", _("La personne fait désormais seule")
    ACCOMPANIED = "accompagnee", _("Démarche faite avec un accompagnement")
    TRAINING = "formation", _("Formation ou ateliers suivis")
    EQUIPPED = "equipee", _("Équipement ou connexion obtenus")
    UNDETERMINED = "indetermine", _("Indéterminé")


class FollowUpDifficulty(models.TextChoices):
    """Why the need was not met (Eva ``MiseEnAction.difficulte``, adapted)."""

    NO_OFFER = "aucune_offre", _("Aucune offre adaptée")
    OFFER_UNREACHABLE = "offre_inaccessible", _("Offre inaccessible (distance, horaires, coût)")
    PERIPHERAL_BARRIERS = "freins_peripheriques", _("Freins périphériques (santé, garde, transport)")
    MORE_SUPPORT = "accompagnement_necessaire", _("Besoin d'un accompagnement plus long")
    GAVE_UP = "abandon", _("La personne n'a pas poursuivi")
    UNDETERMINED = "indetermine", _("Indéterminé")


class FollowUp(models.Model):
    """The prescriber's check 30 days after take-up: was the need met, and if not, why."""

    referral = models.OneToOneField(
        Referral, verbose_name=_("orientation"), on_delete=models.CASCADE, related_name="follow_up"
    )
    need_met = models.BooleanField(_("besoin satisfait"))
    remediation = models.CharField(
        _("ce qui a permis d'y répondre"), max_length=30, choices=FollowUpRemediation.choices, blank=True
    )
    difficulty = models.CharField(
        _("difficulté rencontrée"), max_length=30, choices=FollowUpDifficulty.choices, blank=True
    )
    comment = models.TextField(_("commentaire"), max_length=600, blank=True)
    recorded_at = models.DateTimeField(_("enregistré le"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("enregistré par"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("suivi à 30 jours")
        verbose_name_plural = _("suivis à 30 jours")

    def __str__(self) -> str:
        return f"Suivi de l'orientation n° {self.referral_id}"
