"""Small helpers shared by the forms of every bounded context."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError


def show_refusal(form: Any, exc: ValidationError | PermissionDenied) -> None:
    """A rule the service refused, shown at the top of the form that asked for it."""
    form.add_error(None, exc.messages if isinstance(exc, ValidationError) else str(exc))
