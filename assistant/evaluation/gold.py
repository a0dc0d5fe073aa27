"""Gold question sets: the JSONL schema, its loader and its validation."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.errors import AssistantError
from assistant.evaluation.metrics import SentenceQuote, contains_evidence, normalise

REQUIRED_FIELDS: dict[str, type] = {
    "id": str,
    "question": str,
    "source": str,
    "evidence": str,
    "answerable": bool,
}
# One of the two is required: our files give one reference answer, the external benchmarks
# (SQuAD, COVID-QA) every accepted form of it.
ANSWER_FIELDS = ("answer", "answers")
# Optional: more quotes an answer needs (an answer spanning passages), quotes elsewhere that
# say the same as one of those (a fact the document repeats), free tags, and the question's
# language (ISO 639-1; "en" when absent) for sets translated from English ones.
OPTIONAL_FIELDS = ("more_evidence", "alternatives", "kind", "language")


class GoldError(AssistantError):
    """A gold file that cannot be read or breaks the schema."""


@dataclass(frozen=True)
class GoldItem:
    """One gold question: its answer(s), source file and verbatim evidence quote(s)."""

    id: str
    question: str
    # The reference answer reports show: the file's `answer`, or the first of its `answers`.
    answer: str
    source: str
    evidence: str
    answerable: bool
    more_evidence: tuple[str, ...] = ()
    # Every accepted form, when the file gives `answers` (empty: `answer` is the only one).
    answers: tuple[str, ...] = ()
    kind: tuple[str, ...] = field(default=())
    # (quote, the other quotes that say the same): pairs, so that an item stays hashable.
    alternatives: tuple[tuple[str, tuple[str, ...]], ...] = ()
    language: str = "en"

    @property
    def quotes(self) -> tuple[str, ...]:
        """Every evidence quote the full answer needs (empty when unanswerable)."""
        return tuple(q for q in (self.evidence, *self.more_evidence) if q.strip())

    @property
    def accepted_answers(self) -> tuple[str, ...]:
        """Every form of the gold answer that counts as right (empty when unanswerable)."""
        forms = self.answers or (self.answer,)
        return tuple(a for a in forms if a.strip())

    @property
    def evidence_items(self) -> tuple[tuple[str, ...], ...]:
        """Per quote the answer needs: that quote and the quotes that say the same."""
        same = dict(self.alternatives)
        items = tuple((q, *same.get(q, ())) for q in self.quotes)
        if not self.answers:
            return items
        # A benchmark's evidence (a file with `answers`) is scored by the benchmarks' own rule.
        return tuple(tuple(SentenceQuote(q) for q in item) for item in items)

    def to_dict(self) -> dict[str, Any]:
        """Plain data, in the file's schema."""
        data: dict[str, Any] = {name: getattr(self, name) for name in REQUIRED_FIELDS}
        if self.answers:
            data["answers"] = list(self.answers)
        else:
            data["answer"] = self.answer
        if self.more_evidence:
            data["more_evidence"] = list(self.more_evidence)
        if self.alternatives:
            data["alternatives"] = {q: list(alts) for q, alts in self.alternatives}
        if self.kind:
            data["kind"] = list(self.kind)
        if self.language != "en":
            data["language"] = self.language
        return data


def load_gold(path: Path) -> list[GoldItem]:
    """Read a gold JSONL file; a malformed line raises GoldError naming its line number."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise GoldError(f"cannot read gold file {path}: {exc}") from None
    items: list[GoldItem] = []
    seen: set[str] = set()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        item = parse_gold_line(line, f"{path}, line {number}")
        if item.id in seen:
            raise GoldError(f"{path}, line {number}: duplicate id '{item.id}'")
        seen.add(item.id)
        items.append(item)
    if not items:
        raise GoldError(f"{path}: no questions")
    return items


def parse_gold_line(line: str, where: str) -> GoldItem:
    """One JSONL line as a GoldItem; `where` prefixes any error message."""
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        raise GoldError(f"{where}: not valid JSON ({exc.msg}, column {exc.colno})") from None
    if not isinstance(data, dict):
        raise GoldError(f"{where}: expected a JSON object, got {type(data).__name__}")
    for name, wanted in REQUIRED_FIELDS.items():
        if name not in data:
            raise GoldError(f"{where}: missing field '{name}'")
        if not isinstance(data[name], wanted):
            raise GoldError(f"{where}: '{name}' must be {_type_name(wanted)}")
    extra = set(data) - set(REQUIRED_FIELDS) - set(ANSWER_FIELDS) - set(OPTIONAL_FIELDS)
    if extra:
        raise GoldError(f"{where}: unknown fields {sorted(extra)}")
    if not data["id"].strip() or not data["question"].strip():
        raise GoldError(f"{where}: 'id' and 'question' must not be empty")
    answer, answers = _answers(data, where)
    more = _string_list(data.get("more_evidence", []), "more_evidence", where)
    tags = _string_list(data.get("kind", []), "kind", where)
    if data["answerable"]:
        if not (data["evidence"].strip() and data["source"].strip()):
            raise GoldError(f"{where}: an answerable question needs 'source' and 'evidence'")
    elif data["evidence"].strip() or more:
        raise GoldError(f"{where}: an unanswerable question must have empty evidence")
    elif any(a.strip() for a in answers):
        raise GoldError(f"{where}: an unanswerable question must have empty 'answers'")
    alternatives = _alternatives(data.get("alternatives", {}), (data["evidence"], *more), where)
    language = data.get("language", "en")
    if not isinstance(language, str) or not language.strip():
        raise GoldError(f"{where}: 'language' must be a language code such as 'fr'")
    fields = {name: data[name] for name in REQUIRED_FIELDS}
    return GoldItem(
        **fields,
        answer=answer,
        answers=answers,
        more_evidence=more,
        kind=tags,
        alternatives=alternatives,
        language=language,
    )


def _answers(data: dict[str, Any], where: str) -> tuple[str, tuple[str, ...]]:
    """The reference answer and the list of accepted forms, from `answer` or `answers`."""
    if "answers" in data:
        if "answer" in data:
            raise GoldError(f"{where}: give 'answer' or 'answers', not both")
        answers = _string_list(data["answers"], "answers", where)
        return (answers[0] if answers else ""), answers
    if "answer" not in data:
        raise GoldError(f"{where}: missing field 'answer' (or 'answers', a list)")
    if not isinstance(data["answer"], str):
        raise GoldError(f"{where}: 'answer' must be a string")
    return data["answer"], ()


def _alternatives(
    value: Any, quotes: tuple[str, ...], where: str
) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if not isinstance(value, dict):
        raise GoldError(f"{where}: 'alternatives' must be an object of quote: [quotes]")
    pairs = []
    for quote, alts in value.items():
        if not quote.strip() or quote not in quotes:
            raise GoldError(
                f"{where}: 'alternatives' key {quote[:60]!r} is not the evidence or one of "
                "'more_evidence'"
            )
        same = _string_list(alts, "alternatives", where)
        if not all(normalise(a) for a in same):
            raise GoldError(f"{where}: an alternative to {quote[:60]!r} is blank")
        if any(normalise(a) == normalise(q) for a in same for q in quotes):
            # It would stand in for two quotes at once and count twice.
            raise GoldError(f"{where}: an alternative to {quote[:60]!r} is one of the quotes")
        pairs.append((quote, same))
    return tuple(pairs)


def _string_list(value: Any, name: str, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise GoldError(f"{where}: '{name}' must be a list of strings")
    return tuple(value)


def _type_name(kind: type) -> str:
    return {str: "a string", bool: "true or false"}.get(kind, kind.__name__)


def quotes_not_found(gold: Sequence[GoldItem], documents: Mapping[str, str]) -> list[str]:
    """One line per gold item whose source is not a document, or whose quotes the documents
    (doc id: text as the readers load it) do not hold: a mistake in the gold file that would
    otherwise be scored as the assistant's failure."""
    problems = []
    for item in gold:
        if not item.answerable:
            continue
        if item.source not in documents:
            problems.append(f"{item.id}: source {item.source!r} is not a corpus document")
        elif not contains_evidence(documents[item.source], item.evidence_items[0][0]):
            problems.append(f"{item.id}: evidence not found in {item.source}: {item.evidence!r}")
        others = [("more_evidence", q) for q in item.more_evidence]
        others += [("alternative", q) for _, alts in item.alternatives for q in alts]
        for what, quote in others:
            if not any(contains_evidence(text, quote) for text in documents.values()):
                problems.append(f"{item.id}: {what} not found in any document: {quote!r}")
    return problems
