"""The edges: one module or package per way in or out (REST API, Slack, Teams, CRM webhooks)."""
