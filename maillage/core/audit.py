"""record_change(): called from services (never from signals) for every sensitive write."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import models

from maillage.core.models import AuditAction, AuditLog


def _label(actor: Any) -> str:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return "système"
    return str(getattr(actor, "email", "") or actor.get_username())


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, models.Model):
        return value.pk
    return str(value)


def diff_fields(
    before: Mapping[str, Any], after: Mapping[str, Any], *, hide: Iterable[str] = ()
) -> dict[str, Any]:
    """Field-level diff; fields named in ``hide`` are recorded as changed without their values."""
    hidden = set(hide)
    changes: dict[str, Any] = {}
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name), after.get(name)
        if old != new:
            changes[name] = "•••" if name in hidden else [_jsonable(old), _jsonable(new)]
    return changes


def model_values(instance: models.Model, fields: Iterable[str] | None = None) -> dict[str, Any]:
    names = list(fields) if fields is not None else [f.attname for f in instance._meta.concrete_fields]
    return {name: getattr(instance, name) for name in names}


def record_change(
    *,
    actor: Any,
    action: str | AuditAction,
    instance: models.Model | None = None,
    object_type: str | None = None,
    object_id: str | int | None = None,
    changes: Mapping[str, Any] | None = None,
    territory_code: str = "",
    message: str = "",
    actor_label: str = "",
) -> AuditLog:
    if instance is not None:
        object_type = object_type or instance._meta.label
        object_id = object_id if object_id is not None else instance.pk
    return AuditLog.objects.create(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        actor_label=actor_label or _label(actor),
        action=str(action),
        object_type=object_type or "",
        object_id=str(object_id or ""),
        territory_code=territory_code,
        changes=_jsonable(dict(changes or {})),
        message=message,
    )
