"""Microsoft Teams edge: the Bot Framework endpoint, its activities and cards, and the ChatPlatform it satisfies."""
