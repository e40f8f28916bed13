"""Every e-mail of the accounts app goes out through ``send_account_email`` (one place to switch to jobs).

Sent once the current transaction commits: a rolled-back invitation never reaches anyone.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string


def send_account_email(*, to: str, template: str, context: dict[str, Any]) -> None:
    """Render ``accounts/email/<template>_subject.txt`` and ``<template>.txt`` and send them to ``to``."""
    context = {"site_url": settings.SITE_URL.rstrip("/"), **context}
    subject = " ".join(render_to_string(f"accounts/email/{template}_subject.txt", context).split())
    body = render_to_string(f"accounts/email/{template}.txt", context)

    def deliver() -> None:
        send_mail(subject, body, None, [to])

    transaction.on_commit(deliver)
