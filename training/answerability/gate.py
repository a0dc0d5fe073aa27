"""Fit the refusal gate (assistant/answer/gate.py) on articles held apart from training.

    python -m training.answerability.gate [--model models/answerability]

The held-apart articles of every training source (never a benchmark, never a seed set) become a
corpus the assistant indexes, as a user's documents would be; a quarter of them are left out
of it, so that their questions ask about what the documents do not cover. Every question then
goes through the assistant's own retrieval with the model, and the gate learns from what
answering sees: the model's best probability, the evidence, whether the question was matched
across languages. The label is whether the indexed documents answer the question (SQuAD 2.0's
human-written unanswerable questions and the left-out articles' questions do not). The one
operating point keeps ANSWERED of the answerable questions answered.

Across languages the gate's probability cannot tell a question about nothing in the documents:
the Chinese and Arabic questions are also asked of the English articles alone, which say nothing
about them, and the evidence under which OFF_TOPIC_REFUSED of them fall becomes the floor below
which the rules decide such questions.

The veto (the default role: the rules answer, the model can only refuse) is a probability: an
answer to a question in the documents' language stands when some window the model read scores
it. It is put where VETO_KEPT of the answerable English questions still stand. The gate, the
veto and their figures are written into the model's config.json.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import re
import shutil
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.answer.extractive import PASSAGES, ExtractiveAnswerer, evidence_strength
from assistant.answer.gate import FEATURES, Gate, features
from assistant.api import Assistant
from assistant.retrieval.answerability import BUNDLED
from training.answerability.data import Article
from training.answerability.evaluate_cross import auc
from training.answerability.sources import SOURCES
from training.answerability.train_cross import WORK, articles, parse_args

# Share of answerable held-apart questions the operating point keeps answered.
ANSWERED = 0.86
LEFT_OUT = 0.25  # share of each source's held-apart articles not indexed
PER_SOURCE = 400  # questions drawn per source and kind (answerable, unanswerable, not covered)
# Share of other-language questions asked of English articles alone that the floor refuses.
OFF_TOPIC_REFUSED = 0.95
# Share of the answerable questions in the documents' language that the veto lets stand.
VETO_KEPT = 0.98
ENGLISH = frozenset(s.name for s in SOURCES if s.language == "en")


@dataclass(frozen=True)
class Row:
    """What answering saw for one question, and whether the documents answer it."""

    source: str
    # answerable | unanswerable | not-covered | off-topic (a Chinese or Arabic question asked
    # of the English articles alone)
    kind: str
    scores: tuple[float, ...]  # the model's probabilities for the windows it read
    evidence: float
    across: bool

    @property
    def values(self) -> list[float]:
        """The gate's inputs."""
        return features(self.scores, self.evidence, self.across)

    @property
    def label(self) -> int:
        """1 when the indexed documents answer the question."""
        return int(self.kind == "answerable")


def write_corpus(held: list[Article], folder: Path, seed: int) -> list[tuple[Article, bool]]:
    """Write the indexed articles as text files; each article with whether it is indexed."""
    rng = random.Random(seed)
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    out = []
    by_origin: dict[str, list[Article]] = {}
    for a in held:
        by_origin.setdefault(a.origin, []).append(a)
    for origin, group in sorted(by_origin.items()):
        left = set(rng.sample(range(len(group)), max(1, round(LEFT_OUT * len(group)))))
        for i, article in enumerate(group):
            indexed = i not in left
            out.append((article, indexed))
            if indexed:
                name = re.sub(r"\W+", "_", article.title)[:60]
                text = "\n\n".join([article.title, *(p.text for p in article.paragraphs)])
                (folder / f"{origin}-{i:03d}-{name}.txt").write_text(text + "\n", "utf-8")
    return out


def questions(
    corpus: list[tuple[Article, bool]], seed: int, per_source: int = PER_SOURCE
) -> list[tuple[str, str, str]]:
    """(source, kind, question) drawn per source and kind."""
    rng = random.Random(seed)
    pools: dict[tuple[str, str], list[str]] = {}
    for article, indexed in corpus:
        for p in article.paragraphs:
            for q in p.questions:
                kind = (
                    "not-covered"
                    if not indexed
                    else "answerable"
                    if q.evidence is not None
                    else "unanswerable"
                )
                pools.setdefault((article.origin, kind), []).append(q.text)
    out = []
    for (source, kind), texts in sorted(pools.items()):
        for text in rng.sample(texts, min(per_source, len(texts))):
            out.append((source, kind, text))
    return out


def observe(assistant: Assistant, drawn: list[tuple[str, str, str]]) -> list[Row]:
    """Each question through retrieval and the model, as answering sees it."""
    rows = []
    for n, (source, kind, text) in enumerate(drawn, 1):
        q, hits = assistant.prepare(text)
        top = hits[:PASSAGES]
        read = tuple(p for h in top for _, p in h.answer_scores)
        if not read:
            continue
        across = bool(top) and top[0].across
        rows.append(Row(source, kind, read, evidence_strength(q, top), across))
        if n % 200 == 0:
            print(f"{n}/{len(drawn)} questions read", flush=True)
    return rows


def fit(rows: list[Row], answered: float = ANSWERED) -> Gate:
    """Logistic weights and the operating point."""
    from sklearn.linear_model import LogisticRegression

    if not 0.0 < answered <= 1.0:
        raise ValueError(f"answered must be in (0, 1]; got {answered}")
    x = np.array([r.values for r in rows])
    y = np.array([r.label for r in rows])
    if len(set(y.tolist())) < 2:
        raise ValueError("the gate needs answerable and unanswerable questions")
    # Every source and kind weighs the same: the left-out articles' questions are many and
    # easy, SQuAD 2.0's written unanswerable ones few and hard.
    groups = Counter((r.source, r.kind) for r in rows)
    weights = np.array([1.0 / groups[(r.source, r.kind)] for r in rows])
    model = LogisticRegression(C=1.0, max_iter=1000)
    model.fit(x, y, sample_weight=weights * len(rows) / weights.sum())
    gate = Gate(tuple(float(w) for w in model.coef_[0]), float(model.intercept_[0]), 0.5)
    threshold = _below(1 - answered, [gate.probability(r.values) for r in rows if r.label])
    return Gate(gate.weights, gate.bias, threshold)


def answers(gate: Gate, row: Row) -> bool:
    """Whether the assistant answers the question, as ExtractiveAnswerer decides."""
    if gate.leaves_to_rules(row.evidence, row.across):
        return False  # the rules' evidence is below the floor, far below their threshold
    return gate.probability(row.values) >= gate.threshold


def veto_point(rows: list[Row], kept: float = VETO_KEPT) -> float:
    """The best-window probability below which 1 - ``kept`` of the answerable questions asked
    in the documents' language fall (0 when there are none)."""
    best = [max(r.scores) for r in rows if r.label and not r.across]
    return _below(1 - kept, best) if best else 0.0


def across_floor(off_topic: list[Row], refused: float = OFF_TOPIC_REFUSED) -> float:
    """The evidence below which ``refused`` of the questions matched across languages about
    nothing in the documents fall (0 when there are none)."""
    evidence = [r.evidence for r in off_topic if r.across]
    return _at(refused, evidence) if evidence else 0.0


def _at(share: float, values: list[float]) -> float:
    """The value ``share`` of the values fall below (the largest when share is 1)."""
    ordered = sorted(values)
    return ordered[min(int(share * len(ordered)), len(ordered) - 1)]


def _below(share: float, values: list[float]) -> float:
    """``_at`` rounded down to 4 places, so that the value at the point still passes it."""
    return math.floor(_at(share, values) * 1e4) / 1e4


def figures(
    gate: Gate, rows: list[Row], vetoed: list[Row] | None = None
) -> dict[str, dict[str, float]]:
    """Per source and kind: the share answered (answerable) or refused (the others), and the
    gate's AUC of answerable against the rest; the veto's shares on ``vetoed`` (the questions
    as the veto reads them; default ``rows``)."""
    out: dict[str, dict[str, float]] = {}
    for source in sorted({r.source for r in rows}):
        mine = [r for r in rows if r.source == source]
        theirs = [r for r in (rows if vetoed is None else vetoed) if r.source == source]
        row: dict[str, float] = {}
        for kind in ("answerable", "unanswerable", "not-covered", "off-topic"):
            said = [answers(gate, r) for r in mine if r.kind == kind]
            if said:
                rate = sum(said) / len(said)
                row[f"{kind} {'answered' if kind == 'answerable' else 'refused'}"] = round(
                    rate if kind == "answerable" else 1 - rate, 3
                )
        for kind in ("answerable", "unanswerable"):
            # The veto alone (the rules would refuse some of these anyway).
            stood = [not gate.vetoes(r.scores) for r in theirs if r.kind == kind and not r.across]
            if stood and gate.veto:
                rate = sum(stood) / len(stood)
                row[f"{kind} {'kept' if kind == 'answerable' else 'vetoed'} by the veto"] = round(
                    rate if kind == "answerable" else 1 - rate, 3
                )
        pos = [gate.probability(r.values) for r in mine if r.label]
        neg = [gate.probability(r.values) for r in mine if r.kind != "off-topic" and not r.label]
        if pos and neg:
            row["auc"] = round(auc(pos, neg), 3)
        out[source] = row
    return out


def main(argv: list[str] | None = None) -> int:
    """Index the held-apart articles, read their questions, fit and store the gate."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", type=Path, default=BUNDLED)
    p.add_argument("--work", type=Path, default=WORK / "gate")
    p.add_argument("--answered", type=float, default=ANSWERED)
    p.add_argument("--per-source", type=int, default=PER_SOURCE, help="questions per kind")
    p.add_argument("--refit", action="store_true", help="fit again on the questions read last time")
    args = p.parse_args(argv)
    recipe = parse_args([])
    _, held = articles(recipe.seed, Counter())
    corpus = write_corpus(held, args.work / "corpus", recipe.seed)
    drawn = questions(corpus, recipe.seed, args.per_source)
    rows = _read(args, "rows.json", "corpus", drawn)
    # The other languages' questions, asked of the English articles alone: about nothing there.
    english = args.work / "corpus-en"
    if english.exists():
        shutil.rmtree(english)
    english.mkdir()
    for path in (args.work / "corpus").iterdir():
        if any(path.name.startswith(f"{origin}-") for origin in ENGLISH):
            shutil.copy2(path, english / path.name)
    foreign = [(s, "off-topic", q) for s, kind, q in drawn if s not in ENGLISH]
    off_topic = _read(args, "off-topic.json", "corpus-en", foreign)
    fitted = fit(rows, args.answered)
    in_english = [d for d in drawn if d[0] in ENGLISH]
    vetoed = _read(args, "veto-rows.json", "corpus", in_english, role="veto")
    gate = Gate(
        fitted.weights, fitted.bias, fitted.threshold, across_floor(off_topic), veto_point(vetoed)
    )
    report = figures(gate, rows + off_topic, vetoed)
    path = args.model / "config.json"
    config = json.loads(path.read_text(encoding="utf-8"))
    config["gate"] = gate.to_config() | {
        "fitted_on": (
            "questions on the training sources' held-apart articles (python -m "
            "training.answerability.gate); operating point: "
            f"{args.answered:.0%} of answerable ones answered; across languages the rules "
            f"decide below the evidence that {OFF_TOPIC_REFUSED:.0%} of Chinese and Arabic "
            "questions asked of the English articles alone fall under; the veto lets "
            f"{VETO_KEPT:.0%} of the answerable English questions stand"
        ),
        # Five weights fitted on some thousands of questions: these are figures on the same
        # questions, close to what new ones would give but not independent of the fit.
        "figures_on_its_questions": report,
    }
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(config, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)  # an interrupted run leaves the previous config whole
    print(json.dumps(config["gate"], indent=1, ensure_ascii=False))
    print(f"features: {', '.join(FEATURES)}")
    return 0


def _read(
    args: argparse.Namespace,
    cache: str,
    corpus: str,
    drawn: list[tuple[str, str, str]],
    role: str = "gate",
) -> list[Row]:
    """The questions read against the index of a corpus folder as the model's role reads them
    (the gate: every question, passages reranked; the veto: the documents' language, in
    retrieval's order), or, with --refit, as read last time."""
    path = args.work / cache
    if args.refit and path.is_file():
        return [Row(**{**r, "scores": tuple(r["scores"])}) for r in json.loads(path.read_text())]
    assistant = Assistant.open(
        index_dir=args.work / f"index-{corpus}",
        corpus_dir=args.work / corpus,
        retrieval={
            "answerability_model": str(args.model),
            "answerability_role": role,
            "answerability_scope": "all",
        },
        # Reading needs no gate: the one in config.json may be another weights' or none.
        answerer=ExtractiveAnswerer(),
    )
    rows = observe(assistant, drawn)
    path.write_text(json.dumps([r.__dict__ for r in rows]), encoding="utf-8")
    return rows


if __name__ == "__main__":
    raise SystemExit(main())
