"""The app with all three CRMs configured against the fake CRM API, and the saved webhook fixtures."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from bot.app import create_app
from bot.runtime import Runtime
from bot.settings import Settings
from tests.conftest import API_TOKEN
from tests.crm.support import (
    HUBSPOT_SECRET,
    PIPEDRIVE_PASSWORD,
    PIPEDRIVE_USER,
    PUBLIC_URL,
    SALESFORCE_ORG,
)
from tests.fakes.crm_api import HUBSPOT_TOKEN, PIPEDRIVE_TOKEN, FakeCrm, create_fake_app
from tests.fakes.server import ServerThread


@pytest.fixture(scope="session")
def _fake_crm_server() -> Iterator[tuple[FakeCrm, str]]:
    state = FakeCrm()
    with ServerThread(create_fake_app(state)) as server:
        yield state, server.url


@pytest.fixture
def fake_crm(_fake_crm_server: tuple[FakeCrm, str]) -> FakeCrm:
    state, _url = _fake_crm_server
    state.reset()
    state.hubspot_owners["101"] = {"email": "Aino@Example.com", "firstName": "Aino"}
    state.hubspot_owners["102"] = {"email": "stranger@example.com"}
    state.pipedrive_users["867597"] = {"email": "aino@example.com", "name": "Aino"}
    state.pipedrive_users["18487521"] = {"email": "mikko@example.com", "name": "Mikko"}
    state.pipedrive_orgs["2"] = {"id": 2, "name": "Acme Oy"}
    return state


@pytest.fixture
def fake_crm_url(_fake_crm_server: tuple[FakeCrm, str]) -> str:
    return _fake_crm_server[1]


@pytest.fixture
def settings(settings: Settings, fake_crm: FakeCrm, fake_crm_url: str) -> Settings:
    return settings.model_copy(
        update={
            "public_url": PUBLIC_URL,
            "hubspot_client_secret": HUBSPOT_SECRET,
            "hubspot_access_token": HUBSPOT_TOKEN,
            "hubspot_api_url": fake_crm_url,
            "pipedrive_webhook_user": PIPEDRIVE_USER,
            "pipedrive_webhook_password": PIPEDRIVE_PASSWORD,
            "pipedrive_api_token": PIPEDRIVE_TOKEN,
            "pipedrive_api_url": fake_crm_url,
            "salesforce_org_id": SALESFORCE_ORG,
        }
    )


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:
    """The whole app, its CRM worker polling often so tests see processing within milliseconds."""
    app = create_app(runtime)
    app.state.crm_intake.worker.poll_interval = 0.01
    with TestClient(app, headers={"Authorization": f"Bearer {API_TOKEN}"}) as client:
        yield client
