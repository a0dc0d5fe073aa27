"""The English words the language rules read, defined once: question words, auxiliaries, words
that point back, names, months and weekdays, abbreviations written with a full stop."""

from __future__ import annotations

import re
from collections.abc import Iterable


def one_of(words: Iterable[str]) -> str:
    """A regular-expression group matching any of the words: '(?:how|what|when)'."""
    return "(?:" + "|".join(words) + ")"


# Question words that open a question, or a clause of one ("..., and where did it meet?").
QUESTION_WORDS = ("how", "what", "when", "where", "which", "who", "why")
# "whom" and "whose" open a question too, but after a comma or "and" they mostly open a relative
# clause ("the task force, whose members ..."): only rules about a question's start take them.
WHO_FORMS = ("whom", "whose")
EVERY_QUESTION_WORD = (*QUESTION_WORDS, *WHO_FORMS)
# Question words that stand for a thing or person, and so may be a question's subject ("Who will
# host it?") or ask what its subject is ("What is the WLPF?"); the others ask how, when, where, why.
NOUN_QUESTION_WORDS = ("what", "which", "who")

# Forms of "be": "What is X?" names its subject right after.
COPULAS = ("is", "are", "was", "were")
# Auxiliaries followed by a bare verb, which comes after the subject ("What does X refer to?").
BARE_VERB_AUXILIARIES = ("do", "does", "did", "will", "would", "can", "could", "should")
AUXILIARIES = (*COPULAS, *BARE_VERB_AUXILIARIES, "has", "have", "had")
# Requests worded as orders: "List the priorities.", "Name the hosts."
REQUEST_VERBS = ("list", "name", "give", "tell", "explain", "describe")
# The words a sentence that asks opens with ("Who ...", "Is ...", "May ...", "List ...").
ASKING_WORDS = (
    *EVERY_QUESTION_WORD,
    *COPULAS,
    *BARE_VERB_AUXILIARIES,
    "may",
    *REQUEST_VERBS,
)
STARTS_ASKING = re.compile(rf"\W*{one_of(ASKING_WORDS)}\b", re.I)

# Words that point back to something said before ("Who leads it?"): a follow-up borrows its
# subject from the previous question, a question its subject from the sentences around it.
POSSESSIVES = ("its", "their", "his", "her")
DEMONSTRATIVES = ("this", "that", "these", "those")
POINTS_BACK = re.compile(
    rf"\b({'|'.join((*POSSESSIVES, 'it', 'they', 'them', 'he', 'him', 'she', *DEMONSTRATIVES))})\b",
    re.I,
)

# A word written as a name: a capital, then lower case ("Korea", "Janssen"; not "WHO", "mRNA").
NAME_WORD = r"[A-Z][a-z]+"
# A name of one word or more ("World Local Production Forum", "Asia-Pacific").
NAME = rf"{NAME_WORD}(?:[-\s]{NAME_WORD})*"

MONTH_NAMES = (
    *("january", "february", "march", "april", "may", "june"),
    *("july", "august", "september", "october", "november", "december"),
)
_SHORT_MONTHS = "Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec"
# A month name in any case; "May" and the short forms only as Names ("15 may apply", "up to
# 30 mar" are no dates). The one rule for dates in questions and in passages.
MONTHS = (
    "(?:(?i:"
    + "|".join(m for m in MONTH_NAMES if m != "may")
    + ")"
    + f"|May|MAY|{_SHORT_MONTHS}|{_SHORT_MONTHS.upper()})"
)
WEEKDAYS = r"(?i:(?:mon|tues|wednes|thurs|fri|satur|sun)day)"

# Shortened words whose full stop ends no sentence ("Dr. Kim", "et al. found"), besides single
# letters ("U.S.", "e.g.", "J. Smith"). As edited text writes them; typed text, in any case.
DOTTED_ABBREVIATIONS = (
    *("Dr", "Mr", "Mrs", "Ms", "Prof", "St", "No", "Nos", "Inc", "Ltd"),
    *("vs", "etc", "cf", "al", "approx", "Fig", "Art", "para"),
)

# bm25s's list is Lucene's 33 words; questions also carry interrogatives, auxiliaries and
# pronouns ("what", "does", "should") that would otherwise count as terms to be covered.
_FUNCTION_WORDS = """
about above after again against all am any because been before being below between both
can could did do does doing down during each few from further had has have having he her here
hers herself him himself his how i its itself just me more most my myself nor now off once only
other our ours ourselves out over own same she should so some than them themselves those through
too under until up very we were what when where which while who whom whose why would you your
yours yourself yourselves shall may might must ought also
"""
FUNCTION_WORDS = frozenset(_FUNCTION_WORDS.split())
