"""Who the members are and how each chat platform reaches them."""
