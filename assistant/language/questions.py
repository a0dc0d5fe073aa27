"""What a question asks for: its terms, the kind of answer it expects, the names it mentions."""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.language.lexicon import (
    MONTHS,
    NAME,
    POINTS_BACK,
    QUESTION_WORDS,
    STARTS_ASKING,
    WEEKDAYS,
    one_of,
)
from assistant.language.sentences import sentences
from assistant.language.text import term_of, terms, words
from assistant.settings import RuleSettings

ALL_RULES = RuleSettings()

_NUMBER_WORDS = (
    r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty"
    r"|hundred|hundreds|thousand|thousands|million|millions|billion|billions|dozens?"
)
_NUMBER = re.compile(rf"\b(\d[\d,.]*|{_NUMBER_WORDS})\b", re.IGNORECASE)
_DATE = re.compile(
    rf"\b((19|20)\d\d|\d{{1,2}}(st|nd|rd|th)?\s+{MONTHS}|{MONTHS}\s+\d{{1,2}}(st|nd|rd|th)?"
    rf"|\d{{4}}-\d\d-\d\d|{WEEKDAYS}|(?i:today|yesterday))\b"
)
# Finer kinds of date, and places: "In which month ...?" is not answered by a year.
_MONTH = re.compile(rf"\b{MONTHS}\b")
_YEAR = re.compile(r"\b(19|20)\d\d\b")
_WEEKDAY = re.compile(rf"\b{WEEKDAYS}\b|\b(Mon|Tue|Tues|Wed|Thu|Thur|Thurs|Fri|Sat|Sun)\b")
_PLACE = re.compile(r"\b(?:[Ii]n|[Aa]t|[Oo]n)\s+(?:the\s+)?([A-Z][\w-]+)")
# Capitalised words after "in"/"at" that are not places: languages and parts of documents.
_NOT_PLACES = frozenset(
    {
        *("english", "french", "spanish", "arabic", "chinese", "russian", "korean", "portuguese"),
        *("table", "annex", "section", "figure", "chapter", "part", "box", "appendix", "page"),
        *("paragraph", "article"),
    }
)
_GRAINS = (
    (re.compile(r"\b(which|what)\s+months?\b", re.I), "month"),
    (re.compile(r"\b(which|what)\s+years?\b", re.I), "year"),
    (re.compile(r"\b(which|what)\s+days?\s+of\s+the\s+week\b", re.I), "weekday"),
)
# A question word opens the question, or the clause after a topic ("The 4 June dialogue: where
# was it held?").
_OPENS = r"(?:^|[:;–—.?!]\s|\s-\s)\s*"
_WHERE = re.compile(
    rf"{_OPENS}where\b|\b(which|what)\s+(\w+\s+)?(city|town|venue|location)\b", re.I
)
_HOW_MANY = re.compile(
    rf"{_OPENS}(how\s+(many|much)|what\s+(number|amount|percentage|share))\b", re.I
)
# "How many areas are listed, and what are they?" asks for the items; their count is rarely written.
_AND_ITEMS = re.compile(r"\b(and|or)\s+(which|what)\s+(are|were)\s+(they|these|those)\b", re.I)
_WHEN = re.compile(
    rf"{_OPENS}when\b|\b(what|which)\s+(dates?|years?|days?|months?|time)\b"
    r"|^the\s+(date|day)\s+(when|on\s+which)\b",
    re.I,
)
# "What is the WLPF?": the subject alone, short, with no "of" (that asks for an attribute).
_DEFINE = re.compile(r"^\s*what\s+(is|are)\s+(?!.*\bof\b)((\S+\s+){0,6}\S+?)\s*\?*\s*$", re.I)
_DEFINING = re.compile(
    r"\b(is|are|was)\s+(a|an|the|one)\b|\b(refers?\s+to|means?|encompass(es)?|consists?\s+of)\b",
    re.I,
)
_MARKUP = re.compile(r"<(script|style)\b.*?</\1\s*>|</?[a-z][^<>]{0,200}>", re.I | re.S)
# Signs that a question asks two things, each of which may be answered in another passage:
# a second wh-clause, two sources, "both", or two dates or years.
_TWO_PARTS = re.compile(
    rf"\band\s+((on|in|at|for|by|from|with|to|of)\s+)?{one_of((*QUESTION_WORDS, 'whom'))}\b"
    r"|\baccording\s+to\s+(the\s+)?[\w-]+(\s+[\w-]+)?\s+and\s+(the\s+)?[\w-]+|\bboth\b",
    re.I,
)
# Words that shape a question rather than say what it is about ("give an example", "what does
# X stand for", "what sort of", "apart from", "which year"). Documents rarely use them next to
# the answer, so counting them as terms to cover makes a reworded question look unanswered.
# The kind of answer they ask for (a number, a date) is checked separately.
_FRAMING = """
give gives giving given example examples instance instances mean means meant meaning stand stands
stood put puts happen happens happened happening serve serves served serving sit sits sat
hear hears heard tell tells told say says said mention mentions mentioned list lists listed
count counts counted sort sorts kind kinds type types
according apart besides except someone somebody anyone anybody something anything one ones
usual usually exactly actually really specifically particular particularly basically simply
place take took taken takes many much
"""
# Words naming the kind of answer ("which year", "the number of"): shaping only when that kind
# is checked ("the expiry date of the licence" asks about a date, not for one).
_KIND_WORDS = """
year years month months day days date dates time times number numbers amount amounts percentage
"""
_FRAMING_WORDS = frozenset(_FRAMING.split())
# "the term local manufacturing", "the acronym NRA": a word about words, not about the topic
# ("Long term" and "the terms of this licence" are no answer to "what does the term cover?").
_ABOUT_A_WORD = re.compile(
    r"\b(?:the|this|that)\s+(term|word|phrase|expression|acronym|abbreviation)\b(?!\s+of\b)",
    re.I,
)
_KINDS = frozenset(_KIND_WORDS.split())
# "according to the WLPF report", "the explainer lists", "in the press release": the question
# names the document it asks about. Those words say where to look, not what to find.
_SOURCE_KINDS = (
    r"report|explainer|press\s+release|release|page|document|publication|paper|article|brief"
    r"|briefing|statement|website|guidance|guideline|guidelines|factsheet|fact\s+sheet"
)
_SOURCE_REF = re.compile(
    rf"\b(?:the|this|that)\s+((?:[\w-]+\s+){{0,3}}?(?:{_SOURCE_KINDS}))\b", re.I
)
_LEADING = re.compile(r"\b(?:the|this|that|does|do|did|is|are|was|were|and|of|in|on)\s+", re.I)
# ", according to the explainer", "in the WLPF report": where to look, said where it can go.
_DOCUMENT = rf"(?:the|this|that)\s+(?:[\w-]+\s+){{0,3}}?(?:{_SOURCE_KINDS})\b"
_NAMING_PHRASE = re.compile(
    rf",?\s*\b(?:according\s+to|in|from)\s+{_DOCUMENT}(?:\s+and\s+{_DOCUMENT})*(?!\s+of\b)",
    re.I,
)
_KIND_PATTERNS = {
    "number": _NUMBER,
    "date": _DATE,
    "month": _MONTH,
    "year": _YEAR,
    "weekday": _WEEKDAY,
}
_DATE_KINDS = frozenset({"number", "date", "month", "year", "weekday"})
_NAME = re.compile(rf"(?<!^)(?<![.?!]\s)\b({NAME})\b")
_ABBREVIATION = re.compile(r"\b([A-Z][A-Z0-9]*[A-Z](?:-[A-Z0-9]+)*)s?\b")
# A sentence without a question word may still ask: "I'd like to know which session ...".
_WANTS_TO_KNOW = re.compile(
    r"\b(tell\s+me|like\s+to\s+(know|understand)|need\s+to\s+know|want\s+to\s+know)\b", re.I
)
# A request wrapped around the question: opening it ("can you tell me", "please tell me",
# "Before we do, could you tell me"), or joining it to what comes before ("I work for a
# start-up and would like to know which ..."). "Does the explainer tell me ..." is no request.
_REQUEST = re.compile(
    r"^\W*(?:(?:please|so|ok|okay|hi|hello)\b[,\s]*)*(?:[^,?]{0,60},\s*)??"
    r"(?:(?:can|could|would|will)\s+you\s+(?:please\s+)?(?:tell|show|let)\s+me(?:\s+know)?"
    r"|(?:please\s+)?tell\s+me|do\s+you\s+know|i\s+(?:was\s+)?wonder(?:ing|ed)?"
    r"|(?:i|we)(?:'d|’d|\s+would)\s+like\s+to\s+(?:know|understand|find\s+out|ask)"
    r"|(?:i|we)\s+(?:want|need|wish)\s+to\s+(?:know|understand|find\s+out|ask))\b[,:\s]*"
    r"|^.{0,120}?\b(?:and|but|so)\s+(?:i\s+|we\s+)?(?:(?:'d|’d|would)\s+like|want|need)\s+to\s+"
    r"(?:know|understand|find\s+out)\b[,:\s]*"
    # "For a briefing I need the date when ...": what is needed is the question.
    r"|^.{0,80}?\b(?:i|we)\s+(?:need|want|am\s+looking\s+for|are\s+looking\s+for)"
    r"(?=\s+the\s+(?:date|day|year|month|name|number|list|address)\b)\s*",
    re.I,
)
# A sentence that says almost nothing by itself ("What does it stand for?", "Who leads it?")
# is read with the sentences around it; "What is the WLPF?" says enough.
_SAYS_ENOUGH = 2  # terms


@dataclass(frozen=True)
class Question:
    """A question analysed once and shared by retrieval and answering."""

    text: str  # as asked, context and all
    terms: tuple[str, ...]
    wants: str | None  # number, date, month, year, weekday, place, definition, or None
    names: tuple[str, ...]  # capitalised words inside the question (places, people, bodies)
    abbreviations: tuple[str, ...] = ()  # "ISBN", "WHO", "ROK-US"
    unknown_names: tuple[str, ...] = ()  # names the searched documents never mention
    two_part: bool = False  # asks two things that separate passages may answer
    source_refs: tuple[str, ...] = ()  # documents it names: "the WLPF report", "the explainer"
    documents: tuple[str, ...] = ()  # the corpus documents those names point to
    naming_terms: tuple[frozenset[str], ...] = ()  # per document: the words that named it
    # The other form of an abbreviation it uses, as the corpus defines it ("NRA" brings
    # "national regulatory authority"): searched for, but not asked about.
    extra_terms: tuple[str, ...] = ()
    # A name spelled out whose initials the corpus writes ("Human Rights Council" and "HRC"):
    # per name, the initials' term and the name's terms, which a passage saying the first says.
    initialisms: tuple[tuple[str, frozenset[str]], ...] = ()
    # Typos read as the word they stand for: ("vacine", "vaccine").
    corrections: tuple[tuple[str, str], ...] = ()
    # The documents the search was limited to: a filter, or the ones the question names. A
    # refusal then speaks for them only ("The document searched doesn't say").
    scope: tuple[str, ...] = ()
    foreign: bool = False  # asked in another language than the documents' (English)
    language: str = "en"  # the question's language, ISO 639-1 (language/detect.py)
    # The sentences that ask, without a wrapping request: what passages must answer and are
    # searched for. The others ("I work in procurement at a health ministry.") say who asks and
    # why; adding them to the search found no more passages on reworded gold questions.
    ask: str = ""
    # A question in another language read word by word as the documents' words ("when first
    # forum world local production"): what its terms come from. Not a translation; never shown.
    reading: str = ""

    @property
    def judged(self) -> str:
        """What a reader of one passage is asked: the asking part, without the words that name a
        document (no passage says them), and a name spelled out as the initials the documents
        write it in ("Human Rights Council" as "HRC")."""
        text = self.ask or self.text
        if self.foreign:
            return text  # its names and document words are those of its English reading
        if self.source_refs:
            text = _NAMING_PHRASE.sub("", text).lstrip(" ,;:")
            text = text[:1].upper() + text[1:]
        written = {term for term, _ in self.initialisms}
        for name in self.names:
            short = initials(name)
            term = terms(short)
            if term and term[0] in written:
                text = text.replace(name, short)
        return text

    @property
    def search_terms(self) -> tuple[str, ...]:
        """The terms to search for and cover: its own and their other forms."""
        return self.terms + self.extra_terms

    def satisfied_by(self, sentence: str) -> bool:
        """True when the sentence holds the kind of answer asked for: a definition, a place,
        or a number or date (of the asked-for kind) that the question itself does not hold."""
        if self.wants is None:
            return True
        if self.wants == "definition":
            return bool(_DEFINING.search(sentence))
        if self.wants == "place":
            asked = set(words(self.text))
            return any(
                m.group(1).lower() not in asked
                and m.group(1).lower() not in _NOT_PLACES
                and not _MONTH.fullmatch(m.group(1))
                and not _WEEKDAY.fullmatch(m.group(1))
                for m in _PLACE.finditer(sentence)
            )
        pattern = _KIND_PATTERNS[self.wants]
        asked = {m.group(0).lower() for m in pattern.finditer(self.text)}
        return any(m.group(0).lower() not in asked for m in pattern.finditer(sentence))


def _wants(text: str) -> str | None:
    if _HOW_MANY.search(text) and not _AND_ITEMS.search(text):
        return "number"
    for pattern, grain in _GRAINS:
        if pattern.search(text):
            return grain
    if _WHEN.search(text):
        return "date"
    if _WHERE.search(text):
        return "place"
    return "definition" if _DEFINE.search(text) else None


def _shaping_terms(text: str, wants: str | None) -> set[str]:
    """Terms of the words that only shape this question: framing words written in lower case
    (or opening it; "One Health" and "Essential Medicines List" are names), and words naming
    a kind of answer that is checked anyway."""
    tokens = re.findall(r"\w+", text)
    return {
        term_of(w)
        for i, w in enumerate(tokens)
        if (w.islower() or i == 0)
        and (w.lower() in _FRAMING_WORDS or (wants in _DATE_KINDS and w.lower() in _KINDS))
    } | {term_of(m.group(1)) for m in _ABOUT_A_WORD.finditer(text)}


def initials(name: str) -> str:
    """A name's initials in capitals: "Human Rights Council" -> "HRC", "Ebola-Free" -> "EF"."""
    return "".join(p[0] for p in name.replace("-", " ").split()).upper()


def _source_refs(text: str) -> tuple[str, ...]:
    # "the release of the new guidelines" is about a release, not a document called that.
    return tuple(
        _LEADING.split(m.group(1))[-1].strip()
        for m in _SOURCE_REF.finditer(text)
        if not text[m.end() :].lstrip().lower().startswith("of ")
    )


def _abbreviations(text: str) -> tuple[str, ...]:
    # A question typed in capitals has no abbreviations: "SAY" is a word there.
    letters = [c for c in text if c.isalpha()]
    if letters and sum(c.isupper() for c in letters) > 0.6 * len(letters):
        return ()
    return tuple(dict.fromkeys(m.group(1) for m in _ABBREVIATION.finditer(text)))


def clean(text: str) -> str:
    """The question as typed, without markup pasted with it (a script, tags) or extra spaces."""
    return " ".join(_MARKUP.sub(" ", text).split()) or text


def asking_part(text: str) -> str:
    """The sentences that ask, without a wrapping request ("can you tell me") or the sentences
    saying who asks and why; a one-sentence question is all ask."""
    # People type a question with context around it: "I'm with the Ministry of Health in
    # Uganda. When was the first forum held? It's for a briefing." The sentence that asks is
    # what the passages must answer; the others only help find them.
    parts = sentences(text, typed=True)
    asks = [p for p in parts if p.endswith("?") or STARTS_ASKING.match(p)] or [
        p for p in parts if _WANTS_TO_KNOW.search(p)
    ]
    if not asks or _says_little(" ".join(asks)):
        asks = parts
    ask = " ".join(_without_request(p) for p in asks)
    return ask[:1].upper() + ask[1:] if ask else text


def _says_little(text: str) -> bool:
    said = len(terms(text))
    return said == 0 or (said < _SAYS_ENOUGH and bool(POINTS_BACK.search(text)))


def _without_request(sentence: str) -> str:
    # What is left must still say something: "Which country hosts it, do you know?" keeps all.
    rest = _REQUEST.sub("", sentence, count=1).strip()
    return rest if len(terms(rest)) >= _SAYS_ENOUGH else sentence


def analyse(text: str, rules: RuleSettings | None = None) -> Question:
    """Terms, expected answer type and mentioned names of a question (``rules`` may switch off
    groups of rules, to measure them)."""
    rules = rules or ALL_RULES
    text = clean(text)
    ask = asking_part(text) if rules.request_framing else text
    wants = _wants(ask) if rules.answer_types else None
    # Names as written in the whole question ("Can you tell me Janssen's role" names Janssen),
    # kept when they are in the part that asks.
    names = tuple(dict.fromkeys(m.group(1) for m in _NAME.finditer(text) if m.group(1) in ask))
    shaping = _shaping_terms(ask, wants) if rules.shaping_words else set()
    q_terms = tuple(t for t in terms(ask) if t not in shaping)
    # A year right after a day and month ("3 June 2024") is part of that date, not another.
    years = {
        m.group(0)
        for m in _YEAR.finditer(ask)
        if not _MONTH.search(ask[max(0, m.start() - 14) : m.start()])
    }
    dates = {t for t in q_terms if t.startswith("date")} | years
    return Question(
        text=text,
        ask=ask,
        terms=q_terms,
        wants=wants,
        names=names,
        abbreviations=_abbreviations(ask),
        two_part=rules.two_part and (bool(_TWO_PARTS.search(ask)) or len(dates) > 1),
        # A document named anywhere ("I'm reading the explainer. What does it say ...?").
        source_refs=_source_refs(text) if rules.document_names else (),
    )
