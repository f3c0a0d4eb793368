"""train operators (being written)."""
