"""Insights: what the answers' free text says — themes of help per team, lessons of lost deals, agreement."""
