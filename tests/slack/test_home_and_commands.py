"""App Home, `/onescore help | join | deal`, the deal form, and Block Kit's limits."""

from __future__ import annotations

import json

import pytest
from sqlmodel import Session, select

from handlers.slack.blocks import SECTION_TEXT
from storage.models import Ask, AskStatus, Deal, Member
from tests.conftest import ORG_YAML
from tests.fakes.slack_requests import payload_body
from tests.slack.conftest import SlackDriver, button, texts
from tests.slack.test_ask_flow import close_deal


@pytest.fixture
def org_yaml() -> str:
    """Enough asks a week for App Home to overflow its 100 blocks."""
    return ORG_YAML.replace("currency: EUR", "currency: EUR\nmax_asks_per_week: 100")


HOME = {"type": "app_home_opened", "user": "U0AINO", "channel": "D0AINO", "tab": "home", "event_ts": "1.1"}


def open_home(slack: SlackDriver, event_id: str) -> dict:
    slack.event(HOME, event_id=event_id)
    return slack.fake.calls("views.publish")[-1].args["view"]


def test_app_home_lists_pending_asks_with_their_buttons_and_answers_from_there(slack: SlackDriver) -> None:
    assert "Nothing is waiting for you" in texts(open_home(slack, "Ev1")["blocks"])
    close_deal(slack)
    slack.pump()
    home = open_home(slack, "Ev2")
    assert "How did marketing help win Acme renewal?" in texts(home["blocks"])

    slack.click("U0AINO", button(home["blocks"], "ask.decline"), where={"home": True})
    after = slack.fake.calls("views.publish")[-1].args["view"]
    assert "Nothing is waiting for you" in texts(after["blocks"])
    slack.pump()
    assert "didn't help with Acme renewal" in texts(slack.fake.calls("chat.update")[-1].args["blocks"])


def test_someone_else_clicking_on_home_gets_a_private_notice_in_a_modal(slack: SlackDriver) -> None:
    close_deal(slack)
    slack.pump()
    home = open_home(slack, "Ev3")
    slack.click("U0STRANGER", button(home["blocks"], "ask.not_sure"), where={"home": True})
    notice = slack.fake.calls("views.open")[-1].args["view"]
    assert "only they can answer it" in texts(notice["blocks"])
    with Session(slack.runtime.engine) as session:
        assert {a.status for a in session.exec(select(Ask)).all()} == {AskStatus.PENDING.value}


def test_help_and_unknown_subcommands_are_acknowledged_at_once_and_answered_privately(
    slack: SlackDriver,
) -> None:
    for user, text in (("U0AINO", ""), ("U0MIKKO", "help"), ("U0AINO", "frobnicate")):
        response = slack.command(user, text)
        assert response.status_code == 200 and response.content == b""
    calls = [c for c in slack.fake.calls() if c.method.startswith("response_url:")]
    assert all(c.args["response_type"] == "ephemeral" for c in calls)
    english, finnish, unknown = (c.args["text"] for c in calls)
    assert "`/onescore join TEAM`" in english
    assert "liity" in finnish.lower()
    assert "I don't know “frobnicate”" in unknown


def replies(slack: SlackDriver) -> list[str]:
    return [c.args["text"] for c in slack.fake.calls() if c.method.startswith("response_url:")]


def test_join_puts_a_newcomer_in_a_team_but_not_someone_the_file_places(slack: SlackDriver) -> None:
    slack.command("U0STRANGER", "join Marketing")
    slack.command("U0STRANGER", "join astronauts")
    slack.command("U0AINO", "join marketing")
    said = replies(slack)
    assert said[0] == "You're now in marketing."
    assert said[1].startswith("There's no team called “astronauts”")
    assert said[2] == "Your team (sales) is set in the organisation file; ask an admin to change it."
    with Session(slack.runtime.engine) as session:
        stranger = session.exec(select(Member).where(Member.slack_id == "U0STRANGER")).one()
        assert stranger.email == "stranger@example.com" and stranger.team_id is not None


def deal_values(**chosen: object) -> dict:
    values: dict = {}
    kinds = {
        "name": ("plain_text_input", "value"),
        "account": ("plain_text_input", "value"),
        "amount": ("number_input", "value"),
        "currency": ("plain_text_input", "value"),
        "owner": ("users_select", "selected_user"),
        "participants": ("multi_users_select", "selected_users"),
        "closed_at": ("datepicker", "selected_date"),
    }
    for block, (kind, key) in kinds.items():
        values[block] = {"value": {"type": kind, key: chosen.get(block)}}
    stage = chosen.get("stage")
    values["stage"] = {"value": {"type": "static_select", "selected_option": {"value": stage} if stage else None}}
    existing = chosen.get("existing")
    values["existing"] = {
        "deal.existing": {
            "type": "external_select",
            "selected_option": {"value": existing} if existing else None,
        }
    }
    return values


def open_deal_form(slack: SlackDriver, user_id: str) -> dict:
    slack.command(user_id, "deal")
    return slack.fake.calls("views.open")[-1].args["view"]


def test_the_deal_form_registers_and_closes_a_deal_through_the_ledger(slack: SlackDriver) -> None:
    form = open_deal_form(slack, "U0AINO")
    assert form["callback_id"] == "deal.modal"
    values = deal_values(
        name="Kesko pilotti", amount="12000", stage="won", participants=["U0MIKKO"], closed_at="2026-11-25"
    )
    assert slack.submit("U0AINO", form, values, view_id="VDEAL1").status_code == 200
    assert slack.submit("U0AINO", form, values, view_id="VDEAL1", view_hash="h2").status_code == 200
    assert replies(slack)[-1] == "Saved Kesko pilotti."

    deal = slack.client.get("/api/deals/slack:VDEAL1").json()
    assert (deal["stage"], deal["owner"], deal["amount"], deal["source"]) == (
        "won",
        "aino@example.com",
        12000,
        "slack",
    )
    assert deal["participants"] == [{"member": "mikko@example.com", "team": "marketing"}]
    slack.pump()
    assert slack.dms("U0AINO") and slack.dms("U0MIKKO")
    with Session(slack.runtime.engine) as session:
        assert len(session.exec(select(Deal)).all()) == 1


def test_only_the_owner_a_lead_or_an_admin_may_close_a_deal_in_chat(slack: SlackDriver) -> None:
    slack.client.put("/api/deals/crm:7", json={"name": "Open deal", "owner": "aino@example.com"})
    search = {
        "type": "block_suggestion",
        "user": {"id": "U0MIKKO", "team_id": "T0FAKE"},
        "team": {"id": "T0FAKE"},
        "api_app_id": "A0APP",
        "action_id": "deal.existing",
        "block_id": "existing",
        "value": "open",
        "view": {"id": "VX", "type": "modal", "callback_id": "deal.modal"},
    }
    options = slack.post(payload_body(search)).json()["options"]
    assert [o["text"]["text"] for o in options] == ["Open deal"]

    form = open_deal_form(slack, "U0MIKKO")
    refused = slack.submit("U0MIKKO", form, deal_values(existing=options[0]["value"], stage="won"), view_id="VD2")
    assert "stage" in refused.json()["errors"]
    assert slack.client.get("/api/deals/crm:7").json()["stage"] == "open"

    updated = slack.submit("U0MIKKO", form, deal_values(existing=options[0]["value"], amount="5"), view_id="VD3")
    assert updated.status_code == 200 and updated.content in (b"", b"null")
    assert slack.client.get("/api/deals/crm:7").json()["amount"] == 5


def test_block_kit_limits_hold_for_long_names_and_answers_and_stored_text_stays_whole(
    slack: SlackDriver,
) -> None:
    long_name = "Pitkä nimi 🚀 " * 500
    close_deal(slack, name=long_name, participants=[])
    for n in range(40):
        close_deal(slack, f"more{n}", name=f"Deal {n} " + "x" * 200, participants=[])
    slack.pump()
    long_answer = "Näin se meni. 😀 " * 1200
    slack.client.post(
        "/api/deals/hubspot:1/answers",
        json={
            "member": "aino@example.com",
            "helping_team": "marketing",
            "impact": "some",
            "text": long_answer,
        },
    )
    for dm in slack.dms("U0AINO"):
        assert len(dm["blocks"]) <= 50
        assert all(len(b.get("text", {}).get("text", "")) <= SECTION_TEXT for b in dm["blocks"])
    home = open_home(slack, "Ev9")
    assert len(home["blocks"]) <= 100
    assert all(len(b.get("text", {}).get("text", "")) <= SECTION_TEXT for b in home["blocks"])
    assert len(json.dumps(home)) < 250_000

    body = slack.client.get("/api/deals/hubspot:1").json()
    assert body["name"] == long_name and body["answers"][0]["text"] == long_answer
