"""A team may be named anything the organisation file allows: its page, its links and its downloads
work for a name with a dash, an emoji, Finnish letters and a slash as they do for "marketing"."""

from __future__ import annotations

import re
from urllib.parse import quote, unquote

import pytest
from fastapi.testclient import TestClient

from bot.runtime import Runtime
from tests.web.support import put_deal, sign_in

TEAM = 'Myynti – Pohjoinen 🚀/Itä "A"'
ORG = f"""
timezone: Europe/Helsinki
language: en
currency: EUR
min_group_size: 1
teams:
  - {{name: '{TEAM}'}}
  - {{name: marketing}}
members:
  - {{email: aino@example.com, name: Aino, team: '{TEAM}', role: admin}}
  - {{email: mikko@example.com, name: Mikko, team: marketing}}
"""


@pytest.fixture
def org_yaml() -> str:
    return ORG


@pytest.fixture
def aino(web: TestClient, runtime: Runtime) -> TestClient:
    put_deal(web, "acme", name="Acme", amount=1000, owner="aino@example.com")
    sign_in(web, runtime, "aino@example.com")
    return web


def test_the_teams_page_is_reached_from_the_scorecards_link(aino: TestClient) -> None:
    scorecard = aino.get("/?period=2026-W48")
    links = re.findall(r'href="(/teams/[^"?]+)\?', scorecard.text)
    assert links, scorecard.text
    pages = [aino.get(unquote(link.replace("&amp;", "&")) + "?period=2026-W48") for link in links]
    assert [page.status_code for page in pages] == [200] * len(pages)
    assert aino.get(f"/teams/{quote(TEAM, safe='')}?period=2026-W48").status_code == 200


@pytest.mark.parametrize("path", [f"/teams/{quote(TEAM, safe='')}", f"/insights?team={quote(TEAM, safe='')}"])
def test_a_download_named_after_the_team_keeps_its_name(aino: TestClient, path: str) -> None:
    separator = "&" if "?" in path else "?"
    download = aino.get(f"{path}{separator}period=2026-Q4&format=csv")
    assert download.status_code == 200, download.text
    disposition = download.headers["content-disposition"]
    disposition.encode("latin-1")
    plain, encoded = re.fullmatch(
        r'attachment; filename="([A-Za-z0-9._-]+)"; filename\*=UTF-8\'\'(\S+)', disposition
    ).groups()
    assert TEAM.lower() in unquote(encoded).lower() and plain.endswith(".csv")
