"""A refused or invalid form submission never counts as processed, so the corrected one is saved.

Slack keeps a modal's view id and hash while it shows the errors we sent back, so the member's
corrected submission arrives with the same identity as the refused one. Only an accepted
submission may mark that identity as handled; a valid form submitted twice is still saved once.
"""

from __future__ import annotations

from sqlmodel import Session, select

from storage.models import Answer, Deal
from tests.slack.conftest import SlackDriver
from tests.slack.test_ask_flow import close_deal
from tests.slack.test_home_and_commands import deal_values, open_deal_form, replies
from tests.slack.test_trust_and_retries import aino_ask, answer_values, open_answer_form


def stored_answers(slack: SlackDriver) -> list[Answer]:
    with Session(slack.runtime.engine) as session:
        return list(session.exec(select(Answer)).all())


def errors(response) -> dict:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["response_action"] == "errors", body
    return body["errors"]


def test_an_answer_without_an_impact_then_corrected_is_stored_once(slack: SlackDriver) -> None:
    close_deal(slack)
    slack.pump()
    view = open_answer_form(slack)
    incomplete = answer_values(view)
    incomplete["impact"]["value"]["selected_option"] = None

    assert "impact" in errors(slack.submit("U0AINO", view, incomplete, view_id="VA1", view_hash="h"))
    assert stored_answers(slack) == []
    assert slack.submit("U0AINO", view, answer_values(view), view_id="VA1", view_hash="h").content in (b"", b"null")
    assert slack.submit("U0AINO", view, answer_values(view), view_id="VA1", view_hash="h").status_code == 200
    slack.pump()

    [answer] = stored_answers(slack)
    assert answer.impact == "strong"
    assert len(slack.fake.calls("chat.update")) == 1


def test_an_answer_with_a_blank_text_then_corrected_is_stored(slack: SlackDriver) -> None:
    close_deal(slack)
    slack.pump()
    view = open_answer_form(slack)
    assert "text" in errors(slack.submit("U0AINO", view, answer_values(view, text="  "), view_id="VA2"))
    slack.submit("U0AINO", view, answer_values(view, text="Webinaari 🚀"), view_id="VA2")
    assert [a.text for a in stored_answers(slack)] == ["Webinaari 🚀"]


def test_a_submission_refused_as_someone_elses_does_not_block_the_member_s_own(slack: SlackDriver) -> None:
    close_deal(slack)
    slack.pump()
    view = open_answer_form(slack)
    assert "text" in errors(slack.submit("U0MIKKO", view, answer_values(view), view_id="VA3", view_hash="h"))
    slack.submit("U0AINO", view, answer_values(view), view_id="VA3", view_hash="h")
    with Session(slack.runtime.engine) as session:
        assert aino_ask(session).status == "answered"
    assert len(stored_answers(slack)) == 1


def saved_notes(slack: SlackDriver) -> list[str]:
    return [text for text in replies(slack) if text.startswith("Saved")]


def deals(slack: SlackDriver) -> list[Deal]:
    with Session(slack.runtime.engine) as session:
        return list(session.exec(select(Deal)).all())


def test_a_deal_form_without_a_name_then_corrected_is_saved_once(slack: SlackDriver) -> None:
    form = open_deal_form(slack, "U0AINO")
    assert "name" in errors(slack.submit("U0AINO", form, deal_values(amount="100"), view_id="VD1", view_hash="h"))
    assert deals(slack) == []

    corrected = deal_values(name="Kesko pilotti", amount="100")
    for _ in range(2):
        assert slack.submit("U0AINO", form, corrected, view_id="VD1", view_hash="h").content in (b"", b"null")
    slack.settle()

    assert [d.name for d in deals(slack)] == ["Kesko pilotti"]
    assert saved_notes(slack) == ["Saved Kesko pilotti."]


def test_a_deal_form_refused_for_closing_then_corrected_is_saved(slack: SlackDriver) -> None:
    slack.client.put("/api/deals/crm:7", json={"name": "Open deal", "owner": "aino@example.com"})
    [deal] = deals(slack)
    form = open_deal_form(slack, "U0MIKKO")
    closing = deal_values(existing=str(deal.id), stage="won")
    assert "stage" in errors(slack.submit("U0MIKKO", form, closing, view_id="VD2", view_hash="h"))

    slack.submit("U0MIKKO", form, deal_values(existing=str(deal.id), amount="5"), view_id="VD2", view_hash="h")
    assert slack.client.get("/api/deals/crm:7").json()["amount"] == 5
