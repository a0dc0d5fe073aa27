"""Conversations: follow-up rewriting, streaming answers, export and feedback."""
