"""Question types: shapes (being written)."""
