"""Quiz engine models arrive with the quiz issue (#5)."""
