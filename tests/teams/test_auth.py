"""With an app id set, only activities carrying the Bot Framework's token for this bot are processed.

botbuilder's own channel validation runs, pointed (through its `open_id_metadata_endpoint` seam)
at a local stand-in for the Bot Framework's signing keys, so no Microsoft endpoint is called.
"""

from __future__ import annotations

import httpx
import pytest
from sqlmodel import Session, select

from bot.settings import Settings
from storage.models import ConversationRef, ProcessedEvent
from tests.fakes.bot_connector import HostLookups
from tests.fakes.bot_framework_keys import EMULATOR_ISSUER, FakeBotFrameworkKeys
from tests.teams.conftest import AINO, APP_ID, CHANNEL_ID, TeamsDriver, with_app_id


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return with_app_id(settings)


@pytest.fixture
def teams(signed_teams: TeamsDriver) -> TeamsDriver:
    return signed_teams


def install(teams: TeamsDriver, authorization: str | None) -> httpx.Response:
    """A team install: it needs no reply, so a processed one shows only in the database."""
    headers = {"Authorization": authorization} if authorization else None
    return teams.post(teams.team_install(AINO, CHANNEL_ID), headers=headers)


def nothing_processed(teams: TeamsDriver) -> bool:
    with Session(teams.runtime.engine) as session:
        refs = session.exec(select(ConversationRef)).all()
        events = session.exec(select(ProcessedEvent)).all()
    return refs == [] and events == [] and teams.fake.calls() == []


def test_a_token_signed_by_the_bot_framework_for_this_bot_is_accepted(
    teams: TeamsDriver, keys: FakeBotFrameworkKeys
) -> None:
    response = install(teams, f"Bearer {keys.token(APP_ID, teams.fake.url)}")
    assert response.status_code == 202, response.text
    assert not nothing_processed(teams)


def test_no_token_is_refused_and_nothing_is_processed(teams: TeamsDriver, keys: FakeBotFrameworkKeys) -> None:
    assert install(teams, None).status_code == 401
    assert nothing_processed(teams)
    assert keys.fetches == 0


@pytest.mark.parametrize(
    "authorization",
    ["Bearer test-api-token", "Basic dXNlcjpwYXNz", "Bearer a.b.c", "Bearer eyJhbGciOiJub25lIn0.e30."],
)
def test_garbage_is_refused_before_any_signing_key_is_fetched(
    teams: TeamsDriver, keys: FakeBotFrameworkKeys, authorization: str
) -> None:
    assert install(teams, authorization).status_code == 401
    assert nothing_processed(teams)
    assert keys.fetches == 0


def test_a_token_from_another_issuer_is_refused_without_fetching_keys(
    teams: TeamsDriver, keys: FakeBotFrameworkKeys
) -> None:
    token = keys.token(APP_ID, teams.fake.url, iss="https://evil.example.com")
    assert install(teams, f"Bearer {token}").status_code == 401
    assert nothing_processed(teams)
    assert keys.fetches == 0


def test_a_forged_token_is_refused(teams: TeamsDriver, keys: FakeBotFrameworkKeys) -> None:
    assert install(teams, f"Bearer {keys.forged_token(APP_ID, teams.fake.url)}").status_code == 401
    assert nothing_processed(teams)


def test_a_token_for_another_bot_is_refused(teams: TeamsDriver, keys: FakeBotFrameworkKeys) -> None:
    assert install(teams, f"Bearer {keys.token('another-app', teams.fake.url)}").status_code == 401
    assert nothing_processed(teams)


def test_a_token_for_another_service_url_is_refused(teams: TeamsDriver, keys: FakeBotFrameworkKeys) -> None:
    token = keys.token(APP_ID, "https://smba.trafficmanager.net/emea/")
    assert install(teams, f"Bearer {token}").status_code == 401
    assert nothing_processed(teams)


def test_an_expired_token_is_refused(teams: TeamsDriver, keys: FakeBotFrameworkKeys) -> None:
    token = keys.token(APP_ID, teams.fake.url, exp=1_000_000_000, nbf=999_000_000)
    assert install(teams, f"Bearer {token}").status_code == 401
    assert nothing_processed(teams)


def emulator_token(keys: FakeBotFrameworkKeys) -> str:
    """A token as Azure AD issues it to the Bot Framework Emulator: valid for the bot, but with no `serviceurl`."""
    return keys.token(APP_ID, None, iss=EMULATOR_ISSUER, ver="1.0", appid=APP_ID)


def test_a_token_that_vouches_for_no_service_url_is_accepted_for_a_local_one(
    teams: TeamsDriver, keys: FakeBotFrameworkKeys
) -> None:
    assert install(teams, f"Bearer {emulator_token(keys)}").status_code == 202
    assert not nothing_processed(teams)


def test_a_token_that_vouches_for_no_service_url_is_refused_for_any_other(
    teams: TeamsDriver, keys: FakeBotFrameworkKeys
) -> None:
    activity = teams.team_install(AINO, CHANNEL_ID)
    activity["serviceUrl"] = "https://attacker.example.com/"
    with HostLookups() as lookups:
        response = teams.post(activity, headers={"Authorization": f"Bearer {emulator_token(keys)}"})
    assert response.status_code == 401
    assert nothing_processed(teams)
    assert lookups.refused == []


def test_a_token_for_an_ambiguous_service_url_is_refused_before_anything_is_stored_or_called(
    teams: TeamsDriver, keys: FakeBotFrameworkKeys
) -> None:
    """Even signed, `http://example.com\\@127.0.0.1/` would send the bot's token to example.com."""
    service_url = teams.fake.url.replace("http://", "http://example.com\\@")
    activity = teams.message(AINO, "scores", serviceUrl=service_url)
    with HostLookups() as lookups:
        response = teams.post(activity, headers={"Authorization": f"Bearer {keys.token(APP_ID, service_url)}"})
    assert response.status_code == 401
    assert nothing_processed(teams)
    assert lookups.refused == []
