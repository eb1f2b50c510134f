"""Scorecards posted to channels: exactly once per (channel, period), weekly and on demand."""
