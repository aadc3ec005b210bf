"""TLC, the Teaching & Learning Companion: a Microsoft Teams bot for teaching-quality work."""
