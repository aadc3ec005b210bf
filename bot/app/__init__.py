"""Use cases and routing: what happens on a turn, independent of the Bot Framework."""
