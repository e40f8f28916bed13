"""Every e-mail leaves through the job queue, then through the delivery backend.

``EMAIL_BACKEND`` is ``QueuedEmailBackend``: ``send_mail()``/``EmailMessage.send()`` anywhere in the
code store the message in a job (in the caller's transaction: a rolled-back request sends nothing),
and the worker delivers it with ``EMAIL_DELIVERY_BACKEND`` (SMTP in production, console in
development, ``OutboxBackend`` in the demo), retrying when the provider is down.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from email.mime.base import MIMEBase
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.utils.translation import gettext_lazy as _

from maillage.core import jobs


def _serialise(message: EmailMessage) -> dict[str, Any]:
    attachments = []
    for attachment in message.attachments:
        if isinstance(attachment, MIMEBase):
            raise ValueError("MIME attachments cannot be queued")
        filename, content, mimetype = attachment
        raw = content.encode() if isinstance(content, str) else bytes(content)
        attachments.append([filename, base64.b64encode(raw).decode("ascii"), mimetype])
    return {
        "subject": str(message.subject),
        "body": str(message.body),
        "from_email": str(message.from_email),
        "to": list(message.to),
        "cc": list(message.cc),
        "bcc": list(message.bcc),
        "reply_to": list(message.reply_to),
        "headers": {str(k): str(v) for k, v in (message.extra_headers or {}).items()},
        "alternatives": [[str(c), str(m)] for c, m in getattr(message, "alternatives", [])],
        "attachments": attachments,
        "content_subtype": message.content_subtype,
    }


def _deserialise(data: dict[str, Any]) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=data["subject"],
        body=data["body"],
        from_email=data["from_email"],
        to=data["to"],
        cc=data["cc"],
        bcc=data["bcc"],
        reply_to=data["reply_to"],
        headers=data["headers"],
    )
    message.content_subtype = data.get("content_subtype", "plain")
    for content, mimetype in data["alternatives"]:
        message.attach_alternative(content, mimetype)
    for filename, content, mimetype in data["attachments"]:
        message.attach(filename, base64.b64decode(content), mimetype)
    return message


@jobs.job("core.send_email", label=_("Envoi d'un courriel"), max_attempts=5, private_params=True)
def send_email(ctx: jobs.JobContext, *, message: dict[str, Any]) -> dict[str, Any]:
    connection = get_connection(settings.EMAIL_DELIVERY_BACKEND, fail_silently=False)
    sent = connection.send_messages([_deserialise(message)])
    return {"destinataires": len(message["to"]) + len(message["cc"]) + len(message["bcc"]), "envoyés": sent}


class QueuedEmailBackend(BaseEmailBackend):
    """Queue each message as a ``core.send_email`` job (delivered by ``maillage worker``)."""

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        count = 0
        for message in email_messages:
            if not message.recipients():
                continue
            jobs.enqueue(send_email, message=_serialise(message))
            count += 1
        return count


class OutboxBackend(BaseEmailBackend):
    """Demo delivery: the message is kept in the « Boîte d'envoi (démo) » page, never sent."""

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        from maillage.core.models import OutboxMessage

        for message in email_messages:
            body = str(message.body)
            for content, mimetype in getattr(message, "alternatives", []):
                if mimetype == "text/plain":
                    body = str(content)
            OutboxMessage.objects.create(
                subject=str(message.subject)[:500],
                from_email=str(message.from_email)[:300],
                to=list(message.recipients()),
                body=body,
            )
        return len(email_messages)
