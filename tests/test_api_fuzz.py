"""Schemathesis generates requests from our OpenAPI document: no input may produce a server error."""
import os

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from .conftest import household_payload

pytestmark = pytest.mark.slow  # about half of the suite's time: `make test-quick` leaves it out


@pytest.fixture
def api_schema(app, world):
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


schema = schemathesis.pytest.from_fixture("api_schema")
# CI runs SQLite and PostgreSQL side by side and PostgreSQL's run is the longer: it tries fewer inputs per
# operation (the same derandomized first ones), SQLite's the full 30: CI (.ci/run) keeps under its 10 minutes.
EXAMPLES = 20 if os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql") else 30


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_no_request_produces_a_server_error(case, world, client):
    # Some real records so that generated ids and filters sometimes hit something: a household, registered once
    # for each operation's examples (a write each example was a third of the run's requests).
    if not getattr(world, "fuzzed_household", False):
        client.post("/api/v1/households", json=household_payload(world), headers=world.headers(world.admin))
        world.fuzzed_household = True
    for user in (world.admin, world.worker_a):
        # Schemathesis over WSGI reads a body as sent: ask for it uncompressed (the dashboard gzips for a client
        # that takes it; tests/test_regions.py reads that).
        response = case.call(headers={**world.headers(user), "Accept-Encoding": "identity"})
        case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])
