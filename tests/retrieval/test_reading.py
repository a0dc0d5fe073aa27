"""Reading a question against the index, and the rule groups that can be switched off."""

from __future__ import annotations

from assistant.api import Assistant
from assistant.chat.session import ChatSession, Done
from assistant.language.questions import analyse
from assistant.retrieval.reading import QuestionReader
from assistant.settings import RuleSettings, settings_with


def _reader(assistant, **off: bool) -> QuestionReader:
    rules = RuleSettings(**{name: False for name in off})
    return QuestionReader(assistant.index, assistant.retriever.lexical, rules=rules)


def test_the_reading_is_complete_and_carries_its_scope(assistant):
    doc = next(iter(assistant.index.documents))
    q = assistant.retriever.read("When was the first World Local Production Forum held?", [doc])
    assert q.wants == "date" and q.scope == (doc,)
    assert "forum" in " ".join(q.terms)


def test_a_name_the_searched_documents_never_say_is_unknown_there(assistant):
    asked = "When was the first WLPF held?"
    # Each document either says "WLPF" and may answer, or does not and refuses.
    for doc in assistant.index.documents:
        says = "wlpf" in assistant.retriever.reader._said_in(doc)
        q = assistant.retriever.read(asked, [doc])
        assert ("WLPF" in q.unknown_names) is not says
        if not says:
            assert assistant.ask(asked, [doc]).refused
    assert "WLPF" not in assistant.retriever.read(asked).unknown_names
    korea = "Who leads the Global Vaccine Production Hub Task Force?"
    answering = [d for d in assistant.index.documents if not assistant.ask(korea, [d]).refused]
    assert len(answering) == 1


def test_each_rule_group_switches_off(assistant):
    asked = "I work at a ministry. Can you tell me when the first WLPF was held?"
    on, off = analyse(asked), analyse(asked, RuleSettings(request_framing=False))
    assert on.ask != on.text and off.ask == off.text
    assert analyse("When was it held?", RuleSettings(answer_types=False)).wants is None
    assert not analyse("Who leads it and where did it meet?", RuleSettings(two_part=False)).two_part
    named = "What does the Atlantis Protocol say about vaccines?"
    assert _reader(assistant).read(named).unknown_names == ("Atlantis Protocol",)
    assert _reader(assistant, unknown_names=False).read(named).unknown_names == ()
    explainer = "According to the explainer, what does local production refer to?"
    assert _reader(assistant).read(explainer).documents
    assert not _reader(assistant, document_names=False).read(explainer).documents


def _follow_up(bot: Assistant) -> str:
    session = ChatSession(bot)
    list(session.respond("Who leads Korea's vaccine hub task force?"))
    done = [e for e in session.respond("and when did it first meet?") if isinstance(e, Done)]
    return done[0].turn.standalone


def test_follow_ups_can_be_asked_as_typed(assistant):
    plain = settings_with(assistant.settings, rules={"follow_ups": False})
    typed = Assistant(assistant.index, assistant.embedder, plain)
    assert _follow_up(typed) == "and when did it first meet?"
    assert _follow_up(assistant) != "and when did it first meet?"
