"""Benchmarks for the speed and memory targets the issues set (never timed unit tests)."""
