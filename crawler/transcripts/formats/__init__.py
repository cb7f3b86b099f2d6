"""The formats a transcript comes in: plain text (any encoding), HTML pages, JSON documents, PDF.

Each turns its input into text for crawler.transcripts.layouts, or (JSON with speaker turns)
straight into a Layout.
"""
