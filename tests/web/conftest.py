"""The app with its dashboard on, a public URL for sign-in links, and a browser-less client without
the API token (the dashboard is for people with a session cookie, not bearer tokens)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from bot.app import create_app
from bot.runtime import Runtime
from bot.settings import Settings
from tests.web.support import ORG, PUBLIC_URL


@pytest.fixture
def org_yaml() -> str:
    return ORG


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"public_url": PUBLIC_URL})


@pytest.fixture
def web(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime, background=False)) as client:
        yield client
