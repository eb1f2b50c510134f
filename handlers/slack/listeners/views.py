"""Form submissions: an answer to an ask, and a deal registered or closed from chat.

The answer is written before the acknowledgement (a few milliseconds), so a refusal can be shown
in the form itself; everything that talks to Slack afterwards (the DM update, App Home) runs
after the acknowledgement. A form counts as processed (by its view id and hash) only in the
transaction that saves it: Slack keeps both while the form shows our errors, so a refused or
invalid submission must leave no mark, or the member's corrected one would be dropped. A valid
form submitted again is recognised and acknowledged without a second save or reply; even
without that the answer would be stored once: one answer per ask.
"""

from __future__ import annotations

import asyncio
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient
from sqlmodel import Session

from bot.durable.dedupe import AlreadyProcessed, mark_processed
from bot.errors import InputError, NotFound
from bot.ledger.text import storable
from bot.rounds.answers import AnswerForm, Change, NotYourAsk, answer_ask
from handlers.slack.blocks import ANSWER_MODAL, DEAL_MODAL
from handlers.slack.deal_form import DealForm, save_deal
from handlers.slack.deps import SlackDeps
from handlers.slack.home import publish_home
from handlers.slack.listeners.payload import any_selected, element, metadata, record_id, selected, text
from handlers.slack.respond import PooledRespond
from prompts import message
from storage.db import run_transaction
from storage.models import Impact

State = dict[str, dict[str, dict[str, Any]]]


def register(app: AsyncApp, deps: SlackDeps) -> None:
    @app.view(ANSWER_MODAL)
    async def submit_answer(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient) -> None:
        user_id = body["user"]["id"]
        meta = metadata(view)
        member = await deps.directory.member(user_id)
        language = await deps.directory.language(user_id)
        form = _answer_form(view["state"]["values"])
        if form is None:
            await ack(response_action="errors", errors={"impact": message(language, "modal.impact.label")})
            return
        ask_id, member_id, now = record_id(meta.get("ask_id")) or 0, member.id if member else None, deps.runtime.now()

        def save(session: Session) -> Change:
            change = answer_ask(session, ask_id, member_id, form, source="slack", now=now)
            mark_processed(session, submission_key(view), now)
            return change

        try:
            change = await asyncio.to_thread(run_transaction, deps.runtime.engine, save)
        except AlreadyProcessed:
            await ack()
            return
        except (NotYourAsk, NotFound):
            await ack(response_action="errors", errors={"text": message(language, "ask.not_yours")})
            return
        except InputError as exc:
            block, key = ("text", "modal.text.label") if exc.field == "text" else ("team", "error.generic")
            await ack(response_action="errors", errors={block: message(language, key)})
            return
        await ack()
        if change is not Change.UNCHANGED:
            deps.wake()
        if meta.get("origin") == "home":
            deps.later.run(publish_home(deps, client, user_id), name=f"App Home for {user_id}")

    @app.view(DEAL_MODAL)
    async def submit_deal(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient) -> None:
        user_id = body["user"]["id"]
        language = await deps.directory.language(user_id)
        form = DealForm.from_state(view["id"], view["state"]["values"])
        try:
            outcome = await save_deal(deps, user_id, form, language, once=submission_key(view))
        except AlreadyProcessed:
            await ack()
            return
        if outcome.errors:
            await ack(response_action="errors", errors=outcome.errors)
            return
        await ack()
        deps.nudge()
        response_url = text(metadata(view).get("response_url"))
        if response_url:
            saved = message(language, "deal_modal.saved", deal=outcome.deal_name)
            reply = PooledRespond(response_url, client)(text=saved, response_type="ephemeral")
            deps.later.run(reply, name=f"deal saved note for {user_id}")


def submission_key(view: dict[str, Any]) -> str:
    """A form's identity across resubmissions: Slack keeps the view id, and the hash until the view changes."""
    return f"slack:view:{view.get('id')}:{view.get('hash')}"


def _answer_form(values: State) -> AnswerForm | None:
    """The submitted answer, or None when a choice is missing. A blank text means "keep the stored
    one" (the form leaves the box empty when the stored answer is too long for Slack's input)."""
    team = selected(element(values, "team", "value"))
    impact = selected(element(values, "impact", "value"))
    written = text(element(values, "text", "value").get("value")) or ""
    quotable = any_selected(element(values, "quotable", "value"))
    if team is None or impact not in {i.value for i in Impact}:
        return None
    try:
        storable(written)
    except ValueError:
        written = ""
    return AnswerForm(
        helping_team=team, impact=Impact(impact), text=written if written.strip() else None, quotable=quotable
    )
