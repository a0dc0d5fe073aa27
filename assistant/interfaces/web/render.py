"""The conversation as Chatbot messages: answers with linked [n] markers, their sources,
found passages and notices. All text a question or a document contains is escaped here.

Plain Python: the messages are the dicts Gradio's Chatbot takes, and no Gradio import is
needed to build them.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from typing import Any, assert_never

from assistant.answer.markers import MARKER
from assistant.answer.types import Answer, Citation
from assistant.chat.conversation import PASSAGES, Turn
from assistant.chat.export import answer_text
from assistant.chat.session import (
    Done,
    Event,
    NeedsSubject,
    Pending,
    Problem,
    Thanks,
    Unchanged,
)
from assistant.interfaces.web.texts import said
from assistant.language.detect import question_language
from assistant.retrieval.hits import Hit


def event_messages(turns: Sequence[Turn], event: Event) -> list[dict[str, Any]]:
    """The whole conversation as it stands after a ChatSession event."""
    match event:
        case Unchanged() | Done():
            return render(turns)
        case Pending(turn=turn, text=text):
            return render(turns, pending=(turn, text))
        case Thanks(said=said, reply=reply):
            return [*render(turns), _user(Turn(said, said)), notice(reply)]
        case NeedsSubject():
            return [*render(turns), notice(f"⚠️ {event.prompt}")]
        case Problem(reason=reason):
            return [*render(turns), notice(f"⚠️ {reason}")]
    assert_never(event)


def render(turns: Sequence[Turn], pending: tuple[Turn, str] | None = None) -> list[dict[str, Any]]:
    """The Chatbot messages for a conversation; pending is a turn still being answered."""
    messages: list[dict[str, Any]] = []
    for number, turn in enumerate(turns, start=1):
        messages.extend(turn_messages(turn, number))
    if pending is not None:
        turn, text = pending
        number = len(turns) + 1
        messages.append(_user(turn))
        searching = said("searching", question_language(turn.question))
        body = _rewrite_note(turn) + (
            f'<div class="answer-text">{link_markers(text, number)}</div>'
            if text
            else f'<div class="notice">{searching}</div>'
        )
        messages.append(_assistant(f'<div class="answer" id="answer-{number}">{body}</div>'))
    return messages


def turn_messages(turn: Turn, number: int) -> list[dict[str, Any]]:
    """A turn's messages: the question, the answer (or passages), then its sources."""
    messages = [_user(turn)]
    if turn.mode == PASSAGES:
        language = question_language(turn.question)
        messages.append(_assistant(_rewrite_note(turn) + passages_html(turn.hits, language)))
        return messages
    answer = turn.answer
    if answer is None:
        return messages
    label = said("copy_answer", answer.language)
    copy = (
        f'<button class="copy-answer" type="button" id="copy-{number}">{label}</button>'
        # What the button says once it has copied (page.js): Gradio strips data attributes.
        f'<span class="copied-note">{said("copied", answer.language)}</span>'
        f'<div class="copytext" id="copytext-{number}">{_escape(answer_text(turn))}</div>'
    )
    text = link_markers(answer.text, number, {c.number for c in answer.citations})
    messages.append(
        _assistant(
            f'<div class="answer" id="answer-{number}">{_rewrite_note(turn)}'
            f'<div class="answer-text">{text}</div>{_fallback_note(answer)}{copy}</div>'
        )
    )
    # Plain messages, not collapsible "thoughts": the evidence is always in view.
    if answer.suggestions:
        messages.append(_assistant(suggestions_html(answer.suggestions, answer.language)))
    elif answer.citations:
        messages.append(_assistant(sources_html(answer.citations, number, answer.language)))
    return messages


def owner_of(turns: Sequence[Turn], message_index: Any) -> int | None:
    """The turn a Chatbot message index belongs to (for ratings), or None."""
    if isinstance(message_index, (list, tuple)):
        message_index = message_index[0]
    if not isinstance(message_index, int):
        return None
    position = 0
    for i, turn in enumerate(turns):
        position += len(turn_messages(turn, i + 1))
        if message_index < position:
            return i
    return None


def link_markers(text: str, number: int, known: set[int] | None = None) -> str:
    """Escaped answer text with each [n] a link to source n of answer `number`."""

    def link(match: re.Match[str]) -> str:
        n = int(match.group(1))
        if known is not None and n not in known:
            return match.group(0)
        return f'<a class="cite" href="#src-{number}-{n}" title="Show source {n}">[{n}]</a>'

    return MARKER.sub(link, _escape(text))


def sources_html(citations: Sequence[Citation], number: int = 1, language: str = "en") -> str:
    """Each citation: [n] title — publisher, location; the passage, sentence marked; licence
    (the labels in the question's language)."""
    parts = []
    for c in citations:
        details = [d for d in (c.source.publisher, c.location) if d]
        heading = f"<strong>[{c.number}]</strong> " + _escape(c.source.title or c.doc_id)
        if details:
            heading += " — " + ", ".join(_escape(d) for d in details)
        passage = highlight(c.passage, *c.sentence_spans)
        licence = ""
        if c.source.licence:
            licence = f"{said('licence', language)}: {_escape(c.source.licence)}"
            if c.source.licence_text:
                licence += f". {_escape(c.source.licence_text)}"
            licence = f'<p class="licence">{licence}</p>'
        parts.append(
            f'<div class="source" id="src-{number}-{c.number}"><p class="source-head">{heading}'
            f'</p><div class="passage">{passage}</div>{licence}</div>'
        )
    return _one_line(
        f'<div class="sources"><p class="sources-title">{said("sources", language)}</p>'
        f"{''.join(parts)}</div>"
    )


def suggestions_html(hits: Sequence[Hit], language: str = "en") -> str:
    """The closest passages for a refused question: title, location and text, all escaped,
    the sentence closest to the question marked."""
    parts = []
    for hit in hits:
        chunk = hit.chunk
        heading = _escape(chunk.title or chunk.doc_id)
        if chunk.location:
            heading += " — " + _escape(chunk.location)
        parts.append(
            f'<div class="source"><p class="source-head">{heading}</p>'
            f'<div class="passage">{highlight(chunk.text, hit.best_span)}</div></div>'
        )
    return _one_line(
        '<div class="sources suggestions"><p class="sources-title">'
        f"{said('suggested', language)}</p>{''.join(parts)}</div>"
    )


def passages_html(hits: Sequence[Hit], language: str = "en") -> str:
    """Find-passages results: ranked passages, each best sentence marked."""
    if not hits:
        return _one_line(f'<div class="notice">{said("no_passages", language)}</div>')
    parts = []
    for rank, hit in enumerate(hits, start=1):
        chunk = hit.chunk
        heading = f"<strong>{rank}.</strong> " + _escape(chunk.title or chunk.doc_id)
        if chunk.location:
            heading += " — " + _escape(chunk.location)
        parts.append(
            f'<div class="source passage-hit"><p class="source-head">{heading}</p>'
            f'<div class="passage">{highlight(chunk.text, hit.best_span)}</div></div>'
        )
    return _one_line(f'<div class="sources passages">{"".join(parts)}</div>')


def highlight(passage: str, *spans: tuple[int, int]) -> str:
    """The passage as safe HTML with each passage[start:end] span wrapped in <mark>."""
    out = []
    done = 0
    for start, end in sorted(spans):
        if done <= start < end <= len(passage):
            out += [_escape(passage[done:start]), "<mark>", _escape(passage[start:end]), "</mark>"]
            done = end
    return "".join(out) + _escape(passage[done:])


def _user(turn: Turn) -> dict[str, Any]:
    prefix = "Find passages: " if turn.mode == PASSAGES else ""
    return {"role": "user", "content": _block("question", prefix + turn.question)}


def _assistant(content: str) -> dict[str, Any]:
    return {"role": "assistant", "content": _one_line(content)}


def notice(text: str) -> dict[str, Any]:
    return _assistant(_block("notice", text))


def _fallback_note(answer: Answer) -> str:
    # A generated answer that failed its checks falls back to quotes: say why, plainly.
    if not answer.fallback:
        return ""
    return f'<div class="notice fallback">{_escape(answer.fallback)}</div>'


def _rewrite_note(turn: Turn) -> str:
    # How the question was read: a follow-up made standalone, typos read as other words.
    notes = [f"Understood as: “{turn.standalone}”"] if turn.rewritten else []
    if turn.read_as_note:
        notes.append(turn.read_as_note)
    if turn.answer is not None and turn.answer.language_note:
        notes.append(turn.answer.language_note)
    return "".join(f'<div class="rewrite">{_escape(note)}</div>' for note in notes)


def _escape(text: str) -> str:
    # Text only ever goes between tags, never into attributes, so quotes can stay as typed.
    # Line breaks become <br> so the HTML stays on one line (see _one_line).
    escaped = html.escape(text, quote=False).replace("\r\n", "\n").replace("\r", "\n")
    return escaped.replace("\n", "<br>")


def _block(kind: str, text: str) -> str:
    return _one_line(f'<div class="{kind}">{_escape(text.strip())}</div>')


def _one_line(markup: str) -> str:
    # The Chatbot renders Markdown. A <div> block on a single line is raw HTML to Markdown, so
    # document text ("*", "#", "1.", "[x](y)") is shown as written, never reinterpreted.
    return markup.replace("\n", " ")
