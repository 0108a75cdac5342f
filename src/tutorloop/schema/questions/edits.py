"""Question types: edits (being written)."""
