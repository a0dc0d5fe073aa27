"""Questions in two languages at once, for training the model to read across languages.

No training set here pairs a question in one language with a passage in another. What can be
made: an English training question with some of its words put into Spanish, French, Russian,
Arabic or Chinese, asked of the same English window with the same label. The words come from
bilingual lexicons induced from multilingual-e5-small itself: each language's most frequent
words (the ``wordfreq`` lists) embedded by the assistant's multilingual model, and an English
word paired with a word of the other language when each is the other's nearest neighbour by
CSLS (cross-domain similarity local scaling, which discounts words near everything).
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import numpy as np

LANGUAGES = ("es", "fr", "ru", "ar", "zh")
WORDS = 15000  # most frequent words per language
NEIGHBOURS = 10  # CSLS's neighbourhood
_WORD = re.compile(r"[^\W\d_]+")


def _vocabulary(language: str, n: int) -> list[str]:
    import wordfreq

    shortest = 1 if language == "zh" else 3
    return [
        w for w in wordfreq.top_n_list(language, n) if _WORD.fullmatch(w) and len(w) >= shortest
    ]


def _vectors(words: list[str]) -> np.ndarray:
    from assistant.store.multilingual import load_multilingual

    model = load_multilingual("e5-small")
    assert model is not None
    return np.concatenate([model.words(words[i : i + 256]) for i in range(0, len(words), 256)])


def induce(english: list[str], e: np.ndarray, other: list[str], o: np.ndarray) -> dict[str, str]:
    """English word -> other word, for the pairs that are each other's CSLS nearest neighbour."""
    sim = e @ o.T
    k = min(NEIGHBOURS, sim.shape[0], sim.shape[1])
    r_e = np.sort(sim, axis=1)[:, -k:].mean(axis=1)
    r_o = np.sort(sim, axis=0)[-k:, :].mean(axis=0)
    csls = 2 * sim - r_e[:, None] - r_o[None, :]
    forward, backward = csls.argmax(axis=1), csls.argmax(axis=0)
    return {
        english[i]: other[int(j)]
        for i, j in enumerate(forward)
        if backward[j] == i and other[int(j)].lower() != english[i].lower()
    }


def lexicons(cache: Path, n: int = WORDS) -> dict[str, dict[str, str]]:
    """Per language, English word -> word; induced once and kept in ``cache`` (JSON)."""
    if cache.is_file():
        loaded: dict[str, dict[str, str]] = json.loads(cache.read_text(encoding="utf-8"))
        return loaded
    english = _vocabulary("en", n)
    e = _vectors(english)
    out = {}
    for language in LANGUAGES:
        other = _vocabulary(language, n)
        out[language] = induce(english, e, other, _vectors(other))
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text(json.dumps(out, ensure_ascii=False, indent=0), encoding="utf-8")
    return out


def switched(question: str, lexicon: dict[str, str], rng: random.Random, share: float) -> str:
    """The question with each word the lexicon knows put into its language with probability
    ``share`` (names, numbers and unknown words stay as written)."""

    def swap(m: re.Match[str]) -> str:
        word = m.group(0)
        if word[0].isupper() and m.start() > 0:
            return word  # a name
        other = lexicon.get(word.lower())
        return other if other and rng.random() < share else word

    return _WORD.sub(swap, question)
