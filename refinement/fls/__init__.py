"""Refinement mappings of the FLS paper (Fekete, Lynch, Shvartsman)."""
