"""Indicators of an action: typed measurements by period, or computed from a metric of the registry."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from maillage.roadmaps.models.choices import Frequency, IndicatorKind, NationalTarget
from maillage.roadmaps.models.roadmap import Action


class Indicator(models.Model):
    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="indicators")
    position = models.PositiveSmallIntegerField(_("ordre"))
    label = models.CharField(_("indicateur"), max_length=400)
    kind = models.CharField(
        _("type"), max_length=12, choices=IndicatorKind.choices, default=IndicatorKind.QUANTITATIVE
    )
    unit = models.CharField(_("unité"), max_length=60, blank=True)
    baseline = models.DecimalField(
        _("valeur initiale"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    target = models.DecimalField(_("cible"), max_digits=14, decimal_places=2, null=True, blank=True)
    target_text = models.CharField(_("cible (texte)"), max_length=300, blank=True)
    target_date = models.DateField(_("échéance de la cible"), null=True, blank=True)
    frequency = models.CharField(
        _("fréquence"), max_length=14, choices=Frequency.choices, default=Frequency.YEARLY
    )
    aggregation = models.CharField(
        _("cumul des périodes"),
        max_length=8,
        choices=[("somme", _("Somme des périodes")), ("derniere", _("Dernière valeur"))],
        default="somme",
        help_text=_(
            "Un flux (ateliers, personnes formées) se somme ; un stock ou un taux prend la dernière valeur."
        ),
    )
    metric_key = models.CharField(
        _("calculé depuis"),
        max_length=80,
        blank=True,
        help_text=_("Clé d'un indicateur calculé par Maillage ; vide si la valeur est saisie."),
    )
    national_target = models.CharField(
        _("contribue à l'objectif national 2027"),
        max_length=24,
        choices=NationalTarget.choices,
        blank=True,
    )

    class Meta:
        verbose_name = _("indicateur")
        verbose_name_plural = _("indicateurs")
        ordering = ["action", "position"]
        constraints = [
            models.UniqueConstraint(fields=["action", "position"], name="indicator_unique_position")
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def is_computed(self) -> bool:
        return bool(self.metric_key)


def evidence_path(instance: Measurement, filename: str) -> str:
    return f"roadmaps/justificatifs/{instance.indicator_id}/{filename}"


class Measurement(models.Model):
    """A typed value of an indicator for a period."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="measurements")
    period_start = models.DateField(_("début de période"))
    period_end = models.DateField(_("fin de période"))
    value = models.DecimalField(_("valeur"), max_digits=14, decimal_places=2, null=True, blank=True)
    text_value = models.TextField(_("appréciation"), blank=True)
    achieved = models.BooleanField(_("livrable obtenu"), null=True, blank=True)
    comment = models.TextField(_("commentaire"), blank=True)
    evidence = models.FileField(_("justificatif"), upload_to=evidence_path, blank=True, max_length=300)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("saisi par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("saisi le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    class Meta:
        verbose_name = _("mesure")
        verbose_name_plural = _("mesures")
        ordering = ["indicator", "period_start"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "period_start"], name="measurement_unique_period"),
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")),
                name="measurement_period_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator} — {self.period_start:%m/%Y}"
