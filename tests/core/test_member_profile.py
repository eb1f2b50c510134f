"""`member_profile`: the organisation file first, then what a platform told us, then the organisation."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session

from bot.people.contacts import Hints
from bot.people.profile import member_profile
from bot.runtime import Runtime
from storage.models import ConversationRef, Member
from tests.conftest import ORG_YAML


@pytest.fixture
def org_yaml() -> str:
    """The shared organisation with a team whose name has an underscore and one with a label."""
    return ORG_YAML.replace("  - {name: product}\n", "  - {name: product}\n  - {name: customer_success}\n")


def saved(runtime: Runtime, member: Member, hint: dict[str, str] | None = None) -> Member:
    with Session(runtime.engine, expire_on_commit=False) as session:
        session.add(member)
        session.flush()
        if hint is not None:
            ref = ConversationRef(platform="slack", key=f"U{member.id}", member_id=member.id, reference=hint)
            ref.updated_at = runtime.now()
            session.add(ref)
        session.commit()
    return member


def test_the_organisation_file_wins_over_the_platform(runtime: Runtime) -> None:
    member = saved(
        runtime,
        Member(email="a@example.com", language="fi", timezone="Asia/Tokyo", created_at=runtime.now()),
        {"user_id": "U1", "language": "en", "timezone": "America/New_York"},
    )
    with Session(runtime.engine) as session:
        profile = member_profile(session, member, runtime.org)
        assert (profile.language, profile.zone) == ("fi", ZoneInfo("Asia/Tokyo"))


def test_the_platforms_hints_come_next_then_the_organisation(runtime: Runtime) -> None:
    hinted = saved(
        runtime,
        Member(email="b@example.com", created_at=runtime.now()),
        {"user_id": "U2", "language": "fi", "timezone": "America/New_York"},
    )
    plain = saved(runtime, Member(email="c@example.com", created_at=runtime.now()))
    with Session(runtime.engine) as session:
        profile = member_profile(session, hinted, runtime.org)
        assert (profile.language, profile.zone) == ("fi", ZoneInfo("America/New_York"))
        assert profile.calendar.zone == ZoneInfo("America/New_York")
        default = member_profile(session, plain, runtime.org)
        assert (default.language, default.zone) == ("en", ZoneInfo("Europe/Helsinki"))


def test_a_fallback_stands_in_only_when_no_platform_has_spoken(runtime: Runtime) -> None:
    with Session(runtime.engine) as session:
        unsaved = member_profile(session, Member(), runtime.org, fallback=Hints(language="fi"))
        assert unsaved.language == "fi"
