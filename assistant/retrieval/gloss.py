"""A question in another language, read word by word as the documents' own English words.

No translation model ships offline. The multilingual model can still say which word of the
passages lies nearest each word of a question ("deuxième" → "second", "vaccins" → "vaccines").
The words so read are not a translation and are never shown: they give the lexical side (BM25,
the share of the question a passage mentions, the kind of answer asked for) something to read.
"""

from __future__ import annotations

import logging
import re

import numpy as np

from assistant.store.multilingual import MultilingualEmbedder, WordVectors

# Words and numbers as written; Chinese has no spaces and is cut into words by jieba.
_TOKEN = re.compile(r"[^\W\d_]+|\d+(?:[.,]\d+)*")
_UNSPACED = ("zh",)
_REMEMBERED = 10_000  # questions read, kept for when they are asked again
# Scripts in which a word in Latin letters is a name or an acronym as written ("KORUS", "GMP").
_NON_LATIN = ("ar", "zh", "ru", "ja", "ko", "el", "he", "hi", "fa", "uk", "bg")


class Glosser:
    """Reads each word of a question as the passages' word nearest it in the multilingual
    model's space; names, acronyms and numbers are kept as written."""

    def __init__(self, words: WordVectors, model: MultilingualEmbedder) -> None:
        self.words = words
        self.model = model
        # Each question's words are read once; a question is read whole, all its words in one
        # call: an int8 model quantises a call's activations with one scale, so reading only
        # the words the process had not met yet would make the same question read differently
        # depending on what was asked before it.
        self._read: dict[tuple[str, ...], dict[str, str]] = {}

    def read(self, text: str, language: str) -> str:
        """The question's words as the documents' words, in the question's order."""
        tokens = _tokens(text, language)
        if not len(self.words.words):
            return " ".join(tokens) + "?" if tokens else ""
        asked = tuple(dict.fromkeys(w.lower() for w in tokens if not _as_written(w, language)))
        nearest = self._read.get(asked)
        if nearest is None:
            nearest = {}
            if asked:
                best = np.argmax(self.model.words(list(asked)) @ self.words.vectors.T, axis=1)
                nearest = {w: self.words.words[int(i)] for w, i in zip(asked, best, strict=True)}
            if len(self._read) > _REMEMBERED:
                self._read.clear()
            self._read[asked] = nearest
        read = [t if _as_written(t, language) else nearest[t.lower()] for t in tokens]
        return " ".join(read) + "?" if read else ""


def _tokens(text: str, language: str) -> list[str]:
    if language in _UNSPACED:
        import jieba

        jieba.setLogLevel(logging.WARNING)  # not its dictionary-loading notes on every start
        return [t for piece in jieba.lcut(text) for t in _TOKEN.findall(piece)]
    # One letter is an elided article or pronoun ("l'", "d'", "s'"), not a word to read.
    return [t for t in _TOKEN.findall(text) if len(t) > 1 or t.isdigit()]


def _as_written(token: str, language: str) -> bool:
    if token[0].isdigit():
        return True
    latin = token.isascii() and token.isalpha()
    return latin and (token.isupper() or language in _NON_LATIN)
