"""Settings: groups, one source of defaults, and the flat names of earlier versions."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.answer.extractive import ExtractiveAnswerer
from assistant.answer.registry import BUILTIN
from assistant.errors import SettingsError
from assistant.settings import LEGACY, AnswerSettings, Settings, load_settings, settings_with


def test_groups_hold_the_defaults_once():
    s = load_settings()
    assert s.answer.refusal_threshold == AnswerSettings().refusal_threshold
    answerer = ExtractiveAnswerer()
    assert answerer.refusal_threshold == s.answer.refusal_threshold
    assert answerer.max_words == s.answer.max_words
    assert s.index.ann.kind == "ivf" and s.retrieval.top_k == 5


def test_a_settings_file_from_before_the_groups_still_loads(tmp_path: Path, monkeypatch):
    old = tmp_path / "old.toml"
    old.write_text(
        'refusal_threshold = 0.6\nvector_index = "hnsw"\nllm_timeout = 5.0\ntop_k = 7\n'
        'app_username = "chair"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("ASSISTANT_CONFIG", str(old))
    s = load_settings()
    assert s.answer.refusal_threshold == 0.6
    assert s.index.ann.kind == "hnsw"
    assert s.llm.timeout == 5.0
    assert s.retrieval.top_k == 7
    assert s.app.username == "chair"


def test_nested_file_and_env_vars(tmp_path: Path, monkeypatch):
    new = tmp_path / "new.toml"
    new.write_text("[answer]\nrefusal_threshold = 0.55\n[retrieval]\ntop_k = 3\n", "utf-8")
    monkeypatch.setenv("ASSISTANT_CONFIG", str(new))
    monkeypatch.setenv("ASSISTANT_RETRIEVAL__TOP_K", "4")
    monkeypatch.setenv("ASSISTANT_APP_PASSWORD", "secret")  # the flat name README documents
    s = load_settings()
    assert s.answer.refusal_threshold == 0.55  # from the file
    assert s.retrieval.top_k == 4  # env beats the file
    assert s.app.password is not None and s.app.password.get_secret_value() == "secret"
    assert load_settings(top_k=9).retrieval.top_k == 9  # arguments beat both


def test_changes_by_either_name_are_validated():
    base = load_settings()
    changed = settings_with(base, refusal_threshold=0.0, retrieval={"top_k": 2})
    assert changed.answer.refusal_threshold == 0.0 and changed.retrieval.top_k == 2
    assert changed.answer.max_words == base.answer.max_words  # the rest unchanged
    with pytest.raises(SettingsError, match="refusal_threshold"):
        settings_with(base, refusal_threshold=2)
    with pytest.raises(SettingsError, match="chunk_overlap_tokens must be smaller"):
        load_settings(chunk_tokens=32, chunk_overlap_tokens=32)
    with pytest.raises(SettingsError, match="no_such_setting"):
        load_settings(no_such_setting=1)


def test_every_flat_name_lands_on_a_field():
    for flat, path in LEGACY.items():
        model: type = Settings
        for part in path[:-1]:
            model = model.model_fields[part].annotation
        assert path[-1] in model.model_fields, flat


def test_the_answerer_names_come_from_the_registry():
    assert BUILTIN == ("extractive", "local", "openai")
    from assistant.answer.registry import check

    with pytest.raises(SettingsError, match="known: extractive, local, openai"):
        check("poet")


def test_the_readme_names_every_builtin_answerer():
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    row = next(line for line in readme.splitlines() if line.startswith("| `answer.answerer`"))
    assert all(f"`{name}`" in row for name in BUILTIN)
