"""Offline training of ranking models from the logs."""
