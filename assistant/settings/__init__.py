"""Every knob in one typed object, in groups (index, retrieval, answer, llm, app).

Values come from arguments, env vars or a TOML file. Nested names: ``[answer]`` tables in TOML,
``ASSISTANT_ANSWER__REFUSAL_THRESHOLD`` in the environment, ``answer={"refusal_threshold": 0.5}``
as an argument. The flat names of earlier versions (``refusal_threshold``,
``ASSISTANT_APP_USERNAME``, ``dense_weight = 0`` at the top of a TOML file) still load:
``LEGACY`` says where each one went.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from assistant.errors import SettingsError
from assistant.settings.groups import (
    GROUPS,
    AnnSettings,
    AnswerSettings,
    AppSettings,
    IndexSettings,
    LlmSettings,
    RetrievalSettings,
    RuleSettings,
)
from assistant.settings.legacy import ENV_PREFIX, LEGACY, FlatEnvSource, merge, nest

CONFIG_ENV = "ASSISTANT_CONFIG"
DEFAULT_CONFIG_FILE = "assistant.toml"

__all__ = [
    "CONFIG_ENV",
    "DEFAULT_CONFIG_FILE",
    "ENV_PREFIX",
    "GROUPS",
    "LEGACY",
    "AnnSettings",
    "AnswerSettings",
    "AppSettings",
    "IndexSettings",
    "LlmSettings",
    "RetrievalSettings",
    "RuleSettings",
    "Settings",
    "load_settings",
    "nest",
    "settings_with",
]


class Settings(BaseSettings):
    """All settings, in groups, each field with a default and a description."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_nested_delimiter="__", extra="forbid", frozen=True
    )

    corpus_dir: Path = Field(default=Path("corpus"), description="Folder of source documents.")
    index_dir: Path = Field(default=Path("index"), description="Folder where the index is built.")
    index: IndexSettings = Field(default_factory=IndexSettings, description=IndexSettings.__doc__)
    retrieval: RetrievalSettings = Field(
        default_factory=RetrievalSettings, description=RetrievalSettings.__doc__
    )
    answer: AnswerSettings = Field(
        default_factory=AnswerSettings, description=AnswerSettings.__doc__
    )
    llm: LlmSettings = Field(default_factory=LlmSettings, description=LlmSettings.__doc__)
    app: AppSettings = Field(default_factory=AppSettings, description=AppSettings.__doc__)
    rules: RuleSettings = Field(default_factory=RuleSettings, description=RuleSettings.__doc__)

    @model_validator(mode="before")
    @classmethod
    def _legacy_names(cls, values: Any) -> Any:
        return nest(values) if isinstance(values, dict) else values

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Arguments beat env vars (nested, then flat), which beat the TOML file.
        toml_file = os.environ.get(CONFIG_ENV, DEFAULT_CONFIG_FILE)
        return (
            init_settings,
            env_settings,
            FlatEnvSource(settings_cls),
            TomlConfigSettingsSource(settings_cls, toml_file),
        )


def load_settings(**overrides: Any) -> Settings:
    """Build Settings, turning validation problems into one readable SettingsError."""
    clean = {k: v for k, v in overrides.items() if v is not None}
    named = os.environ.get(CONFIG_ENV)
    if named and not Path(named).is_file():
        # Asked for by name (--config, ASSISTANT_CONFIG): running on defaults instead would
        # hide the mistake. The default assistant.toml is optional.
        raise SettingsError(f"settings file not found: {named}")
    try:
        return Settings(**clean)
    except ValidationError as exc:
        raise SettingsError(_invalid(exc)) from None
    except (OSError, ValueError) as exc:  # unreadable or malformed TOML file
        raise SettingsError(f"Could not read settings: {exc}") from None


def settings_with(settings: Settings, **changes: Any) -> Settings:
    """A copy of the settings with some fields changed (flat or nested names), validated like new
    settings (a falsy value such as refusal_threshold=0.0 is a change too; None is no change)."""
    update = nest({k: v for k, v in changes.items() if v is not None})
    merged = settings.model_dump()
    merge(merged, update)
    try:
        return type(settings).model_validate(merged)
    except ValidationError as exc:
        raise SettingsError(_invalid(exc)) from None


def _invalid(exc: ValidationError) -> str:
    problems = "; ".join(
        f"{'.'.join(str(p) for p in err['loc']) or 'settings'}: {err['msg']}"
        for err in exc.errors()
    )
    return f"Invalid settings: {problems}"
