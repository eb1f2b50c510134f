"""Persistence: SQLModel tables, the engine, sessions and Alembic migrations."""
