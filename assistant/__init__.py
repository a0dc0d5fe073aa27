"""Cited answers about local production of health products, from your own documents, offline."""

from assistant._version import __version__ as __version__
from assistant.answer.types import Answer, Citation
from assistant.api import Assistant
from assistant.errors import AssistantError
from assistant.retrieval.hits import Hit
from assistant.settings import Settings, load_settings

__all__ = ["Answer", "Assistant", "AssistantError", "Citation", "Hit", "Settings", "load_settings"]
