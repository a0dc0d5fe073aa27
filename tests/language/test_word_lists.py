"""No rule list holds a word only our documents use: every word the package lists or writes into
a pattern is English (pyspellchecker's list) or found in text nobody here wrote (the benchmarks'
corpora), unless the seed documents are the only place it appears."""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

from spellchecker import SpellChecker

import assistant

ROOT = Path(__file__).resolve().parents[2]
# Where the language rules live: reading questions, scoring and answering, follow-ups.
RULE_PACKAGES = ("language", "retrieval", "answer", "chat")
WORD = re.compile(r"[a-z]{3,}")


def _vocabulary(folder: Path) -> set[str]:
    words: set[str] = set()
    for path in folder.rglob("*"):
        if path.is_file() and path.suffix in {".txt", ".md", ".html"}:
            words |= set(WORD.findall(path.read_text(encoding="utf-8", errors="ignore").lower()))
    return words


def _listed_words() -> dict[str, set[str]]:
    """Per module constant: the words of a collection of strings, a word-list string or a
    compiled pattern."""
    found: dict[str, set[str]] = {}
    for info in pkgutil.walk_packages(assistant.__path__, "assistant."):
        if info.name.split(".")[1] not in RULE_PACKAGES:
            continue
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if isinstance(value, re.Pattern):
                text = str(value.pattern)
            elif isinstance(value, (tuple, list, set, frozenset)) and value:
                if not all(isinstance(v, str) for v in value):
                    continue
                text = " ".join(value)
            elif isinstance(value, str) and name.isupper():
                text = value
            else:
                continue
            found[f"{info.name}.{name}"] = set(WORD.findall(text.lower()))
    return found


def test_no_rule_list_holds_a_word_only_the_seed_documents_use():
    english = set(SpellChecker().word_frequency.dictionary)
    elsewhere = english | _vocabulary(ROOT / "evals" / "benchmarks")
    seed_only = _vocabulary(ROOT / "corpus") - elsewhere
    assert len(seed_only) > 10  # the check can fail: our documents do have words of their own
    listed = _listed_words()
    assert sum(len(words) for words in listed.values()) > 1000
    offending = {name: sorted(words & seed_only) for name, words in listed.items()}
    assert {name: words for name, words in offending.items() if words} == {}
