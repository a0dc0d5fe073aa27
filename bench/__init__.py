"""Benchmarks: they report figures; tests never fail on a timing."""
