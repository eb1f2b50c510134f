"""Schemathesis over `/openapi.json`: every operation, with and without the token, never a 5xx, and every
response is one the document declares, with the declared shape.

SQLite only, and a bounded number of examples per operation, so the file runs in a minute or two.
`/api/messages` (Teams) is left to the Teams tests: its body is a Bot Framework activity, not a schema.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode, checks
from schemathesis.specs.openapi import checks as openapi_checks

from tests.conftest import API_TOKEN

CHECKS = [
    checks.not_a_server_error,
    openapi_checks.status_code_conformance,
    openapi_checks.content_type_conformance,
    openapi_checks.response_schema_conformance,
]
FUZZ = settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    from storage.db import make_engine
    from storage.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'fuzz.db'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    return url


@pytest.fixture
def api_schema(client: TestClient) -> schemathesis.BaseSchema:
    """The app's own document, driven in-process; `client` has run the lifespan, so the app is started."""
    return schemathesis.openapi.from_asgi("/openapi.json", client.app).exclude(path="/api/messages")


def fuzz(api_schema: schemathesis.BaseSchema, token: str) -> list[str]:
    """Run every operation with valid and invalid inputs; the operations that were exercised.

    Each operation gets its own Hypothesis run (pytest's own parametrisation by schemathesis does
    not work with this pytest), so a failure names the operation and its smallest failing case.
    """
    exercised = []
    for result in api_schema.get_all_operations():
        operation = result.ok()
        strategy = operation.as_strategy(GenerationMode.POSITIVE) | operation.as_strategy(GenerationMode.NEGATIVE)

        @FUZZ
        @given(case=strategy)
        def run(case: schemathesis.Case) -> None:
            response = case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)
            if token != API_TOKEN and case.operation.path.startswith("/api/"):
                assert response.status_code in (400, 401, 413), response.text

        run()
        exercised.append(f"{operation.method.upper()} {operation.path}")
    return exercised


def test_with_the_token_no_server_error_and_every_answer_as_documented(api_schema: schemathesis.BaseSchema) -> None:
    assert len(fuzz(api_schema, API_TOKEN)) == 15


def test_without_the_token_every_api_call_is_401_and_nothing_is_a_server_error(
    api_schema: schemathesis.BaseSchema,
) -> None:
    assert len(fuzz(api_schema, "wrong")) == 15


def test_every_operation_declares_the_refusals_it_can_answer(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path, operations in paths.items():
        if path == "/api/messages":
            continue
        for method, operation in operations.items():
            declared = set(operation["responses"])
            assert {"400", "413"} <= declared, (method, path, declared)
            if path.startswith(("/api/", "/webhooks/")):
                assert "401" in declared, (method, path)
            if path.startswith("/api/"):
                assert "422" in declared, (method, path)
            for code in declared - {"200", "201", "204"}:  # 204: No Content, by definition
                assert operation["responses"][code]["content"], (method, path, code)
    assert "404" in paths["/api/deals/{external_id}"]["get"]["responses"]
    assert "404" in paths["/api/deals/{external_id}/answers"]["post"]["responses"]
    assert "404" in paths["/api/members/{email}/export"]["get"]["responses"]
