"""`/docs` and `/redoc` work offline: their pages name no other host, and every asset they load is served here."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

REFERENCE = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']|(?:url|openapi_url)\s*:\s*["']([^"']+)["']""")
HOST = re.compile(r"(?:https?:)?//[\w.-]+")


@pytest.fixture
def database_url(tmp_path: object) -> str:
    from storage.db import make_engine
    from storage.migrate import upgrade

    url = f"sqlite:///{tmp_path}/docs.db"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    return url


def references(html: str) -> list[str]:
    return [first or second for first, second in REFERENCE.findall(html)]


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_the_page_names_no_other_host_and_its_assets_are_served(client: TestClient, page: str) -> None:
    response = client.get(page)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert not HOST.search(response.text), HOST.findall(response.text)
    loaded = references(response.text)
    assert any(url.endswith(".js") for url in loaded), loaded
    for url in loaded:
        asset = client.get(url)
        assert asset.status_code == 200, url
        assert len(asset.content) > 0, url


def test_swagger_ui_loads_its_script_and_styles_from_here(client: TestClient) -> None:
    loaded = references(client.get("/docs").text)
    assert {"/docs-assets/swagger-ui-bundle.js", "/docs-assets/swagger-ui.css", "/openapi.json"} <= set(loaded)
    assert client.get("/docs-assets/swagger-ui-bundle.js").headers["content-type"].startswith("text/javascript")
    assert client.get("/docs-assets/swagger-ui.css").headers["content-type"].startswith("text/css")
    assert client.get("/docs/oauth2-redirect").status_code == 200
