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
from bot.rounds.answer_form import HELPING_TEAM, IMPACT, FormErrors, read_answer_form
from bot.rounds.answers import AnswerForm, AskAction, NotYourAsk, act_on_ask
from handlers.slack.blocks import ANSWER_MODAL, DEAL_MODAL
from handlers.slack.deal_form import DealForm, save_deal
from handlers.slack.deps import SlackDeps
from handlers.slack.home import publish_home
from handlers.slack.listeners.payload import any_selected, element, metadata, record_id, selected, text
from handlers.slack.respond import PooledRespond
from prompts import message
from storage.db import run_transaction

State = dict[str, dict[str, dict[str, Any]]]


def register(app: AsyncApp, deps: SlackDeps) -> None:
    @app.view(ANSWER_MODAL)
    async def submit_answer(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient) -> None:
        user_id = body["user"]["id"]
        meta = metadata(view)
        member = await deps.directory.member(user_id)
        language = await deps.directory.language(user_id)
        form = _answer_form(deps, view["state"]["values"])
        if isinstance(form, FormErrors):
            await ack(response_action="errors", errors=_form_errors(form, language))
            return
        ask_id, member_id, now = record_id(meta.get("ask_id")) or 0, member.id if member else None, deps.runtime.now()

        def save(session: Session) -> bool:
            changed = act_on_ask(session, ask_id, member_id, AskAction.ANSWER, form=form, source="slack", now=now)
            mark_processed(session, submission_key(view), now)
            return changed

        try:
            changed = await asyncio.to_thread(run_transaction, deps.runtime.engine, save)
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
        if changed:
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


def _answer_form(deps: SlackDeps, values: State) -> AnswerForm | FormErrors:
    """The modal's four inputs, read by the core."""
    return read_answer_form(
        deps.runtime.org,
        helping_team=selected(element(values, "team", "value")),
        impact=selected(element(values, "impact", "value")),
        text=text(element(values, "text", "value").get("value")),
        quotable=any_selected(element(values, "quotable", "value")),
    )


def _form_errors(errors: FormErrors, language: str) -> dict[str, str]:
    """A missing choice is shown under the impact (the form's last choice); unstorable text under the text."""
    if HELPING_TEAM in errors.fields or IMPACT in errors.fields:
        return {"impact": message(language, "modal.impact.label")}
    return {"text": message(language, "modal.text.label")}
