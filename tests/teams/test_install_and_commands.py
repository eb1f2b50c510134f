"""Installing the app, and what people type to it: help and scores, in the personal chat and in channels."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import Session, select

from storage.models import ConversationRef, Member, ProcessedEvent
from tests.fakes.bot_connector import CREATE, MEMBER, SEND
from tests.teams.conftest import (
    CARD,
    CHANNEL_ID,
    MIKKO,
    SANNA,
    STRANGER,
    TEAM_ID,
    TENANT,
    TeamsDriver,
    card_text,
    personal_chat,
)


def member(teams: TeamsDriver, email: str) -> Member:
    with Session(teams.runtime.engine) as session:
        return session.exec(select(Member).where(Member.email == email)).one()


def reference(teams: TeamsDriver, key: str) -> ConversationRef | None:
    with Session(teams.runtime.engine) as session:
        return session.exec(select(ConversationRef).where(ConversationRef.key == key)).first()


def test_a_personal_install_is_remembered_and_welcomed_in_the_members_language(teams: TeamsDriver) -> None:
    response = teams.install(MIKKO)
    assert response.status_code == 202, response.text

    [welcome] = teams.replies(personal_chat(MIKKO))
    assert welcome["text"].startswith("Hei, olen OneScore.")  # Mikko's language is Finnish in the file
    ref = reference(teams, MIKKO.id)
    assert ref is not None and ref.member_id == member(teams, "mikko@example.com").id
    assert ref.reference["conversation_id"] == personal_chat(MIKKO)
    assert ref.reference["service_url"] == teams.fake.url
    assert ref.reference["tenant_id"] == TENANT
    assert member(teams, "mikko@example.com").aad_object_id == MIKKO.aad_object_id
    assert teams.fake.calls(MEMBER) == []  # known by their Teams id: no look-up needed


def test_a_member_known_only_by_email_is_found_through_the_member_info_and_remembered(teams: TeamsDriver) -> None:
    teams.install(SANNA, locale="fi-FI")
    sanna = member(teams, "sanna@example.com")
    assert sanna.teams_id == SANNA.id and sanna.aad_object_id == SANNA.aad_object_id
    assert teams.replies(personal_chat(SANNA))[0]["text"].startswith("Hei")  # Teams' locale, no language in the file

    teams.say(SANNA, "help")
    assert len(teams.fake.calls(MEMBER)) == 1  # the second activity is recognised by id


def test_someone_outside_the_organisation_is_welcomed_but_not_made_a_member(teams: TeamsDriver) -> None:
    assert teams.install(STRANGER).status_code == 202
    assert teams.replies(personal_chat(STRANGER))[0]["text"].startswith("Hi, I'm OneScore.")
    with Session(teams.runtime.engine) as session:
        assert session.exec(select(Member).where(Member.teams_id == STRANGER.id)).first() is None


def test_a_team_install_remembers_the_channel_for_scorecard_posts(teams: TeamsDriver) -> None:
    assert teams.install_in_team(MIKKO, CHANNEL_ID).status_code == 202
    ref = reference(teams, CHANNEL_ID)
    assert ref is not None and ref.member_id is None
    assert ref.reference["kind"] == "channel" and ref.reference["team_id"] == TEAM_ID
    assert teams.fake.calls(SEND) == [] and teams.replies(CHANNEL_ID) == []  # no welcome in a channel


def test_help_lists_the_commands_in_the_members_language(teams: TeamsDriver) -> None:
    teams.say(MIKKO, "help")
    [reply] = teams.replies(personal_chat(MIKKO))
    assert "`scores last` – edellinen viikko" in reply["text"]
    assert "HR & training" in reply["text"]


def test_scores_replies_with_the_scorecard_card(teams: TeamsDriver) -> None:
    teams.client.put(
        "/api/deals/d1",
        json={
            "name": "Acme",
            "amount": 50000,
            "currency": "EUR",
            "stage": "won",
            "owner": "aino@example.com",
            "created_at": "2026-11-01",
            "closed_at": "2026-11-24",
        },
    )
    teams.say(STRANGER, "scores")
    [reply] = teams.replies(personal_chat(STRANGER))
    [attachment] = reply["attachments"]
    assert attachment["contentType"] == CARD
    text = card_text(attachment["content"])
    assert "Scorecard – Week 48, 2026 (so far)" in text
    assert "€50,000" in text and "Deals won" in text
    assert "Everyone sees the same numbers. No one is ranked." in text


def test_scores_accepts_last_a_week_and_a_team(teams: TeamsDriver) -> None:
    for words, title in [
        ("scores last", "Scorecard – Week 47, 2026"),
        ("scores 2026-W45", "Scorecard – Week 45, 2026"),
        ("Scores last team HR & training", "Scorecard – Week 47, 2026 – HR & training"),
    ]:
        teams.say(STRANGER, words)
        text = card_text(teams.replies(personal_chat(STRANGER))[-1]["attachments"][0]["content"])
        assert title in text and "(so far)" not in text, words


def test_bad_scores_arguments_get_the_usage_line(teams: TeamsDriver) -> None:
    teams.say(STRANGER, "scores yesterday")
    teams.say(STRANGER, "scores team astronauts")
    teams.say(STRANGER, "dance")
    usage, unknown_team, unknown = (r["text"] for r in teams.replies(personal_chat(STRANGER)))
    assert usage.startswith("I didn't understand “yesterday”.")
    assert unknown_team.startswith("There's no team called “astronauts”.")
    assert unknown == "I don't know “dance”. Type `help` to see what I can do."


def test_a_mention_in_a_channel_is_answered_in_its_thread_and_the_channel_remembered(teams: TeamsDriver) -> None:
    assert teams.mention(MIKKO, "scores").status_code == 202
    [call] = [c for c in teams.fake.calls() if c.conversation_id.startswith(CHANNEL_ID)]
    assert call.body["attachments"][0]["contentType"] == CARD
    assert "Tuloskortti" in card_text(call.body["attachments"][0]["content"])
    assert reference(teams, CHANNEL_ID) is not None
    assert teams.fake.calls(CREATE) == []


def test_a_redelivered_activity_is_handled_once(teams: TeamsDriver) -> None:
    activity = teams.activity("message_personal.json", MIKKO, text="help")
    first, again = teams.post(activity), teams.post(activity)
    assert (first.status_code, again.status_code) == (202, 200)
    assert len(teams.replies(personal_chat(MIKKO))) == 1
    with Session(teams.runtime.engine) as session:
        keys = session.exec(select(ProcessedEvent.key)).all()
    assert len(keys) == 1 and keys[0].startswith("teams:activity:")


def test_a_turn_that_fails_is_not_remembered_so_the_redelivery_runs(teams: TeamsDriver) -> None:
    teams.fake.fail("reply", 400)
    activity = teams.activity("message_personal.json", MIKKO, text="help")
    assert teams.post(activity).status_code == 500
    assert teams.post(activity).status_code == 202
    assert len(teams.replies(personal_chat(MIKKO))) == 1


def test_something_that_is_not_an_activity_is_refused(teams: TeamsDriver) -> None:
    assert teams.client.post("/api/messages", content=b"not json").status_code == 400
    assert teams.client.post("/api/messages", json={"type": "message"}).status_code == 400


@pytest.mark.parametrize(
    "change",
    [{"from": None}, {"conversation": None}, {"from": "mikko"}, {"conversation": {"id": ""}}, {"channelData": "x"}],
    ids=["no from", "no conversation", "from a string", "conversation without id", "channelData a string"],
)
def test_an_activity_missing_what_teams_always_sends_is_refused(teams: TeamsDriver, change: dict[str, Any]) -> None:
    activity = teams.activity("message_personal.json", MIKKO, text="help")
    for key, value in change.items():
        if value is None:
            del activity[key]
        else:
            activity[key] = value
    assert teams.post(activity).status_code == 400
    assert teams.replies(personal_chat(MIKKO)) == []


@pytest.mark.parametrize(
    "change",
    [
        {"text": 42},
        {"type": "invoke", "name": "adaptiveCard/action", "value": "junk"},
        {"type": "conversationUpdate", "membersAdded": "x"},
        {"type": "weird"},
        {"entities": "junk"},
    ],
    ids=["text a number", "invoke value a string", "membersAdded not a list", "unknown type", "entities junk"],
)
def test_odd_fields_in_an_activity_are_never_a_server_error(teams: TeamsDriver, change: dict[str, Any]) -> None:
    activity = teams.activity("message_personal.json", MIKKO, text="help")
    assert teams.post({**activity, **change}).status_code < 500


def test_without_an_app_id_only_a_local_service_url_is_accepted(teams: TeamsDriver) -> None:
    """Unauthenticated mode must not let anyone make the server call an address of their choosing."""
    activity = teams.activity("message_personal.json", MIKKO, text="help")
    activity["serviceUrl"] = "https://attacker.example.com/"
    response = teams.post(activity)
    assert response.status_code == 401
    assert teams.fake.calls(ok_only=False) == []
    with Session(teams.runtime.engine) as session:
        assert session.exec(select(ConversationRef)).first() is None
