"""Without a valid signature every request to `/slack/events` is 401, whatever its body or headers.

The signature is checked on the raw bytes before anything reads the body, so a body no parser
would survive (nested past any recursion limit, not UTF-8, gzip) and headers of any odd shape are
all answered the same way, and nothing reaches a listener or Slack.
"""

from __future__ import annotations

import gzip
import json
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fakes.slack_requests import command_body, signature
from tests.slack.conftest import SIGNING_SECRET, SlackDriver

NOW = str(int(time.time()))
HELP = command_body(user_id="U0AINO", text="help", command="/onescore", response_url="https://hooks.slack.com/x")

BODIES: dict[str, bytes] = {
    "json nested 1,000 levels": b'{"a":' * 1000 + b"1" + b"}" * 1000,
    "a list nested 5,000 levels": b"[" * 5000 + b"]" * 5000,
    "payload nested 1,000 levels": b"payload=" + b"%7B%22a%22%3A" * 1000 + b"1" + b"%7D" * 1000,
    "not UTF-8": b"command=%2Fonescore&text=\xff\xfe\xc3\x28",
    "gzip": gzip.compress(HELP.encode()),
    "empty": b"",
    "a huge number": b'{"type": ' + b"9" * 5000 + b"}",
}

TIMESTAMPS = {
    "letters": "abc",
    "exponent": "1e3",
    "400 digits": "9" * 400,
    "negative": "-" + NOW,
    "empty": "",
    "spaces around": f" {NOW} ",
    "arabic-indic digits": "١٧٠٠٠٠٠٠٠٠",
    "a float": f"{NOW}.5",
}

SIGNATURES = {
    "v0= and not hex": "v0=" + "z" * 64,
    "v0= and nothing": "v0=",
    "no v0 prefix": "0" * 64,
    "very long": "v0=" + "a" * 100_000,
    "non-ASCII": "v0=" + "ä" * 64,
    "upper-case hex of the right digest": "",
    "another version": "v1=" + "0" * 64,
}


def forged(slack: SlackDriver, body: bytes, headers: dict[str, str]) -> int:
    """Headers go out as UTF-8 bytes, as a client that is not Slack might send them."""
    raw = {name: value.encode() for name, value in headers.items()}
    return slack.client.post("/slack/events", content=body, headers=raw).status_code


@pytest.mark.parametrize("body", BODIES.values(), ids=BODIES.keys())
@pytest.mark.parametrize("encoding", [None, "gzip"])
def test_an_odd_body_without_a_signature_is_401(slack: SlackDriver, body: bytes, encoding: str | None) -> None:
    headers = {"content-type": "application/json", "x-slack-request-timestamp": NOW}
    if encoding:
        headers["content-encoding"] = encoding
    assert forged(slack, body, headers) == 401
    assert forged(slack, body, {**headers, "x-slack-signature": "v0=" + "0" * 64}) == 401


@pytest.mark.parametrize("timestamp", TIMESTAMPS.values(), ids=TIMESTAMPS.keys())
def test_an_odd_timestamp_is_401_even_with_a_signature_made_over_it(slack: SlackDriver, timestamp: str) -> None:
    headers = {
        "content-type": "application/x-www-form-urlencoded",
        "x-slack-request-timestamp": timestamp,
        "x-slack-signature": signature(SIGNING_SECRET, timestamp, HELP),
    }
    assert forged(slack, HELP.encode(), headers) == 401
    del headers["x-slack-signature"]
    assert forged(slack, HELP.encode(), headers) == 401


def test_a_missing_timestamp_is_401(slack: SlackDriver) -> None:
    headers = {"x-slack-signature": signature(SIGNING_SECRET, NOW, HELP)}
    assert forged(slack, HELP.encode(), headers) == 401


@pytest.mark.parametrize("name", SIGNATURES.keys())
def test_an_odd_signature_header_is_401(slack: SlackDriver, name: str) -> None:
    now = str(int(time.time()))
    value = SIGNATURES[name] or signature(SIGNING_SECRET, now, HELP).upper().replace("V0=", "v0=")
    headers = {"x-slack-request-timestamp": now, "content-type": "application/x-www-form-urlencoded"}
    assert forged(slack, HELP.encode(), {**headers, "x-slack-signature": value}) == 401


def test_nothing_unsigned_reached_a_listener_or_slack(slack: SlackDriver) -> None:
    for body in BODIES.values():
        forged(slack, body, {"x-slack-request-timestamp": NOW})
    slack.settle()
    assert [c.method for c in slack.fake.calls(ok_only=False)] == ["auth.test"]  # at start-up; nothing since


HEADER_TEXT = st.text(st.characters(codec="latin-1", exclude_characters="\r\n"), max_size=80)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)
ANY_BODY = st.one_of(
    st.binary(max_size=400),
    JSON_VALUES.map(lambda value: json.dumps(value).encode()),
    JSON_VALUES.map(lambda value: ("payload=" + json.dumps(value)).encode()),
    st.just(HELP.encode()),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    body=ANY_BODY,
    timestamp=st.one_of(st.none(), HEADER_TEXT, st.integers(-(10**20), 10**20).map(str), st.just(NOW)),
    sig=st.one_of(
        st.none(),
        HEADER_TEXT,
        st.text("0123456789abcdef", min_size=64, max_size=64).map("v0={}".format),
    ),
    content_type=st.sampled_from(["application/json", "application/x-www-form-urlencoded", "text/plain", None]),
    encoding=st.sampled_from([None, "gzip", "deflate", "identity"]),
)
def test_any_request_without_a_valid_signature_is_exactly_401(
    slack: SlackDriver,
    body: bytes,
    timestamp: str | None,
    sig: str | None,
    content_type: str | None,
    encoding: str | None,
) -> None:
    headers = {"content-type": content_type, "x-slack-request-timestamp": timestamp, "x-slack-signature": sig}
    headers["content-encoding"] = encoding
    sent = {key: value.encode("latin-1") for key, value in headers.items() if value is not None}
    assert slack.client.post("/slack/events", content=body, headers=sent).status_code == 401
