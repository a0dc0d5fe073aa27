"""Does this passage answer the question? A cross-encoder reads both together.

Term coverage and embedding similarity tell a passage on the topic from one off it; they cannot
tell "leaf-shaped" from "flower-shaped", or a budget that is named from one that is not. The
bundled model (``models/answerability/``, multilingual-e5-small's first layers: see its model
card and retrieval/cross_encoder.py) reads the question, in any language, with a window of a
passage (a candidate sentence and its neighbours, after the document's title) and gives the
probability that it answers. It reranks the fused candidates and feeds the refusal gate
(answer/gate.py) and the choice of the sentences an answer quotes.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from threading import Lock
from typing import Any, Protocol

import numpy as np

from assistant.errors import SettingsError
from assistant.language.questions import Question
from assistant.retrieval.cross_encoder import WEIGHTS, E5CrossAnswerability, read_config
from assistant.retrieval.hits import Hit
from assistant.settings import RetrievalSettings
from assistant.store.onnx_backend import onnx_session

# The model shipped in the repository, beside the package.
BUNDLED = Path(__file__).resolve().parents[2] / "models" / "answerability"
OFF = "none"


class AnswerabilityModel(Protocol):
    """Scores (title, sentence) pairs against a question: probability each one answers it."""

    name: str

    def score(self, question: str, sentences: Sequence[tuple[str, str]]) -> list[float]:
        """Per (title, sentence): the probability (0-1) that it answers the question."""
        ...


class OnnxAnswerability:
    """A cross-encoder exported to ONNX, with its tokenizer and config.json (see the model
    card): onnxruntime and tokenizers only, no torch."""

    def __init__(self, folder: Path, threads: int | None = None) -> None:
        from tokenizers import Tokenizer

        try:
            config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
            self.separator = str(config["separator"])
            max_length = int(config["max_length"])
            model_file = folder / str(config.get("model_file", "model.onnx"))
            self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise SettingsError(f"Cannot load the answerability model in {folder}: {exc}") from None
        self.name = folder.name
        self.tokenizer.enable_truncation(max_length=max_length, strategy="longest_first")
        self.tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        self.session = onnx_session(model_file, threads)
        self.inputs = {i.name for i in self.session.get_inputs()}

    def score(self, question: str, sentences: Sequence[tuple[str, str]]) -> list[float]:
        """Per (title, sentence): the probability (0-1) that it answers the question."""
        if not sentences:
            return []
        pairs = [
            (question.strip(), f"{title}{self.separator}{text}".strip() if title else text.strip())
            for title, text in sentences
        ]
        encoded = self.tokenizer.encode_batch(pairs)
        feeds = {
            "input_ids": np.array([e.ids for e in encoded], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask for e in encoded], dtype=np.int64),
            "token_type_ids": np.array([e.type_ids for e in encoded], dtype=np.int64),
        }
        logits = self.session.run(None, {k: v for k, v in feeds.items() if k in self.inputs})[0]
        return [_sigmoid(float(x)) for x in np.asarray(logits).reshape(-1)]


class CrossEncoderAnswerability:
    """A sentence-transformers CrossEncoder folder of one output (for users who have one)."""

    def __init__(self, folder: Path, device: str = "cpu") -> None:
        from sentence_transformers import CrossEncoder

        try:
            self.model: Any = CrossEncoder(str(folder), device=device, local_files_only=True)
        except (OSError, ValueError) as exc:
            raise SettingsError(f"Cannot load the cross-encoder in {folder}: {exc}") from None
        self.name = folder.name

    def score(self, question: str, sentences: Sequence[tuple[str, str]]) -> list[float]:
        """Per (title, sentence): the model's score, as a probability."""
        if not sentences:
            return []
        pairs = [(question, f"{title} | {text}" if title else text) for title, text in sentences]
        raw = self.model.predict(pairs, show_progress_bar=False)
        return [float(x) if 0.0 <= float(x) <= 1.0 else _sigmoid(float(x)) for x in raw]


def load_answerability(name: str, threads: int | None = None) -> AnswerabilityModel | None:
    """The model a setting names: "bundled", "none" (no model), or a folder (the e5
    cross-encoder's weights, an ONNX export with config.json, or a sentence-transformers
    CrossEncoder). Loaded once per process: every Assistant of a process shares it."""
    with _LOADING:
        return _loaded(name, threads)


# Loading takes a second and holds some 150 MB; the models keep no state between questions.
# The lock keeps two threads from converting the same model at once.
_LOADING = Lock()


@lru_cache(maxsize=4)
def _loaded(name: str, threads: int | None) -> AnswerabilityModel | None:
    folder = model_folder(name)
    if folder is None:
        return None
    if not folder.is_dir():
        raise SettingsError(
            f"No answerability model at {folder}: set retrieval.answerability_model to a model "
            f"folder, or to '{OFF}' to answer without one"
        )
    if (folder / WEIGHTS).is_file() and read_config(folder).get("kind") == "e5-cross":
        return E5CrossAnswerability(folder, threads)
    if (folder / "config.json").is_file() and any(folder.glob("*.onnx")):
        return OnnxAnswerability(folder, threads)
    return CrossEncoderAnswerability(folder)


def model_folder(name: str) -> Path | None:
    """The folder an answerability_model setting names; None for "none"."""
    if name == OFF:
        return None
    return BUNDLED if name == "bundled" else Path(name).expanduser()


class AnswerabilityReranker:
    """Scores the best sentences (in windows) of the top fused passages with the model; in the
    "gate" role also reorders those passages by their fused score plus the model's vote, for
    the questions retrieval.answerability_scope names; as a veto, for questions in the
    documents' language, in the order retrieval gave."""

    def __init__(self, model: AnswerabilityModel, settings: RetrievalSettings) -> None:
        self.model = model
        self.settings = settings

    def reads(self, question: Question) -> bool:
        """Whether the model reads this question's passages."""
        if self.settings.answerability_role == "veto":
            # As a veto it judges only the documents' language, where its probabilities mean
            # what they meant on the questions its veto point was fitted on.
            return not question.foreign
        return self.settings.answerability_scope == "all" or question.foreign

    def rerank(self, question: Question, hits: Sequence[Hit]) -> list[Hit]:
        """The hits, the top ones scored by the model (and in the gate role reordered)."""
        s = self.settings
        veto = s.answerability_role == "veto"
        if not self.reads(question):
            return list(hits)
        head, tail = list(hits[: s.rerank_passages]), list(hits[s.rerank_passages :])
        picked = [_best_sentences(hit, s.rerank_sentences) for hit in head]
        # A model that reads windows judges a sentence with its neighbours: the answer to a
        # question about a list or two sentences is in more than the one sentence.
        context = getattr(self.model, "context", 0)
        pairs = [
            (hit.chunk.title, window(hit.chunk.sentence_texts(), i, context))
            for hit, rows in zip(head, picked, strict=True)
            for i in rows
        ]
        scores = iter(self.model.score(question.judged, pairs))
        scored = []
        for hit, rows in zip(head, picked, strict=True):
            answer_scores = tuple((i, next(scores)) for i in rows)
            vote = max((p for _, p in answer_scores), default=0.0)
            weight = 0.0 if veto else s.rerank_weight
            score = hit.score + weight * vote / (s.rrf_k + 1)
            scored.append(replace(hit, score=score, answer_scores=answer_scores))
        if not veto:
            scored.sort(key=lambda h: h.score, reverse=True)
        return scored + tail


def window(sentences: Sequence[str], i: int, context: int) -> str:
    """Sentence i with up to ``context`` sentences each side."""
    return " ".join(s.strip() for s in sentences[max(0, i - context) : i + context + 1])


def _best_sentences(hit: Hit, n: int) -> list[int]:
    """The passage's n best sentences by their retrieval score, best first."""
    order = sorted(range(len(hit.sentence_scores)), key=lambda i: -hit.sentence_scores[i])
    return order[:n]


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def answerability_reranker(settings: RetrievalSettings) -> AnswerabilityReranker | None:
    """The reranker the settings choose, or None when answerability_model is 'none'."""
    model = load_answerability(settings.answerability_model)
    return AnswerabilityReranker(model, settings) if model is not None else None
