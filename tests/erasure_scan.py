"""The whole-database scan that erasure tests rely on: every text and JSON column of every table."""

from __future__ import annotations

import json

from sqlalchemy import JSON, String, select
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

import storage.models  # noqa: F401  (every table in the metadata)


def rows_holding(engine: Engine, traces: set[str]) -> list[str]:
    """Every (table, column) whose stored value contains one of `traces`, over every table."""
    found = []
    with engine.connect() as connection:
        for table in SQLModel.metadata.sorted_tables:
            columns = [c for c in table.columns if isinstance(c.type, JSON | String)]
            for row in connection.execute(select(*columns)) if columns else []:
                for column, value in zip(columns, row, strict=True):
                    if value is None:
                        continue
                    stored = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
                    found += [f"{table.name}.{column.name}: {t!r}" for t in traces if t in stored]
    return found
