from __future__ import annotations

import pytest

from maillage.roadmaps.models import Measurement
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from tests.roadmaps.factories import make_roadmap


@pytest.fixture
def roadmap(lot):
    return make_roadmap()


@pytest.fixture
def lot_lead(roadmap, lot):
    """An action lead whose organisation carries action 2 only."""
    from maillage.accounts.models import Organisation

    user = UserFactory()
    organisation = Organisation.objects.get(name="Association Clic")
    MembershipFactory(user=user, organisation=organisation, territory=lot, role="action_lead")
    return user


@pytest.fixture
def other_lead(lot):
    user = UserFactory()
    MembershipFactory(
        user=user, organisation=OrganisationFactory(name="Autre structure"), territory=lot, role="action_lead"
    )
    return user


@pytest.fixture
def measurement_with_evidence(roadmap, settings, tmp_path):
    from django.core.files.base import ContentFile

    settings.MEDIA_ROOT = tmp_path
    measurement = Measurement.objects.get(indicator__action__number=1)
    measurement.evidence.save("feuille-emargement.pdf", ContentFile(b"%PDF-1.4 test"), save=True)
    return measurement
