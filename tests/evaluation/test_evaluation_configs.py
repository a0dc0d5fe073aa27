"""Evaluation configurations: names, TOML files, their own indexes, registered answerers."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.answer.extractive import ExtractiveAnswerer
from assistant.api import Assistant
from assistant.evaluation.configs import (
    ANSWERERS,
    CACHE_FOLDER,
    PRESETS,
    ConfigError,
    EvalConfig,
    parse_configs,
    register_answerer,
)
from assistant.evaluation.metrics import claims
from assistant.evaluation.systems import open_config
from assistant.settings import load_settings


def test_names_aliases_and_the_baseline():
    configs, baseline = parse_configs("hybrid, dense-only,bm25,langchain")
    assert [c.name for c in configs] == ["hybrid", "dense", "bm25"] and baseline
    assert configs[1].overrides == {"bm25_weight": 0.0, "sentence_weight": 0.0}
    default, named = parse_configs(None)
    assert [c.name for c in default][:3] == ["hybrid", "dense", "bm25"] and not named
    (local,) = parse_configs("llm-local")[0]
    assert local.overrides == {"answerer": "local"}
    for bad, message in (("nope", "unknown configuration 'nope'"), ("bm25,bm25", "twice")):
        with pytest.raises(ConfigError, match=message):
            parse_configs(bad)


def test_configurations_from_toml(tmp_path: Path):
    path = tmp_path / "configs.toml"
    path.write_text(
        '[strict]\nrefusal_threshold = 0.5\ndescription = "refuses more"\n'
        '[lexical]\npreset = "bm25"\ntop_k = 7\n'
        '[generated]\nanswerer = "openai"\n',
        encoding="utf-8",
    )
    strict, lexical, generated = parse_configs(str(path))[0]
    assert strict.overrides == {"refusal_threshold": 0.5} and strict.description == "refuses more"
    assert lexical.overrides == {**PRESETS["bm25"].overrides, "top_k": 7}
    assert generated.overrides == {"answerer": "openai"} and generated.answerer == "openai"
    base = load_settings()
    assert strict.settings(base).answer.refusal_threshold == 0.5

    path.write_text('[x]\nanswerer = "oracle"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="unknown answerer 'oracle'"):
        parse_configs(str(path))
    path.write_text("[x]\nrefusal_treshold = 0.5\n", encoding="utf-8")
    (typo,) = parse_configs(str(path))[0]
    with pytest.raises(ConfigError, match=r"configuration 'x'.*refusal_treshold"):
        typo.settings(base)
    path.write_text("not toml [", encoding="utf-8")
    with pytest.raises(ConfigError, match="cannot read configurations"):
        parse_configs(str(path))


def test_chunking_changes_get_their_own_index(tmp_path: Path):
    base = load_settings(index_dir=tmp_path / "index")
    assert PRESETS["dense"].index_dir(base) == base.index_dir
    small = PRESETS["chunks96"].index_dir(base)
    assert small.parent == base.index_dir / CACHE_FOLDER
    assert small != PRESETS["chunks224"].index_dir(base)


def test_a_registered_answerer_is_used(assistant: Assistant):
    register_answerer(
        "one-sentence",
        lambda settings, embedder: ExtractiveAnswerer(
            settings.answer.model_copy(update={"max_words": 80, "max_sentences": 1})
        ),
    )
    try:
        config = parse_configs("one-sentence")[0][0]
        system = open_config(config, assistant.settings, assistant.embedder)
        assert system.assistant.index.version == assistant.index.version  # no rebuild
        answer = system.ask("What are the objectives of the KORUS Global Vaccine Partnership?")
        assert not answer.refused and len(claims(answer.text)) == 1
    finally:
        del ANSWERERS["one-sentence"]
    assert EvalConfig("x").answerer == "extractive"
