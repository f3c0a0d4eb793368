"""fill operators (being written)."""
