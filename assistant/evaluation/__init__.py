"""Measuring answers against gold question sets: metrics, configurations, runs and reports."""
