"""Generated bilans (stored and versioned) and the reminders sent to the leads of stale actions."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from maillage.roadmaps.models.roadmap import Action, Roadmap


def report_path(instance: ReportVersion, filename: str) -> str:
    return f"roadmaps/bilans/{instance.roadmap_id}/{filename}"


class ReportFormat(models.TextChoices):
    PDF = "pdf", "PDF"
    DOCX = "docx", "DOCX (Word)"
    ODT = "odt", "ODT (LibreOffice)"


class ReportVersion(models.Model):
    """A generated bilan annuel, kept as generated: the COPIL is sent exactly the checked file."""

    roadmap = models.ForeignKey(Roadmap, on_delete=models.CASCADE, related_name="reports")
    year = models.PositiveSmallIntegerField(_("année"))
    format = models.CharField(_("format"), max_length=4, choices=ReportFormat.choices)
    number = models.PositiveIntegerField(_("version"))
    file = models.FileField(_("fichier"), upload_to=report_path, max_length=300)
    size = models.PositiveIntegerField(_("taille (octets)"))
    sha256 = models.CharField(_("empreinte SHA-256"), max_length=64)
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("généré par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    generated_at = models.DateTimeField(_("généré le"), auto_now_add=True)
    seconds = models.FloatField(_("durée de génération (s)"), null=True, blank=True)

    class Meta:
        verbose_name = _("version du bilan")
        verbose_name_plural = _("versions du bilan")
        ordering = ["roadmap", "-year", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["roadmap", "year", "format", "number"], name="report_unique_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.roadmap} — bilan {self.year} v{self.number} ({self.format})"

    @property
    def filename(self) -> str:
        return f"bilan-{self.year}-{self.roadmap.slug}-v{self.number}.{self.format}"


class StaleReminder(models.Model):
    """One e-mail of the monthly digest: who was reminded of which stale actions, when."""

    roadmap = models.ForeignKey(Roadmap, on_delete=models.CASCADE, related_name="reminders")
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("destinataire"), on_delete=models.CASCADE, related_name="+"
    )
    actions = models.ManyToManyField(Action, verbose_name=_("actions"), related_name="reminders")
    sent_at = models.DateTimeField(_("envoyé le"), auto_now_add=True)
    month = models.DateField(_("mois du rappel"))

    class Meta:
        verbose_name = _("rappel d'action sans mise à jour")
        verbose_name_plural = _("rappels d'actions sans mise à jour")
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(fields=["roadmap", "recipient", "month"], name="reminder_once_a_month")
        ]

    def __str__(self) -> str:
        return f"{self.recipient} — {self.month:%m/%Y}"
