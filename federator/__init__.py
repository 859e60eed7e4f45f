"""federator."""
