"""A conversation's turns, and follow-up questions rewritten into standalone ones (no LLM).

Retrieval sees one question at a time, so "and who leads it?" must carry the subject of the
turn before it. The rewrite is shown to the user ("Understood as: ..."), so a wrong guess is
visible and can be corrected by asking the full question.
"""

from __future__ import annotations

import itertools
import re
import uuid
from dataclasses import dataclass, field

from assistant.answer.types import Answer, read_as_note
from assistant.language.lexicon import (
    AUXILIARIES,
    BARE_VERB_AUXILIARIES,
    COPULAS,
    DEMONSTRATIVES,
    EVERY_QUESTION_WORD,
    NAME_WORD,
    NOUN_QUESTION_WORDS,
    POINTS_BACK,
    POSSESSIVES,
    QUESTION_WORDS,
    one_of,
)
from assistant.language.text import is_stopword, terms
from assistant.retrieval.hits import Hit

ANSWER = "answer"
PASSAGES = "passages"

_CONNECTOR = re.compile(
    r"^(?:\s*(?:and|but|also|so|then|ok(?:ay)?|now|thanks|thank\s+you)\b[\s,.!]*)+", re.I
)
_WHAT_ABOUT = re.compile(r"^\s*(?:what|how)\s+about\s+(.+?)\s*\??\s*$", re.I)
_WH = re.compile(
    r"^\s*(how\s+(?:many|much)(?:\s+\w+)?|(?:which|what)\s+(?:year|date|day|month|country|countries)"
    rf"|{'|'.join(EVERY_QUESTION_WORD)})\b",
    re.I,
)
# Not "that": before a word it is as often a relative pronoun ("the body that leads").
_DEMONSTRATIVE = re.compile(r"\b(?:this|these|those)\s+\w", re.I)
_POSSESSIVE = frozenset(POSSESSIVES)
_DETERMINER_NEXT = re.compile(r"\s+([a-z][\w-]*)")
# Words that follow a demonstrative used as a pronoun ("is this", "was that held") rather than
# as a determiner ("this forum").
_AFTER_PRONOUN = frozenset(AUXILIARIES) | frozenset(
    re.findall(r"\w+", "mean means about for in on at by to of the a an")
)
_COPULA_SUBJECT = re.compile(
    rf"^\s*{one_of(NOUN_QUESTION_WORDS)}\s+{one_of(COPULAS)}\s+(.+?)\s*\??\s*$", re.I
)
_AUX_REST = re.compile(
    rf"^\s*(?:how\s+(?:many|much)(?:\s+\w+)?|{'|'.join(QUESTION_WORDS)})\s+"
    rf"(?P<aux>{'|'.join(AUXILIARIES)})\s+"
    r"(.+?)\s*\??\s*$",
    re.I,
)
_NAME = re.compile(
    r"((?:\b(?:the|a|an)\s+(?:\w+\s+){0,2})?"  # "the first ..." before a name belongs to it
    r"(?:[A-Z][\w’'-]*(?:\s+(?:of|and|for|on|in|the|de|du)\s+|\s+))*[A-Z][\w’'-]*)"
)
_DO_AUX = frozenset(BARE_VERB_AUXILIARIES)
_TRAILING_VERB = re.compile(r"\s+\w+(?:\s+(?:to|for|on|in|with|about|from|of|by))?$")
_ABOUT = re.compile(r"\s*\(about (.+)\)\s*$")
# "who chairs the experts group and when does it meet?": a second question, joined by "and".
_AND_ASKS = re.compile(rf"\s+and\s+(?={one_of(QUESTION_WORDS)}\b)", re.I)
_SAYS_ENOUGH = 2  # terms before a pronoun that give it something to stand for
_SAYS_PLENTY = 3  # terms of its own that make a question standalone, "and" or not
_SINGULAR = {"it", "its", "this", "that"}
_PERSONAL = frozenset(re.findall(r"\w+", "he him his she her they them their"))
_DETERMINERS = frozenset(("the", "a", "an"))
# "Who leads X?", "who was polite?": the person is the answer. "Who is the director?", "Who is
# Adam Levy?": the person is named in the question.
_PERSON_ASKED = re.compile(
    r"^\s*(?i:who|whom)\b(?!\s+(?i:is|are|was|were)\s+(?:(?i:the|a|an|his|her|their|its)\b|[A-Z]))"
)
_DO_BEFORE = re.compile(rf"\b{one_of(BARE_VERB_AUXILIARIES)}\b", re.I)
_PARTICLES = frozenset(re.findall(r"\w+", "about for in on at by to of"))
_NAME_WORDS = 10  # a reply naming what "it" is, not a sentence
_AUX_FIRST = re.compile(rf"^{one_of(AUXILIARIES)}\b", re.I)
# A name or abbreviation of the question's own ("GMP", "the Experts Group").
_OWN_NAME = re.compile(rf"\b(?:[A-Z]{{2,}}|{NAME_WORD}(?:\s+{NAME_WORD})+)\b")
# "going back to the Korean task force, when was it launched", "the implementation unit, who
# leads it?", "back to the forum - how many speakers were there?"
_TOPIC_FIRST = re.compile(
    r"^(?:(?:going\s+back\s+to|back\s+to|returning\s+to|regarding|as\s+for|on)\s+)?"
    r"(?P<topic>(?:the|a|an)\s+[^,:;?]{2,80}?)\s*(?:,|:|;|\s[-–—])\s*"
    rf"(?P<ask>{one_of(QUESTION_WORDS)}\b.+)$",
    re.I,
)
# A message made only of these thanks or acknowledges; it asks nothing.
_COURTESY = frozenset(
    re.findall(
        r"[a-z]+",
        "ok okay thanks thank you thx ta great cool perfect good fine got it alright right yes no "
        "sure noted nice excellent wonderful brilliant bye goodbye hello hi hey much very so many "
        "that's helpful understood merci beaucoup gracias danke obrigado obrigada grazie",
    )
)


@dataclass(frozen=True)
class Rewrite:
    """A question as typed and the standalone question retrieval uses."""

    original: str
    standalone: str
    # A word pointing back to nothing ("Who leads it?" with no question before): the question
    # cannot be answered until its subject is said, so none is guessed.
    unresolved: str | None = None
    # "ok thanks", "great": nothing to look up.
    courtesy: bool = False

    @property
    def changed(self) -> bool:
        """True when the follow-up was rewritten."""
        return self.standalone != self.original.strip()


@dataclass
class Turn:
    """One question in a conversation and what the assistant showed for it."""

    question: str
    standalone: str
    mode: str = ANSWER  # ANSWER or PASSAGES
    answer: Answer | None = None
    hits: list[Hit] = field(default_factory=list)
    # Typos the question was read with (from the answer, or from the search when passages
    # were asked for): (("vacine", "vaccine"),).
    read_as: tuple[tuple[str, str], ...] = ()
    feedback_id: str = field(default_factory=lambda: uuid.uuid4().hex)

    @property
    def read_as_note(self) -> str:
        """'Read “vacine” as “vaccine”.' when the question had typos, else ''."""
        return read_as_note(self.answer.read_as if self.answer is not None else self.read_as)

    @property
    def rewritten(self) -> bool:
        """True when the question was rewritten from the previous turn."""
        return self.standalone != self.question.strip()


def standalone_question(question: str, previous: str | None) -> Rewrite:
    """Rewrite a follow-up ("and who leads it?") using the previous standalone question."""
    text = " ".join(question.split())
    said = set(re.findall(r"[a-z]+", text.lower()))
    if said and said <= _COURTESY and not re.search(r"\?|\d", text):
        return Rewrite(question, text, courtesy=True)
    if not previous or not text:
        pronoun = _referring_pronoun(text) if text else None
        if pronoun and _before_own_subject(text, pronoun) and len(terms(text)) < _SAYS_ENOUGH:
            return Rewrite(question, text, unresolved=pronoun.group(1))
        return Rewrite(question, text)
    previous = " ".join(previous.split())
    subject = subject_of(previous)

    about = _WHAT_ABOUT.match(text)
    if about:
        new_subject = about.group(1)
        if subject and subject in previous:
            return Rewrite(question, previous.replace(subject, new_subject, 1))
        # No subject to swap: asking the previous question again would repeat its answer.
        return Rewrite(question, text)

    connector = _CONNECTOR.match(text)
    body = text[connector.end() :] if connector else text
    if not body:
        return Rewrite(question, text)
    topic = _TOPIC_FIRST.match(body)
    if topic:
        # "going back to the Korean task force, when was it launched": the topic is said first.
        ask, named = topic.group("ask"), topic.group("topic")
        pronoun = _referring_pronoun(ask)
        if not pronoun:
            return Rewrite(question, f"{_as_question(ask)} (about {named})")
        return Rewrite(question, _as_question(_put_for(ask, pronoun, named)))
    wh = _WH.match(body)
    own_terms = terms(body[wh.end() :] if wh else body)

    # Ellipsis: "and where?", "who?" - the previous question with its question word swapped,
    # when that keeps it a question ("Who will host ...?" then "why?" is not "Why will host").
    before = _WH.match(previous)
    if wh and not body[wh.end() :].strip(" ?.!") and before:
        if _swappable(before, wh.group(1)):
            return Rewrite(question, _capitalise(wh.group(1)) + previous[before.end() :])
        # Not its subject_of: in "Who will host the next forum?" that is a guess ("host the
        # next"); the whole previous question is what "why?" asks about.
        return Rewrite(question, f"{_capitalise(wh.group(1))}? (about {_asked(previous)})")

    pronoun = _referring_pronoun(body)
    if pronoun and not _before_own_subject(body, pronoun):
        # "Who leads the Task Force and where did it first meet?": "it" is the Task Force.
        return Rewrite(question, text)
    if pronoun and subject and _can_stand_for(pronoun.group(1), subject, previous):
        if pronoun.group(1).lower() in _SINGULAR:
            subject = _owner(subject)
        return Rewrite(question, _as_question(_put_for(body, pronoun, subject)))
    # A question with a name or abbreviation of its own ("what is GMP"), or that says enough
    # ("and who will host the next forum?"), changes the topic: no context is added.
    says_enough = len(own_terms) >= _SAYS_PLENTY or _OWN_NAME.search(body[1:])
    if (
        pronoun
        or _DEMONSTRATIVE.search(body)
        or (not says_enough and (connector or len(own_terms) <= 1))
    ):
        # "what is his role?" after "who leads X?": the person asked for, not X.
        person = pronoun and _asks_for_person(pronoun.group(1), previous)
        context = subject if subject and not person else _asked(previous)
        if context and not set(terms(context)) <= set(own_terms):
            return Rewrite(question, f"{_as_question(body)} (about {context})")
    return Rewrite(question, text)


def supply_subject(question: str, reply: str) -> str | None:
    """The question whose "it" pointed to nothing, with the reply in its place ("and who leads
    it?", "the task force": "Who leads the task force?"); None when the reply is a question or
    a sentence of its own rather than a name for "it"."""
    reply = " ".join(reply.split()).strip(" .!")
    body = _CONNECTOR.sub("", " ".join(question.split()))
    pronoun = _referring_pronoun(body)
    asks = _WH.match(reply) or _AUX_FIRST.match(reply) or "?" in reply
    if not pronoun or asks or not terms(reply) or len(reply.split()) > _NAME_WORDS:
        return None
    return _as_question(_put_for(body, pronoun, reply))


def subject_of(question: str) -> str:
    """The thing a question is about: "the X" in "What is the X?", else its longest name."""
    about = _ABOUT.search(question)
    if about:
        return about.group(1)
    copula = _COPULA_SUBJECT.match(question)
    if copula and not _predicate(copula.group(1)) and not _PERSON_ASKED.match(question):
        return copula.group(1)
    names = _names(question)
    if names:
        start, name = max(names, key=lambda n: len(n[1]))
        return _with_owned(question, start, name)
    rest = _AUX_REST.match(question)
    # "Who will host the next forum?" asks for its subject: what follows is no subject.
    if not rest or question.lstrip().lower().startswith("who"):
        return ""
    subject = rest.group(2)
    if rest.group("aux").lower() in _DO_AUX:
        # "What does X refer to?": the verb and its particle follow the subject.
        subject = _TRAILING_VERB.sub("", subject)
    return "" if _predicate(subject) else subject


def _names(text: str) -> list[tuple[int, str]]:
    """The names in a text and where each starts. A question's first word is capitalised
    whatever it is, so alone it is no name ("Was", "Name one"), and a capitalised function word
    in front of a name is not part of it ("Did Baki" is Baki)."""
    found = []
    for match in _NAME.finditer(text):
        start, words = match.start(1), match.group(1).split()
        while words and words[0][0].isupper() and _function_word(words[0]):
            start = text.index(words[1], start + len(words[0])) if len(words) > 1 else start
            words = words[1:]
        if words and words[0].lower() in _DETERMINERS:
            # "the first World ... Forum", but not "the press about USD": only words of the
            # name's own come between the article and it.
            capital = next((i for i, w in enumerate(words) if w[0].isupper() and i), len(words))
            if any(_function_word(w) for w in words[1:capital]):
                start = text.index(words[capital], start) if capital < len(words) else start
                words = words[capital:]
        name = " ".join(words)
        if not words or _WH.fullmatch(name) or all(_function_word(w) for w in words):
            continue
        if start == len(text) - len(text.lstrip()) and len(words) == 1 and words[0].istitle():
            continue
        found.append((start, name))
    return found


def _function_word(word: str) -> bool:
    return is_stopword(word.lower().rstrip("’'s")) or is_stopword(word.lower())


def _with_owned(question: str, start: int, name: str) -> str:
    """A name that owns something stands with what it owns: "Korea's vaccine hub task force",
    not "Korea's"; after "did" or "does" the last word is the verb ("What did Korea's health
    minister say?")."""
    # "MNC's" is as often a plural as an owner.
    if not re.search(r"[’']s$", name) or name[:-2].isupper():
        return name
    owned: list[str] = []
    stop = ""
    for word in question[start + len(name) :].split():
        bare = word.strip("?.,!;:")
        # "Seville's municipal population's people": a chain of owners.
        plain = re.sub(r"[’']s$", "", bare)
        if not plain.isalpha() or not bare[0].islower() or is_stopword(bare.lower()):
            stop = bare.lower()
            break
        owned.append(bare)
        if bare != word:
            break
    # "When did Fulham's home country have ...": the verb is the auxiliary that ends it.
    verb_follows = stop not in _AFTER_PRONOUN or stop in _PARTICLES
    if len(owned) > 1 and verb_follows and _DO_BEFORE.search(question[:start]):
        owned = owned[:-1]
    elif len(owned) > 1 and re.fullmatch(r"[a-z]{3,}ed", owned[-1]):
        owned = owned[:-1]  # "What are Seville's people called?"
    return " ".join([name, *owned])


def _predicate(phrase: str) -> bool:
    """Whether what follows "is" or "did" is a clause rather than a subject: "waiting for
    someone", "Duane thankful to", "Silva covering" ("What was Silva covering?")."""
    words = phrase.split()
    if not words:
        return True
    participle = re.compile(r"^[a-z]{2,}(?:ing|ed)$")
    last = words[-1].lower().strip("?.!/")
    # "the forum called": a subject does not end in a past participle or a preposition.
    if participle.match(words[0]) or is_stopword(last) or (len(words) > 1 and last.endswith("ed")):
        return True
    return any(a[0].isupper() and participle.match(b) for a, b in itertools.pairwise(words))


def _can_stand_for(pronoun: str, subject: str, previous: str) -> bool:
    """Whether the subject can take the pronoun's place: not when it is a question ("(about
    who begged for mercy)"), nor when the pronoun is the person the previous question asked for."""
    is_question = _WH.match(subject) or _AUX_FIRST.match(subject)
    return not is_question and not _asks_for_person(pronoun, previous)


def _asks_for_person(pronoun: str, previous: str) -> bool:
    """After "who ..." (but "who is X") a "he" or "they" is most likely the person asked for,
    whom the rewrite does not know."""
    asked = _question_body(previous)
    return pronoun.lower() in _PERSONAL and bool(_PERSON_ASKED.match(asked))


def _before_own_subject(text: str, pronoun: re.Match[str]) -> bool:
    """True when nothing the pronoun could stand for comes before it in the question: no name,
    and no earlier clause ("Which ministry leads it?", but not "Who leads the Task Force and
    where did it meet?" nor "who chairs the experts group and when does it meet?")."""
    before = text[: pronoun.start()]
    if _names(before):
        return False
    clause = _AND_ASKS.split(before)
    return len(clause) == 1 or len(terms(clause[0])) < _SAYS_ENOUGH


def _swappable(previous_wh: re.Match[str], wh: str) -> bool:
    """Whether the previous question keeps its grammar and subject with another question word
    in front: "When was the forum held?" gives "Where was the forum held?", but "Who will host
    it?" and "How many speakers were there?" ask about their subject ("Why will host it?",
    "Where were there?" are no questions)."""
    old_phrase = previous_wh.group(1).lower().split()
    new = wh.lower().split()[0]
    if len(old_phrase) > 1:  # "how many speakers", "which country": the subject goes with it
        return False
    old = old_phrase[0]
    if old == new or old not in NOUN_QUESTION_WORDS:
        return True
    following = previous_wh.string[previous_wh.end() :].split()[:1]
    # "What did Korea agree?": an auxiliary, then the subject. "Who will host": no subject.
    return bool(following) and following[0].lower() in _AFTER_PRONOUN and old != "who"


def _put_for(text: str, pronoun: re.Match[str], subject: str) -> str:
    """The text with the subject in the pronoun's place ("its" becomes "the X's")."""
    said = _possessive(subject) if pronoun.group(1).lower() in _POSSESSIVE else subject
    return text[: pronoun.start()] + said + text[pronoun.end() :]


def _owner(subject: str) -> str:
    """What "it" stands for after a question about a thing's parts: "the Task Force's members"
    and "the members of the Task Force" are the Task Force ("why was it created?")."""
    owned = re.match(r"^(.+?)[’']s\s+[a-z][\w-]*s$", subject)
    if owned:
        return owned.group(1)
    of = re.match(r"^(?:the\s+)?[a-z][\w-]*s\s+of\s+(.+)$", subject)
    return of.group(1) if of else subject


def _as_question(text: str) -> str:
    """Capitalised, and ending as a question when it opens like one."""
    text = _capitalise(text.strip())
    if _WH.match(text) and not text.endswith(("?", ".", "!")):
        text += "?"
    return text


def _possessive(subject: str) -> str:
    """ "its" for "the objectives of the Partnership" is the Partnership's, not the objectives'."""
    # Only a common noun's "of" ("the objectives of"): "the Ministry of Health" is one name.
    of = re.match(r"^(?:the|a|an)\s+[a-z]\w*(?:\s+[a-z]\w*)?\s+of\s+(.+)$", subject)
    owner = of.group(1) if of else subject
    return f"{owner}'" if owner.endswith("s") and not owner.endswith("ss") else f"{owner}'s"


def _referring_pronoun(text: str) -> re.Match[str] | None:
    for match in POINTS_BACK.finditer(text):
        word = match.group(1).lower()
        if word in DEMONSTRATIVES:
            following = _DETERMINER_NEXT.match(text, match.end())
            if following and following.group(1).lower() not in _AFTER_PRONOUN:
                continue  # a determiner: "this forum" names its own subject
            before = text[: match.start()].split()[-1:]
            if word == "that" and before and before[0].lower() not in _AFTER_PRONOUN:
                continue  # "the body that leads": a relative pronoun
        return match
    return None


def _asked(question: str) -> str:
    """The previous question as the context of this one: "(about who will host the forum)"."""
    body = _question_body(question)
    return body[:1].lower() + body[1:] if _WH.match(body) else body


def _question_body(question: str) -> str:
    return _ABOUT.sub("", question).rstrip(" ?")


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text
