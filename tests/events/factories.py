"""Sessions and registrations for the tests of the animation of the network."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from maillage.events.models import Registration, RegistrationStatus, Session, SessionKind, Visibility
from tests.places.factories import PlaceFactory


def make_session(territory: Any, *, days: float = 10, place: Any = None, **kwargs: Any) -> Session:
    """A session of ``territory`` starting in ``days`` days (negative: past), remote unless ``place``."""
    start = timezone.now().replace(microsecond=0) + timedelta(days=days)
    defaults: dict[str, Any] = {
        "kind": SessionKind.NETWORK_MEETING,
        "title": "Rencontre du réseau",
        "starts_at": start,
        "ends_at": start + timedelta(hours=3),
        "visibility": Visibility.PUBLIC,
        "capacity": 20,
    }
    defaults.update(kwargs)
    return Session.objects.create(territory=territory, place=place, is_remote=place is None, **defaults)


def make_place(commune: Any) -> Any:
    return PlaceFactory(commune=commune)


def make_registration(
    session: Session, *, name: str = "Claire Martin", email: str = "", **kwargs: Any
) -> Registration:
    email = email or f"{name.lower().replace(' ', '.')}@exemple.fr"
    defaults: dict[str, Any] = {"status": RegistrationStatus.REGISTERED, "structure_name": "Mairie"}
    defaults.update(kwargs)
    return Registration.objects.create(
        session=session, full_name=name, email=email, email_normalised=email.lower(), **defaults
    )
