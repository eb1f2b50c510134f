"""The dashboard in a real headless Chromium, against the app served by uvicorn.

From a signed `/onescore dashboard` (the fake Slack records the ephemeral reply sent to the
command's response_url) to signing out: the link's single use, every page, hostile names and
answers shown as text with no alert opening, the non-quotable rule. Screenshots of every page at
desktop and phone widths go to $ONESCORE_SCREENSHOTS (or the test's temporary directory).
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.access.links import sign_in_link
from bot.app import create_app
from bot.rounds.loop import AskLoop
from bot.runtime import Runtime
from bot.settings import Settings
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_requests import command_body, signed_headers
from tests.web.live import DESKTOP, PHONE, chromium, free_port, served
from tests.web.support import API, HOSTILE, csrf_of, member_id

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
PORT = free_port()
LINK = re.compile(r"http://127\.0\.0\.1:\d+/login/[A-Za-z0-9_-]+")
SECRET_TEXT = "Only Sanna may read this"


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as slack:
        slack.add_user("U0AINO", "aino@example.com", name="Aino", locale="en-US")
        slack.add_user("U0MIKKO", "mikko@example.com", name="Mikko", locale="fi-FI")
        yield slack


@pytest.fixture
def settings(settings: Settings, fake: FakeSlack) -> Settings:
    return settings.model_copy(
        update={
            "public_url": f"http://127.0.0.1:{PORT}",
            "slack_bot_token": "xoxb-test-token",
            "slack_signing_secret": SIGNING_SECRET,
            "slack_api_url": fake.api_url,
        }
    )


@pytest.fixture
def site(runtime: Runtime) -> Iterator[str]:
    with served(create_app(runtime, background=False), PORT) as url:
        _seed(url)
        asyncio.run(AskLoop(runtime, {}).pump())  # the closed deals' questions, planned (none sent)
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    driver = chromium()
    yield driver
    driver.quit()


def _seed(url: str) -> None:
    with httpx.Client(base_url=url, headers=API) as api:
        deals = [
            ("hostile", HOSTILE, "won", 42000, "2026-11-23"),
            ("paa", "Pää-Äijälä Oy laajennus", "won", 18500, "2026-11-24"),
            ("beta", "Beta pilot", "lost", 7000, "2026-11-24"),
            ("older", "Northwind renewal", "won", 25000, "2026-11-10"),
            ("open", "Contoso expansion", "open", 9000, None),
        ]
        for external_id, name, stage, amount, closed_at in deals:
            body = {
                "name": name,
                "account": "Acme Oy" if external_id != "paa" else "Pää Oy",
                "amount": amount,
                "currency": "EUR",
                "stage": stage,
                "owner": "aino@example.com",
                "participants": [{"member": "mikko@example.com", "team": "marketing"}],
                "created_at": "2026-10-01",
                "closed_at": closed_at,
            }
            assert api.put(f"/api/deals/{external_id}", json=body).status_code == 201
        answers = [
            ("hostile", "mikko@example.com", "marketing", f"Webinaari {HOSTILE} auttoi 🎉", True),
            ("hostile", "sanna@example.com", "hr", SECRET_TEXT, False),
            ("paa", "olli@example.com", "product", "The demo of the new reporting made the case.", True),
        ]
        for external_id, member, team, text, quotable in answers:
            body = {"member": member, "helping_team": team, "impact": "strong", "text": text, "quotable": quotable}
            assert api.post(f"/api/deals/{external_id}/answers", json=body).status_code == 201


def slack_link(site: str, fake: FakeSlack, user_id: str) -> str:
    """`/onescore dashboard` signed as Slack signs it; the link from the ephemeral reply."""
    body = command_body(
        user_id=user_id, text="dashboard", command="/onescore", response_url=fake.response_url(f"dash-{user_id}")
    )
    response = httpx.post(f"{site}/slack/events", content=body.encode(), headers=signed_headers(SIGNING_SECRET, body))
    assert response.status_code == 200
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        replies = [c.args for c in fake.calls() if c.method == f"response_url:dash-{user_id}"]
        if replies:
            assert replies[0]["response_type"] == "ephemeral"
            found = LINK.search(replies[0]["text"])
            assert found, replies[0]
            return found.group(0)
        time.sleep(0.05)
    raise AssertionError("no reply to /onescore dashboard")


def no_alert(browser: Any) -> None:
    from selenium.common.exceptions import NoAlertPresentException

    with pytest.raises(NoAlertPresentException):
        browser.switch_to.alert  # noqa: B018  # reading it is the check


def click(browser: Any, element: Any) -> None:
    """Click something that loads a new page, and wait until the new page has replaced the old one."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.expected_conditions import staleness_of
    from selenium.webdriver.support.ui import WebDriverWait

    old = browser.find_element(By.TAG_NAME, "html")
    element.click()
    WebDriverWait(browser, 10).until(lambda driver: _replaced(staleness_of(old), driver))


def _replaced(stale: Any, driver: Any) -> bool:
    """Chromium, asked about the old page while it is being torn down, may answer "node does not belong
    to the document" instead of "stale element": that too means the old page is gone."""
    from selenium.common.exceptions import WebDriverException

    try:
        return bool(stale(driver))
    except WebDriverException as exc:
        if "does not belong to the document" in (exc.msg or ""):
            return True
        raise


def sign_in_with(browser: Any, link: str) -> None:
    from selenium.webdriver.common.by import By

    browser.get(link)
    click(browser, browser.find_element(By.CSS_SELECTOR, "form.login button[type=submit]"))
    assert browser.find_element(By.TAG_NAME, "h1").text.startswith("Scorecard")


def test_from_slack_through_every_page_to_sign_out(browser: Any, site: str, fake: FakeSlack) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    browser.delete_all_cookies()
    browser.get(site + "/")
    assert "/onescore dashboard" in browser.find_element(By.TAG_NAME, "main").text

    link = slack_link(site, fake, "U0AINO")
    sign_in_with(browser, link)
    no_alert(browser)
    page = browser.find_element(By.TAG_NAME, "main").text
    assert "€60,500" in page  # won this week: 42,000 + 18,500
    assert f"Webinaari {HOSTILE} auttoi 🎉" in page  # a quotable answer, as text
    assert SECRET_TEXT not in page

    click(browser, browser.find_element(By.LINK_TEXT, "Marketing"))
    assert browser.find_element(By.TAG_NAME, "h1").text == "Team: Marketing"
    assert browser.find_elements(By.CSS_SELECTOR, "table.data tbody tr")

    click(browser, browser.find_element(By.LINK_TEXT, "Deals"))
    Select(browser.find_element(By.ID, "stage")).select_by_value("won")
    click(browser, browser.find_element(By.CSS_SELECTOR, "form.filters button[type=submit]"))
    names = [cell.text for cell in browser.find_elements(By.CSS_SELECTOR, "table.deals tbody th")]
    assert HOSTILE in names and "Beta pilot" not in names and "Contoso expansion" not in names
    no_alert(browser)

    click(browser, browser.find_element(By.LINK_TEXT, HOSTILE))
    no_alert(browser)
    assert browser.find_element(By.TAG_NAME, "h1").text == HOSTILE
    main = browser.find_element(By.TAG_NAME, "main").text
    assert SECRET_TEXT not in main
    assert "Not for quoting: only the team and the impact are shown." in main
    assert "Waiting for an answer" in main  # the asks: team and status, never who or what
    assert "How did marketing help" not in main

    click(browser, browser.find_element(By.LINK_TEXT, "Insights"))
    assert browser.find_element(By.TAG_NAME, "h1").text == "Insights · 11/2026"
    assert SECRET_TEXT not in browser.find_element(By.TAG_NAME, "main").text
    no_alert(browser)

    click(browser, browser.find_element(By.CSS_SELECTOR, "form.sign-out button"))
    assert "signed out" in browser.find_element(By.TAG_NAME, "main").text
    browser.get(site + "/deals")
    assert "/onescore dashboard" in browser.find_element(By.TAG_NAME, "main").text

    browser.get(link)  # the same link again: used up
    assert "expired or has been used" in browser.find_element(By.TAG_NAME, "main").text
    assert not browser.find_elements(By.CSS_SELECTOR, "form.login")


def test_the_author_and_admins_read_an_unquotable_answer(browser: Any, site: str, runtime: Runtime) -> None:
    from selenium.webdriver.common.by import By

    for email, yours in (("sanna@example.com", True), ("ville@example.com", False)):
        browser.delete_all_cookies()
        sign_in_with(browser, sign_in_link(runtime, member_id(runtime, email)).url)
        browser.get(site + "/deals/hostile")
        main = browser.find_element(By.TAG_NAME, "main").text
        assert SECRET_TEXT in main
        assert "Not for quoting: shown to its author and admins only." in main
        assert ("Your answer" in main) is yours
        no_alert(browser)


def test_the_keyboard_reaches_every_link_and_button(browser: Any, site: str, fake: FakeSlack) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    browser.delete_all_cookies()
    sign_in_with(browser, slack_link(site, fake, "U0AINO"))
    body = browser.find_element(By.TAG_NAME, "body")
    body.send_keys(Keys.TAB)
    first = browser.switch_to.active_element
    assert first.text == "Skip to the content"
    first.send_keys(Keys.ENTER)
    reached = set()
    for _ in range(40):
        browser.switch_to.active_element.send_keys(Keys.TAB)
        element = browser.switch_to.active_element
        reached.add(element.text or element.get_attribute("name") or element.tag_name)
    assert {"Deals", "Sign out", "Download as CSV"} <= reached


def test_screenshots_of_every_page_at_desktop_and_phone_widths(
    browser: Any, site: str, fake: FakeSlack, tmp_path: Path
) -> None:
    shots = Path(os.environ.get("ONESCORE_SCREENSHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    browser.delete_all_cookies()
    browser.get(site + "/")
    _shoot(browser, shots, "401")
    for user_id, language in (("U0AINO", "en"), ("U0MIKKO", "fi")):
        browser.delete_all_cookies()
        link = slack_link(site, fake, user_id)
        browser.get(link)
        _shoot(browser, shots, f"{language}-login")
        click(browser, browser.find_element("css selector", "form.login button[type=submit]"))
        for name, path in (
            ("scorecard", "/?period=2026-W48"),
            ("scorecard-quarter", "/?period=2026-Q4"),
            ("team", "/teams/marketing?period=2026-W48"),
            ("deals", "/deals"),
            ("deal", "/deals/hostile"),
            ("bad-period", "/?period=2026-W60"),
        ):
            browser.get(site + path)
            no_alert(browser)
            _shoot(browser, shots, f"{language}-{name}")
    ours = [shot for shot in shots.glob("*.png") if not shot.name.startswith("insights-")]  # that test's own
    assert len(ours) == 2 * (1 + 2 * 7)


def _shoot(browser: Any, shots: Path, name: str) -> None:
    for label, (width, height) in (("desktop", DESKTOP), ("phone", PHONE)):
        browser.set_window_size(width, height)
        full = browser.execute_script("return document.documentElement.scrollHeight")
        browser.set_window_size(width, max(height, int(full) + 120))
        browser.save_screenshot(str(shots / f"{name}-{label}.png"))
        wide, room = browser.execute_script(
            "return [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        assert wide <= room, f"{name} at {label} width scrolls sideways: {wide} px of content in {room} px"
    browser.set_window_size(*DESKTOP)


def test_the_access_log_never_holds_a_sign_in_token(
    site: str, fake: FakeSlack, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every logger at INFO, the level `onescore serve` runs at: the link's way from Slack to sign-in.

    The access log is read from its own logger: a uvicorn started elsewhere with uvicorn's default
    log config (another test) stops it propagating to the root logger that caplog listens on."""
    access_logger = logging.getLogger("uvicorn.access")
    monkeypatch.setattr(access_logger, "disabled", False)
    monkeypatch.setattr(access_logger, "handlers", [*access_logger.handlers, caplog.handler])
    with caplog.at_level(logging.INFO), caplog.at_level(logging.INFO, logger="uvicorn.access"):
        link = slack_link(site, fake, "U0AINO")
        token = link.rsplit("/", 1)[1]
        with httpx.Client() as browser:
            page = browser.get(link)
            assert page.status_code == 200
            assert browser.post(link, data={"csrf": csrf_of(page.text)}).status_code == 303
        assert httpx.get(f"{site}/login/{token}x").status_code == 401
        deadline = time.monotonic() + 5
        while not [r for r in caplog.records if r.name == "uvicorn.access"] and time.monotonic() < deadline:
            time.sleep(0.02)
    access = [record.getMessage() for record in caplog.records if record.name == "uvicorn.access"]
    assert any("/login/…" in line for line in access), access
    assert all(token not in line for line in access), access
    ours = [r for r in caplog.records if not r.name.startswith("httpx")]  # httpx logs this test's own requests
    leaks = [f"{r.name}: {r.getMessage()}" for r in ours if token in r.getMessage()]
    assert leaks == []


INSIGHTS_ANSWERS = [
    ("hostile", "aino@example.com", "marketing", "decisive", "The webinar brought their whole board in.", True),
    ("paa", "aino@example.com", "marketing", "strong", "Their CFO watched our webinar recording twice.", True),
    ("older", "ville@example.com", "marketing", "strong", "A webinar on reporting started the renewal talks.", True),
    ("paa", "olli@example.com", "marketing", "some", "The webinar answered the integration questions.", False),
    ("beta", "aino@example.com", "marketing", "none", "A price comparison against the competitor.", True),
    ("beta", "ville@example.com", "marketing", "none", "An earlier price calculator would have helped.", True),
    ("beta", "olli@example.com", "marketing", "none", "Price was the issue; a price sheet sooner.", True),
    ("beta", "sanna@example.com", "marketing", "none", "A reference customer from their own industry.", True),
    ("beta", "mikko@example.com", "marketing", "none", "A call with a reference customer earlier.", True),
]
"""Enough answers about marketing for themes and lost lessons to show (the organisation's min_group_size is
1); one of them not for quoting."""


def test_the_insights_page_at_desktop_and_phone_widths(
    browser: Any, site: str, fake: FakeSlack, runtime: Runtime
) -> None:
    """Themes, lost lessons and agreement in both languages; the hostile deal name and answer as text.
    Screenshots go to $ONESCORE_SCREENSHOTS as insights-{language}-{width}.png."""
    from selenium.webdriver.common.by import By

    with httpx.Client(base_url=site, headers=API) as api:
        for external_id, member, team, impact, text, quotable in INSIGHTS_ANSWERS:
            body = {"member": member, "helping_team": team, "impact": impact, "text": text, "quotable": quotable}
            assert api.post(f"/api/deals/{external_id}/answers", json=body).status_code == 201
        expected = api.get("/api/insights", params={"period": "2026-11"}).json()
    [marketing] = [entry for entry in expected["teams"] if entry["team"] == "marketing"]
    assert marketing["themes"] and expected["lost_lessons"]
    shots = Path(os.environ.get("ONESCORE_SCREENSHOTS") or tempfile.mkdtemp())
    shots.mkdir(parents=True, exist_ok=True)
    for email, language, heading in (
        ("aino@example.com", "en", "Insights · 11/2026"),
        ("mikko@example.com", "fi", "Havainnot · 11/2026"),
    ):
        browser.delete_all_cookies()
        browser.get(sign_in_link(runtime, member_id(runtime, email)).url)
        click(browser, browser.find_element(By.CSS_SELECTOR, "form.login button[type=submit]"))
        browser.get(site + "/insights")
        no_alert(browser)
        assert browser.find_element(By.TAG_NAME, "h1").text == heading
        main = browser.find_element(By.TAG_NAME, "main").text
        assert "The webinar brought their whole board in." in main
        assert "The webinar answered the integration questions." not in main  # not for quoting
        assert SECRET_TEXT not in main
        labels = [element.text for element in browser.find_elements(By.CSS_SELECTOR, ".theme h4")]
        assert labels == [theme["label"] for theme in marketing["themes"]]
        captions = [element.text for element in browser.find_elements(By.CSS_SELECTOR, ".theme .quote figcaption")]
        assert f"— {HOSTILE}" in captions  # the hostile deal's name, as text
        _shoot(browser, shots, f"insights-{language}")
    assert len(list(shots.glob("insights-*.png"))) >= 4
