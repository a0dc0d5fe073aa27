"""Check a generated answer sentence by sentence against the passages its [n] markers cite."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from assistant.answer.prompting import Passage, Prompt
from assistant.language.sentences import sentence_spans
from assistant.language.text import terms
from assistant.store.embeddings import Embedder

# Calibrated on evals/gold.jsonl with bench/calibrate_support.py (docs/generated-answers.md).
SUPPORT_THRESHOLD = 0.60
LEXICAL_WEIGHT = 0.5
# Share of a sentence's content words the passage must hold, whatever the embedding says.
MIN_LEXICAL = 0.85

_MARKER = re.compile(r"\[\s*(\d+(?:\s*[,;]\s*\d+)*)\s*\]")
# "claim. [1]" → "claim [1]." (also after a closing quote) so that a marker stays with the
# sentence it follows.
_MARKER_AFTER_STOP = re.compile(r"([.!?][\"”’]?)((?:\s*\[\s*\d+(?:\s*[,;]\s*\d+)*\s*\])+)")
# "[country_name]", "[date]": a small model fills in a template instead of answering.
_PLACEHOLDER = re.compile(r"\[[^\]\d\s][^\]]*\]|\{[a-z_]+\}|<[a-z_ ]+>", re.IGNORECASE)
# Text that ends mid-sentence was cut off by the answer-length limit.
_FINISHED = re.compile(r"[.!?…\"”')\]]$")
# "The passage says …", "The passage number is 1": about the prompt, not an answer.
_META = re.compile(r"\b(the|this|that|these|those)\s+(passages?|documents? given|question)\b", re.I)
# 'The passage "X".' -- a small model's way of quoting: the claim is the quote itself. Anything
# said about the quote ('... is a reference to ...') is still talk about the passages.
_QUOTING = re.compile(
    r"^(?:the|this)\s+passages?\s*(?:says|states|reads|is)?\s*:?\s*[\"“](?P<quote>[^\"”]{8,}?)[.]?[\"”]?\s*[.]?$",
    re.I,
)
_TAGS = re.compile(r"</?\s*passages?\b[^>]*>", re.IGNORECASE)
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
# A capitalised word after a sentence's first word: a name (place, body, person, programme).
_NAME = re.compile(r"(?<=\S\s)[A-Z][\w-]*[A-Za-z]")
_REFUSAL = re.compile(
    r"\b(documents?|passages?)\s+(do(es)?\s*n[o']t|do(es)?\s+not)\s+(say|answer|mention|state|"
    r"contain|provide)|\bno (information|answer)\b|\bnot (mentioned|stated)\b|\bI don't know\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Claim:
    """One sentence of a generated answer, with the passages that do (or don't) support it."""

    text: str  # the sentence without its markers
    cited: tuple[int, ...]  # prompt numbers of the passages whose support was confirmed
    support: float  # best support score among the cited (or, if unmarked, all) passages
    spans: tuple[tuple[int, int], ...] = ()  # for each cited passage, its best sentence's span
    attributed: bool = False  # unmarked in the model's text; the checker found the passage
    reason: str = ""  # why it was dropped ("" when kept)

    @property
    def supported(self) -> bool:
        """True when at least one cited passage supports the sentence."""
        return bool(self.cited)


@dataclass(frozen=True)
class CheckResult:
    """The checked answer: kept and dropped sentences, and what was wrong with the markers."""

    kept: tuple[Claim, ...]
    dropped: tuple[Claim, ...]
    removed_markers: int  # markers that pointed at no passage
    model_refused: bool  # the model said the passages don't answer


class SupportChecker:
    """Scores how well a passage supports a sentence: shared content terms and MiniLM similarity."""

    def __init__(
        self,
        embedder: Embedder,
        threshold: float = SUPPORT_THRESHOLD,
        lexical_weight: float = LEXICAL_WEIGHT,
        attribute_unmarked: bool = True,
        min_lexical: float = MIN_LEXICAL,
    ) -> None:
        self.embedder = embedder
        self.threshold = threshold
        self.lexical_weight = lexical_weight
        self.attribute_unmarked = attribute_unmarked
        self.min_lexical = min_lexical
        self._texts: dict[str, _Evidence] = {}  # passages scored by support(), oldest first

    def check(self, text: str, prompt: Prompt) -> CheckResult:
        """Keep the sentences their cited passages support; drop the rest, saying why."""
        sentences = split_claims(text)
        removed = 0
        kept: list[Claim] = []
        dropped: list[Claim] = []
        texts = [s for s, _ in sentences]
        vectors = self.embedder.embed_documents(texts) if texts else None
        evidence = {p.number: self._evidence(p) for p in prompt.passages}
        asked = set(terms(prompt.question))
        said: list[set[str]] = []
        cut_off = bool(texts) and not _FINISHED.search(text.rstrip())
        for i, (sentence, numbers) in enumerate(sentences):
            valid = tuple(n for n in dict.fromkeys(numbers) if n in evidence)
            removed += len(numbers) - len([n for n in numbers if n in evidence])
            own = set(terms(sentence))
            # Faithful but useless sentences go too: they would crowd out the real answer.
            if _PLACEHOLDER.search(sentence):
                claim = Claim(sentence, (), 0.0, reason="a template placeholder, not a fact")
            elif cut_off and i == len(sentences) - 1:
                claim = Claim(sentence, (), 0.0, reason="cut off at the length limit")
            elif own and own <= asked:
                claim = Claim(sentence, (), 0.0, reason="only repeats the question")
            elif own and any(len(own & before) >= 0.8 * len(own) for before in said):
                claim = Claim(sentence, (), 0.0, reason="repeats an earlier sentence")
            elif _META.search(sentence):
                claim = Claim(
                    sentence, (), 0.0, reason="talks about the passages, not the question"
                )
            else:
                assert vectors is not None
                claim = self._judge(sentence, vectors[i], valid, evidence)
            if claim.supported:
                said.append(own)
            (kept if claim.supported else dropped).append(claim)
        whole = " ".join(texts)
        refused = not kept and bool(_REFUSAL.search(whole))
        return CheckResult(tuple(kept), tuple(dropped), removed, refused)

    def support(self, sentence: str, passage_text: str) -> float:
        """Support score (0-1) of one sentence by one passage text."""
        vector = self.embedder.embed_documents([sentence])[0]
        evidence = self._texts.get(passage_text)
        if evidence is None:
            evidence = self._texts[passage_text] = _Evidence.of(passage_text, self.embedder)
            if len(self._texts) > 256:
                self._texts.pop(next(iter(self._texts)))
        return self._score(sentence, vector, evidence)[0]

    def _evidence(self, passage: Passage) -> _Evidence:
        return _Evidence.of(passage.text, self.embedder, passage)

    def _judge(
        self,
        sentence: str,
        vector: np.ndarray,
        cited: tuple[int, ...],
        evidence: dict[int, _Evidence],
    ) -> Claim:
        if not terms(sentence):
            return Claim(sentence, (), 0.0, reason="no content to check")
        attributed = False
        candidates = cited
        if not cited:
            if not self.attribute_unmarked:
                return Claim(sentence, (), 0.0, reason="no valid citation")
            candidates, attributed = tuple(evidence), True
        scored = [(n, *self._score(sentence, vector, evidence[n])) for n in candidates]
        good = [(n, s, span) for n, s, span in scored if s >= self.threshold]
        best = max((s for _, s, _ in scored), default=0.0)
        if attributed:
            good = sorted(good, key=lambda g: -g[1])[:1]
        if not good:
            reason = "no citation" if attributed else "cited passage does not support it"
            texts = [evidence[n].text for n in candidates]
            if _missing_numbers(sentence, texts):
                reason += " (a number is not in the passage)"
            elif all(_missing_names(sentence, t) for t in texts):
                reason += " (a name is not in the passage)"
            return Claim(sentence, (), best, reason=reason)
        return Claim(
            sentence,
            tuple(n for n, _, _ in good),
            best,
            tuple(span for _, _, span in good),
            attributed,
        )

    def _score(
        self, sentence: str, vector: np.ndarray, evidence: _Evidence
    ) -> tuple[float, tuple[int, int]]:
        # A number or name the passage doesn't contain is the commonest invention (the right
        # topic, the wrong facts): no amount of overlap excuses it.
        if _missing_numbers(sentence, [evidence.text]) or _missing_names(sentence, evidence.text):
            return 0.0, evidence.spans[0] if evidence.spans else (0, 0)
        wanted = set(terms(sentence))
        lexical = len(wanted & evidence.terms) / len(wanted) if wanted else 0.0
        if lexical < self.min_lexical:  # mostly new words: a paraphrase too loose to verify
            return 0.0, evidence.spans[0] if evidence.spans else (0, 0)
        sims = evidence.vectors @ vector if len(evidence.vectors) else np.zeros(1)
        best = int(np.argmax(sims))
        dense = float(max(0.0, sims[best]))
        score = self.lexical_weight * lexical + (1 - self.lexical_weight) * dense
        span = evidence.spans[best] if evidence.spans else (0, len(evidence.text))
        return score, span


@dataclass(frozen=True)
class _Evidence:
    """A passage prepared for checking: its terms, and vectors of its sentences and pairs."""

    text: str
    terms: frozenset[str]
    vectors: np.ndarray
    spans: tuple[tuple[int, int], ...]  # in the chunk's own text, one per vector

    @classmethod
    def of(cls, text: str, embedder: Embedder, passage: Passage | None = None) -> _Evidence:
        """Terms and sentence vectors of a passage (a pair of sentences counts as one unit too)."""
        if passage is not None:
            chunk = passage.hit.chunk
            shown = len(text.removesuffix(" …")) if passage.cut else len(chunk.text)
            spans = [s for s in chunk.sentences if s[0] < shown] or [(0, len(chunk.text))]
            source = chunk.text
        else:
            spans = sentence_spans(text) or [(0, len(text))]
            source = text
        # A claim often merges two neighbouring sentences ("X, which Y"): score pairs as well.
        units = list(spans) + [(a[0], b[1]) for a, b in pairwise(spans)]
        vectors = embedder.embed_documents([source[a:b] for a, b in units])
        return cls(text, frozenset(terms(text)), vectors, tuple(units))


def split_claims(text: str) -> list[tuple[str, list[int]]]:
    """The answer's sentences, each without its markers, with the numbers its markers name."""
    text = _MARKER_AFTER_STOP.sub(r"\2\1", _TAGS.sub(" ", text.replace("\r", "")))
    out: list[tuple[str, list[int]]] = []
    for line in text.split("\n"):
        for a, b in sentence_spans(line):
            piece = line[a:b]
            numbers = [int(n) for m in _MARKER.finditer(piece) for n in re.split(r"[,;]", m[1])]
            clean = _MARKER.sub("", piece)
            clean = re.sub(r"\s+([.,;:!?])", r"\1", " ".join(clean.split())).strip(" -*•")
            clean = _QUOTING.sub(r"\g<quote>.", clean)
            if clean.count('"') % 2 and clean.rstrip(".").endswith('"'):
                # A quote the model closed without opening ('... partners.".'): drop it.
                clean = clean.rstrip(".").rstrip('"').rstrip() + "."
            if clean and not clean.strip(".,;:!?\"'”’ ") and out:
                # Stray punctuation after a sentence ('partners.". [1]') carries its markers only.
                out[-1] = (out[-1][0], out[-1][1] + numbers)
            elif clean:
                out.append((clean, numbers))
    return out


def _numbers(text: str) -> set[str]:
    return {m.group(0).replace(",", "").rstrip(".") for m in _NUMBER.finditer(text)}


def _missing_numbers(sentence: str, passages: Sequence[str]) -> bool:
    have: set[str] = set().union(*(_numbers(p) for p in passages)) if passages else set()
    return bool(_numbers(sentence) - have)


def _missing_names(sentence: str, passage: str) -> bool:
    have = passage.lower()
    return any(m.group(0).lower() not in have for m in _NAME.finditer(sentence))
