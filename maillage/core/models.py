"""Cross-cutting models: timestamps and the append-only audit log."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TimestampedModel(models.Model):
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    class Meta:
        abstract = True


class AuditAction(models.TextChoices):
    CREATE = "create", _("création")
    UPDATE = "update", _("modification")
    DELETE = "delete", _("suppression")
    IMPORT = "import", _("import")
    EXPORT = "export", _("export")
    VIEW = "view", _("consultation")
    ANONYMISE = "anonymise", _("anonymisation")
    TRANSITION = "transition", _("changement de statut")
    LOGIN = "login", _("connexion")
    DENIED = "denied", _("accès refusé")


class AuditLogQuerySet(models.QuerySet["AuditLog"]):
    def update(self, **kwargs: object) -> int:
        raise PermissionError("Le journal d'audit est en ajout seul.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError("Le journal d'audit est en ajout seul.")


class AuditLog(models.Model):
    """Append-only record of who changed what, when.

    The database also refuses UPDATE and DELETE on this table (trigger created by a migration).
    Values of sensitive fields are never stored here: only field names.
    """

    at = models.DateTimeField(_("date"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("auteur"),
        null=True,
        blank=True,
        # Users are deactivated, never deleted; the log keeps actor_label whatever happens.
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_label = models.CharField(_("auteur (libellé)"), max_length=200, blank=True)
    action = models.CharField(_("action"), max_length=20, choices=AuditAction.choices)
    object_type = models.CharField(_("type d'objet"), max_length=100, db_index=True)
    object_id = models.CharField(_("identifiant"), max_length=64, db_index=True)
    territory_code = models.CharField(_("territoire"), max_length=20, blank=True)
    changes = models.JSONField(_("changements"), default=dict, blank=True)
    message = models.TextField(_("message"), blank=True)

    objects = AuditLogQuerySet.as_manager()

    class Meta:
        verbose_name = _("entrée du journal d'audit")
        verbose_name_plural = _("journal d'audit")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return (
            f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_type}#{self.object_id}"
        )

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise PermissionError("Le journal d'audit est en ajout seul.")
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise PermissionError("Le journal d'audit est en ajout seul.")


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("En attente")
    RUNNING = "running", _("En cours")
    SUCCEEDED = "succeeded", _("Terminé")
    FAILED = "failed", _("Échec")


class Job(models.Model):
    """One piece of long work run by the task worker (maillage.core.jobs): what the coordinator sees.

    The queue itself is django-tasks' database backend; this row carries what the queue does not: who
    asked, for which territory, the progress, the report and a French error message, and the attempts.
    """

    kind = models.CharField(_("type"), max_length=80, db_index=True)
    label = models.CharField(_("libellé"), max_length=200)
    status = models.CharField(_("statut"), max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    territory_code = models.CharField(_("territoire"), max_length=20, blank=True, db_index=True)
    params = models.JSONField(_("paramètres"), default=dict, blank=True)
    stage = models.CharField(_("étape"), max_length=120, blank=True)
    done = models.PositiveIntegerField(_("fait"), default=0)
    total = models.PositiveIntegerField(_("à faire"), null=True, blank=True)
    result = models.JSONField(_("compte rendu"), null=True, blank=True)
    error = models.TextField(_("erreur"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("tentatives"), default=0)
    max_attempts = models.PositiveSmallIntegerField(_("tentatives au plus"), default=3)
    worker = models.CharField(_("processus"), max_length=200, blank=True)
    task_id = models.CharField(_("tâche"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(_("commencé le"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("dernier signe de vie"), null=True, blank=True)
    finished_at = models.DateTimeField(_("terminé le"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("traitement en arrière-plan")
        verbose_name_plural = _("traitements en arrière-plan")
        indexes = [models.Index(fields=["status", "heartbeat_at"], name="core_job_status_heartbeat")]

    def __str__(self) -> str:
        return f"{self.label} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("job", args=[self.pk])

    @property
    def is_finished(self) -> bool:
        return self.status in (JobStatus.SUCCEEDED, JobStatus.FAILED)

    @property
    def percent(self) -> int | None:
        if not self.total:
            return None
        return min(100, round(100 * self.done / self.total))


class OutboxMessage(models.Model):
    """An e-mail kept instead of sent, in demo mode (« Boîte d'envoi (démo) »)."""

    subject = models.CharField(_("objet"), max_length=500)
    from_email = models.CharField(_("expéditeur"), max_length=300)
    to = models.JSONField(_("destinataires"), default=list)
    body = models.TextField(_("texte"))
    sent_at = models.DateTimeField(_("envoyé le"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-sent_at", "-pk"]
        verbose_name = _("courriel de démonstration")
        verbose_name_plural = _("courriels de démonstration")

    def __str__(self) -> str:
        return self.subject
