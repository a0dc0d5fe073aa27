"""Plain-text helpers shared by data building and evaluation: sentences, words, matching."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

STOPWORDS = frozenset(
    [
        "a",
        "about",
        "above",
        "after",
        "again",
        "against",
        "all",
        "also",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "down",
        "during",
        "each",
        "few",
        "for",
        "from",
        "further",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "herself",
        "him",
        "himself",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "just",
        "me",
        "more",
        "most",
        "my",
        "myself",
        "no",
        "nor",
        "not",
        "now",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "our",
        "ours",
        "ourselves",
        "out",
        "over",
        "own",
        "same",
        "she",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "theirs",
        "them",
        "themselves",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "yours",
        "yourself",
        "yourselves",
        "s",
        "t",
        "one",
        "two",
        "many",
        "much",
        "may",
        "might",
        "must",
        "shall",
        "us",
        "within",
        "without",
        "upon",
        "via",
        "per",
    ]
)

_ABBREVIATIONS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "st",
        "jr",
        "sr",
        "vs",
        "no",
        "inc",
        "co",
        "ltd",
        "gen",
        "col",
        "lt",
        "sgt",
        "fig",
        "al",
        "eg",
        "ie",
        "etc",
        "approx",
        "est",
        "u.s",
        "e.g",
        "i.e",
        "ca",
        "c",
        "cf",
        "op",
        "vol",
        "pp",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
    ]
)
_END = re.compile(r"[.!?][\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9])")
_WORD = re.compile(r"[A-Za-z0-9]+(?:['’-][A-Za-z0-9]+)*")


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Split text into sentences; returns (start, end) character offsets."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _END.finditer(text):
        head = text[start : match.start()].rstrip()
        last = head.split()[-1].lower().rstrip(".") if head.split() else ""
        single_initial = len(last) == 1 and last.isalpha()
        if last in _ABBREVIATIONS or single_initial:
            continue
        end = match.end()
        if text[start:end].strip():
            spans.append((start, end))
        start = end
    if text[start:].strip():
        spans.append((start, len(text)))
    return trimmed(text, spans)


def trimmed(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The spans without their leading and trailing white space; empty ones dropped."""
    out: list[tuple[int, int]] = []
    for s, e in spans:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            out.append((s, e))
    return out


def sentences(text: str) -> list[str]:
    """Split text into sentence strings."""
    return [text[s:e] for s, e in split_sentences(text)]


@lru_cache(maxsize=400_000)
def fold(text: str) -> str:
    """Lower-case, strip accents and punctuation: words joined by single spaces."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


def words(text: str) -> list[str]:
    """Word tokens of text (letters and digits, inner apostrophes and hyphens kept)."""
    return _WORD.findall(text)


@lru_cache(maxsize=400_000)
def content_words(text: str) -> frozenset[str]:
    """Lower-cased words of text that are not stop-words."""
    return frozenset(w for w in fold(text).split() if w not in STOPWORDS)


def overlap(question: str, sentence: str) -> int:
    """Number of the question's content words that the sentence also has."""
    return len(content_words(question) & content_words(sentence))


def top_by_overlap(question: str, candidates: list[str], k: int) -> list[int]:
    """Indices of the k candidates sharing most content words with question (stable order)."""
    q = content_words(question)
    scored = [(-len(q & content_words(c)), i) for i, c in enumerate(candidates)]
    scored.sort()
    return [i for _, i in scored[:k]]


def holds_evidence(sentence: str, evidence: str) -> bool:
    """True when a sentence holds the evidence: folded containment either way, or 80% of words."""
    s, e = fold(sentence), fold(evidence)
    if not s or not e:
        return False
    if e in s or (len(s) > 20 and s in e):
        return True
    ew = e.split()
    sw = set(s.split())
    return sum(w in sw for w in ew) >= 0.8 * len(ew)


def detokenize(text: str) -> str:
    """Undo the space-separated tokenisation of Disfl-QA's text ("Earth ' s" -> "Earth's")."""
    t = " " + text.strip() + " "
    t = re.sub(r" ' (s|re|ve|ll|d|m|t) ", r"'\1 ", t)
    t = re.sub(r" n't ", "n't ", t)
    t = re.sub(r" ([.,;:!?%)\]}])", r"\1", t)
    t = re.sub(r"([(\[{$£]) ", r"\1", t)
    t = re.sub(r"(\w) - (\w)", r"\1-\2", t)
    t = re.sub(r"(\d) , (\d{3})", r"\1,\2", t)
    t = re.sub(r"(\d) \. (\d)", r"\1.\2", t)
    t = re.sub(r'" ([^"]*?) "', r'"\1"', t)
    return re.sub(r"\s+", " ", t).strip()
