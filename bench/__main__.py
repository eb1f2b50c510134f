"""Run every benchmark: `python -m bench`."""

from bench import crm_webhooks, dashboard, ledger, scores_command, scoring, slack_ack

ledger.main([])
scoring.main([])
dashboard.main([])
scores_command.main([])
crm_webhooks.main([])
slack_ack.main([])
