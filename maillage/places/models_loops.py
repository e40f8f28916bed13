"""The places' side of the loops: reminders with signed links, contact corrections, public reports,
freshness campaigns and the per-territory choice of how contact corrections are applied.

Imported at the end of ``maillage.places.models`` so that Django registers these models with the app.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ContactChangesMode(models.TextChoices):
    APPLY = "apply", _("Appliquées directement (et tracées)")
    REVIEW = "review", _("Mises en attente de validation par la coordination")


class DirectorySettings(models.Model):
    """A territory's choices for its directory (one row per territory; absent: defaults)."""

    territory = models.OneToOneField(
        "territories.Territory",
        verbose_name=_("territoire"),
        on_delete=models.CASCADE,
        related_name="directory_settings",
    )
    contact_changes = models.CharField(
        _("corrections envoyées par les lieux"),
        max_length=10,
        choices=ContactChangesMode.choices,
        default=ContactChangesMode.APPLY,
        help_text=_(
            "Ce que deviennent les corrections envoyées par un lieu depuis le lien de relance, sans compte."
        ),
    )
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("modifié par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("réglages de l'annuaire")
        verbose_name_plural = _("réglages de l'annuaire")

    def __str__(self) -> str:
        return f"{self.territory}"


class FreshnessCampaign(models.Model):
    """« Relancer tous les lieux non vérifiés » of a territory (EPCI, département…) as one operation."""

    territory = models.ForeignKey(
        "territories.Territory", verbose_name=_("territoire"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("lancée le"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("lancée par"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    finished_at = models.DateTimeField(_("envois terminés le"), null=True, blank=True)
    places_count = models.PositiveIntegerField(_("lieux visés"), default=0)
    skipped_count = models.PositiveIntegerField(_("lieux sans destinataire"), default=0)

    class Meta:
        verbose_name = _("campagne de mise à jour")
        verbose_name_plural = _("campagnes de mise à jour")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Campagne n° {self.pk} ({self.territory})"


class PlaceReminder(models.Model):
    """One reminder sent about a place: who received it, and what happened through its links."""

    place = models.ForeignKey(
        "places.Place", verbose_name=_("lieu"), on_delete=models.CASCADE, related_name="reminders"
    )
    campaign = models.ForeignKey(
        FreshnessCampaign,
        verbose_name=_("campagne"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="reminders",
    )
    sent_at = models.DateTimeField(_("envoyée le"), db_index=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("envoyée par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recipients = models.JSONField(_("destinataires"), default=list)
    opened_at = models.DateTimeField(_("lien ouvert le"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("confirmée sans changement le"), null=True, blank=True)
    corrected_at = models.DateTimeField(_("corrections envoyées le"), null=True, blank=True)
    second_sent_at = models.DateTimeField(_("seconde relance le"), null=True, blank=True)

    class Meta:
        verbose_name = _("relance d'un lieu")
        verbose_name_plural = _("relances des lieux")
        ordering = ["-sent_at", "-id"]
        indexes = [models.Index(fields=["place", "sent_at"], name="place_reminder_place_sent")]

    def __str__(self) -> str:
        return f"Relance n° {self.pk} ({self.place_id})"

    @property
    def answered(self) -> bool:
        return self.confirmed_at is not None or self.corrected_at is not None


class ChangeStatus(models.TextChoices):
    PENDING = "pending", _("En attente")
    ACCEPTED = "accepted", _("Acceptée")
    DECLINED = "declined", _("Refusée")


class PlaceChangeRequest(models.Model):
    """Corrections of a place's public fields sent from a signed link (queued when the territory
    reviews them; kept as « accepted » at once when it applies them directly)."""

    place = models.ForeignKey(
        "places.Place", verbose_name=_("lieu"), on_delete=models.CASCADE, related_name="change_requests"
    )
    reminder = models.ForeignKey(
        PlaceReminder, verbose_name=_("relance"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(_("envoyée le"))
    submitted_by = models.CharField(_("envoyée par"), max_length=254)
    changes = models.JSONField(_("modifications"), default=dict, help_text="{champ: [avant, après]}")
    status = models.CharField(
        _("statut"), max_length=10, choices=ChangeStatus.choices, default=ChangeStatus.PENDING
    )
    decided_at = models.DateTimeField(_("décidée le"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("décidée par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decision_reason = models.TextField(_("motif de la décision"), max_length=600, blank=True)

    class Meta:
        verbose_name = _("correction envoyée par un lieu")
        verbose_name_plural = _("corrections envoyées par les lieux")
        ordering = ["-submitted_at", "-id"]
        indexes = [models.Index(fields=["status", "submitted_at"], name="place_change_status")]

    def __str__(self) -> str:
        return f"Correction n° {self.pk} ({self.place_id})"


class ErrorReport(models.Model):
    """« Signaler une erreur » from the public place page."""

    place = models.ForeignKey(
        "places.Place", verbose_name=_("lieu"), on_delete=models.CASCADE, related_name="error_reports"
    )
    created_at = models.DateTimeField(_("signalée le"), db_index=True)
    message = models.TextField(_("ce qui est inexact"), max_length=2000)
    email = models.EmailField(_("e-mail de la personne"), blank=True)
    client_key = models.CharField(_("empreinte de l'adresse IP"), max_length=64, blank=True, db_index=True)
    status = models.CharField(
        _("statut"), max_length=10, choices=ChangeStatus.choices, default=ChangeStatus.PENDING
    )
    decided_at = models.DateTimeField(_("traitée le"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("traitée par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decision_reason = models.TextField(_("réponse"), max_length=1000, blank=True)

    class Meta:
        verbose_name = _("signalement d'erreur")
        verbose_name_plural = _("signalements d'erreurs")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "created_at"], name="place_report_status")]

    def __str__(self) -> str:
        return f"Signalement n° {self.pk} ({self.place_id})"
