"""Solver models built from `models` objects; results come back as `models` plan objects."""
