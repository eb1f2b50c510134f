"""Signing in and out over plain HTTP: 401 pages, the one-time link, cookies, CSRF, rate limits."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from bot.app import create_app
from bot.clock import ManualClock
from bot.runtime import Runtime
from storage.models import LoginToken, WebSession
from tests.web.support import csrf_of, login_path, sign_in

PAGES = ["/", "/?period=2026-W48", "/?period=nonsense", "/teams/sales", "/deals", "/deals?page=x", "/deals/acme"]


@pytest.mark.parametrize("path", PAGES)
def test_without_a_session_every_page_is_401_saying_how_to_sign_in(web: TestClient, path: str) -> None:
    response = web.get(path, headers={"accept": "text/html"})
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("text/html")
    assert "/onescore dashboard" in response.text and "dashboard" in response.text


def test_the_401_page_speaks_the_browsers_language_when_it_can(web: TestClient) -> None:
    finnish = web.get("/", headers={"accept-language": "fi-FI,fi;q=0.9,en;q=0.8"})
    assert finnish.status_code == 401 and "Kirjaudu OneScoreen" in finnish.text
    klingon = web.get("/", headers={"accept-language": "tlh"})
    assert "Sign in to OneScore" in klingon.text


def test_a_forged_or_stale_cookie_is_no_session(web: TestClient, runtime: Runtime, clock: ManualClock) -> None:
    web.cookies.set("onescore_session", "made-up")
    assert web.get("/").status_code == 401
    web.cookies.clear()
    sign_in(web, runtime, "aino@example.com")
    assert web.get("/").status_code == 200
    clock.advance(timedelta(hours=12, seconds=1))
    assert web.get("/").status_code == 401


def test_opening_the_link_only_asks_and_the_button_signs_in_once(web: TestClient, runtime: Runtime) -> None:
    path = login_path(runtime, "aino@example.com")
    first_look = web.get(path)
    second_look = web.get(path)  # a chat app's link preview, then the person: both just look
    assert first_look.status_code == second_look.status_code == 200
    assert "Sign in to the OneScore dashboard as Aino?" in second_look.text
    signed = web.post(path, data={"csrf": csrf_of(second_look.text)}, follow_redirects=False)
    assert signed.status_code == 303 and signed.headers["location"] == "/"
    assert web.get("/").status_code == 200

    web.cookies.clear()
    again = web.get(path)
    assert again.status_code == 401 and "expired or has been used" in again.text


def test_the_link_expires_after_ten_minutes(web: TestClient, runtime: Runtime, clock: ManualClock) -> None:
    path = login_path(runtime, "aino@example.com")
    page = web.get(path)
    clock.advance(timedelta(minutes=10))
    late = web.post(path, data={"csrf": csrf_of(page.text)})
    assert late.status_code == 401 and "expired" in late.text
    assert web.get("/").status_code == 401


def test_only_a_hash_of_the_token_and_of_the_session_is_stored(web: TestClient, runtime: Runtime) -> None:
    path = login_path(runtime, "aino@example.com")
    token = path.rsplit("/", 1)[1]
    sign_in_response = web.get(path)
    web.post(path, data={"csrf": csrf_of(sign_in_response.text)})
    cookie = web.cookies["onescore_session"]
    with Session(runtime.engine) as session:
        stored = session.exec(select(LoginToken.token_hash)).all()
        sessions = session.exec(select(WebSession.session_hash)).all()
    assert stored == [hashlib.sha256(token.encode()).hexdigest()]
    assert sessions == [hashlib.sha256(cookie.encode()).hexdigest()]


def test_the_session_cookie_is_httponly_lax_and_lasts_12_hours(web: TestClient, runtime: Runtime) -> None:
    path = login_path(runtime, "aino@example.com")
    page = web.get(path)
    response = web.post(path, data={"csrf": csrf_of(page.text)}, follow_redirects=False)
    cookie = next(v for k, v in response.headers.multi_items() if k == "set-cookie" and "onescore_session=" in v)
    attributes = {part.strip().split("=")[0].lower(): part for part in cookie.split(";")}
    assert {"httponly", "path", "max-age", "samesite"} <= set(attributes)
    assert attributes["samesite"].strip().lower() == "samesite=lax"
    assert attributes["max-age"].strip() == "Max-Age=43200"
    assert "secure" not in attributes  # plain http (the test's public URL): a Secure cookie would never come back


def test_over_https_the_cookies_are_secure(runtime: Runtime) -> None:
    runtime.settings = runtime.settings.model_copy(update={"public_url": "https://onescore.example.com"})
    with TestClient(create_app(runtime, background=False), base_url="https://testserver") as client:
        path = login_path(runtime, "aino@example.com").removeprefix("https://onescore.example.com")
        page = client.get(path)
        assert "secure" in page.headers["set-cookie"].lower()
        response = client.post(path, data={"csrf": csrf_of(page.text)}, follow_redirects=False)
        assert "secure" in response.headers["set-cookie"].lower()


def test_a_sign_in_post_without_the_forms_csrf_token_is_refused(web: TestClient, runtime: Runtime) -> None:
    path = login_path(runtime, "aino@example.com")
    web.get(path)
    assert web.post(path, data={"csrf": "guess"}).status_code == 403
    assert web.post(path, data={}).status_code == 403
    fresh = TestClient(web.app)  # another site's form: no login cookie at all
    assert fresh.post(path, data={"csrf": "x"}).status_code == 403
    assert web.get("/").status_code == 401
    page = web.get(path)  # the token was not used up by the refused posts
    assert web.post(path, data={"csrf": csrf_of(page.text)}).status_code == 200


def test_sign_out_needs_the_csrf_token_and_ends_the_session(web: TestClient, runtime: Runtime) -> None:
    sign_in(web, runtime, "aino@example.com")
    page = web.get("/")
    cookie = web.cookies["onescore_session"]
    assert web.post("/logout", data={"csrf": "forged"}).status_code == 403
    assert web.get("/").status_code == 200
    out = web.post("/logout", data={"csrf": csrf_of(page.text)})
    assert out.status_code == 200 and "signed out" in out.text
    assert web.get("/").status_code == 401
    web.cookies.set("onescore_session", cookie)  # a browser that kept the cookie
    assert web.get("/").status_code == 401


def test_a_restart_keeps_the_session(runtime: Runtime) -> None:
    with TestClient(create_app(runtime, background=False)) as first:
        sign_in(first, runtime, "aino@example.com")
        cookie = first.cookies["onescore_session"]
    with TestClient(create_app(runtime, background=False)) as second:
        second.cookies.set("onescore_session", cookie)
        assert second.get("/").status_code == 200


def test_failed_sign_ins_are_rate_limited_and_a_valid_link_still_works(web: TestClient, runtime: Runtime) -> None:
    """Everyone behind one office NAT or proxy is one client: a stranger's bad links use up its
    failures, yet a colleague's valid link is honoured, and real sign-ins never count."""
    for _ in range(25):
        sign_in(web, runtime, "aino@example.com")
    statuses = [web.get(f"/login/guess{n}").status_code for n in range(25)]
    assert statuses[:20] == [401] * 20
    assert set(statuses[20:]) == {429}
    sign_in(web, runtime, "mikko@example.com")
    assert web.get("/").status_code == 200


def test_without_a_public_url_no_link_is_made(runtime: Runtime) -> None:
    from bot.access.links import PublicUrlMissing, sign_in_link
    from tests.web.support import member_id

    runtime.settings = runtime.settings.model_copy(update={"public_url": None})
    with TestClient(create_app(runtime, background=False)):
        with pytest.raises(PublicUrlMissing, match="ONESCORE_PUBLIC_URL"):
            sign_in_link(runtime, member_id(runtime, "aino@example.com"))
        with Session(runtime.engine) as session:
            assert session.exec(select(LoginToken)).all() == []
