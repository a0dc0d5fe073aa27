"""Metric functions for one question: retrieval ranks, answer overlap, citations and support.

Pure functions on plain values, so each is tested on hand-computed cases and reused by any
answerer (extractive or generative)."""

from __future__ import annotations

import math
import re
import statistics
import unicodedata
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from assistant.answer.markers import MARKER

_WORD = re.compile(r"\w+")
# A claim ends at its citation markers, or at a sentence end followed by a capital/quote.
_CLAIM_END = re.compile(r"((?:\s*\[\d+\])+)[.;:!?]?|(?<=[.!?])(?=\s+[\"“(A-Z0-9])")
_ARTICLES = {"a", "an", "the"}
SUPPORT_THRESHOLD = 0.8
# The external benchmarks' rule for their evidence sentences: one this long counts as held by a
# passage with 80% of its words, so a sentence cut at a passage boundary still counts. Shorter
# quotes, and every quote of our own gold files (audited as exact quotes), must appear whole.
LONG_EVIDENCE_WORDS = 12
EVIDENCE_SHARE = 0.8


# ---------------------------------------------------------------- text matching


def normalise(text: str) -> str:
    """Lower-case words only, so quotes match across whitespace and punctuation differences."""
    return " ".join(_WORD.findall(text.lower()))


# One piece of evidence: a quote, or the quotes that each say the same thing where a document
# repeats a fact (a headline and its body); any one of them will do.
Evidence = str | Sequence[str]


class SentenceQuote(str):
    """An evidence sentence scored by the benchmarks' rule (80% of its words, when long)."""

    __slots__ = ()


def _forms(evidence: Evidence) -> list[str]:
    return [evidence] if isinstance(evidence, str) else list(evidence)


def contains_evidence(passage: str, evidence: Evidence) -> bool:
    """True when the passage holds the evidence quote, or one of its equivalent quotes
    (whitespace and punctuation ignored); for a long SentenceQuote, 80% of its words will do."""
    text = f" {normalise(passage)} "
    words: Counter[str] | None = None
    for quote in _forms(evidence):
        wanted = normalise(quote)
        if not wanted:
            continue
        if f" {wanted} " in text:
            return True
        if isinstance(quote, SentenceQuote) and len(wanted.split()) >= LONG_EVIDENCE_WORDS:
            words = words if words is not None else Counter(text.split())
            if _share_held(wanted.split(), words) >= EVIDENCE_SHARE:
                return True
    return False


def _share_held(wanted: list[str], words: Counter[str]) -> float:
    """Share of the wanted words (counted with repeats) that the passage's words cover."""
    need = Counter(wanted)
    return sum((need & words).values()) / sum(need.values())


def _stated(evidence: Evidence) -> bool:
    return any(normalise(q) for q in _forms(evidence))


def relevant(passage: str, quotes: Sequence[Evidence]) -> bool:
    """True when the passage holds at least one of the evidence quotes."""
    return any(contains_evidence(passage, q) for q in quotes)


# ---------------------------------------------------------------- retrieval


def first_relevant_rank(passages: Sequence[str], quotes: Sequence[Evidence] | str) -> int | None:
    """1-based rank of the first passage holding any evidence quote, or None."""
    quotes = [quotes] if isinstance(quotes, str) else quotes
    for rank, passage in enumerate(passages, start=1):
        if relevant(passage, quotes):
            return rank
    return None


def hit_at(rank: int | None, k: int) -> float:
    """1.0 when the first relevant passage is within the top k, else 0.0."""
    return 1.0 if rank is not None and rank <= k else 0.0


def reciprocal_rank(rank: int | None, k: int = 10) -> float:
    """1/rank of the first relevant passage within the top k (MRR@k's per-question term)."""
    return 1.0 / rank if rank is not None and rank <= k else 0.0


def rank_figures(ranks: Sequence[int | None]) -> dict[str, float | None]:
    """hit@1, hit@5, hit@10 and MRR@10 from each question's first relevant rank (None: not in
    the passages searched); None for each when there are no questions."""
    return {
        "hit@1": mean([hit_at(r, 1) for r in ranks]),
        "hit@5": mean([hit_at(r, 5) for r in ranks]),
        "hit@10": mean([hit_at(r, 10) for r in ranks]),
        "mrr@10": mean([reciprocal_rank(r, 10) for r in ranks]),
    }


def ndcg_at(passages: Sequence[str], quotes: Sequence[Evidence], k: int = 10) -> float:
    """nDCG@k where each evidence quote is one relevant item, found at the first passage
    holding it (a repeat in an overlapping passage earns nothing). The ideal ranking puts
    each quote in its own passage at ranks 1..n; a passage holding two quotes can beat that,
    so the score is capped at 1."""
    quotes = [q for q in quotes if _stated(q)]
    if not quotes:
        return 0.0
    found: set[int] = set()
    dcg = 0.0
    for rank, passage in enumerate(passages[:k], start=1):
        new = [i for i, q in enumerate(quotes) if i not in found and contains_evidence(passage, q)]
        found.update(new)
        dcg += len(new) / math.log2(rank + 1)
    ideal = sum(1 / math.log2(rank + 1) for rank in range(1, min(len(quotes), k) + 1))
    return min(1.0, dcg / ideal)


# ---------------------------------------------------------------- answers


def squad_normalise(text: str) -> str:
    """SQuAD's answer normalisation: lower case, punctuation removed (any Unicode punctuation,
    not only ASCII), the articles a/an/the dropped, whitespace collapsed."""
    kept = "".join(c for c in text.lower() if not unicodedata.category(c).startswith("P"))
    return " ".join(w for w in kept.split() if w not in _ARTICLES)


def holds_gold_answer(answer: str, golds: Sequence[str]) -> bool:
    """True when the answer, without its [n] markers and SQuAD-normalised, contains one of the
    gold answers (whole words) after the same normalisation."""
    text = f" {_answer_words(answer)} "
    return any((g := _answer_words(gold)) and f" {g} " in text for gold in golds)


def _answer_words(text: str) -> str:
    # Both sides lose [n]: articles' own reference marks ("[39]") look like our markers.
    return squad_normalise(MARKER.sub(" ", text))


def word_count(answer: str) -> int:
    """Words of an answer as a reader sees them: citation markers and lone stops not counted."""
    return sum(bool(_WORD.search(w)) for w in MARKER.sub(" ", answer).split())


def answer_tokens(text: str) -> list[str]:
    """Words of an answer for overlap scores: no citation markers, no articles."""
    return [w for w in normalise(MARKER.sub(" ", text)).split() if w not in _ARTICLES]


def token_f1(answer: str, gold: str) -> float:
    """SQuAD-style token F1 between an answer and the gold answer (0 when either is empty)."""
    got, want = answer_tokens(answer), answer_tokens(gold)
    common = sum((Counter(got) & Counter(want)).values())
    if not got or not want or not common:
        return 0.0
    precision, recall = common / len(got), common / len(want)
    return 2 * precision * recall / (precision + recall)


def containment(answer: str, gold: str) -> float:
    """Share of the gold answer's tokens that the answer contains (its token recall)."""
    got, want = Counter(answer_tokens(answer)), Counter(answer_tokens(gold))
    total = sum(want.values())
    return sum((got & want).values()) / total if total else 0.0


@dataclass(frozen=True)
class Claim:
    """One sentence of an answer and the citation numbers it carries."""

    text: str
    markers: tuple[int, ...]


def claims(answer: str) -> list[Claim]:
    """Split an answer into its sentences, each with its [n] markers; a sentence without a
    marker is covered by the next marker in the text (one [1] after two sentences cites both)."""
    pieces: list[tuple[str, tuple[int, ...]]] = []
    start = 0
    for match in _CLAIM_END.finditer(answer):
        text = answer[start : match.start()].strip()
        markers = tuple(int(n) for n in MARKER.findall(match.group(1) or ""))
        if normalise(text):
            pieces.append((text, markers))
        elif markers and pieces and not pieces[-1][1]:
            pieces[-1] = (pieces[-1][0], markers)
        start = match.end()
    tail = answer[start:].strip()
    if normalise(tail):
        pieces.append((tail, ()))
    out: list[Claim] = []
    pending: list[str] = []
    for text, markers in pieces:
        if markers:
            out.extend(Claim(t, markers) for t in pending)
            pending = []
            out.append(Claim(text, markers))
        else:
            pending.append(text)
    out.extend(Claim(t, ()) for t in pending)
    return out


def supports(passage: str, sentence: str, threshold: float = SUPPORT_THRESHOLD) -> bool:
    """True when the passage supports the sentence: it contains the sentence (modulo case,
    space and punctuation; a trailing '…' cut is allowed), or holds at least `threshold` of
    the sentence's words (for paraphrasing answerers)."""
    text = normalise(sentence.replace("…", " "))
    if not text:
        return True
    body = f" {normalise(passage)} "
    if f" {text} " in body:
        return True
    words = [w for w in text.split() if w not in _ARTICLES]
    if not words:
        return True
    present = set(body.split())
    return sum(w in present for w in words) / len(words) >= threshold


def unsupported_claims(
    answer: str, passages: Mapping[int, str], threshold: float = SUPPORT_THRESHOLD
) -> list[Claim]:
    """The answer's sentences that none of their cited passages supports (or that cite
    nothing, or cite a number with no passage); passages maps citation number to text."""
    return [
        c
        for c in claims(answer)
        if not any(n in passages and supports(passages[n], c.text, threshold) for n in c.markers)
    ]


def citation_precision(cited: Sequence[str], quotes: Sequence[Evidence]) -> float | None:
    """Share of cited passages that hold an evidence quote (None when nothing is cited)."""
    if not cited:
        return None
    return sum(relevant(p, quotes) for p in cited) / len(cited)


def citation_recall(cited: Sequence[str], quotes: Sequence[Evidence]) -> float:
    """Share of the evidence quotes that some cited passage holds (0 when nothing is cited)."""
    quotes = [q for q in quotes if _stated(q)]
    if not quotes:
        return 0.0
    return sum(any(contains_evidence(p, q) for p in cited) for q in quotes) / len(quotes)


# ---------------------------------------------------------------- summaries


def mean(values: Sequence[float | None]) -> float | None:
    """Average of the values that are not None; None when there are none."""
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) of values, by linear interpolation."""
    if not values:
        return 0.0
    if len(values) == 1:
        return float(values[0])
    return float(statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1])
