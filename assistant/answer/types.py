"""What an answer is: the Answer and its Citations, and the protocols answerers follow."""

from __future__ import annotations

import re
from collections.abc import Generator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from assistant.ingest.chunking import Chunk, place_label
from assistant.ingest.documents import Source
from assistant.language.questions import Question
from assistant.retrieval.hits import Hit

SUGGESTIONS = 3  # closest passages a refusal lists
# List marks a quoted sentence is shown without ("○ ", "* ").
BULLET = re.compile(r"^[\s\-–—•*·○□◈>]+")


@dataclass(frozen=True)
class Citation:
    """One [n] marker: the passage, the supporting sentence inside it, and where it is from."""

    number: int
    chunk_id: str
    doc_id: str
    passage: str
    sentence_start: int
    sentence_end: int
    source: Source
    page: int | None = None
    section: str | None = None
    # Every sentence of the passage the answer quotes, in the passage's order; the first is the
    # one above.
    spans: tuple[tuple[int, int], ...] = ()
    last_page: int | None = None

    @property
    def sentence(self) -> str:
        """The (first) supporting sentence."""
        return self.passage[self.sentence_start : self.sentence_end]

    @property
    def sentence_spans(self) -> tuple[tuple[int, int], ...]:
        """Character spans of all the supporting sentences in the passage."""
        return self.spans or ((self.sentence_start, self.sentence_end),)

    @property
    def sentences(self) -> list[str]:
        """All the supporting sentences, in the passage's order."""
        return [self.passage[a:b] for a, b in self.sentence_spans]

    @property
    def quotes(self) -> list[str]:
        """The supporting sentences as quoted to readers: without list marks ("○ ", "* ")."""
        return [BULLET.sub("", s).strip() for s in self.sentences]

    @property
    def location(self) -> str:
        """Where the quoted sentences are: page(s) or section ("p. 3", "§ Introduction")."""
        return place_label(self.page, self.section, self.last_page)

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON output."""
        return {
            "number": self.number,
            "chunk_id": self.chunk_id,
            "doc_id": self.doc_id,
            "title": self.source.title,
            "publisher": self.source.publisher,
            "licence": self.source.licence,
            "page": self.page,
            "last_page": self.last_page or self.page,
            "section": self.section,
            "passage": self.passage,
            "sentence": self.sentence,
            "sentence_span": [self.sentence_start, self.sentence_end],
            "sentences": self.sentences,
            "sentence_spans": [list(span) for span in self.sentence_spans],
        }


def cite(
    number: int, chunk: Chunk, spans: Sequence[tuple[int, int]], sources: Mapping[str, Source]
) -> Citation:
    """A citation of a passage's sentences, placed at the page or section where they are.
    Overlapping spans (a generated claim may rest on sentences 1 and 1-2) are merged."""
    spans = _merged(spans)
    page, section = chunk.place_at(spans[0][0])
    last_page = chunk.place_at(spans[-1][0])[0]
    return Citation(
        number=number,
        chunk_id=chunk.chunk_id,
        doc_id=chunk.doc_id,
        passage=chunk.text,
        sentence_start=spans[0][0],
        sentence_end=spans[0][1],
        source=sources.get(chunk.doc_id) or Source(chunk.doc_id, chunk.title),
        page=page,
        section=section,
        spans=tuple(spans) if len(spans) > 1 else (),
        last_page=last_page if last_page != page else None,
    )


def _merged(spans: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """Spans in order of position, overlapping ones joined."""
    out: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if out and start < out[-1][1]:
            out[-1] = (out[-1][0], max(end, out[-1][1]))
        else:
            out.append((start, end))
    return out


@dataclass(frozen=True)
class Answer:
    """An answer with its citations, or a refusal with the closest passages as suggestions."""

    question: str
    text: str
    citations: list[Citation]
    refused: bool
    hits: list[Hit] = field(default_factory=list, repr=False)
    confidence: float = 0.0
    answerer: str = "extractive"
    # Generated answers: sentences the checker removed, and why the extractive answer stood in.
    dropped: tuple[str, ...] = ()
    fallback: str | None = None
    # Typos in the question and the words they were read as: (("vacine", "vaccine"),).
    read_as: tuple[tuple[str, str], ...] = ()
    # One line in the question's language above an answer quoted from documents in another.
    language_note: str = ""
    # The question's language (ISO 639-1): what the page's labels around the answer speak.
    language: str = "en"

    @property
    def read_as_note(self) -> str:
        """'Read “vacine” as “vaccine”.' for the typos the question was read with, or ''."""
        return read_as_note(self.read_as)

    @property
    def suggestions(self) -> list[Hit]:
        """For a refusal, the closest passages to show instead; none for an answer."""
        return self.hits[:SUGGESTIONS] if self.refused else []

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON output (CLI --json, the web API)."""
        return {
            "question": self.question,
            "answer": self.text,
            "refused": self.refused,
            "confidence": round(self.confidence, 4),
            "answerer": self.answerer,
            "fallback": self.fallback,
            "dropped": list(self.dropped),
            "read_as": [list(pair) for pair in self.read_as],
            "language_note": self.language_note,
            "language": self.language,
            "citations": [c.to_dict() for c in self.citations],
            "suggestions": [
                {
                    "chunk_id": h.chunk.chunk_id,
                    "doc_id": h.chunk.doc_id,
                    "title": h.chunk.title,
                    "passage": h.chunk.text,
                }
                for h in self.suggestions
            ],
        }


def read_as_note(read_as: Sequence[tuple[str, str]]) -> str:
    """'Read “vacine” as “vaccine”.' for typos and the words they were read as, or ''."""
    if not read_as:
        return ""
    return "Read " + ", ".join(f"“{typed}” as “{word}”" for typed, word in read_as) + "."


class Answerer(Protocol):
    """Composes an Answer from a question and the passages retrieved for it."""

    name: str

    def answer(
        self, question: Question, hits: Sequence[Hit], sources: Mapping[str, Source]
    ) -> Answer:
        """Answer the question (read against the index) from the hits; sources maps doc_id to
        its Source."""
        ...


@runtime_checkable
class StreamingAnswerer(Answerer, Protocol):
    """An answerer that can show its answer as it writes it."""

    def stream(
        self, question: Question, hits: Sequence[Hit], sources: Mapping[str, Source]
    ) -> Generator[str | Answer, None, Answer | None]:
        """Text pieces as they are written, then the finished Answer (yielded or returned)."""
        ...


def require_question(question: object) -> Question:
    """The question, if it is a Question read against the index; a TypeError for plain text,
    which would lose what only the index can tell (typos, unknown names, the scope)."""
    if not isinstance(question, Question):
        raise TypeError(
            "answerers take a Question read against the index, not "
            f"{type(question).__name__}: use Assistant.ask(text), or Assistant.prepare(text) "
            "for the Question and its passages"
        )
    return question
