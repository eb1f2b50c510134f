"""Answering an ask as a Slack user does: click Answer (or Edit) on the DM, fill in the form the bot opened."""

from __future__ import annotations

from typing import Any

from tests.slack.conftest import SlackDriver, button


def spot(slack: SlackDriver, dm_call: dict[str, Any]) -> dict[str, Any]:
    """Where a DM landed (channel and ts, from Slack's answer to that chat.postMessage), with its blocks."""
    posted = next(c for c in slack.fake.calls("chat.postMessage") if c.args is dm_call)
    return {"channel": posted.response["channel"], "ts": posted.response["ts"], "blocks": dm_call["blocks"]}


def open_form(slack: SlackDriver, user_id: str, action_id: str, where: dict[str, Any]) -> dict[str, Any]:
    """Click Answer or Edit on the message at `where`; the form the bot opened."""
    slack.click(user_id, button(where["blocks"], action_id), where=where)
    view: dict[str, Any] = slack.fake.calls("views.open")[-1].args["view"]
    return view


def block(view: dict[str, Any], block_id: str) -> dict[str, Any]:
    return next(b for b in view["blocks"] if b.get("block_id") == block_id)


def submit_form(
    slack: SlackDriver, user_id: str, view: dict[str, Any], text: str, *, impact: str, view_id: str
) -> None:
    team = block(view, "team")["element"]["initial_option"]
    chosen = next(o for o in block(view, "impact")["element"]["options"] if o["value"] == impact)
    values = {
        "team": {"value": {"type": "static_select", "selected_option": team}},
        "impact": {"value": {"type": "radio_buttons", "selected_option": chosen}},
        "text": {"value": {"type": "plain_text_input", "value": text}},
        "quotable": {
            "value": {
                "type": "checkboxes",
                "selected_options": view["blocks"][-1]["element"].get("initial_options", []),
            }
        },
    }
    assert slack.submit(user_id, view, values, view_id=view_id).status_code == 200


def answer_in_slack(
    slack: SlackDriver, user_id: str, text: str, *, impact: str = "strong", view_id: str | None = None
) -> None:
    """Click Answer on the newest DM to the user and submit the form the bot opened."""
    where = spot(slack, slack.dms(user_id)[-1])
    view = open_form(slack, user_id, "ask.answer", where)
    submit_form(slack, user_id, view, text, impact=impact, view_id=view_id or f"V{user_id}")
