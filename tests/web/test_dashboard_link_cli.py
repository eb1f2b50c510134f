"""`onescore dashboard-link EMAIL`: a sign-in link for the first admin, printed and nowhere else."""

from __future__ import annotations

import hashlib
import re

from sqlmodel import Session, select

from storage.db import make_engine
from storage.models import LoginToken
from tests.test_cli import env as env  # the real-process environment fixture
from tests.test_cli import run

PUBLIC = "https://onescore.example.com"


def test_it_prints_a_working_one_time_link(env: dict[str, str]) -> None:
    done = run(["dashboard-link", "Aino@Example.com"], {**env, "ONESCORE_PUBLIC_URL": PUBLIC + "/"})
    assert done.returncode == 0, done.stderr
    link = done.stdout.strip()
    assert re.fullmatch(re.escape(PUBLIC) + r"/login/[A-Za-z0-9_-]{40,}", link)
    token = link.rsplit("/", 1)[1]
    assert token not in done.stderr
    engine = make_engine(env["DATABASE_URL"])
    with Session(engine) as session:
        assert session.exec(select(LoginToken.token_hash)).all() == [hashlib.sha256(token.encode()).hexdigest()]
    engine.dispose()


def test_an_unknown_email_or_a_missing_public_url_is_one_clear_line(env: dict[str, str]) -> None:
    unknown = run(["dashboard-link", "nobody@example.com"], {**env, "ONESCORE_PUBLIC_URL": PUBLIC})
    assert unknown.returncode == 1 and "no member with the email 'nobody@example.com'" in unknown.stderr
    no_url = run(["dashboard-link", "aino@example.com"], {**env, "ONESCORE_PUBLIC_URL": ""})
    assert no_url.returncode == 2 and "ONESCORE_PUBLIC_URL" in no_url.stderr
    assert "Traceback" not in unknown.stderr + no_url.stderr
