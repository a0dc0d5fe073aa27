"""Articles, questions and (question, window, label) pairs: the answering window, the other
windows of its paragraph and article, and questions rewritten so that their window no longer
answers them (sources.py loads the articles and applies the exclusions).
"""

from __future__ import annotations

import random
import re
from collections import Counter
from dataclasses import dataclass, field

from training.answerability.text import (
    STOPWORDS,
    fold,
    top_by_overlap,
)

SHINGLE = 8  # words in a shingle used to match passages against the excluded folders


@dataclass
class Question:
    """One question on a paragraph; evidence is the answer sentence's index (None: unanswerable)."""

    text: str
    answers: list[str]
    evidence: int | None
    origin: str  # squad11 | new_wiki | disfl


@dataclass
class Paragraph:
    """A paragraph, its sentences and its questions."""

    text: str
    sentences: list[str]
    questions: list[Question] = field(default_factory=list)


@dataclass
class Article:
    """A titled article made of paragraphs; origin tells which file it came from."""

    title: str
    origin: str
    paragraphs: list[Paragraph] = field(default_factory=list)

    def all_sentences(self) -> list[str]:
        """Every sentence of the article, in order."""
        return [s for p in self.paragraphs for s in p.sentences]


@dataclass
class Pair:
    """A training or evaluation pair."""

    question: str
    title: str
    sentence: str
    label: int
    kind: str  # pos | para_neg | article_neg | swap | unans


def _shingles(text: str) -> set[str]:
    toks = fold(text).split()
    return {" ".join(toks[i : i + SHINGLE]) for i in range(max(1, len(toks) - SHINGLE + 1))}


# --- near-miss questions: swap one term for another of the same kind from the article ---------

_NUM = re.compile(r"(?<![\w.])\d[\d,]*(?:\.\d+)?(?![\w])")
_NAME = re.compile(r"\b[A-Z][\w'’-]*(?:\s+(?:of\s+|de\s+|the\s+)?[A-Z][\w'’-]*)*")
_LOWER = re.compile(r"\b[a-z][a-z-]{3,}\b")


def _is_year(s: str) -> bool:
    return bool(re.fullmatch(r"1[0-9]{3}|20[0-9]{2}", s))


Pool = tuple[list[str], list[str], list[str]]


def term_pool(sentences: list[str]) -> Pool:
    """Numbers, names (not sentence-initial) and lower-case words of an article's sentences."""
    nums, names, lowers = [], [], []
    for s in sentences:
        nums += _NUM.findall(s)
        for m in _NAME.finditer(s):
            if m.start() > 0:
                names.append(m.group(0))
        lowers += _LOWER.findall(s)
    return sorted(set(nums)), sorted(set(names)), sorted(set(lowers))


def near_miss(
    question: str, answer_sentence: str, pool: Pool, rng: random.Random
) -> tuple[str, str] | None:
    """Swap a number, name or word the question shares with its answer sentence for another.

    The replacement comes from the same article, is of the same kind (a year for a year, a name of
    as many words, a word with the same ending), and is absent from the answer sentence, so that
    sentence no longer answers the question. Returns (new question, kind) or None.
    """
    sent_words = set(fold(answer_sentence).split())
    q_words = set(fold(question).split())
    nums, names, lowers = pool
    options: list[tuple[str, int, int, str]] = []  # kind, start, end, replacement

    for m in _NUM.finditer(question):
        tok = m.group(0)
        if fold(tok) not in fold(answer_sentence):
            continue
        same = [n for n in nums if _is_year(n) == _is_year(tok) and fold(n) not in sent_words]
        same = [n for n in same if fold(n) != fold(tok)]
        if same:
            rep = rng.choice(same)
        elif _is_year(tok):
            rep = str(int(tok) + rng.choice([-1, 1]) * rng.randint(3, 40))
        else:
            digits = re.sub(r"\D", "", tok)
            if not digits:
                continue
            rep = str(int(digits) * rng.choice([2, 3]) + rng.randint(1, 9))
        options.append(("number", m.start(), m.end(), rep))

    for m in _NAME.finditer(question):
        if m.start() == 0:
            continue
        tok = m.group(0)
        tw = fold(tok).split()
        if not tw or not all(w in sent_words for w in tw):
            continue
        same = [
            n
            for n in names
            if len(fold(n).split()) == len(tw)
            and not (set(fold(n).split()) & (sent_words | q_words))
        ]
        if same:
            options.append(("name", m.start(), m.end(), rng.choice(same)))

    for m in _LOWER.finditer(question):
        tok = m.group(0)
        if tok in STOPWORDS or tok not in sent_words:
            continue
        if "-" in tok:
            tail = tok.split("-")[-1]
            same = [w for w in lowers if "-" in w and w.split("-")[-1] == tail and w != tok]
        else:
            same = [w for w in lowers if "-" not in w and w[-3:] == tok[-3:]]
        same = [
            w
            for w in same
            if w[:4] != tok[:4] and w not in sent_words and w not in q_words and w not in STOPWORDS
        ]
        if same:
            options.append(("word", m.start(), m.end(), rng.choice(same)))

    if not options:
        return None
    kinds = sorted({o[0] for o in options})
    kind = rng.choice(kinds)
    _, s, e, rep = rng.choice([o for o in options if o[0] == kind])
    return question[:s] + rep + question[e:], kind


# General English opposites (not words of any one corpus): SQuAD 2.0's writers made a fifth of
# its unanswerable questions by swapping a word for its antonym.
_OPPOSITES = [
    ("first", "last"),
    ("largest", "smallest"),
    ("highest", "lowest"),
    ("most", "least"),
    ("earliest", "latest"),
    ("before", "after"),
    ("increase", "decrease"),
    ("increased", "decreased"),
    ("rise", "fall"),
    ("north", "south"),
    ("east", "west"),
    ("northern", "southern"),
    ("eastern", "western"),
    ("upper", "lower"),
    ("inner", "outer"),
    ("major", "minor"),
    ("maximum", "minimum"),
    ("best", "worst"),
    ("better", "worse"),
    ("large", "small"),
    ("high", "low"),
    ("long", "short"),
    ("old", "new"),
    ("older", "newer"),
    ("oldest", "newest"),
    ("early", "late"),
    ("earlier", "later"),
    ("strong", "weak"),
    ("positive", "negative"),
    ("public", "private"),
    ("internal", "external"),
    ("win", "lose"),
    ("won", "lost"),
    ("open", "closed"),
    ("opened", "closed"),
    ("start", "end"),
    ("began", "ended"),
    ("beginning", "end"),
    ("accept", "reject"),
    ("accepted", "rejected"),
    ("allowed", "banned"),
    ("legal", "illegal"),
    ("male", "female"),
    ("men", "women"),
    ("rich", "poor"),
    ("wealthy", "poor"),
    ("light", "dark"),
    ("hot", "cold"),
    ("warm", "cool"),
    ("wet", "dry"),
    ("fast", "slow"),
    ("heavy", "light"),
    ("import", "export"),
    ("imports", "exports"),
    ("entered", "left"),
    ("arrived", "departed"),
    ("born", "died"),
    ("buy", "sell"),
    ("bought", "sold"),
    ("gain", "loss"),
    ("success", "failure"),
    ("successful", "unsuccessful"),
    ("common", "rare"),
    ("modern", "ancient"),
    ("urban", "rural"),
    ("domestic", "foreign"),
    ("above", "below"),
    ("inside", "outside"),
    ("supported", "opposed"),
    ("support", "oppose"),
    ("agreed", "refused"),
    ("created", "destroyed"),
    ("built", "demolished"),
    ("minimum", "maximum"),
    ("same", "different"),
    ("true", "false"),
    ("top", "bottom"),
]
_OPPOSITE = {a: b for a, b in _OPPOSITES} | {b: a for a, b in _OPPOSITES}
_AUXILIARY = re.compile(
    r"\b(is|are|was|were|did|does|do|can|could|has|have|had|will|would|should|must)\b", re.I
)
_NEGATION = re.compile(r"\b(not|never|no|n't|cannot|without)\b", re.I)


def contrast(question: str, answer_sentence: str, rng: random.Random) -> tuple[str, str] | None:
    """The question turned into one its answer sentence does not answer, as SQuAD 2.0's writers
    did: a word shared with the sentence swapped for its opposite, or a "not" after the
    question's auxiliary verb. Returns (new question, "antonym" | "negation") or None."""
    sent_words = set(fold(answer_sentence).split())
    options = []
    for m in re.finditer(r"[A-Za-z]+", question):
        word = m.group(0).lower()
        opposite = _OPPOSITE.get(word)
        if opposite and word in sent_words and opposite not in sent_words:
            options.append(("antonym", question[: m.start()] + opposite + question[m.end() :]))
    aux = _AUXILIARY.search(question)
    if aux and not _NEGATION.search(question) and not _NEGATION.search(answer_sentence):
        negated = question[: aux.end()] + " not" + question[aux.end() :]
        options.append(("negation", negated))
    if not options:
        return None
    kind, text = rng.choice(options)
    return text, kind


# --- pairs --------------------------------------------------------------------------------------


def _has_answer(sentence: str, answers: list[str]) -> bool:
    fs = fold(sentence)
    return any(fold(a) and fold(a) in fs for a in answers)


def build_pairs(
    articles: list[Article],
    seed: int,
    swap_rate: float = 0.7,
    para_negs: int = 1,
    article_negs: int = 1,
    unans_negs: int = 2,
    log: Counter[str] | None = None,
) -> list[Pair]:
    """Pairs for every question: answer sentence (1), same-paragraph and same-article look-alikes
    (0), a near-miss rewrite with the answer sentence (0), unanswerable with look-alikes (0)."""
    rng = random.Random(seed)
    log = log if log is not None else Counter()
    pairs: list[Pair] = []
    for article in articles:
        pool = term_pool(article.all_sentences())
        for pi, p in enumerate(article.paragraphs):
            others = [s for pj, o in enumerate(article.paragraphs) if pj != pi for s in o.sentences]
            for q in p.questions:
                if q.evidence is None:
                    for i in top_by_overlap(q.text, p.sentences, unans_negs):
                        pairs.append(Pair(q.text, article.title, p.sentences[i], 0, "unans"))
                    continue
                answer = p.sentences[q.evidence]
                pairs.append(Pair(q.text, article.title, answer, 1, "pos"))
                cands = [
                    s
                    for i, s in enumerate(p.sentences)
                    if i != q.evidence and not _has_answer(s, q.answers)
                ]
                for i in top_by_overlap(q.text, cands, para_negs):
                    pairs.append(Pair(q.text, article.title, cands[i], 0, "para_neg"))
                ocands = [s for s in others if not _has_answer(s, q.answers)]
                for i in top_by_overlap(q.text, ocands, article_negs):
                    pairs.append(Pair(q.text, article.title, ocands[i], 0, "article_neg"))
                flipped = contrast(q.text, answer, rng)
                if flipped:
                    log[f"contrast made: {flipped[1]}"] += 1
                    pairs.append(Pair(flipped[0], article.title, answer, 0, "contrast"))
                if rng.random() < swap_rate:
                    made = near_miss(q.text, answer, pool, rng)
                    if made:
                        log[f"near-miss made: {made[1]}"] += 1
                        pairs.append(Pair(made[0], article.title, answer, 0, "swap"))
                    else:
                        log["near-miss: no term to swap"] += 1
    return pairs


def draw_mix(pairs: list[Pair], mix: dict[str, float], n: int, rng: random.Random) -> list[Pair]:
    """About n pairs in the mix's shares of kinds, shuffled; a kind with fewer pairs than its
    share repeats them at most twice."""
    by_kind: dict[str, list[Pair]] = {}
    for p in pairs:
        by_kind.setdefault(p.kind, []).append(p)
    chosen: list[Pair] = []
    for kind, share in mix.items():
        pool = by_kind.get(kind, [])
        want = int(n * share)
        if want <= len(pool):
            chosen += rng.sample(pool, want)
        else:
            chosen += (pool * 2)[: min(want, 2 * len(pool))]
    rng.shuffle(chosen)
    return chosen
