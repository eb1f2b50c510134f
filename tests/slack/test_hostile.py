"""Signed Slack requests holding values Slack would never send get an answer, never a 5xx or a lost reply.

Each case is a real request shape (the forms and buttons the bot itself renders) with one field
made odd: metadata that is not an object, ids that are huge, negative or text, options that are
strings, values of the wrong type. The reply is a 4xx, a refusal in the form, or a polite note;
nothing fails after the acknowledgement either (that would lose the reply), and nothing is stored.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlmodel import Session, select

from storage.models import Answer, Deal
from tests.fakes.slack_requests import event_body, payload_body
from tests.slack.conftest import Failures, SlackDriver, button
from tests.slack.test_ask_flow import close_deal, only_dm, where
from tests.slack.test_home_and_commands import deal_values, open_deal_form, replies
from tests.slack.test_trust_and_retries import answer_values, open_answer_form


def answered(slack: SlackDriver) -> list[Answer]:
    with Session(slack.runtime.engine) as session:
        return list(session.exec(select(Answer)).all())


def asked(slack: SlackDriver) -> dict[str, Any]:
    close_deal(slack)
    slack.pump()
    return open_answer_form(slack)


METADATA: dict[str, Any] = {
    "a list": "[1]",
    "a number": "5",
    "a string": '"ask"',
    "invalid JSON": "{ask_id: 1",
    "not text at all": 7,
    "ask_id 1e308": '{"ask_id": 1e308}',
    "ask_id infinite": '{"ask_id": 1e400}',
    "ask_id NaN": '{"ask_id": NaN}',
    "ask_id 10**400": '{"ask_id": ' + "1" + "0" * 400 + "}",
    "ask_id past 64 bits": '{"ask_id": 9223372036854775808}',
    "ask_id past 32 bits": '{"ask_id": 2147483648}',
    "ask_id negative": '{"ask_id": -1}',
    "ask_id text": '{"ask_id": "abc"}',
    "ask_id true": '{"ask_id": true}',
    "ask_id an object": '{"ask_id": {"id": 1}}',
}


@pytest.mark.parametrize("metadata", METADATA.values(), ids=METADATA.keys())
def test_answer_form_metadata_that_names_no_ask_is_refused_in_the_form(
    slack: SlackDriver, failures: Failures, metadata: Any
) -> None:
    view = asked(slack)
    response = slack.submit("U0AINO", {**view, "private_metadata": metadata}, answer_values(view), view_id="VM")
    assert response.status_code == 200, response.text
    assert response.json()["response_action"] == "errors"
    assert answered(slack) == [] and failures.seen == []


ODD_OPTIONS: dict[str, Any] = {
    "a string": "strong",
    "a number": 3,
    "a list": [{"value": "strong"}],
    "an object without value": {"text": "x"},
    "an object with a numeric value": {"value": 2},
}


@pytest.mark.parametrize("option", ODD_OPTIONS.values(), ids=ODD_OPTIONS.keys())
@pytest.mark.parametrize("block", ["team", "impact"])
def test_an_odd_selected_option_in_the_answer_form_is_asked_for_again(
    slack: SlackDriver, failures: Failures, block: str, option: Any
) -> None:
    view = asked(slack)
    values = answer_values(view)
    values[block]["value"]["selected_option"] = option
    response = slack.submit("U0AINO", view, values, view_id="VO")
    assert response.json()["response_action"] == "errors"
    assert answered(slack) == [] and failures.seen == []


ODD_TEXT: dict[str, Any] = {"a number": 5, "a list": ["a"], "an object": {"a": 1}}


@pytest.mark.parametrize("text", ODD_TEXT.values(), ids=ODD_TEXT.keys())
def test_an_answer_text_that_is_not_text_is_asked_for_again(slack: SlackDriver, failures: Failures, text: Any) -> None:
    view = asked(slack)
    values = answer_values(view)
    values["text"]["value"]["value"] = text
    values["quotable"]["value"]["selected_options"] = "yes"
    response = slack.submit("U0AINO", view, values, view_id="VT")
    assert response.json()["response_action"] == "errors"
    assert answered(slack) == [] and failures.seen == []


BUTTON_VALUES: dict[str, Any] = {
    "text": "abc",
    "an exponent": "1e3",
    "400 digits": "9" * 400,
    "past 32 bits": "2147483648",
    "negative": "-1",
    "superscript two": "²",
    "a fraction": 1.5,
    "a list": [1],
    "null": None,
}


@pytest.mark.parametrize("value", BUTTON_VALUES.values(), ids=BUTTON_VALUES.keys())
@pytest.mark.parametrize("action", ["ask.answer", "ask.decline", "ask.not_sure"])
def test_a_button_whose_value_is_not_an_ask_id_gets_a_polite_note(
    slack: SlackDriver, failures: Failures, action: str, value: Any
) -> None:
    close_deal(slack)
    slack.pump()
    dm = only_dm(slack, "U0AINO")
    odd = {**button(dm["blocks"], action), "value": value}
    assert slack.click("U0AINO", odd, where=where(dm, slack)).status_code == 200
    assert any(c.method.startswith("response_url:click") for c in slack.fake.calls())
    assert slack.fake.calls("views.open") == [] and failures.seen == []


ODD_ACTIONS: dict[str, Any] = {
    "a string": ["ask.answer"],
    "a number": [5],
    "action_id a number": [{"action_id": 5, "value": "1"}],
    "an object": {"action_id": "ask.answer"},
    "block_id a list": [{"action_id": "ask.answer", "block_id": [1], "value": "1"}],
}


@pytest.mark.parametrize("actions", ODD_ACTIONS.values(), ids=ODD_ACTIONS.keys())
def test_actions_of_the_wrong_types_get_a_4xx_or_a_note(slack: SlackDriver, failures: Failures, actions: Any) -> None:
    payload = {
        "type": "block_actions",
        "user": {"id": "U0AINO"},
        "team": {"id": "T0FAKE"},
        "trigger_id": "t.1",
        "response_url": slack.fake.response_url("odd"),
        "actions": actions,
    }
    assert slack.post(payload_body(payload)).status_code < 500
    assert failures.seen == []


SUGGESTION_VALUES: dict[str, Any] = {"a number": 5, "a list": ["Acme"], "an object": {"a": 1}, "null": None}


@pytest.mark.parametrize("value", SUGGESTION_VALUES.values(), ids=SUGGESTION_VALUES.keys())
def test_an_options_request_with_an_odd_value_gets_options(slack: SlackDriver, value: Any) -> None:
    slack.client.put("/api/deals/crm:7", json={"name": "Acme", "owner": "aino@example.com"})
    search = {
        "type": "block_suggestion",
        "user": {"id": "U0AINO"},
        "team": {"id": "T0FAKE"},
        "action_id": "deal.existing",
        "block_id": "existing",
        "value": value,
        "view": {"id": "VX", "type": "modal", "callback_id": "deal.modal"},
    }
    response = slack.post(payload_body(search))
    assert response.status_code == 200, response.text
    assert [o["text"]["text"] for o in response.json()["options"]] == ["Acme"]


DEAL_FIELDS: dict[str, tuple[str, str, Any]] = {
    "name a number": ("name", "value", 5),
    "amount a list": ("amount", "value", [1]),
    "amount huge": ("amount", "value", "1e999999"),
    "amount not a number": ("amount", "value", "NaN"),
    "currency an object": ("currency", "value", {"a": 1}),
    "owner a number": ("owner", "selected_user", 5),
    "participants a string": ("participants", "selected_users", "U0AINO"),
    "participants numbers": ("participants", "selected_users", [5, None]),
    "date not a date": ("closed_at", "selected_date", "2026-02-30"),
    "date a number": ("closed_at", "selected_date", 20261125),
    "stage a string": ("stage", "selected_option", "won"),
    "stage unknown": ("stage", "selected_option", {"value": "galactic"}),
    "existing a string": ("existing", "selected_option", "1"),
    "existing superscript": ("existing", "selected_option", {"value": "²"}),
    "existing 400 digits": ("existing", "selected_option", {"value": "9" * 400}),
    "existing past 32 bits": ("existing", "selected_option", {"value": "2147483648"}),
}


@pytest.mark.parametrize("field", DEAL_FIELDS.values(), ids=DEAL_FIELDS.keys())
def test_a_deal_form_field_of_the_wrong_type_is_refused_or_ignored(
    slack: SlackDriver, failures: Failures, field: tuple[str, str, Any]
) -> None:
    block, key, value = field
    form = open_deal_form(slack, "U0AINO")
    values = deal_values(name="Kesko", amount="10")
    element = next(iter(values[block].values()))
    element[key] = value
    response = slack.submit("U0AINO", form, values, view_id="VF")
    assert response.status_code == 200, response.text
    assert failures.seen == []
    with Session(slack.runtime.engine) as session:
        stored = session.exec(select(Deal)).all()
    if response.content not in (b"", b"null"):
        assert response.json()["response_action"] == "errors" and stored == []


@pytest.mark.parametrize("metadata", ["[1]", "5", "nope", 7, '{"response_url": 5}', '{"response_url": ["x"]}'])
def test_deal_form_metadata_of_any_shape_still_saves_the_deal(
    slack: SlackDriver, failures: Failures, metadata: Any
) -> None:
    form = open_deal_form(slack, "U0AINO")
    response = slack.submit("U0AINO", {**form, "private_metadata": metadata}, deal_values(name="Kesko"), view_id="VG")
    assert response.status_code == 200 and response.content in (b"", b"null")
    slack.settle()
    assert failures.seen == []
    with Session(slack.runtime.engine) as session:
        assert [d.name for d in session.exec(select(Deal)).all()] == ["Kesko"]


def json_command(**fields: Any) -> str:
    return json.dumps({"command": "/onescore", "user_id": "U0AINO", "team_id": "T0FAKE", **fields})


@pytest.mark.parametrize(
    "body",
    [json_command(text=5), json_command(text=["help"]), json_command(command=1), json_command(response_url=[1])],
)
def test_a_command_whose_fields_are_not_text_is_400(slack: SlackDriver, body: str) -> None:
    assert slack.post(body).status_code == 400


def test_commands_with_the_word_payload_in_their_text_are_answered(slack: SlackDriver, failures: Failures) -> None:
    assert slack.command("U0AINO", "deal payload test").status_code == 200
    assert slack.fake.calls("views.open")[-1].args["view"]["callback_id"] == "deal.modal"
    assert slack.command("U0AINO", "payload", command="/scores").status_code == 200
    assert "I didn't understand “payload”" in replies(slack)[-1]
    assert slack.command("U0AINO", "payload=1&command=x", command="/onescore").status_code == 200
    assert "payload=1&command=x" in replies(slack)[-1]
    assert failures.seen == []


@pytest.mark.parametrize(
    "period", ["0001-W01", "0001-01", "0001-Q1", "0001-W1", "0001-W01 team sales", "9999-W52", "2026-W60", "2026-13"]
)
def test_scores_for_a_period_whose_trend_leaves_the_calendar_says_it_is_not_valid(
    slack: SlackDriver, failures: Failures, period: str
) -> None:
    assert slack.command("U0AINO", period, command="/scores").status_code == 200
    reply = replies(slack)[-1]
    assert reply.startswith(f"“{period.split()[0]}” is not a valid period.")
    assert failures.seen == []


@pytest.mark.parametrize("period", ["9999-W52", "9999-12", "9999-Q4", "0001-W06"])
def test_scores_for_the_last_periods_of_the_calendar_gets_an_answer(
    slack: SlackDriver, failures: Failures, period: str
) -> None:
    """A scorecard, or (where the period parser refuses the period) a reply naming it."""
    assert slack.command("U0AINO", period, command="/scores").status_code == 200
    reply = replies(slack)[-1]
    assert reply.startswith("Scorecard – ") or period in reply
    assert failures.seen == []


CONTEXT_FIELDS: dict[str, Any] = {
    "authorizations of null": {"authorizations": [None]},
    "authorizations a string": {"authorizations": "x"},
    "team a number": {"team": 5, "team_id": None},
    "enterprise a list": {"enterprise": [1]},
    "channel a number": {"channel": 5},
    "container a string": {"container": "x"},
}


@pytest.mark.parametrize("fields", CONTEXT_FIELDS.values(), ids=CONTEXT_FIELDS.keys())
@pytest.mark.parametrize("kind", ["event", "click"])
def test_ids_bolt_reads_for_its_context_of_the_wrong_type_get_4xx(
    slack: SlackDriver, failures: Failures, kind: str, fields: dict[str, Any]
) -> None:
    if kind == "event":
        event = {"type": "app_home_opened", "user": "U0AINO", "channel": "D0AINO", "tab": "home"}
        body = json.dumps({**json.loads(event_body(event, event_id="EvC")), **fields})
    else:
        click = {"type": "block_actions", "user": {"id": "U0AINO"}, "actions": [{"action_id": "ask.decline"}]}
        body = payload_body({**click, "team": {"id": "T0FAKE"}, **fields})
    assert slack.post(body).status_code < 500
    assert failures.seen == []


ODD_IDS: dict[str, dict[str, Any]] = {
    "options action_id a list": {"type": "block_suggestion", "action_id": [], "value": "a"},
    "options action_id missing": {"type": "block_suggestion", "value": "a"},
    "view callback_id a number": {
        "type": "view_submission",
        "view": {"id": "V1", "callback_id": 5, "state": {"values": {}}},
    },
    "view id missing": {"type": "view_submission", "view": {"callback_id": "deal.modal", "state": {"values": {}}}},
    "view id a number": {
        "type": "view_submission",
        "view": {"id": 5, "callback_id": "deal.modal", "state": {"values": {}}},
    },
    "view callback_id a list": {
        "type": "view_submission",
        "view": {"id": "V1", "callback_id": ["deal.modal"], "state": {"values": {}}},
    },
}


@pytest.mark.parametrize("payload", ODD_IDS.values(), ids=ODD_IDS.keys())
def test_ids_bolt_matches_listeners_by_of_the_wrong_type_get_400(slack: SlackDriver, payload: dict[str, Any]) -> None:
    response = slack.post(payload_body({**payload, "user": {"id": "U0AINO"}, "team": {"id": "T0FAKE"}}))
    assert response.status_code == 400
