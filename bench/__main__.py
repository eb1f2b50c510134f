"""Run every benchmark: `python -m bench`."""

from bench import ledger

ledger.main([])
