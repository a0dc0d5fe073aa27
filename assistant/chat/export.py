"""A conversation as plain text (copy an answer) or Markdown (download), with references."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from datetime import UTC, datetime

from assistant.answer.types import Answer, Citation
from assistant.chat.conversation import PASSAGES, Turn
from assistant.ingest.documents import Source
from assistant.retrieval.hits import Hit

_QUIET_LICENCES = {"", "not stated"}


def answer_text(turn: Turn) -> str:
    """One answer with its numbered sources, as plain text for the clipboard."""
    lines = [f"Question: {turn.question.strip()}"]
    if turn.rewritten:
        lines.append(f"Understood as: {turn.standalone}")
    if turn.read_as_note:
        lines.append(turn.read_as_note)
    if turn.mode == PASSAGES:
        lines += ["", "Passages:"]
        for i, hit in enumerate(turn.hits, start=1):
            where = f" ({hit.chunk.location})" if hit.chunk.location else ""
            lines.append(f"{i}. {hit.chunk.title}{where}")
            lines.append(textwrap.indent(hit.chunk.text.strip(), "   "))
        return "\n".join(lines)
    answer = turn.answer
    if answer is None:
        return "\n".join(lines)
    lines += ["", answer.text]
    if answer.refused:
        if answer.suggestions:
            lines += ["", *suggestion_lines(answer)]
        return "\n".join(lines)
    lines += ["", "Sources:"]
    for c in answer.citations:
        lines.append(f"[{c.number}] {citation_label(c)}")
        lines += [f"    “{quote}”" for quote in c.quotes]
    return "\n".join(lines)


def suggestion_lines(answer: Answer) -> list[str]:
    """A refusal's closest passages as plain text: each title and its sentence nearest the
    question (nothing for an answer)."""
    if not answer.suggestions:
        return []
    lines = ["You may be looking for:"]
    lines += [f"- {h.chunk.title}: “{_nearest(h)}”" for h in answer.suggestions]
    return lines


def _nearest(hit: Hit) -> str:
    return textwrap.shorten(hit.best_text, 200)


def conversation_markdown(turns: Sequence[Turn], title: str = "Conversation") -> str:
    """The whole conversation as Markdown: each question and answer, then a reference list."""
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    out = [f"# {_md(title)}", "", f"_Exported {when}._", ""]
    documents: dict[str, Source] = {}
    for n, turn in enumerate(turns, start=1):
        out += [f"## {n}. {_md(turn.question.strip())}", ""]
        if turn.rewritten:
            out += [f"_Understood as: {_md(turn.standalone)}_", ""]
        if turn.read_as_note:
            out += [f"_{_md(turn.read_as_note)}_", ""]
        if turn.mode == PASSAGES:
            out += ["Passages found:", ""]
            for i, hit in enumerate(turn.hits, start=1):
                where = f" ({_md(hit.chunk.location)})" if hit.chunk.location else ""
                out.append(f"{i}. **{_md(hit.chunk.title)}**{where}")
                out += [_quote(hit.chunk.text), ""]
            continue
        answer = turn.answer
        if answer is None:
            continue
        out += [_md(answer.text), ""]
        if answer.refused:
            if answer.suggestions:
                out += ["You may be looking for:", ""]
                out += [
                    f"- **{_md(h.chunk.title)}**: “{_md(_nearest(h))}”" for h in answer.suggestions
                ]
                out.append("")
            continue
        out += ["Sources:", ""]
        for c in answer.citations:
            documents.setdefault(c.doc_id, c.source)
            out.append(f"- [{c.number}] {_md(citation_label(c))}")
            out += [_quote(quote, "  > ") for quote in c.quotes]
        out.append("")
    if documents:
        out += ["## References", ""]
        for source in sorted(documents.values(), key=lambda s: s.title):
            out.append(f"- {_md(reference(source))}")
        out.append("")
    return "\n".join(out)


def citation_label(c: Citation) -> str:
    """Title — publisher, page or section."""
    details = ", ".join(x for x in (c.source.publisher, c.location) if x)
    return f"{c.source.title or c.doc_id}" + (f" — {details}" if details else "")


def reference(source: Source) -> str:
    """A reference-list entry: publisher, title, date, file, licence."""
    parts = [source.publisher, source.title, source.date]
    entry = ". ".join(p.strip().rstrip(".") for p in parts if p and p.strip()) + "."
    entry += f" File: {source.file}."
    if source.licence.strip().lower() not in _QUIET_LICENCES:
        entry += f" Licence: {source.licence}"
        entry += f" ({source.licence_url})." if source.licence_url else "."
    return entry


def _md(text: str) -> str:
    # Document and question text is shown as written: Markdown and HTML characters escaped.
    # "[1]" stays readable: only "](" could make a link, so only that is broken up.
    escaped = text.replace("\\", "\\\\")
    for ch in "`*<>|":
        escaped = escaped.replace(ch, "\\" + ch)
    escaped = escaped.replace("](", "]\\(")
    return " ".join(escaped.split())


def _quote(text: str, prefix: str = "   > ") -> str:
    return prefix + _md(text)
