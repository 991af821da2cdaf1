"""Outcome letters and assessment summaries: built in the letters issue."""
