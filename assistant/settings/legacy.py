"""The flat setting names of earlier versions, and where each one went."""

from __future__ import annotations

import os
from typing import Any

from pydantic import BaseModel
from pydantic_settings import PydanticBaseSettingsSource

ENV_PREFIX = "ASSISTANT_"

LEGACY: dict[str, tuple[str, ...]] = {
    "max_document_mb": ("index", "max_document_mb"),
    "embedding_model": ("index", "embedding_model"),
    "embedding_device": ("index", "embedding_device"),
    "embedding_batch_size": ("index", "embedding_batch_size"),
    "embedding_backend": ("index", "embedding_backend"),
    "chunk_tokens": ("index", "chunk_tokens"),
    "chunk_overlap_tokens": ("index", "chunk_overlap_tokens"),
    "exact_search_below": ("index", "ann", "exact_below"),
    "vector_index": ("index", "ann", "kind"),
    "ivf_lists": ("index", "ann", "ivf_lists"),
    "ivf_probe": ("index", "ann", "ivf_probe"),
    "hnsw_m": ("index", "ann", "hnsw_m"),
    "hnsw_ef_construction": ("index", "ann", "hnsw_ef_construction"),
    "hnsw_ef_search": ("index", "ann", "hnsw_ef_search"),
    "search_threads": ("index", "ann", "search_threads"),
    **{
        name: ("retrieval", name)
        for name in [
            "top_k",
            "candidates",
            "dense_weight",
            "bm25_weight",
            "rrf_k",
            "sentence_weight",
            "sentence_dense_share",
            "duplicate_threshold",
            "correct_typos",
        ]
    },
    "answerer": ("answer", "answerer"),
    "answer_max_words": ("answer", "max_words"),
    "answer_max_sentences": ("answer", "max_sentences"),
    "refusal_threshold": ("answer", "refusal_threshold"),
    "no_match_threshold": ("answer", "no_match_threshold"),
    "max_question_chars": ("answer", "max_question_chars"),
    **{
        f"llm_{name}": ("llm", name)
        for name in [
            "base_url",
            "model",
            "api_key",
            "timeout",
            "context_tokens",
            "max_answer_tokens",
            "passages",
            "model_path",
        ]
    },
    "feedback_path": ("app", "feedback_path"),
    "concurrency_limit": ("app", "concurrency_limit"),
    "app_username": ("app", "username"),
    "app_password": ("app", "password"),
    "auth_file": ("app", "auth_file"),
}


def nest(values: dict[str, Any]) -> dict[str, Any]:
    """Values with their flat (earlier) names moved into their groups; nested ones kept."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        path = LEGACY.get(key)
        if path is None:
            if isinstance(value, BaseModel):
                value = value.model_dump()
            if isinstance(value, dict) and isinstance(out.get(key), dict):
                merge(out[key], value)
            else:
                out[key] = value
            continue
        target = out
        for part in path[:-1]:
            inner = target.get(part)
            if isinstance(inner, BaseModel):
                inner = inner.model_dump()
            target[part] = inner = dict(inner or {})
            target = inner
        target[path[-1]] = value
    return out


def merge(into: dict[str, Any], values: dict[str, Any]) -> None:
    for key, value in values.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            merge(into[key], value)
        else:
            into[key] = value


class FlatEnvSource(PydanticBaseSettingsSource):
    """Env vars with the earlier flat names (ASSISTANT_REFUSAL_THRESHOLD, ..._APP_USERNAME)."""

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        found = {
            name: os.environ[ENV_PREFIX + name.upper()]
            for name in LEGACY
            if ENV_PREFIX + name.upper() in os.environ
        }
        return nest(found)
