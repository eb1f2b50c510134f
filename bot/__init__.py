"""OneScore's platform-neutral core: settings, the organisation, the deal ledger, scoring, scheduling."""
