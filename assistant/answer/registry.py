"""The built-in answerers by name: settings, the CLI, evaluation and the docs read this list."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from assistant.errors import SettingsError

if TYPE_CHECKING:  # the names alone are read by the CLI, which must start fast
    from assistant.answer.types import Answerer
    from assistant.settings import Settings
    from assistant.store.embeddings import Embedder

AnswererFactory = Callable[["Settings", "Embedder"], "Answerer"]


def _extractive(settings: Settings, embedder: Embedder) -> Answerer:
    from assistant.answer.extractive import ExtractiveAnswerer

    return ExtractiveAnswerer.from_settings(settings)


def _generated(settings: Settings, embedder: Embedder) -> Answerer:
    # LangChain's chat-model stack takes about half a second to import: only for LLMs.
    from assistant.answer.generation import build_answerer

    return build_answerer(settings, embedder)


ANSWERERS: dict[str, tuple[AnswererFactory, str]] = {
    "extractive": (_extractive, "quotes the sentences that answer (default; no model)"),
    "local": (_generated, "the bundled SmolLM2-135M-Instruct run in-process (needs [llm])"),
    "openai": (_generated, "an OpenAI-compatible server at llm.base_url (needs [llm])"),
}
BUILTIN: tuple[str, ...] = tuple(ANSWERERS)


def check(name: str) -> str:
    """The name, if it is a built-in answerer's; else a SettingsError listing the names."""
    if name not in ANSWERERS:
        raise SettingsError(
            f"Invalid settings: answer.answerer: unknown answerer {name!r}; "
            f"known: {', '.join(ANSWERERS)}"
        )
    return name


def build(settings: Settings, embedder: Embedder) -> Answerer:
    """The answerer settings.answer.answerer names."""
    return ANSWERERS[check(settings.answer.answerer)][0](settings, embedder)
