"""Turn retrieved passages into a short answer with [n] citations, or refuse."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from assistant.answer.gate import Gate, features, load_gate
from assistant.answer.markers import mark, without_references
from assistant.answer.messages import ENGLISH, messages
from assistant.answer.types import BULLET, Answer, Answerer, Citation, cite, require_question
from assistant.ingest.chunking import Chunk
from assistant.ingest.documents import Source
from assistant.language.questions import Question
from assistant.language.text import terms
from assistant.retrieval.hits import Hit
from assistant.settings import AnswerSettings, Settings

__all__ = ["Answer", "Answerer", "Citation", "ExtractiveAnswerer", "cite", "evidence_strength"]

REFUSAL_TEXT = ENGLISH.refusal
# Between no_match_threshold and refusal_threshold the evidence is weak but not absent: on
# reworded questions the answer is often in the first passage listed, so say only what is known.
UNSURE_TEXT = ENGLISH.unsure
IN_ENGLISH = " " + ENGLISH.ask_in_english
# A further sentence must score this share of the best one: nearly as good from the same
# passage, or at least a fair answer to a part of the question the others leave open.
NEARLY = 0.85
SECOND_PART = 0.6
OPEN_PART_TERMS = 2  # question terms a further sentence must add ("..., and who leads it?")
# Weight of "the passage mentions the question's terms" against "the sentence answers it".
PASSAGE_SHARE = 0.3
TYPE_MISS = 0.8  # evidence kept when the best sentence lacks the kind of answer asked for
# Share of a sentence's score that is the answerability model's, in passages the model read.
MODEL_SHARE = 0.5
PASSAGES = 5  # the top passages an answer is drawn from (and the gate reads)


@dataclass(frozen=True)
class _Candidate:
    hit_rank: int
    sentence: int
    score: float
    text: str


class ExtractiveAnswerer:
    """Quotes the sentences that best cover the question's terms; never writes new claims."""

    name = "extractive"

    def __init__(
        self,
        settings: AnswerSettings | None = None,
        passages: int = PASSAGES,
        gate: Gate | None = None,
        veto_only: bool = False,
    ) -> None:
        # The settings' defaults, so an ExtractiveAnswerer() made in code refuses like the app.
        settings = settings or AnswerSettings()
        self.refusal_threshold = settings.refusal_threshold
        self.no_match_threshold = settings.no_match_threshold
        self.max_words = settings.max_words
        self.max_sentences = settings.max_sentences
        self.answerability_floor = settings.answerability_floor
        self.passages = passages
        # The fitted gate of the answerability model (assistant/answer/gate.py); without one,
        # the model's probability scales the evidence below answerability_floor.
        self.gate = gate
        # The "veto" role: the rules answer and quote; the model can only refuse.
        self.veto_only = veto_only
        # Otherwise, with a floor, the model helps choose the sentences quoted.
        self._model_quotes = bool(self.answerability_floor) and not veto_only

    @classmethod
    def from_settings(cls, settings: Settings) -> ExtractiveAnswerer:
        """The answerer the settings describe, with the answerability model's gate if any."""
        retrieval = settings.retrieval
        return cls(
            settings.answer,
            gate=load_gate(retrieval.answerability_model),
            veto_only=retrieval.answerability_role == "veto",
        )

    def answer(
        self, question: Question, hits: Sequence[Hit], sources: Mapping[str, Source]
    ) -> Answer:
        """Answer from the best sentences of the top passages, or refuse when evidence is weak."""
        q = require_question(question)
        hits = list(hits)
        confidence = self._confidence(q, hits[: self.passages])
        lines = messages(q.language)
        across = any(h.across for h in hits)
        if not hits or confidence < self.refusal_threshold:
            absent = confidence < self.no_match_threshold or not hits
            text = _scoped(lines.refusal if absent else lines.unsure, q, sources)
            text += _never_mentioned(q)
            if q.foreign and not across:
                text += " " + lines.ask_in_english
            return Answer(
                q.text,
                text,
                [],
                True,
                hits,
                confidence,
                self.name,
                read_as=q.corrections,
                language=q.language,
            )
        chosen = self._choose(q, hits[: self.passages])
        quoted: dict[str, tuple[Chunk, list[tuple[int, int]]]] = {}
        pieces: list[str] = []
        words_left = self.max_words
        for cand in chosen:
            chunk = hits[cand.hit_rank].chunk
            start, end = chunk.sentences[cand.sentence]
            quoted_text = without_references(BULLET.sub("", chunk.text[start:end]))
            sentence, words_left = _fit(quoted_text, words_left)
            if not sentence:
                break
            quoted.setdefault(chunk.chunk_id, (chunk, []))[1].append((start, end))
            number = list(quoted).index(chunk.chunk_id) + 1
            pieces.append(f"{_end_sentence(sentence)} {mark(number)}")
        return Answer(
            q.text,
            " ".join(pieces),
            [cite(n, chunk, spans, sources) for n, (chunk, spans) in enumerate(quoted.values(), 1)],
            False,
            hits,
            confidence,
            self.name,
            read_as=q.corrections,
            language_note=lines.quoted_in_english if q.foreign else "",
            language=q.language,
        )

    def _confidence(self, q: Question, hits: list[Hit]) -> float:
        """The evidence (0-1) that the passages answer; below refusal_threshold it refuses, and
        below no_match_threshold it says the documents don't say."""
        read = [p for h in hits for _, p in h.answer_scores]
        if self.veto_only:
            return self._vetted(q, hits, read)
        if self.gate is None or not read or not self.answerability_floor:
            return evidence_strength(q, hits, self.answerability_floor)
        across = bool(hits) and hits[0].across
        evidence = evidence_strength(q, hits)
        if self.gate.leaves_to_rules(evidence, across):
            return evidence
        said = self.gate.probability(features(read, evidence, across))
        # The gate's operating point is put at refusal_threshold, so that the thresholds keep
        # their meaning (and a stricter or looser threshold moves the gate with it).
        return on_scale(said, self.gate.threshold, self.refusal_threshold)

    def _vetted(self, q: Question, hits: list[Hit], read: list[float]) -> float:
        # The model reads only questions in the documents' language in this role (the
        # reranker leaves the others unread); its no turns an answer into "no passage clearly
        # answers", or "the documents don't say" the surer it is.
        evidence = evidence_strength(q, hits)
        if self.gate is None or evidence < self.refusal_threshold or not self.gate.vetoes(read):
            return evidence
        return on_scale(max(read), self.gate.veto, self.refusal_threshold)

    def _choose(self, q: Question, hits: list[Hit]) -> list[_Candidate]:
        """The best sentence, then others nearly as good from its passage (a list's items),
        or from another passage when they answer a part of the question it leaves open."""
        # Across languages the passage ranking (passage and sentence similarity together) is
        # surer than any one sentence's similarity: the answer is quoted from the first passage.
        if hits and hits[0].across:
            hits = hits[:1]
        candidates = [
            _Candidate(rank, i, self._sentence_score(hit, i, cov) * (1.0 - 0.05 * rank), text)
            for rank, hit in enumerate(hits)
            for i, (cov, text) in enumerate(
                zip(hit.sentence_scores, hit.chunk.sentence_texts(), strict=True)
            )
            if _can_answer(text, hit)
        ]
        if not candidates:
            return []
        candidates.sort(key=lambda c: c.score, reverse=True)
        best = candidates[0]
        chosen = [best]
        chosen.extend(_continuation(hits[best.hit_rank], best))
        covered = set().union(*(_context_terms(hits[c.hit_rank], c.sentence) for c in chosen))
        for cand in candidates[1:]:
            if len(chosen) >= self.max_sentences:
                break
            if _same(cand, chosen) or cand.score < SECOND_PART * best.score:
                continue
            if not self._judged_answering(hits, best, cand):
                continue
            adds = (set(q.terms) - covered) & _context_terms(hits[cand.hit_rank], cand.sentence)
            # Another passage earns a citation only by answering a second part of the question
            # that is still open; a sentence that repeats the answer from elsewhere, or matches
            # the question's wording around the answer, is noise beside it.
            if (q.two_part and len(adds) >= OPEN_PART_TERMS) or (
                cand.hit_rank == best.hit_rank and cand.score >= NEARLY * best.score
            ):
                chosen.append(cand)
                covered |= adds
        return chosen[: self.max_sentences]

    def _sentence_score(self, hit: Hit, sentence: int, score: float) -> float:
        # In a passage the model read, it judges better than term coverage which sentence
        # answers; a sentence it did not read gets no vote from it.
        if not self._model_quotes or not hit.answer_scores:
            return score
        model = hit.answer_score(sentence) or 0.0
        return (1 - MODEL_SHARE) * score + MODEL_SHARE * model

    def _judged_answering(self, hits: list[Hit], best: _Candidate, cand: _Candidate) -> bool:
        # When the answerability model read the passages, a further sentence is quoted only if
        # the model judges that it answers too; one it did not read is not known to.
        if not self._model_quotes or not hits[best.hit_rank].answer_scores:
            return True
        judged = hits[cand.hit_rank].answer_score(cand.sentence) or 0.0
        return judged >= self.answerability_floor


def evidence_strength(question: Question, hits: Sequence[Hit], floor: float = 0.0) -> float:
    """0-1: how well the best sentence answers the question and how much of the question its
    passage mentions at all; halved when the question names something no document mentions
    (a place, body or person the corpus never speaks of). A passage the answerability model
    read and scored below ``floor`` counts in proportion to its score."""
    # A near-miss ("the annual budget of the Secretariat") finds a sentence about its topic;
    # what gives it away is the asked-for thing missing from the whole passage.
    best = max((_evidence(question, h) * _judged(h, floor) for h in hits), default=0.0)
    return best * (0.5 if question.unknown_names else 1.0)


def on_scale(p: float, point: float, threshold: float) -> float:
    """A probability p mapped onto 0-1 so that ``point`` lands on ``threshold`` (piecewise
    linear, so the order is kept)."""
    if p < point:
        return p / point * threshold
    return threshold + (p - point) / (1 - point) * (1 - threshold) if point < 1 else 1.0


def _judged(hit: Hit, floor: float) -> float:
    # Term coverage cannot tell "flower-shaped" from "leaf-shaped"; the model reads both.
    p = hit.answerability
    return 1.0 if p is None or floor <= 0 else min(1.0, p / floor)


def _evidence(question: Question, hit: Hit) -> float:
    if hit.across and not question.reading:
        # Asked in another language and not read as the documents' words: the terms say
        # nothing, the multilingual model's sentence similarity is the evidence.
        return hit.sentence_score
    strength = PASSAGE_SHARE * hit.passage_coverage + (1 - PASSAGE_SHARE) * hit.sentence_score
    # "Where was the dialogue held?" finds the sentence about the dialogue; if even that
    # sentence has no place in it, the passage mentions the topic without the answer. (A
    # question in two parts may be answered by a sentence for the other part.)
    typed = question.wants and not question.two_part and hit.best_sentence is not None
    if typed and not question.satisfied_by(hit.best_text):
        strength *= TYPE_MISS
    return strength


def _scoped(text: str, q: Question, sources: Mapping[str, Source]) -> str:
    """A refusal that speaks only for the documents searched, when the search was limited."""
    if not q.scope or q.foreign:
        return text
    scope = list(dict.fromkeys(q.scope))
    if len(scope) == 1:
        source = sources.get(scope[0])
        where = f"“{source.title if source and source.title else scope[0]}”"
        searched = f"Only {where} was searched."
    else:
        searched = f"Only {len(scope)} documents were searched."
    doc = "document searched doesn't" if len(scope) == 1 else "documents searched don't"
    return text.replace("The documents don't say.", f"The {doc} say.") + " " + searched


def _never_mentioned(q: Question) -> str:
    """' No document mentions "ISBN".': the reason a refusal can give for certain."""
    if not q.unknown_names or q.foreign:
        return ""
    names = " or ".join(f"“{n}”" for n in q.unknown_names)
    if not q.documents:
        return f" No document mentions {names}."
    if len(q.documents) == 1:
        return f" The document you named never mentions {names}."
    return f" The documents you named never mention {names}."


def _context_terms(hit: Hit, sentence: int) -> set[str]:
    # What a sentence says includes the one before it ("It is led by ..."), as in retrieval.
    texts = hit.chunk.sentence_texts()
    return set(terms(texts[sentence])) | (set(terms(texts[sentence - 1])) if sentence else set())


def _continuation(hit: Hit, best: _Candidate) -> list[_Candidate]:
    # A sentence that introduces a list ("... are :") is answered by the items after it.
    chunk = hit.chunk
    text = chunk.sentence_texts()[best.sentence].rstrip()
    if not text.endswith(":") or best.sentence + 1 >= len(chunk.sentences):
        return []
    following = chunk.sentence_texts()[best.sentence + 1]
    return [_Candidate(best.hit_rank, best.sentence + 1, best.score, following)]


def _can_answer(sentence: str, hit: Hit) -> bool:
    # A question or a bare heading restates the question instead of answering it.
    bare = BULLET.sub("", sentence).strip(" <>")
    if not bare or bare.endswith("?"):
        return False
    return bare not in {hit.chunk.title, *hit.chunk.headings}


def _same(cand: _Candidate, chosen: list[_Candidate]) -> bool:
    # Overlapping passages repeat sentences: compare the words, not the positions.
    return any(c.text.strip() == cand.text.strip() for c in chosen)


def _fit(sentence: str, words_left: int) -> tuple[str, int]:
    words = sentence.split()
    if words_left <= 0:
        return "", 0
    if len(words) <= words_left:
        return " ".join(words), words_left - len(words)
    return " ".join(words[:words_left]) + " …", 0


def _end_sentence(sentence: str) -> str:
    return sentence.rstrip(" .;,:") + ("" if sentence.endswith(("…", "?", "!")) else ".")
