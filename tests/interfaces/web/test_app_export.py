"""Copy-as-text and Markdown download of a conversation, from real answers."""

from __future__ import annotations

from assistant.api import Assistant
from assistant.chat.conversation import PASSAGES, Turn
from assistant.chat.export import answer_text, conversation_markdown

FORUM = "When was the first World Local Production Forum held?"
UNANSWERABLE = "How many mRNA vaccine factories are being built in Africa?"


def test_answer_text_has_the_answer_and_numbered_sources(assistant: Assistant) -> None:
    answer = assistant.ask(FORUM)
    text = answer_text(Turn(FORUM, FORUM, answer=answer))
    assert text.startswith(f"Question: {FORUM}\n\n{answer.text}\n\nSources:\n[1] ")
    for c in answer.citations:
        assert f"[{c.number}] {c.source.title}" in text
        assert c.sentence.strip() in text


def test_markdown_lists_every_turn_and_the_references(assistant: Assistant) -> None:
    forum = assistant.ask(FORUM)
    turns = [
        Turn(FORUM, FORUM, answer=forum),
        Turn("and <b>where</b>?", "Where <b>was</b> it held?", answer=assistant.ask(FORUM)),
        Turn(UNANSWERABLE, UNANSWERABLE, answer=assistant.ask(UNANSWERABLE)),
        Turn("task force", "task force", mode=PASSAGES, hits=assistant.search("task force", 2)),
    ]
    markdown = conversation_markdown(turns, "Session")
    assert markdown.startswith("# Session\n")
    assert f"## 1. {FORUM}" in markdown
    assert "## 2. and \\<b\\>where\\</b\\>?" in markdown  # shown as typed, never as HTML
    assert "_Understood as: Where \\<b\\>was\\</b\\> it held?_" in markdown
    assert "You may be looking for:" in markdown
    assert "Passages found:" in markdown
    references = markdown.split("## References\n", 1)[1]
    cited = {c.source.title for c in forum.citations}
    assert all(title in references for title in cited)
    assert "Licence: CC BY-NC-SA 3.0 IGO (https://creativecommons.org" in references
    assert references.count("\n- ") == len(cited)  # one entry per document, not per citation
