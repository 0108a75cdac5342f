"""Question types: preference (being written)."""
