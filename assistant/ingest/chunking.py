"""Split documents into passages sized in the embedding model's tokens, at natural boundaries."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol

from assistant.ingest.documents import Document
from assistant.language.sentences import sentence_spans

# [CLS] and [SEP] (or the model's equivalents) take two places in the model's window.
SPECIAL_TOKENS = 2


class TokenCounter(Protocol):
    """Counts tokens the way the embedding model does (no special tokens)."""

    @property
    def max_tokens(self) -> int:
        """Longest input the model reads, special tokens included."""
        ...

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Tokens in each text, without special tokens."""
        ...


@dataclass(frozen=True)
class ChunkingSettings:
    """How passages are sized: target and overlap in model tokens, and the hard limit."""

    target_tokens: int
    overlap_tokens: int
    max_tokens: int

    @property
    def budget(self) -> int:
        """Content tokens a passage may hold: the target, never more than the model reads."""
        return min(self.target_tokens, self.max_tokens - SPECIAL_TOKENS)


@dataclass(frozen=True)
class Chunk:
    """A passage of a document: its text, where it is, and its sentences."""

    chunk_id: str
    doc_id: str
    text: str
    start: int
    end: int
    title: str
    section: str | None
    page: int | None
    token_count: int
    sentences: tuple[tuple[int, int], ...] = field(default=())
    # Where the page or section changes inside the passage: (offset in the passage, page,
    # section). A passage that starts on page 2 may quote a sentence from page 3, or one
    # under its second heading.
    places: tuple[tuple[int, int | None, str | None], ...] = field(default=())

    @property
    def location(self) -> str:
        """Page(s) or section, for display ("p. 3", "pp. 3–4", "§ Introduction"), or ''."""
        return place_label(self.page, self.section, self.last_page)

    @property
    def last_page(self) -> int | None:
        """The page the passage ends on."""
        return self.places[-1][1] if self.places else self.page

    @property
    def headings(self) -> frozenset[str]:
        """The section headings the passage runs under."""
        return frozenset(s for s in (self.section, *(s for _, _, s in self.places)) if s)

    def place_at(self, offset: int) -> tuple[int | None, str | None]:
        """Page and section at a character offset inside the passage."""
        page, section = self.page, self.section
        for at, p, s in self.places:
            if at > offset:
                break
            page, section = p, s
        return page, section

    def sentence_texts(self) -> list[str]:
        """The passage's sentences, in order."""
        return [self.text[a:b] for a, b in self.sentences]


def place_label(page: int | None, section: str | None, last_page: int | None = None) -> str:
    """A place as shown to readers: its page (or pages) when known, else its section."""
    if page is not None:
        return f"pp. {page}–{last_page}" if last_page and last_page != page else f"p. {page}"
    return f"§ {section}" if section else ""


@dataclass(frozen=True)
class _Unit:
    start: int
    end: int
    tokens: int
    paragraph_start: bool
    section_start: bool
    paragraph_tokens: int = 0  # tokens of the whole paragraph, on its first unit


def split(document: Document, counter: TokenCounter, settings: ChunkingSettings) -> list[Chunk]:
    """Split a document into passages that fit the model, at section/paragraph/sentence ends."""
    units = _units(document, counter, settings.budget)
    groups = _pack(units, settings)
    chunks: list[Chunk] = []
    seen: dict[str, int] = {}
    for group in groups:
        start, end = group[0].start, group[-1].end
        text = document.text[start:end]
        chunk_id = _chunk_id(document.doc_id, text)
        if chunk_id in seen:  # the same text twice in one document
            seen[chunk_id] += 1
            chunk_id = f"{chunk_id}-{seen[chunk_id]}"
        else:
            seen[chunk_id] = 0
        chunks.append(
            Chunk(
                chunk_id=chunk_id,
                doc_id=document.doc_id,
                text=text,
                start=start,
                end=end,
                title=document.source.title,
                section=document.section_at(start),
                page=document.page_at(start),
                token_count=sum(u.tokens for u in group),
                sentences=tuple((u.start - start, u.end - start) for u in group),
                places=_places(document, group),
            )
        )
    return chunks


def _places(
    document: Document, group: list[_Unit]
) -> tuple[tuple[int, int | None, str | None], ...]:
    """Where the page or section changes after the passage's first sentence."""
    start = group[0].start
    current = (document.page_at(start), document.section_at(start))
    places = []
    for unit in group[1:]:
        here = (document.page_at(unit.start), document.section_at(unit.start))
        if here != current:
            places.append((unit.start - start, *here))
            current = here
    return tuple(places)


def _chunk_id(doc_id: str, text: str) -> str:
    return hashlib.sha256(f"{doc_id}\x00{text}".encode()).hexdigest()[:20]


def _units(document: Document, counter: TokenCounter, budget: int) -> list[_Unit]:
    """Sentences of the document (long ones cut into windows), tagged with their boundaries."""
    text = document.text
    section_starts = {s.start for s in document.sections}
    paragraphs = list(document.paragraph_starts) or [0]
    bounds = [*paragraphs[1:], len(text)]
    spans: list[tuple[int, int, bool, bool]] = []
    for p_start, p_end in zip(paragraphs, bounds, strict=True):
        paragraph = text[p_start:p_end]
        first = True
        for a, b in sentence_spans(paragraph, p_start):
            spans.append((a, b, first, first and p_start in section_starts))
            first = False
    counts = counter.count_tokens([text[a:b] for a, b, _, _ in spans])
    units: list[_Unit] = []
    for (a, b, para, sect), n in zip(spans, counts, strict=True):
        if n <= budget:
            units.append(_Unit(a, b, n, para, sect))
        else:
            units.extend(_windows(text, a, b, counter, budget, para, sect))
    return _with_paragraph_sizes(units)


def _with_paragraph_sizes(units: list[_Unit]) -> list[_Unit]:
    out = list(units)
    first = 0
    for i in range(1, len(out) + 1):
        if i == len(out) or out[i].paragraph_start:
            total = sum(u.tokens for u in out[first:i])
            u = out[first]
            out[first] = replace(u, paragraph_tokens=total)
            first = i
    return out


def _windows(
    text: str, start: int, end: int, counter: TokenCounter, budget: int, para: bool, sect: bool
) -> list[_Unit]:
    """Cut an over-long sentence into word windows that each fit the budget."""
    words = [(start + m.start(), start + m.end()) for m in re.finditer(r"\S+", text[start:end])]
    counts = counter.count_tokens([text[a:b] for a, b in words])
    pieces: list[tuple[int, int, int]] = []
    for (a, b), n in zip(words, counts, strict=True):
        if n <= budget:
            pieces.append((a, b, n))
        else:  # a run with no spaces (Chinese, Japanese, a long URL): cut it, keep all of it
            pieces.extend(_cut_word(text, a, b, n, counter, budget))
    out: list[_Unit] = []
    i = 0
    while i < len(pieces):
        total = 0
        j = i
        while j < len(pieces) and (total + pieces[j][2] <= budget or j == i):
            total += pieces[j][2]
            j += 1
        out.append(_Unit(pieces[i][0], pieces[j - 1][1], total, para and i == 0, sect and i == 0))
        i = j
    return out


def _cut_word(
    text: str, start: int, end: int, tokens: int, counter: TokenCounter, budget: int
) -> list[tuple[int, int, int]]:
    """Consecutive character pieces of one long word, each within the budget, covering it all."""
    step = max(1, (end - start) * budget // tokens)  # characters per budget, on average
    pieces = []
    a = start
    while a < end:
        b = min(end, a + step)
        n = counter.count_tokens([text[a:b]])[0]
        while n > budget and b - a > 1:
            b = a + max(1, (b - a) * budget // n)
            n = counter.count_tokens([text[a:b]])[0]
        pieces.append((a, b, n))
        a = b
    return pieces


def _pack(units: list[_Unit], settings: ChunkingSettings) -> list[list[_Unit]]:
    """Greedily group sentences into passages, preferring section then paragraph breaks."""
    budget = settings.budget
    small = budget // 4
    groups: list[list[_Unit]] = []
    current: list[_Unit] = []
    size = 0
    for unit in units:
        fits = size + unit.tokens <= budget
        new_section = unit.section_start and size >= small
        # Break at a paragraph when the passage is already half full and the paragraph
        # would not end inside it; better than a break mid-paragraph one sentence later.
        para_break = (
            unit.paragraph_start and size >= budget // 2 and size + unit.paragraph_tokens > budget
        )
        if current and (not fits or new_section or para_break):
            groups.append(current)
            current = [] if new_section else _overlap(current, settings.overlap_tokens)
            size = sum(u.tokens for u in current)
            if size + unit.tokens > budget:
                current, size = [], 0
        current.append(unit)
        size += unit.tokens
    if current:
        groups.append(current)
    return groups


def _overlap(group: list[_Unit], overlap_tokens: int) -> list[_Unit]:
    """Trailing sentences of a passage, up to the overlap, to repeat at the next one's start."""
    kept: list[_Unit] = []
    total = 0
    for unit in reversed(group[1:]):  # never the whole previous passage
        if total + unit.tokens > overlap_tokens:
            break
        kept.insert(0, unit)
        total += unit.tokens
    return kept
