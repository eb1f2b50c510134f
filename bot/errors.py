"""Errors the core raises about its input; each edge turns them into its own kind of refusal."""

from __future__ import annotations


class InputError(Exception):
    """The caller sent something the ledger cannot accept; `field` names where (dotted path)."""

    kind = "invalid"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class HiddenTeam(InputError):
    """A team too small to be shown apart was asked for where it would be shown apart."""

    kind = "team_hidden"

    def __init__(self, field: str, team: str) -> None:
        super().__init__(field, f"{team!r} is too small a team to be shown apart")


class UnknownMember(InputError):
    kind = "unknown_member"

    def __init__(self, field: str, email: str) -> None:
        super().__init__(field, f"unknown member {email!r}: not in the organisation file, nor found on Slack or Teams")
        self.email = email


class UnknownTeam(InputError):
    kind = "unknown_team"

    def __init__(self, field: str, team: str) -> None:
        super().__init__(field, f"unknown team {team!r}")
        self.team = team


class NotFound(Exception):
    """The thing asked for does not exist."""
