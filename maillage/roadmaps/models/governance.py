"""Governance of a roadmap: bodies (COPIL, COTECH…), their members, meetings and attendance."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from maillage.roadmaps.models.choices import AttendanceStatus, BodyKind
from maillage.roadmaps.models.roadmap import Roadmap


class GovernanceBody(models.Model):
    roadmap = models.ForeignKey(Roadmap, on_delete=models.CASCADE, related_name="bodies")
    kind = models.CharField(_("type"), max_length=20, choices=BodyKind.choices)
    name = models.CharField(_("nom"), max_length=250)
    mission = models.TextField(_("rôle"), blank=True)
    frequency = models.CharField(_("fréquence prévue"), max_length=200, blank=True)
    composition = models.TextField(_("composition prévue"), blank=True)

    class Meta:
        verbose_name = _("instance de gouvernance")
        verbose_name_plural = _("instances de gouvernance")
        ordering = ["roadmap", "kind", "name"]
        constraints = [models.UniqueConstraint(fields=["roadmap", "name"], name="body_unique_name")]

    def __str__(self) -> str:
        return self.name


class BodyMember(models.Model):
    body = models.ForeignKey(GovernanceBody, on_delete=models.CASCADE, related_name="members")
    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("structure"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    person_name = models.CharField(_("personne"), max_length=200, blank=True)
    role = models.CharField(_("fonction"), max_length=200, blank=True)
    is_active = models.BooleanField(_("membre actif"), default=True)

    class Meta:
        verbose_name = _("membre")
        verbose_name_plural = _("membres")
        ordering = ["body", "pk"]

    def __str__(self) -> str:
        parts = [p for p in (self.person_name, str(self.organisation or "")) if p]
        return " — ".join(parts) or "?"


class Meeting(models.Model):
    body = models.ForeignKey(GovernanceBody, on_delete=models.CASCADE, related_name="meetings")
    date = models.DateField(_("date"))
    location = models.CharField(_("lieu"), max_length=250, blank=True)
    agenda = models.TextField(_("ordre du jour"), blank=True)
    minutes = models.TextField(_("compte rendu"), blank=True)
    decisions = models.TextField(_("décisions"), blank=True)

    class Meta:
        verbose_name = _("réunion")
        verbose_name_plural = _("réunions")
        ordering = ["-date"]
        constraints = [models.UniqueConstraint(fields=["body", "date"], name="meeting_unique_date")]
        indexes = [models.Index(fields=["date"], name="meeting_date")]

    def __str__(self) -> str:
        return f"{self.body} — {self.date:%d/%m/%Y}"


class Attendance(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendances")
    member = models.ForeignKey(BodyMember, on_delete=models.CASCADE, related_name="attendances")
    status = models.CharField(_("présence"), max_length=8, choices=AttendanceStatus.choices)

    class Meta:
        verbose_name = _("présence")
        verbose_name_plural = _("présences")
        constraints = [models.UniqueConstraint(fields=["meeting", "member"], name="attendance_unique")]

    def __str__(self) -> str:
        return f"{self.member} — {self.get_status_display()}"
