"""Question types: spans (being written)."""
