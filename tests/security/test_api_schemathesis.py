"""Schemathesis against /api/v1/openapi.json, in process through Django's WSGI application (no network).

Every operation gets generated requests, valid (positive) and invalid (negative) parameters; no answer
may be a 5xx and every answer must match the OpenAPI description (status documented, body valid
against its schema, content type declared). The strategies are driven by Hypothesis inside the test
(schemathesis' own pytest plugin does not run on pytest 9).
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.generation.modes import GenerationMode

from tests.places.factories import PlaceFactory

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


@pytest.fixture
def api_schema(figeac, cahors, mende):
    for commune in (figeac, figeac, cahors, mende):
        PlaceFactory(commune=commune)
    # Like Django's test client: the test's transaction must survive the end of each WSGI request.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_api_answers_match_the_openapi_description(api_schema, mode):
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 4
    for operation in operations:

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=30,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        )
        def check(case):
            # The API is gzip-compressed for clients that ask (maillage.core.middleware.PublicGZipMiddleware,
            # tested in tests/core); schemathesis' WSGI transport does not decode it, so ask for identity.
            response = case.call_and_validate(headers={"Accept-Encoding": "identity"})
            assert response.status_code < 500

        check()
