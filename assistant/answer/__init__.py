"""Answers from passages: extractive quotes, generated answers, prompts and checking."""
