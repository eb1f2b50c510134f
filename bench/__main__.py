"""Run every benchmark: `python -m bench`."""

from bench import crm_webhooks, ledger, scoring

ledger.main([])
scoring.main([])
crm_webhooks.main([])
