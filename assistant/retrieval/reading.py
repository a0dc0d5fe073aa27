"""Reading a question against one index: the one analysis every later step shares.

The language layer analyses a question alone (terms, the kind of answer asked for, names). What
only the corpus can tell is added here, once: the typos it was read with, names no passage
mentions, documents it names, the other forms of its abbreviations, and the documents searched.
The result is a complete, immutable ``Question``; retrieval and answerers take it as it is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from assistant.language.detect import ENGLISH, question_language
from assistant.language.questions import Question, analyse, clean, initials
from assistant.language.spelling import Speller
from assistant.language.text import terms
from assistant.retrieval.gloss import Glosser
from assistant.retrieval.scoring import PassageTerms
from assistant.settings import RuleSettings
from assistant.store.index import Index
from assistant.store.lexical import Lexical

MIN_INITIALS = 3  # two-letter initials collide with too much ("AI", "NC")
# The manifest fields that say what a document is, for questions that name it.
_DESCRIBING = ("title", "publisher", "licence", "notes")


class QuestionReader:
    """Turns typed text into a complete Question for one index (read-only, thread-safe)."""

    def __init__(
        self,
        index: Index,
        lexical: Lexical,
        correct_typos: bool = True,
        rules: RuleSettings | None = None,
        passage_terms: PassageTerms | None = None,
        glosser: Glosser | None = None,
    ) -> None:
        self.index = index
        self.lexical = lexical
        self.passage_terms = passage_terms or PassageTerms(index, lexical)
        self.correct_typos = correct_typos
        # Reads a question in another language as the documents' words (retrieval/gloss.py).
        self.glosser = glosser
        self.rules = rules or RuleSettings()
        self.speller = Speller(lexical.words, lexical.stats.df)
        self._document_terms: dict[str, frozenset[str]] = {}
        self._described = {
            doc_id: frozenset(terms(" ".join(str(meta.get(k) or "") for k in _DESCRIBING)))
            for doc_id, meta in index.documents.items()
        }

    def read(self, text: str, documents: Sequence[str] | None = None) -> Question:
        """The complete analysis of a question; ``documents`` limits the search (its scope)."""
        q = self._analyse(text)
        if documents and self.rules.unknown_names:
            # "When was the first WLPF held?" searched in the Korean press release only: the
            # WLPF is in the corpus, but not in the documents searched, which cannot answer.
            said = frozenset().union(*(self._said_in(doc) for doc in documents))
            q = replace(q, unknown_names=q.unknown_names + self._unsaid(q, said))
        return replace(q, scope=tuple(documents) if documents else q.documents)

    def _analyse(self, question: str) -> Question:
        # A typo is read as the word it stands for; the question is still shown as typed.
        language = question_language(question)
        # A question in another language has no typos to read ("prochain" is not "proclaim").
        reads_typos = self.correct_typos and language == ENGLISH
        corrected, fixes = self.speller.correct(question) if reads_typos else (question, {})
        q = replace(analyse(corrected, self.rules), foreign=language != ENGLISH, language=language)
        if q.foreign and self.glosser is not None:
            # Its terms, names and the kind of answer it wants are those of its words as the
            # documents' words; it is still shown, and searched across languages, as asked.
            reading = self.glosser.read(q.ask or q.text, language)
            q = replace(analyse(reading, self.rules), text=q.text, ask=q.ask, reading=reading)
            q = replace(q, foreign=True, language=language)
        if fixes:
            q = replace(q, text=clean(question), corrections=tuple(sorted(fixes.items())))
        df = self.lexical.stats.df
        unknown = tuple(
            n
            for n in q.names
            if self.rules.unknown_names and terms(n) and all(df.get(t, 0) == 0 for t in terms(n))
        )
        named: dict[str, frozenset[str]] = {}
        for ref in q.source_refs:
            for doc in self._documents_named(ref):
                named[doc] = named.get(doc, frozenset()) | frozenset(terms(ref))
        # Words that name a document ("the WLPF report") are not expanded: they say where to
        # look, and every passage of that document already counts as saying them.
        naming = frozenset().union(*named.values())
        if named:
            # "What ISBN does the press release carry?": the WLPF report has one, but the
            # named document never says the word, so it cannot answer.
            said = frozenset().union(*(self._said_in(doc) for doc in named)) | naming
            if self.rules.unknown_names:
                unknown += self._unsaid(replace(q, unknown_names=unknown), said)
        asked = [t for t in q.terms if t not in naming]
        initialisms = self._initialisms(q) if self.rules.initialisms else ()
        expanded = self.lexical.abbreviations.expand(asked) if self.rules.abbreviations else []
        extra = tuple(
            t for t in dict.fromkeys([*expanded, *(a for a, _ in initialisms)]) if t not in q.terms
        )
        return replace(
            q,
            extra_terms=extra,
            initialisms=initialisms,
            unknown_names=unknown,
            documents=tuple(named),
            naming_terms=tuple(named.values()),
        )

    def _initialisms(self, q: Question) -> tuple[tuple[str, frozenset[str]], ...]:
        """Names in the question whose initials the corpus writes as a word, though it may never
        define them ("HRC Resolution on access to medicines" for "Human Rights Council"). Three
        letters at least ("NC" is in "CC BY-NC-SA"), written in capitals, and not defined as
        something else ("AI: artificial intelligence" is not Amnesty International)."""
        found = []
        for name in q.names:
            written = initials(name)
            term = terms(written)
            name_terms = frozenset(terms(name))
            defined = self.lexical.abbreviations.expansions.get(written.lower())
            if (
                len(written) >= MIN_INITIALS
                and len(term) == 1
                and self.lexical.words.get(written, 0)
                and term[0] not in q.terms
                and (defined is None or defined <= name_terms)
            ):
                found.append((term[0], name_terms))
        return tuple(found)

    def _documents_named(self, ref: str) -> list[str]:
        """The documents whose manifest description has every word of "the WLPF report";
        "the annual report" names none of them when no description says "annual"."""
        ref_terms = set(terms(ref))
        if not ref_terms:
            return []
        return sorted(doc for doc, described in self._described.items() if ref_terms <= described)

    @staticmethod
    def _unsaid(q: Question, said: frozenset[str]) -> tuple[str, ...]:
        """The question's names and abbreviations, not yet unknown, that none of ``said``
        spells."""
        return tuple(
            n
            for n in (*q.names, *q.abbreviations)
            if n not in q.unknown_names and terms(n) and not said.intersection(terms(n))
        )

    def _said_in(self, doc_id: str) -> frozenset[str]:
        """Every term a document uses (kept: made once per document a question names)."""
        found = self._document_terms.get(doc_id)
        if found is None:
            rows = self.index.rows_by_doc.get(doc_id, [])
            found = frozenset().union(*(self.passage_terms(r) for r in rows))
            self._document_terms[doc_id] = found
        return found
