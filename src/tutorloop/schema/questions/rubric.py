"""Question types: rubric (being written)."""
