"""A member in charge of their answer, from the DM that asked: edit it (the form pre-filled), take it
back (it leaves the scorecard), or put the question off ("Remind me tomorrow", at most twice).
Every click is a signed Slack request; double clicks change nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlmodel import Session, select

from storage.models import Answer, Ask, Job, Member
from tests.conftest import ORG_YAML
from tests.factories import deal_body
from tests.slack.answering import answer_in_slack, block, open_form, spot, submit_form
from tests.slack.conftest import SlackDriver, button, texts


@pytest.fixture
def org_yaml() -> str:
    return ORG_YAML + "min_group_size: 1\n"


def asked(slack: SlackDriver) -> dict[str, Any]:
    assert slack.client.put("/api/deals/hubspot:1", json=deal_body()).status_code == 201
    slack.pump()
    return spot(slack, slack.dms("U0AINO")[-1])


def latest_update(slack: SlackDriver, where: dict[str, Any]) -> dict[str, Any]:
    updates = [c.args for c in slack.fake.calls("chat.update") if c.args["ts"] == where["ts"]]
    assert updates, "the DM was not refreshed"
    return {**where, "blocks": updates[-1]["blocks"]}


def aino_ask(slack: SlackDriver) -> Ask:
    with Session(slack.runtime.engine) as session:
        return session.exec(select(Ask).join(Member).where(Member.email == "aino@example.com")).one()


def marketing_answers(slack: SlackDriver) -> int | None:
    teams = {t["team"]: t for t in slack.client.get("/api/scores", params={"week": "2026-W48"}).json()["teams"]}
    return teams["marketing"]["answers"]


def updates_queued(slack: SlackDriver) -> int:
    with Session(slack.runtime.engine) as session:
        return len(session.exec(select(Job).where(Job.kind == "ask.update")).all())


def test_edit_opens_the_form_prefilled_and_keeps_one_answer(slack: SlackDriver) -> None:
    where = asked(slack)
    answer_in_slack(slack, "U0AINO", "Webinaari toi talousjohtajan 🎉", impact="strong")
    slack.pump()
    answered = latest_update(slack, where)

    form = open_form(slack, "U0AINO", "ask.edit", answered)
    assert block(form, "team")["element"]["initial_option"]["value"] == "marketing"
    assert block(form, "impact")["element"]["initial_option"]["value"] == "strong"
    assert block(form, "text")["element"]["initial_value"] == "Webinaari toi talousjohtajan 🎉"

    submit_form(slack, "U0AINO", form, "Webinaari ja demo 🎉", impact="decisive", view_id="VEDIT")
    with Session(slack.runtime.engine) as session:
        [answer] = session.exec(select(Answer)).all()
        assert (answer.text, answer.impact) == ("Webinaari ja demo 🎉", "decisive")
    slack.pump()
    assert "Webinaari ja demo 🎉" in texts(latest_update(slack, where)["blocks"])


def test_take_back_removes_the_answer_from_the_scorecard_and_reopens_the_ask(slack: SlackDriver) -> None:
    where = asked(slack)
    answer_in_slack(slack, "U0AINO", "Webinaari", impact="strong")
    slack.pump()
    assert marketing_answers(slack) == 1
    answered = latest_update(slack, where)
    take_back = button(answered["blocks"], "ask.withdraw")
    assert take_back["confirm"]["confirm"]["text"] == "Take it back"  # Slack asks "are you sure?" first

    slack.click("U0AINO", take_back, where=answered)
    queued = updates_queued(slack)
    slack.click("U0AINO", take_back, where=answered)  # a double click: nothing left to take back
    assert updates_queued(slack) == queued

    assert slack.client.get("/api/deals/hubspot:1").json()["answers"] == []
    assert aino_ask(slack).status == "pending"
    home = slack.fake.calls("views.publish")[-1].args
    assert home["user_id"] == "U0AINO" and button(home["view"]["blocks"], "ask.answer")  # App Home, at once
    assert marketing_answers(slack) == 0
    slack.pump()
    reopened = latest_update(slack, where)
    assert button(reopened["blocks"], "ask.answer")["text"]["text"] == "Answer"

    answer_in_slack(slack, "U0AINO", "Sittenkin webinaari", view_id="VAGAIN")  # the ask can be answered again, once
    with Session(slack.runtime.engine) as session:
        assert [a.text for a in session.exec(select(Answer)).all()] == ["Sittenkin webinaari"]


def test_someone_else_cannot_take_an_answer_back(slack: SlackDriver) -> None:
    where = asked(slack)
    answer_in_slack(slack, "U0AINO", "Webinaari")
    slack.pump()
    answered = latest_update(slack, where)
    slack.click("U0MIKKO", button(answered["blocks"], "ask.withdraw"), where=answered)
    assert len(slack.client.get("/api/deals/hubspot:1").json()["answers"]) == 1


def test_remind_me_tomorrow_asks_again_on_the_next_ask_day_at_most_twice(slack: SlackDriver) -> None:
    where = asked(slack)  # Wednesday 12:00 in Helsinki
    snooze = button(where["blocks"], "ask.snooze")
    assert snooze["text"]["text"] == "Remind me tomorrow"
    slack.click("U0AINO", snooze, where=where)
    slack.click("U0AINO", snooze, where=where)  # a double click snoozes once
    assert aino_ask(slack).snoozes == 1
    slack.pump()
    shown = latest_update(slack, where)
    assert "I'll ask you again on 2026-11-26 at 09:00" in texts(shown["blocks"])
    assert "ask.snooze" not in str(shown["blocks"]) and button(shown["blocks"], "ask.answer")

    dms = len(slack.dms("U0AINO"))
    slack.clock.set(datetime(2026, 11, 26, 6, 59, tzinfo=UTC))
    slack.pump()
    assert len(slack.dms("U0AINO")) == dms  # not before 09:00 in Helsinki
    slack.clock.set(datetime(2026, 11, 26, 7, 0, tzinfo=UTC))
    slack.pump()
    slack.pump()
    assert len(slack.dms("U0AINO")) == dms + 1
    reminder = spot(slack, slack.dms("U0AINO")[-1])
    assert "Reminder" in texts(reminder["blocks"])

    slack.click("U0AINO", button(reminder["blocks"], "ask.snooze"), where=reminder)  # Thursday → Friday
    assert aino_ask(slack).snoozed_until == datetime(2026, 11, 27, 7, 0, tzinfo=UTC)
    slack.clock.set(datetime(2026, 11, 27, 7, 0, tzinfo=UTC))
    slack.pump()
    slack.pump()
    last = spot(slack, slack.dms("U0AINO")[-1])
    assert "ask.snooze" not in str(last["blocks"])  # twice is the most
    slack.click("U0AINO", snooze, where=where)  # an old button from the first message
    assert aino_ask(slack).snoozes == 2 and aino_ask(slack).snoozed_until is None


def test_snoozing_on_app_home_refreshes_home_and_a_friday_snooze_skips_the_weekend(slack: SlackDriver) -> None:
    slack.clock.set(datetime(2026, 11, 27, 10, 0, tzinfo=UTC))  # Friday
    where = asked(slack)
    slack.click("U0AINO", button(where["blocks"], "ask.snooze"), where={"home": True})
    assert aino_ask(slack).snoozed_until == datetime(2026, 11, 30, 7, 0, tzinfo=UTC)  # Monday 09:00 Helsinki
    home = slack.fake.calls("views.publish")[-1].args["view"]
    assert "I'll ask you again on 2026-11-30 at 09:00" in texts(home["blocks"])
