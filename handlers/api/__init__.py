"""The REST API: deals, answers, scores and health, for CRMs, scripts and web forms."""
