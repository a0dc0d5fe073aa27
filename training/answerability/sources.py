"""The answerability model's training data: SQuAD-layout files, read into articles, with the
benchmark and project exclusions enforced and counted.

Sources (``../shared/training/``, each with its PROVENANCE.md; or any SQuAD-layout file a user
has, such as the official ``train-v2.0.json``, whose ``is_impossible`` questions are used as
unanswerable ones):

- ``squad1-train``: SQuAD 1.0 train, 442 articles, 87,636 questions (English);
- ``squad2-dev-other``: the 19 SQuAD 2.0 dev articles outside the squad2 benchmark, 2,777 of
  their 5,795 questions written to look answerable and not be (English);
- ``cmrc2018``, ``drcd`` (Chinese) and ``arcd`` (Arabic): answerable questions only.

The rebuilt SQuAD files give each answer the offset of its text's first occurrence; where the
text occurs more than once, the occurrence whose sentence shares most words with the question is
taken (their PROVENANCE says so). Run ``python -m training.answerability.sources`` for the counts.
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import os
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from training.answerability.data import Article, Paragraph, Question, _shingles
from training.answerability.text import content_words, fold, split_sentences, trimmed

REPO = Path(__file__).resolve().parents[2]
SHARED_TRAINING = Path(os.environ.get("ASSISTANT_TRAINING_DATA", REPO.parent / "shared/training"))
BENCHMARKS = REPO / "evals" / "benchmarks"


@dataclass(frozen=True)
class Source:
    """One training set: its files under the training folder and its language."""

    name: str
    files: tuple[str, ...]
    language: str


SOURCES = (
    Source("squad1-train", ("squad1-train/squad1.0-train.json.gz",), "en"),
    Source("squad2-dev-other", ("squad2-dev-other/squad2.0-dev-other-articles.json.gz",), "en"),
    Source("cmrc2018", ("cmrc2018/cmrc2018_dev.json.gz", "cmrc2018/cmrc2018_trial.json.gz"), "zh"),
    Source("drcd", ("drcd/DRCD_dev.json.gz", "drcd/DRCD_test.json.gz"), "zh"),
    Source("arcd", ("arcd/arcd-train.json.gz", "arcd/arcd-test.json.gz"), "ar"),
)
# Sentence ends in Chinese and Arabic text (the English splitter knows abbreviations).
_CJK_END = re.compile(r"(?<=[。！？!?；])")
_ARABIC_END = re.compile(r"(?<=[.!?؟])\s+")


def read_layout(path: Path) -> list[dict[str, Any]]:
    """The ``data`` list of a SQuAD-layout JSON file, gzipped or not."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as fh:
        data: list[dict[str, Any]] = json.load(fh)["data"]
    return data


def sentence_spans(text: str, language: str) -> list[tuple[int, int]]:
    """Sentences of a paragraph as (start, end) offsets, by the language's punctuation."""
    if language == "en":
        return split_sentences(text)
    pattern = _CJK_END if language == "zh" else _ARABIC_END
    spans, start = [], 0
    for m in pattern.finditer(text):
        if text[start : m.start()].strip():
            spans.append((start, m.start()))
        start = m.end()
    if text[start:].strip():
        spans.append((start, len(text)))
    return trimmed(text, spans)


def _words(text: str, language: str) -> frozenset[str]:
    """What two texts share, for choosing between occurrences: content words, or character
    pairs for Chinese (no spaces) and words as written for Arabic (fold keeps only a-z)."""
    if language == "en":
        return content_words(text)
    if language == "zh":
        chars = [c for c in text if not c.isspace()]
        return frozenset(a + b for a, b in itertools.pairwise(chars))
    return frozenset(w for w in re.findall(r"\w+", text) if len(w) > 2)


def answer_sentence(
    text: str,
    spans: list[tuple[int, int]],
    question: str,
    answer: str,
    given: int,
    language: str,
) -> int | None:
    """The sentence holding the answer: its occurrence at the given offset when that is the only
    one, else the occurrence whose sentence shares most with the question (None: not found)."""
    starts = [m.start() for m in re.finditer(re.escape(answer), text)] if answer else []
    if not starts:
        return None
    asked = _words(question, language)

    def sentence_at(offset: int) -> int | None:
        return next((i for i, (s, e) in enumerate(spans) if s <= offset < e), None)

    scored = []
    for offset in starts:
        i = sentence_at(offset)
        if i is not None:
            shared = len(asked & _words(text[spans[i][0] : spans[i][1]], language))
            scored.append((shared, offset == given, -abs(offset - given), i))
    return max(scored)[3] if scored else None


def load_articles(path: Path, origin: str, language: str, log: Counter[str]) -> list[Article]:
    """A SQuAD-layout file as articles of sentence-split paragraphs with their questions."""
    articles = []
    for raw in read_layout(path):
        article = Article(str(raw.get("title", "")).replace("_", " "), origin)
        for par in raw["paragraphs"]:
            text = par["context"].strip()
            spans = sentence_spans(text, language)
            paragraph = Paragraph(text, [text[s:e] for s, e in spans])
            for qa in par["qas"]:
                question = qa["question"].strip().lstrip("- ").strip()
                answers = list(dict.fromkeys(a["text"].strip() for a in qa.get("answers", [])))
                answers = [a for a in answers if a]
                if qa.get("is_impossible") or not answers:
                    log[f"{origin}: unanswerable"] += 1
                    paragraph.questions.append(Question(question, [], None, origin))
                    continue
                given = int(qa["answers"][0].get("answer_start", -1))
                at = answer_sentence(text, spans, question, answers[0], given, language)
                if at is None:
                    log[f"{origin}: answer not in its paragraph (skipped)"] += 1
                    continue
                log[f"{origin}: answerable"] += 1
                paragraph.questions.append(Question(question, answers, at, origin))
            article.paragraphs.append(paragraph)
        articles.append(article)
    return articles


@dataclass
class Exclusions:
    """What training must not see: titles, text shingles and questions, by rule name."""

    titles: dict[str, set[str]]
    shingles: dict[str, set[str]]
    questions: dict[str, set[str]]


def _corpus_titles(folder: Path) -> dict[Path, str]:
    return {
        p: fold(p.read_text(encoding="utf-8").splitlines()[0]) for p in sorted(folder.glob("*.txt"))
    }


def _gold_questions(paths: Iterable[Path]) -> set[str]:
    out = set()
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line) if line.strip() else {}
            for key in ("question", "question_en"):
                if isinstance(row.get(key), str):
                    out.add(fold(row[key]))
    return out


def exclusions(allowed_titles: set[str]) -> Exclusions:
    """The benchmarks' articles and questions and the project's documents and gold sets. XQuAD's
    corpus holds all 48 SQuAD 1.1 dev articles: those whose titles are allowed (the 19 of
    squad2-dev-other, on which XQuAD asks nothing) are not excluded."""
    titles: dict[str, set[str]] = {}
    shingles: dict[str, set[str]] = {}
    questions: dict[str, set[str]] = {}
    for name in ("squad2", "covid-qa", "xquad"):
        folder = BENCHMARKS / name
        kept = {
            p: t for p, t in _corpus_titles(folder / "corpus").items() if t not in allowed_titles
        }
        titles[name] = set(kept.values())
        shingles[name] = {s for p in kept for s in _shingles(p.read_text(encoding="utf-8"))} - {""}
        questions[name] = _gold_questions(sorted(folder.glob("*.jsonl")))
    project = [p for p in sorted((REPO / "corpus").rglob("*")) if p.suffix in {".txt", ".md"}]
    shingles["project corpus"] = {s for p in project for s in _shingles(p.read_text("utf-8"))} - {
        ""
    }
    titles["project corpus"] = set()
    gold = [p for p in sorted((REPO / "evals").rglob("*.jsonl")) if BENCHMARKS not in p.parents]
    questions["project evals"] = _gold_questions(gold)
    return Exclusions(titles, shingles, questions)


def apply(articles: list[Article], rules: Exclusions, log: Counter[str]) -> list[Article]:
    """Drop excluded articles (by title), paragraphs (by shared text) and questions, counting
    each rule, including those that drop nothing."""
    for name in rules.shingles:
        log[f"excluded by {name} text: paragraphs"] += 0
    for name in rules.titles:
        log[f"excluded by {name} title: articles"] += 0
    for name in rules.questions:
        log[f"excluded by {name} questions: questions"] += 0
    kept = []
    for article in articles:
        # Titles in other scripts fold to their Latin fragments ("魂斗罗 Force" → "force").
        latin = all(ord(c) < 0x250 for c in article.title)
        title = fold(article.title) if latin else ""
        by_title = next((n for n, t in rules.titles.items() if title and title in t), None)
        if by_title:
            log[f"excluded by {by_title} title: articles"] += 1
            log[f"excluded by {by_title} title: {article.origin} {article.title!r}"] += 1
            continue
        paragraphs = []
        for p in article.paragraphs:
            sh = _shingles(p.text)
            shared = {n: len(sh & s) for n, s in rules.shingles.items()}
            hit = next((n for n, k in shared.items() if k >= 3 or k > len(sh) / 5), None)
            if hit:
                log[f"excluded by {hit} text: paragraphs"] += 1
                continue
            questions = []
            for q in p.questions:
                asked = fold(q.text)
                # Folding keeps a-z and digits: a Chinese or Arabic question folds to little or
                # nothing, which must not match every other such question.
                long = len(asked.split()) >= 3
                rule = next((n for n, qs in rules.questions.items() if long and asked in qs), None)
                if rule:
                    log[f"excluded by {rule} questions: questions"] += 1
                else:
                    questions.append(q)
            p.questions = questions
            paragraphs.append(p)
        if paragraphs:
            article.paragraphs = paragraphs
            kept.append(article)
    return kept


def load_sources(
    folder: Path = SHARED_TRAINING, extra: Iterable[Path] = (), log: Counter[str] | None = None
) -> dict[str, list[Article]]:
    """Every source's articles (and any extra SQuAD-layout English files), exclusions applied."""
    log = log if log is not None else Counter()
    loaded: dict[str, list[Article]] = {}
    for source in SOURCES:
        paths = [folder / f for f in source.files]
        missing = [p for p in paths if not p.is_file()]
        if missing:
            raise SystemExit(f"Training data missing: {missing[0]} (see {folder}/README.md)")
        loaded[source.name] = [
            a for p in paths for a in load_articles(p, source.name, source.language, log)
        ]
    for path in extra:
        loaded[path.stem] = load_articles(path, path.stem, "en", log)
    allowed = {fold(a.title) for a in loaded["squad2-dev-other"]}
    rules = exclusions(allowed)
    return {name: apply(articles, rules, log) for name, articles in loaded.items()}


def main(argv: list[str] | None = None) -> int:
    """Print what each source gives and what each exclusion took."""
    p = argparse.ArgumentParser(description="Counts of the answerability training data.")
    p.add_argument("--data", type=Path, default=SHARED_TRAINING, help="the training folder")
    p.add_argument("--extra", type=Path, nargs="*", default=[], help="more SQuAD-layout files")
    args = p.parse_args(argv)
    log: Counter[str] = Counter()
    sources = load_sources(args.data, args.extra, log)
    for name, articles in sources.items():
        qs = [q for a in articles for par in a.paragraphs for q in par.questions]
        unanswerable = sum(q.evidence is None for q in qs)
        print(f"{name}: {len(articles)} articles, {len(qs)} questions, {unanswerable} unanswerable")
    for key, count in sorted(log.items()):
        print(f"  {key}: {count}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
