"""The Slack manifest the bot prints is one Slack accepts: it validates against Slack's own schema.

The schemas live outside the repository (../shared/schemas); without them the test is skipped.
Their `$ref`s name GitHub URLs, resolved here to the local copies so nothing is fetched.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft7Validator
from referencing import Registry, Resource

from handlers.slack.manifest import slack_manifest

SCHEMAS = Path(__file__).resolve().parents[2].parent / "shared" / "schemas"
REMOTE = "https://raw.githubusercontent.com/slackapi/manifest-schema/v0.5.0/schemas/"


def manifest_validator() -> Draft7Validator:
    if not (SCHEMAS / "slack-manifest.schema.json").exists():
        pytest.skip("../shared/schemas is not here")
    resources = []
    for version in ("1.0.0", "2.0.0"):
        schema = json.loads((SCHEMAS / f"slack-manifest.schema.{version}.json").read_text(encoding="utf-8"))
        resources.append((f"{REMOTE}manifest.schema.{version}.json", Resource.from_contents(schema)))
    root = json.loads((SCHEMAS / "slack-manifest.schema.json").read_text(encoding="utf-8"))
    return Draft7Validator(root, registry=Registry().with_resources(resources))


def problems(manifest: dict[str, Any]) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in manifest_validator().iter_errors(manifest)]


@pytest.mark.parametrize(
    "manifest",
    [
        slack_manifest("https://onescore.example.com/"),
        slack_manifest("https://onescore.example.com/base", name="OneScore Äänekoski"),
        slack_manifest(None, socket_mode=True),
    ],
    ids=["http", "http-under-a-path", "socket-mode"],
)
def test_the_printed_manifest_validates_against_slacks_schema(manifest: dict[str, Any]) -> None:
    assert problems(manifest) == []


def test_the_schema_check_can_fail() -> None:
    broken = slack_manifest("https://onescore.example.com/")
    broken["features"]["slash_commands"][0]["command"] = "scores without a slash"
    broken["oauth_config"]["scopes"]["bot"].append("not a scope")
    assert problems(broken)
