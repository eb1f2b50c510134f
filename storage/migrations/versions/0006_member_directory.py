"""members learnt from the chat platforms' directories

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 07:00:00

`members.source` says how OneScore learnt of a person (`file`, `platform`, `self`),
`members.team_source` who set their home team (`file`, `platform`, `self`, `admin`), `active`
whether a platform still lists them (deleted people and bots are never asked) and
`directory_seen_at` when a directory sync last saw them.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import storage.types

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False, server_default="self")
        )
        batch_op.add_column(sa.Column("team_source", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True))
        batch_op.add_column(sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()))
        batch_op.add_column(sa.Column("directory_seen_at", storage.types.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_column("directory_seen_at")
        batch_op.drop_column("active")
        batch_op.drop_column("team_source")
        batch_op.drop_column("source")
