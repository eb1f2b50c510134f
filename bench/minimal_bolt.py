"""The floor to measure OneScore's Slack acknowledgements against: a Bolt `AsyncApp` on FastAPI that only acks.

It verifies the signature exactly as OneScore does (Bolt's own check) and acknowledges every slash command
with an empty 200, nothing else: no database, no reply, no middleware of ours. Whatever OneScore spends
above this is ours to explain.

    python bench/minimal_bolt.py --port 9000   (SLACK_SIGNING_SECRET, SLACK_BOT_TOKEN, SLACK_API_URL set)
"""

from __future__ import annotations

import argparse
import logging
import os

import uvicorn
from fastapi import FastAPI, Request
from slack_bolt.adapter.fastapi.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient


def build() -> FastAPI:
    bolt = AsyncApp(
        signing_secret=os.environ["SLACK_SIGNING_SECRET"],
        client=AsyncWebClient(token=os.environ["SLACK_BOT_TOKEN"], base_url=os.environ["SLACK_API_URL"]),
        process_before_response=True,
    )

    @bolt.command("/onescore")
    async def acknowledge(ack) -> None:  # type: ignore[no-untyped-def]
        await ack()

    handler = AsyncSlackRequestHandler(bolt)
    api = FastAPI()

    @api.post("/slack/events")
    async def events(request: Request):  # type: ignore[no-untyped-def]
        return await handler.handle(request)

    @api.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return api


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    uvicorn.run(build(), host="127.0.0.1", port=args.port, log_config=None, proxy_headers=True)


if __name__ == "__main__":
    main()
