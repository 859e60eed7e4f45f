"""webapp."""
