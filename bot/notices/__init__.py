"""Notices for admins: what only a person can fix, queued until a chat platform says it."""
