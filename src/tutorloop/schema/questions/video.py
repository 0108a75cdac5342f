"""Question types: video (being written)."""
