"""Documents of the animation: the attendance certificate (PDF tagged PDF/UA-1 with WeasyPrint, like the
bilan and the annuaire, rendered without any fetch) and the ``.ics`` feed of a territory's public
sessions (``icalendar``)."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from maillage.core.pdf import render_tagged_pdf
from maillage.events.models import Registration, Session, SessionStatus

logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


def certificate_pdf(registration: Registration) -> bytes:
    session = registration.session
    duration = session.ends_at - session.starts_at
    hours = round(duration.total_seconds() / 3600, 1)
    html = render_to_string(
        "events/pdf/certificate.html",
        {
            "title": _("Attestation de présence"),
            "registration": registration,
            "session": session,
            "hours": hours,
            "printed_on": timezone.localdate(),
        },
    )
    return render_tagged_pdf(html)


def ics_feed(sessions: Iterable[Session], *, name: str) -> bytes:
    from icalendar import Calendar, Event

    calendar = Calendar()
    calendar.add("prodid", "-//Maillage//Animation du réseau//FR")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", name)
    base = settings.SITE_URL.rstrip("/")
    host = base.split("://", 1)[-1]
    for session in sessions:
        event = Event()
        event.add("uid", f"session-{session.pk}@{host}")
        event.add("summary", session.title)
        event.add("dtstart", session.starts_at)
        event.add("dtend", session.ends_at)
        event.add("dtstamp", session.updated_at)
        event.add("url", f"{base}/animation/sessions/{session.pk}/")
        if session.place is not None:
            event.add("location", f"{session.place.name}, {session.place.commune_name}")
        elif session.is_remote:
            event.add("location", _("À distance"))
        if session.description:
            event.add("description", session.description)
        event.add("status", "CANCELLED" if session.status == SessionStatus.CANCELLED else "CONFIRMED")
        calendar.add_component(event)
    return calendar.to_ical()  # type: ignore[no-any-return]
