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
