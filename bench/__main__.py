"""Run every benchmark: `python -m bench`."""

from bench import crm_webhooks, ledger, scores_command, scoring

ledger.main([])
scoring.main([])
scores_command.main([])
crm_webhooks.main([])
