"""The outcome scorecard: attribution, the figures, their history, and how they are shown."""
