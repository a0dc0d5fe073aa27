"""Turn retrieved passages into a short answer with [n] citations, or refuse."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from assistant.ingest.chunking import Chunk, place_label
from assistant.ingest.documents import Source
from assistant.language.questions import Question, analyse
from assistant.language.text import terms
from assistant.retrieval.retriever import Hit
from assistant.settings import AnswerSettings

REFUSAL_TEXT = (
    "The documents don't say. None of the passages answers this question; "
    "the closest ones are listed below in case they help."
)
# Between no_match_threshold and refusal_threshold the evidence is weak but not absent: on
# reworded questions the answer is often in the first passage listed, so say only what is known.
UNSURE_TEXT = (
    "No passage clearly answers this. The closest passages are listed below; "
    "check them, one of them may still answer it."
)
IN_ENGLISH = " The documents are in English: asking in English may find the answer."
# A further sentence must score this share of the best one: nearly as good from the same
# passage, or at least a fair answer to a part of the question the others leave open.
NEARLY = 0.85
SECOND_PART = 0.6
OPEN_PART_TERMS = 2  # question terms a further sentence must add ("..., and who leads it?")
# Weight of "the passage mentions the question's terms" against "the sentence answers it".
PASSAGE_SHARE = 0.3
SUGGESTIONS = 3  # closest passages a refusal lists
TYPE_MISS = 0.8  # evidence kept when the best sentence lacks the kind of answer asked for
_BULLET = re.compile(r"^[\s\-–—•*·○□◈>]+")


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
        return [_BULLET.sub("", s).strip() for s in self.sentences]

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
        self, question: str | Question, hits: Sequence[Hit], sources: Mapping[str, Source]
    ) -> Answer:
        """Answer the question from the hits; sources maps doc_id to its Source."""
        ...


@dataclass(frozen=True)
class _Candidate:
    hit_rank: int
    sentence: int
    score: float
    text: str


class ExtractiveAnswerer:
    """Quotes the sentences that best cover the question's terms; never writes new claims."""

    name = "extractive"

    def __init__(self, settings: AnswerSettings | None = None, passages: int = 5) -> None:
        # The settings' defaults, so an ExtractiveAnswerer() made in code refuses like the app.
        settings = settings or AnswerSettings()
        self.refusal_threshold = settings.refusal_threshold
        self.no_match_threshold = settings.no_match_threshold
        self.max_words = settings.max_words
        self.max_sentences = settings.max_sentences
        self.passages = passages

    def answer(
        self, question: str | Question, hits: Sequence[Hit], sources: Mapping[str, Source]
    ) -> Answer:
        """Answer from the best sentences of the top passages, or refuse when evidence is weak."""
        q = question if isinstance(question, Question) else analyse(question)
        hits = list(hits)
        confidence = evidence_strength(q, hits[: self.passages])
        if not hits or confidence < self.refusal_threshold:
            absent = confidence < self.no_match_threshold or not hits
            text = _scoped(REFUSAL_TEXT if absent else UNSURE_TEXT, q, sources)
            text += _never_mentioned(q) + (IN_ENGLISH if q.foreign else "")
            return Answer(
                q.text, text, [], True, hits, confidence, self.name, read_as=q.corrections
            )
        chosen = self._choose(q, hits[: self.passages])
        quoted: dict[str, tuple[Chunk, list[tuple[int, int]]]] = {}
        pieces: list[str] = []
        words_left = self.max_words
        for cand in chosen:
            chunk = hits[cand.hit_rank].chunk
            start, end = chunk.sentences[cand.sentence]
            sentence, words_left = _fit(_BULLET.sub("", chunk.text[start:end]), words_left)
            if not sentence:
                break
            quoted.setdefault(chunk.chunk_id, (chunk, []))[1].append((start, end))
            pieces.append(f"{_end_sentence(sentence)} [{list(quoted).index(chunk.chunk_id) + 1}]")
        return Answer(
            q.text,
            " ".join(pieces),
            [cite(n, chunk, spans, sources) for n, (chunk, spans) in enumerate(quoted.values(), 1)],
            False,
            hits,
            confidence,
            self.name,
            read_as=q.corrections,
        )

    def _choose(self, q: Question, hits: list[Hit]) -> list[_Candidate]:
        """The best sentence, then others nearly as good from its passage (a list's items),
        or from another passage when they answer a part of the question it leaves open."""
        candidates = [
            _Candidate(rank, i, cov * (1.0 - 0.05 * rank), text)
            for rank, hit in enumerate(hits)
            for i, (cov, text) in enumerate(
                zip(hit.sentence_scores, hit.chunk.sentence_texts(), strict=True)
            )
            if _can_answer(text, hit)
        ]
        if not candidates:
            return []
        candidates.sort(key=lambda c: c.score, reverse=True)
        best = candidates[0]
        chosen = [best]
        chosen.extend(_continuation(hits[best.hit_rank], best))
        covered = set().union(*(_context_terms(hits[c.hit_rank], c.sentence) for c in chosen))
        for cand in candidates[1:]:
            if len(chosen) >= self.max_sentences:
                break
            if _same(cand, chosen) or cand.score < SECOND_PART * best.score:
                continue
            adds = (set(q.terms) - covered) & _context_terms(hits[cand.hit_rank], cand.sentence)
            # Another passage earns a citation only by answering a second part of the question
            # that is still open; a sentence that repeats the answer from elsewhere, or matches
            # the question's wording around the answer, is noise beside it.
            if (q.two_part and len(adds) >= OPEN_PART_TERMS) or (
                cand.hit_rank == best.hit_rank and cand.score >= NEARLY * best.score
            ):
                chosen.append(cand)
                covered |= adds
        return chosen[: self.max_sentences]


def evidence_strength(question: Question, hits: Sequence[Hit]) -> float:
    """0-1: how well the best sentence answers the question and how much of the question its
    passage mentions at all; halved when the question names something no document mentions
    (a place, body or person the corpus never speaks of)."""
    # A near-miss ("the annual budget of the Secretariat") finds a sentence about its topic;
    # what gives it away is the asked-for thing missing from the whole passage.
    best = max((_evidence(question, h) for h in hits), default=0.0)
    return best * (0.5 if question.unknown_names else 1.0)


def _evidence(question: Question, hit: Hit) -> float:
    strength = PASSAGE_SHARE * hit.passage_coverage + (1 - PASSAGE_SHARE) * hit.sentence_score
    # "Where was the dialogue held?" finds the sentence about the dialogue; if even that
    # sentence has no place in it, the passage mentions the topic without the answer. (A
    # question in two parts may be answered by a sentence for the other part.)
    typed = question.wants and not question.two_part and hit.best_sentence is not None
    if typed and not question.satisfied_by(hit.best_text):
        strength *= TYPE_MISS
    return strength


def _merged(spans: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """Spans in order of position, overlapping ones joined."""
    out: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if out and start < out[-1][1]:
            out[-1] = (out[-1][0], max(end, out[-1][1]))
        else:
            out.append((start, end))
    return out


def _scoped(text: str, q: Question, sources: Mapping[str, Source]) -> str:
    """A refusal that speaks only for the documents searched, when the search was limited."""
    if not q.scope:
        return text
    scope = list(dict.fromkeys(q.scope))
    if len(scope) == 1:
        source = sources.get(scope[0])
        where = f"“{source.title if source and source.title else scope[0]}”"
        searched = f"Only {where} was searched."
    else:
        searched = f"Only {len(scope)} documents were searched."
    doc = "document searched doesn't" if len(scope) == 1 else "documents searched don't"
    return text.replace("The documents don't say.", f"The {doc} say.") + " " + searched


def _never_mentioned(q: Question) -> str:
    """' No document mentions "ISBN".': the reason a refusal can give for certain."""
    if not q.unknown_names:
        return ""
    names = " or ".join(f"“{n}”" for n in q.unknown_names)
    if not q.documents:
        return f" No document mentions {names}."
    if len(q.documents) == 1:
        return f" The document you named never mentions {names}."
    return f" The documents you named never mention {names}."


def _context_terms(hit: Hit, sentence: int) -> set[str]:
    # What a sentence says includes the one before it ("It is led by ..."), as in retrieval.
    texts = hit.chunk.sentence_texts()
    return set(terms(texts[sentence])) | (set(terms(texts[sentence - 1])) if sentence else set())


def _continuation(hit: Hit, best: _Candidate) -> list[_Candidate]:
    # A sentence that introduces a list ("... are :") is answered by the items after it.
    chunk = hit.chunk
    text = chunk.sentence_texts()[best.sentence].rstrip()
    if not text.endswith(":") or best.sentence + 1 >= len(chunk.sentences):
        return []
    following = chunk.sentence_texts()[best.sentence + 1]
    return [_Candidate(best.hit_rank, best.sentence + 1, best.score, following)]


def _can_answer(sentence: str, hit: Hit) -> bool:
    # A question or a bare heading restates the question instead of answering it.
    bare = _BULLET.sub("", sentence).strip(" <>")
    if not bare or bare.endswith("?"):
        return False
    return bare not in {hit.chunk.title, *hit.chunk.headings}


def _same(cand: _Candidate, chosen: list[_Candidate]) -> bool:
    # Overlapping passages repeat sentences: compare the words, not the positions.
    return any(c.text.strip() == cand.text.strip() for c in chosen)


def _fit(sentence: str, words_left: int) -> tuple[str, int]:
    words = sentence.split()
    if words_left <= 0:
        return "", 0
    if len(words) <= words_left:
        return " ".join(words), words_left - len(words)
    return " ".join(words[:words_left]) + " …", 0


def _end_sentence(sentence: str) -> str:
    return sentence.rstrip(" .;,:") + ("" if sentence.endswith(("…", "?", "!")) else ".")
