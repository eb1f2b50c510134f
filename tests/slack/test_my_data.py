"""`/onescore my data` (the export as a JSON file in the person's DM) and `/onescore forget me`
(a confirmation button first, then the erasure), as signed Slack requests."""

from __future__ import annotations

import json
from typing import Any

from sqlmodel import Session, select

from storage.models import Erasure
from tests.factories import deal_body
from tests.slack.answering import answer_in_slack
from tests.slack.conftest import SlackDriver, button


def replies(slack: SlackDriver) -> list[dict[str, Any]]:
    return [c.args for c in slack.fake.calls() if c.method.startswith("response_url:")]


def answered(slack: SlackDriver) -> None:
    assert slack.client.put("/api/deals/hubspot:1", json=deal_body()).status_code == 201
    slack.pump()
    answer_in_slack(slack, "U0AINO", "Mikon webinaari ratkaisi 🎯")


def test_my_data_uploads_the_export_to_the_persons_dm(slack: SlackDriver) -> None:
    answered(slack)
    slack.command("U0AINO", "my data")
    [opened] = [c for c in slack.fake.calls("conversations.open") if c.args.get("users") == "U0AINO"][-1:]
    dm = opened.response["channel"]["id"]
    [shared] = slack.fake.shared_files(channel=dm)
    assert shared["filename"] == "onescore-my-data.json"
    export = json.loads(shared["data"].decode("utf-8"))
    assert export["member"]["email"] == "aino@example.com"
    assert [a["text"] for a in export["answers"]] == ["Mikon webinaari ratkaisi 🎯"]
    assert replies(slack)[-1]["text"] == "Here is everything OneScore stores about you, as a JSON file."


def test_my_data_for_someone_unknown_sends_no_file(slack: SlackDriver) -> None:
    slack.command("U0STRANGER", "my data")
    assert slack.fake.shared_files() == []
    assert replies(slack)[-1]["text"] == "OneScore doesn't know you yet, so nothing is stored about you."


def test_forget_me_asks_first_then_erases_once(slack: SlackDriver) -> None:
    answered(slack)
    before = slack.client.get("/api/scores", params={"week": "2026-W48"}).json()
    slack.command("U0AINO", "forget me")
    confirmation = replies(slack)[-1]
    assert "It cannot be undone." in confirmation["text"]
    assert slack.client.get("/api/members/aino@example.com/export").status_code == 200  # nothing erased yet

    forget = button(confirmation["blocks"], "onescore.forget_me")
    assert forget["style"] == "danger"
    where = {"channel": "D0AINO", "ts": "1700000000.000100", "blocks": confirmation["blocks"]}
    slack.click("U0AINO", forget, where=where)
    slack.click("U0AINO", forget, where=where)  # a double click: nobody left to forget
    first, second = replies(slack)[-2:]
    assert first["text"].startswith("Done: OneScore has forgotten you. You are also listed in its organisation file")
    assert second == {
        "text": "Done: OneScore has forgotten you.",
        "replace_original": True,
        "response_type": "ephemeral",
    }
    assert slack.client.get("/api/members/aino@example.com/export").status_code == 404
    with Session(slack.runtime.engine) as session:
        assert session.exec(select(Erasure.actor)).all() == ["chat"]
    after = slack.client.get("/api/scores", params={"week": "2026-W48"}).json()
    assert {**after, "highlights": []} == {**before, "highlights": []}


def test_other_words_are_unknown_commands(slack: SlackDriver) -> None:
    slack.command("U0AINO", "forget everyone")
    slack.command("U0AINO", "my stuff")
    assert [r["text"].split("“")[1].split("”")[0] for r in replies(slack)[-2:]] == ["forget everyone", "my stuff"]
    assert slack.client.get("/api/members/aino@example.com/export").status_code == 200


def test_forget_me_for_someone_who_joined_in_chat(slack: SlackDriver) -> None:
    slack.command("U0STRANGER", "join marketing")
    assert slack.client.get("/api/members/stranger@example.com/export").json()["member"]["team"] == "marketing"
    slack.command("U0STRANGER", "forget me")
    forget = button(replies(slack)[-1]["blocks"], "onescore.forget_me")
    slack.click("U0STRANGER", forget, where={"channel": "D0STRANGER", "ts": "1700000000.000200"})
    assert replies(slack)[-1]["text"] == "Done: OneScore has forgotten you."
    assert slack.client.get("/api/members/stranger@example.com/export").status_code == 404


def test_a_refused_upload_is_said_not_swallowed(slack: SlackDriver) -> None:
    answered(slack)
    slack.fake.refuse("files.getUploadURLExternal", "missing_scope")
    slack.command("U0AINO", "my data")
    assert slack.fake.shared_files() == []
    assert replies(slack)[-1]["text"] == "Something went wrong on our side. Please try again in a moment."
