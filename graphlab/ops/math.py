"""math operators (being written)."""
