"""Fetching, parsing and extracting what the tracker reads: feeds, article pages, transcripts."""
