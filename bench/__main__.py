"""Run every benchmark: `python -m bench`."""

from bench import crm_webhooks, dashboard, directory_sync, erasure, insights, ledger, scores_command, scoring, slack_ack

ledger.main([])
scoring.main([])
dashboard.main([])
insights.main([])
scores_command.main([])
crm_webhooks.main([])
slack_ack.main([])
directory_sync.main([])
erasure.main([])
