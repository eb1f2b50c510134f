"""Activities with fields of the wrong shape, as a fuzzer sends them, are answered without a 5xx.

Authenticated but malformed is a 400 (or, for an invoke this bot does not know, the harmless 200 a
Bot Framework bot is expected to give); an odd ask id never touches anyone's ask.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import Session, select

from storage.models import Answer, Ask, Member
from tests.teams.conftest import AINO, MIKKO, TeamsDriver, personal_chat
from tests.teams.test_ask_flow import ANSWER, mikko_asked

ODD = ["x", 7, ["x"], True, None, {"id": ["x"]}, {"id": 12}]


@pytest.mark.parametrize("odd", ODD)
@pytest.mark.parametrize("field", ["tenant", "team", "channel"])
def test_channel_data_parts_of_any_shape_in_a_channel_mention(teams: TeamsDriver, field: str, odd: Any) -> None:
    activity = teams.message(MIKKO, "help")
    activity["conversation"] = {"conversationType": "channel", "id": "19:x@thread.tacv2;messageid=1"}
    activity["channelData"] = {"tenant": {"id": "tenant-1"}, "team": {"id": "19:t"}, "channel": {"id": "19:x"}}
    activity["channelData"][field] = odd
    assert teams.post(activity).status_code in (202, 400)


@pytest.mark.parametrize("odd", ODD)
@pytest.mark.parametrize("field", ["tenant", "team", "channel"])
def test_channel_data_parts_of_any_shape_in_a_team_install(teams: TeamsDriver, field: str, odd: Any) -> None:
    activity = teams.team_install(AINO)
    activity["channelData"][field] = odd
    assert teams.post(activity).status_code in (202, 400)


@pytest.mark.parametrize(
    "entities",
    [
        ["mention"],
        [7, None],
        [{"type": "mention", "mentioned": "28:onescore-bot", "text": "<at>OneScore</at>"}],
        [{"type": "mention", "mentioned": {"id": ["x"]}, "text": 5}],
        [{"type": "clientInfo", "timezone": 42}],
        [{"type": 5}],
    ],
)
def test_entities_of_any_shape(teams: TeamsDriver, entities: list[Any]) -> None:
    assert teams.post(teams.message(MIKKO, "help", entities=entities)).status_code in (202, 400)


ASK_IDS = [
    1e308,
    10**30,
    -(10**30),
    2**63,
    2**31,
    -1,
    0,
    True,
    False,
    "abc",
    None,
    [1],
    {"id": 1},
    1.5,
    "1e308",
    "9" * 30,
]


def answers(teams: TeamsDriver) -> list[Answer]:
    with Session(teams.runtime.engine) as session:
        return list(session.exec(select(Answer)).all())


@pytest.mark.parametrize("ask_id", ASK_IDS, ids=repr)
def test_an_odd_ask_id_in_a_submit_or_an_execute_is_no_server_error_and_answers_nothing(
    teams: TeamsDriver, ask_id: Any
) -> None:
    sent, _card = mikko_asked(teams)
    data = {"onescore": "ask.answer", "ask_id": ask_id, **ANSWER}
    submit = teams.activity("message_with_value_card_submit.json", MIKKO, value=data, replyToId=sent, text="")
    execute_value = {"action": {"type": "Action.Execute", "verb": "ask.answer", "data": data}, "trigger": "manual"}
    execute = teams.activity("invoke_adaptive_card_action.json", MIKKO, value=execute_value, replyToId=sent)
    assert teams.post(submit).status_code in (202, 400)
    assert teams.post(execute).status_code in (200, 400)
    assert answers(teams) == []


@pytest.mark.parametrize("odd", [{"x": 1}, ["strong"], 5, None])
def test_odd_inputs_in_an_answer_are_no_server_error(teams: TeamsDriver, odd: Any) -> None:
    sent, _card = mikko_asked(teams)
    with Session(teams.runtime.engine) as session:
        ask_id = session.exec(select(Ask.id).where(Ask.platform == "teams")).first()
    for field in ("impact", "team", "text", "quotable"):
        data = {"onescore": "ask.answer", "ask_id": ask_id, **ANSWER, field: odd}
        value = {"action": {"type": "Action.Execute", "verb": "ask.answer", "data": data}, "trigger": "manual"}
        activity = teams.activity("invoke_adaptive_card_action.json", MIKKO, value=value, replyToId=sent)
        assert teams.post(activity).status_code in (200, 400), field


@pytest.mark.parametrize(
    "name", ["composeExtension/query", "task/fetch", "signin/verifyState", "actionableMessage/executeAction", "x", ""]
)
def test_an_invoke_this_bot_does_not_know_gets_a_harmless_200(teams: TeamsDriver, name: str) -> None:
    activity = {**teams.activity("invoke_adaptive_card_action.json", MIKKO, value={"x": 1}), "name": name}
    response = teams.post(activity)
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("period", ["0001-W01", "9999-W52", "0001-01", "0001-Q1", "0000-W01"])
def test_scores_for_a_period_out_of_range_says_the_period_is_not_valid(teams: TeamsDriver, period: str) -> None:
    assert teams.say(MIKKO, f"scores {period}").status_code == 202
    (reply,) = teams.replies(personal_chat(MIKKO))
    assert period in reply["text"]
    assert "not a valid period" in reply["text"] or "ei ole kelvollinen jakso" in reply["text"]


@pytest.mark.parametrize(
    "spelling",
    [float, lambda n: {"id": n}, lambda n: f"{n}.0", lambda n: f" {n}"],
    ids=["float", "object", "x.0", "space"],
)
def test_only_the_integer_the_buttons_carry_is_an_ask_id(teams: TeamsDriver, spelling: Any) -> None:
    """Even the person asked, with their own ask's id spelt another way, answers nothing."""
    sent, _card = mikko_asked(teams)
    with Session(teams.runtime.engine) as session:
        mikko = session.exec(select(Member).where(Member.email == MIKKO.email)).one()
        ask_id = session.exec(select(Ask.id).where(Ask.member_id == mikko.id)).one()
    data = {"onescore": "ask.answer", "ask_id": spelling(ask_id), **ANSWER}
    value = {"action": {"type": "Action.Execute", "verb": "ask.answer", "data": data}, "trigger": "manual"}
    activity = teams.activity("invoke_adaptive_card_action.json", MIKKO, value=value, replyToId=sent)
    assert teams.post(activity).status_code == 200
    assert answers(teams) == []


@pytest.mark.parametrize("team", [{}, {"name": "Sales"}, {"id": None}, {"id": 12}])
def test_a_stranger_writing_from_a_team_of_odd_shape_is_no_server_error(teams: TeamsDriver, team: Any) -> None:
    """An unknown sender makes the bot ask Teams for their member info, and botbuilder's look-up reads
    `channelData.team.id` itself: a team without a usable id must leave the sender without an email, not
    fail the turn."""
    activity = teams.message(MIKKO, "help")
    activity["from"] = {"id": "29:stranger", "name": "Stranger"}
    activity["conversation"] = {"conversationType": "channel", "id": "19:x@thread.tacv2;messageid=1"}
    activity["channelData"] = {"tenant": {"id": "tenant-1"}, "team": team, "channel": {"id": "19:x"}}
    assert teams.post(activity).status_code in (202, 400)


@pytest.mark.parametrize("path", ["/elsewhere/", "/v3/"])
def test_a_reply_the_connector_refuses_is_no_server_error(teams: TeamsDriver, path: str) -> None:
    """A reply goes to the activity's own serviceUrl; when what answers there refuses it (a 4xx, or an
    answer that is no Bot Framework response at all), delivering the same activity again cannot help,
    so the turn ends without the 5xx that would make Teams retry it."""
    activity = teams.message(MIKKO, "help")
    activity["serviceUrl"] = f"{teams.fake.url}{path}"
    assert teams.post(activity).status_code == 202
