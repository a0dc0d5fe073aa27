"""Reference scorer for the shipped answerability model: onnxruntime and tokenizers only, no torch.

    scorer = AnswerabilityScorer("models/answerability")
    scorer.score([("When was X founded?", "X", "X was founded in 1901.")])  # -> [0.97]

A pair is (question, title, sentence); the title may be "". The score is the model's probability
that the sentence (read with its title) answers the question.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import onnxruntime as ort
from tokenizers import Tokenizer


class AnswerabilityScorer:
    """Load a model folder (model.onnx, tokenizer.json, config.json) and score pairs."""

    def __init__(self, folder: str | Path, model_file: str | None = None, threads: int = 2):
        folder = Path(folder)
        self.config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        self.max_length = int(self.config["max_length"])
        self.separator = str(self.config["separator"])
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length=self.max_length, strategy="longest_first")
        self.tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        path = folder / (model_file or self.config.get("model_file", "model.onnx"))
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self.input_names = {i.name for i in self.session.get_inputs()}

    def text_pair(self, question: str, title: str, sentence: str) -> tuple[str, str]:
        """The two segments the model reads: the question, and 'title | sentence' (or sentence)."""
        second = f"{title}{self.separator}{sentence}" if title else sentence
        return question.strip(), second.strip()

    def logits(self, pairs: Sequence[tuple[str, str, str]], batch_size: int = 16) -> list[float]:
        """Raw model outputs (log-odds) for (question, title, sentence) pairs."""
        out: list[float] = []
        for start in range(0, len(pairs), batch_size):
            chunk = [self.text_pair(*p) for p in pairs[start : start + batch_size]]
            encs = self.tokenizer.encode_batch(chunk)
            feed = {
                "input_ids": np.array([e.ids for e in encs], dtype=np.int64),
                "attention_mask": np.array([e.attention_mask for e in encs], dtype=np.int64),
                "token_type_ids": np.array([e.type_ids for e in encs], dtype=np.int64),
            }
            feed = {k: v for k, v in feed.items() if k in self.input_names}
            result = self.session.run(None, feed)[0]
            out.extend(float(x) for x in np.asarray(result).reshape(-1))
        return out

    def score(self, pairs: Sequence[tuple[str, str, str]], batch_size: int = 16) -> list[float]:
        """Probability in [0, 1] that each sentence answers its question."""
        return [1.0 / (1.0 + math.exp(-x)) for x in self.logits(pairs, batch_size)]
