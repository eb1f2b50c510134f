"""drop insights changes

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 17:10:00

`insights_changes` (migrations 0013, 0014), one counter for the whole ledger, is superseded by the
per-month counters of `ledger_changes` (0015), which both the scorecard's per-period cache and the
insights cache read. Nothing reads it any more, and on PostgreSQL every writing transaction still
updated its one row at commit, so it goes with its triggers. A downgrade brings both back as 0013
and 0014 made them.
"""

import importlib.util
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_EARLIER = ("0013_insights_changes.py", "0014_member_changes.py")


def upgrade() -> None:
    for name in reversed(_EARLIER):
        _earlier(name).downgrade()


def downgrade() -> None:
    for name in _EARLIER:
        _earlier(name).upgrade()


def _earlier(file_name: str) -> ModuleType:
    """An earlier revision's module, read from this folder (revision files are not importable by name)."""
    path = Path(__file__).with_name(file_name)
    spec = importlib.util.spec_from_file_location(f"onescore_revision_{file_name[:4]}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
