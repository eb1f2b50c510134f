"""Notices for the organisation's admins: things only a person can fix, kept until a chat adapter says them.

Why a queue and not a log line alone: the service may run with no chat platform connected, and an
admin should still hear, once, that a CRM deal's owner is not a member (their deals would otherwise
count for nobody's team). A notice is a job in the `admin_notices` queue; its `dedupe_key` makes the
same problem reported twice one notice. `bot.notices.delivery` sends it to every member whose role
is admin, each in their own language.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from bot.durable.jobs import enqueue

ADMIN_NOTICES_QUEUE = "admin_notices"
CRM_OWNER_UNMATCHED = "crm_owner_unmatched"


def notify_admins(
    session: Session,
    *,
    kind: str,
    key: str,
    message: str,
    values: dict[str, str],
    details: dict[str, Any],
    now: datetime,
) -> bool:
    """Queue a notice in the caller's transaction; False when the same `key` was reported before.

    The notice is the catalogue key `message` with its `values`, not text: each admin reads it in
    their own language."""
    return enqueue(
        session,
        queue=ADMIN_NOTICES_QUEUE,
        kind=kind,
        payload={"message": message, "values": values, **details},
        now=now,
        dedupe_key=f"notice:{kind}:{key}"[:255],
    )
