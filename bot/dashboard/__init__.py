"""What the web dashboard shows beyond the scorecard itself: deals, one deal, a team over time."""
