"""Run every benchmark: `python -m bench`."""

from bench import ledger, scoring

ledger.main([])
scoring.main([])
