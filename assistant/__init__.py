"""Cited answers about local production of health products, from your own documents, offline."""

__version__ = "0.1.0"

from assistant.answering import Answer, Citation
from assistant.api import Assistant
from assistant.errors import AssistantError
from assistant.retrieval import Hit
from assistant.settings import Settings, load_settings

__all__ = ["Answer", "Assistant", "AssistantError", "Citation", "Hit", "Settings", "load_settings"]
