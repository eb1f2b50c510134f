"""A closed deal becomes Slack DMs to the right people, and their answers come back through the forms."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from storage.models import Answer, Ask, Member
from tests.factories import deal_body
from tests.slack.conftest import SlackDriver, button, texts

ACME = deal_body()


def close_deal(slack: SlackDriver, external_id: str = "hubspot:1", **changes: Any) -> None:
    response = slack.client.put(f"/api/deals/{external_id}", json={**ACME, **changes})
    assert response.status_code in (200, 201), response.text


def only_dm(slack: SlackDriver, user_id: str) -> dict[str, Any]:
    dms = slack.dms(user_id)
    assert len(dms) == 1, dms
    return dms[0]


def where(dm_call: dict[str, Any], slack: SlackDriver) -> dict[str, Any]:
    """Where a DM landed (channel and ts, from Slack's answer to that chat.postMessage)."""
    posted = next(c for c in slack.fake.calls("chat.postMessage") if c.args is dm_call)
    return {"channel": posted.response["channel"], "ts": posted.response["ts"], "blocks": dm_call["blocks"]}


def test_a_won_deal_asks_the_owner_and_the_other_teams_participant_in_their_own_language(
    slack: SlackDriver,
) -> None:
    close_deal(slack)
    report = slack.pump()
    assert report.asks_created == 2

    to_aino = texts(only_dm(slack, "U0AINO")["blocks"])
    assert "Deal won: Acme renewal (Acme Oy, €50,000, owner Aino)" in to_aino
    assert "How did marketing help win Acme renewal?" in to_aino

    to_mikko = texts(only_dm(slack, "U0MIKKO")["blocks"])  # Finnish from the organisation file
    assert "Acme renewal" in to_mikko and "Kauppa voitettu" in to_mikko
    assert "Answer" not in to_mikko

    assert slack.dms("U0OLLI") == [] and slack.dms("U0SANNA") == []


def test_the_dm_has_the_three_buttons(slack: SlackDriver) -> None:
    close_deal(slack)
    slack.pump()
    blocks = only_dm(slack, "U0AINO")["blocks"]
    assert [button(blocks, a)["text"]["text"] for a in ("ask.answer", "ask.decline", "ask.not_sure")] == [
        "Answer",
        "Didn't help",
        "Not sure",
    ]


def test_a_member_without_a_slack_id_is_found_by_email_and_asked_in_slacks_language(
    slack: SlackDriver,
) -> None:
    close_deal(slack, participants=[{"member": "sanna@example.com"}])
    slack.pump()
    assert slack.fake.calls("users.lookupByEmail")[0].args["email"] == "sanna@example.com"
    to_sanna = texts(only_dm(slack, "U0SANNA")["blocks"])
    assert "Kauppa voitettu" in to_sanna  # her Slack locale is fi-FI and the file names no language
    with Session(slack.runtime.engine) as session:
        sanna = session.exec(select(Member).where(Member.email == "sanna@example.com")).one()
        assert sanna.slack_id == "U0SANNA"

    close_deal(slack, "hubspot:2", participants=[{"member": "sanna@example.com"}])
    slack.pump()
    assert len(slack.fake.calls("users.lookupByEmail")) == 1


def test_answer_button_opens_the_form_and_the_submission_is_logged_and_shown(slack: SlackDriver) -> None:
    close_deal(slack)
    slack.pump()
    dm = only_dm(slack, "U0AINO")
    spot = where(dm, slack)

    assert slack.click("U0AINO", button(dm["blocks"], "ask.answer"), where=spot).status_code == 200
    opened = slack.fake.calls("views.open")[-1].args["view"]
    team_block = next(b for b in opened["blocks"] if b.get("block_id") == "team")
    assert team_block["element"]["initial_option"]["value"] == "marketing"
    impact_block = next(b for b in opened["blocks"] if b.get("block_id") == "impact")
    strong = next(o for o in impact_block["element"]["options"] if o["value"] == "strong")

    values = {
        "team": {"value": {"type": "static_select", "selected_option": team_block["element"]["initial_option"]}},
        "impact": {"value": {"type": "radio_buttons", "selected_option": strong}},
        "text": {"value": {"type": "plain_text_input", "value": "The webinar got their CFO on board 🎉"}},
        "quotable": {
            "value": {
                "type": "checkboxes",
                "selected_options": opened["blocks"][-1]["element"]["initial_options"],
            }
        },
    }
    response = slack.submit("U0AINO", opened, values, view_id="V1")
    assert response.status_code == 200 and response.content in (b"", b"null", b"{}"), response.content

    body = slack.client.get("/api/deals/hubspot:1").json()
    assert body["answers"] == [
        {
            "member": "aino@example.com",
            "helping_team": "marketing",
            "impact": "strong",
            "text": "The webinar got their CFO on board 🎉",
            "quotable": True,
            "answered_at": body["answers"][0]["answered_at"],
        }
    ]

    slack.pump()
    update = slack.fake.calls("chat.update")[-1].args
    assert (update["channel"], update["ts"]) == (spot["channel"], spot["ts"])
    shown = texts(update["blocks"])
    assert "Answered: marketing – Strong" in shown and "The webinar got their CFO on board 🎉" in shown
    assert "Thanks!" in shown
    assert button(update["blocks"], "ask.edit")["text"]["text"] == "Edit"


def test_didnt_help_and_not_sure_close_the_ask_and_update_the_dm(slack: SlackDriver) -> None:
    close_deal(slack, participants=[{"member": "mikko@example.com"}, {"member": "sanna@example.com"}])
    slack.pump()
    aino_dms = slack.dms("U0AINO")
    assert len(aino_dms) == 2  # about marketing and about HR
    first, second = aino_dms
    slack.click("U0AINO", button(first["blocks"], "ask.decline"), where=where(first, slack))
    slack.click("U0AINO", button(second["blocks"], "ask.not_sure"), where=where(second, slack))
    slack.pump()

    with Session(slack.runtime.engine) as session:
        statuses = sorted(a.status for a in session.exec(select(Ask).where(Ask.member_id == 1)).all())
        assert statuses == ["declined", "not_sure"]
        assert session.exec(select(Answer)).all() == []
    updates = [texts(c.args["blocks"]) for c in slack.fake.calls("chat.update")]
    assert any("didn't help with Acme renewal" in u for u in updates)
    assert any("we won't ask you about Acme renewal again" in u for u in updates)


def test_an_answer_logged_through_the_api_marks_the_delivered_dm_answered(slack: SlackDriver) -> None:
    close_deal(slack)
    slack.pump()
    dm = only_dm(slack, "U0MIKKO")
    answer = {"member": "mikko@example.com", "helping_team": "marketing", "impact": "strong", "text": "Webinaari 🎯"}
    assert slack.client.post("/api/deals/hubspot:1/answers", json=answer).status_code == 201
    slack.pump()
    posted = where(dm, slack)
    updates = [c.args for c in slack.fake.calls("chat.update") if c.args["ts"] == posted["ts"]]
    assert updates, "the DM was not refreshed"
    assert "Answer" not in [b.get("text", {}).get("text") for b in _buttons(updates[-1]["blocks"])]
    with Session(slack.runtime.engine) as session:
        ask = session.exec(select(Ask).join(Member).where(Member.email == "mikko@example.com")).one()
        assert ask.status == "answered"


def _buttons(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for b in blocks if b.get("type") == "actions" for e in b.get("elements", [])]
