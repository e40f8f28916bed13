"""What surrounds a roadmap's actions: its pooled fund, diagnostic and previous results, concertation."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from maillage.roadmaps.models.choices import KeyFigureSection
from maillage.roadmaps.models.roadmap import Roadmap


class FundContribution(models.Model):
    """A funder's share of a pooled fund of the roadmap (« fonds mutualisé »); the amount may be unknown."""

    roadmap = models.ForeignKey(Roadmap, on_delete=models.CASCADE, related_name="fund_contributions")
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)
    fund = models.CharField(_("fonds"), max_length=250)
    funder = models.ForeignKey(
        "accounts.Organisation", verbose_name=_("financeur"), on_delete=models.PROTECT, related_name="+"
    )
    amount = models.DecimalField(_("montant"), max_digits=12, decimal_places=2, null=True, blank=True)
    year = models.PositiveSmallIntegerField(_("année"), null=True, blank=True)
    note = models.CharField(_("précision"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("apport à un fonds mutualisé")
        verbose_name_plural = _("apports aux fonds mutualisés")
        ordering = ["roadmap", "position", "pk"]

    def __str__(self) -> str:
        return f"{self.fund} — {self.funder}"


class KeyFigure(models.Model):
    """A figure of the diagnostic, or a result of the previous strategy used as a baseline; always with
    its source and vintage, and a value that may be a number or a text (« forte », « C »)."""

    roadmap = models.ForeignKey(Roadmap, on_delete=models.CASCADE, related_name="key_figures")
    section = models.CharField(_("partie"), max_length=16, choices=KeyFigureSection.choices)
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)
    label = models.CharField(_("chiffre clé"), max_length=300)
    value = models.DecimalField(_("valeur"), max_digits=16, decimal_places=2, null=True, blank=True)
    value_text = models.CharField(_("valeur (texte)"), max_length=200, blank=True)
    unit = models.CharField(_("unité"), max_length=60, blank=True)
    scope = models.CharField(_("territoire concerné"), max_length=200, blank=True)
    source = models.CharField(_("source"), max_length=300, blank=True)
    vintage = models.CharField(_("millésime"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("chiffre clé")
        verbose_name_plural = _("chiffres clés")
        ordering = ["roadmap", "section", "position", "pk"]

    def __str__(self) -> str:
        return self.label


class ConcertationPhase(models.Model):
    """A phase of the concertation that produced the roadmap: workshops, surveys, who took part."""

    roadmap = models.ForeignKey(Roadmap, on_delete=models.CASCADE, related_name="concertation")
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)
    title = models.CharField(_("phase"), max_length=300)
    period = models.CharField(_("période"), max_length=120, blank=True)
    start_date = models.DateField(_("début"), null=True, blank=True)
    end_date = models.DateField(_("fin"), null=True, blank=True)
    participants = models.JSONField(_("participants"), default=list, blank=True)
    participant_count = models.PositiveIntegerField(_("nombre de participants"), null=True, blank=True)
    survey = models.CharField(_("enquête"), max_length=300, blank=True)
    respondents = models.PositiveIntegerField(_("répondants"), null=True, blank=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("phase de concertation")
        verbose_name_plural = _("phases de concertation")
        ordering = ["roadmap", "position", "pk"]

    def __str__(self) -> str:
        return self.title
