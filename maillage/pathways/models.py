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
