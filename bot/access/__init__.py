"""Who may see the dashboard: one-time sign-in links from chat, browser sessions, login throttling."""
