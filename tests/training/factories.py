"""Aidants for the tests of the training of aidants."""

from __future__ import annotations

from typing import Any

from maillage.training import services
from maillage.training.models import Aidant
from tests.factories import OrganisationFactory


def make_aidant(
    territory: Any, *, name: str = "Claire Martin", organisation: Any = None, **kwargs: Any
) -> Aidant:
    first, _sep, last = name.partition(" ")
    organisation = organisation or OrganisationFactory(
        name="France Services de Figeac", kind="france_services", territory=territory
    )
    return services.create_aidant(
        actor=None,
        territory=territory,
        first_name=first,
        last_name=last or first,
        organisation=organisation,
        email=kwargs.pop("email", f"{first.lower()}.{(last or first).lower()}@exemple.fr"),
        check=False,
        **kwargs,
    )
