"""OneScore connects only to a `serviceUrl` that is unambiguous to the HTTP client that connects.

botbuilder's connector sends through requests/urllib3, whose parser reads some URLs differently
from `urllib.parse`; those are refused on arrival, and every stored address is checked again
before a connection is made. Every host looked up during a test is recorded (`HostLookups`).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlmodel import Session, select

from bot.organisation import ScoreChannel
from bot.periods import Period
from handlers.teams.service_url import is_local, may_connect, parse_service_url
from storage.db import session_scope
from storage.models import Ask, ConversationRef
from tests.factories import deal_body
from tests.fakes.bot_connector import SEND, HostLookups
from tests.teams.conftest import AINO, CHANNEL_ID, MIKKO, TeamsDriver

AMBIGUOUS = [
    "http://example.com\\@127.0.0.1:{port}/",
    "http://attacker@127.0.0.1:{port}/",
    "http://127.0.0.1:{port}\t.example.com/",
    "http://127.0.0.1:{port}\n/",
    "http://127.0.0.1%2f@example.com:{port}/",
    "http://127.0.0.1:{port}/?next=@example.com",
    "http://127.0.0.1:{port}#@example.com/",
    " http://127.0.0.1:{port}/",
    "ftp://127.0.0.1:{port}/",
    "file:///etc/passwd",
    "http:127.0.0.1:{port}/",
    "http://ｌｏｃａｌｈｏｓｔ:{port}/",
]
ELSEWHERE = ["http://127.0.0.1.example.com:{port}/", "https://attacker.example.com/", "http://10.0.0.1:{port}/"]


@pytest.fixture
def lookups() -> Iterator[HostLookups]:
    with HostLookups() as recorded:
        yield recorded


def port(teams: TeamsDriver) -> int:
    parsed = parse_service_url(teams.fake.url)
    assert parsed is not None and parsed.port is not None
    return parsed.port


@pytest.mark.parametrize("template", AMBIGUOUS + ELSEWHERE)
def test_an_ambiguous_or_remote_service_url_is_refused_and_nothing_is_called(
    teams: TeamsDriver, lookups: HostLookups, template: str
) -> None:
    activity = teams.activity("message_personal.json", MIKKO, text="help")
    activity["serviceUrl"] = template.format(port=port(teams))
    assert teams.post(activity).status_code == 401
    assert teams.fake.calls(ok_only=False) == []
    assert lookups.hosts == []
    with Session(teams.runtime.engine) as session:
        assert session.exec(select(ConversationRef)).first() is None


@pytest.mark.parametrize("template", AMBIGUOUS)
def test_the_check_refuses_every_ambiguous_form(template: str) -> None:
    url = template.format(port=3978)
    assert parse_service_url(url) is None
    assert not is_local(url)
    assert not may_connect(url, local_only=False)


@pytest.mark.parametrize(
    ("url", "local"),
    [
        ("http://127.0.0.1:3978/", True),
        ("http://localhost:3978/", True),
        ("http://[::1]:3978/", True),
        ("https://smba.trafficmanager.net/emea/", False),
    ],
)
def test_plain_service_urls_are_accepted(url: str, local: bool) -> None:
    assert parse_service_url(url) is not None
    assert is_local(url) is local
    assert may_connect(url, local_only=False)
    assert may_connect(url, local_only=True) is local


def test_plain_http_to_another_machine_is_never_called() -> None:
    assert not may_connect("http://smba.trafficmanager.net/emea/", local_only=False)


def poison(teams: TeamsDriver, key: str, service_url: str) -> None:
    """What an older version (or a hand-edited database) may have stored for a conversation."""
    with session_scope(teams.runtime.engine) as session:
        ref = session.exec(select(ConversationRef).where(ConversationRef.key == key)).one()
        ref.reference = {**ref.reference, "service_url": service_url}
        session.add(ref)


def test_a_stored_personal_chat_with_an_ambiguous_service_url_is_never_called(
    teams: TeamsDriver, lookups: HostLookups
) -> None:
    teams.install(MIKKO)
    welcomed = len(teams.fake.calls())
    poison(teams, MIKKO.id, f"http://example.com\\@127.0.0.1:{port(teams)}/")
    deal = deal_body(omit=("account",))
    assert teams.client.put("/api/deals/hubspot:1", json=deal).status_code == 201
    teams.pump()
    assert len(teams.fake.calls()) == welcomed
    assert lookups.refused == []
    with Session(teams.runtime.engine) as session:
        mikkos = [a for a in session.exec(select(Ask)).all() if a.sent_at is not None and a.platform == "teams"]
    assert mikkos == []


def test_a_stored_channel_with_an_ambiguous_service_url_is_never_posted_to(
    teams: TeamsDriver, lookups: HostLookups
) -> None:
    teams.install_in_team(AINO, CHANNEL_ID)
    poison(teams, CHANNEL_ID, f"http://example.com\\@127.0.0.1:{port(teams)}/")
    poster = teams.client.app.state.score_poster  # type: ignore[union-attr]
    poster.request([ScoreChannel(teams=CHANNEL_ID)], Period.parse("2026-W47"), force=False)
    teams.client.portal.call(poster.drain)  # type: ignore[union-attr]
    assert teams.fake.calls(SEND) == []
    assert lookups.refused == []
