from __future__ import annotations

import pytest

from tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from tests.pathways.factories import france_services, make_diagnostic


@pytest.fixture
def fs_figeac(figeac):
    return france_services(figeac)


@pytest.fixture
def diagnostic(lot_prescriber, figeac):
    return make_diagnostic(lot_prescriber, figeac)


@pytest.fixture
def other_lot_prescriber(lot):
    """A prescriber of another organisation in the same département."""
    user = UserFactory()
    MembershipFactory(
        user=user, organisation=OrganisationFactory(name="CAF du Lot"), territory=lot, role="prescriber"
    )
    return user


@pytest.fixture
def place_manager(fs_figeac):
    from tests.places.factories import PlaceManagerFactory

    return PlaceManagerFactory(place=fs_figeac).user


@pytest.fixture
def lozere_prescriber(lozere):
    user = UserFactory()
    MembershipFactory(
        user=user, organisation=OrganisationFactory(name="MSA Lozère"), territory=lozere, role="prescriber"
    )
    return user
