"""Run every benchmark: `python -m bench`."""

from bench import ledger, scores_command, scoring

ledger.main([])
scoring.main([])
scores_command.main([])
