"""The reranking step: a Reranker reorders the fused candidates before the top k are kept."""

from __future__ import annotations

from collections.abc import Sequence

from assistant.language.questions import Question
from assistant.protocols import Reranker
from assistant.retrieval.hits import Hit
from assistant.retrieval.retriever import Retriever

QUESTION = "Who leads Korea's Global Vaccine Production Hub Task Force?"
EXPLAINER = "001_5829bbf4eab410c7.txt"


class DocumentFirst:
    """Puts one document's passages first: a reranker whose effect is easy to see."""

    def __init__(self, doc_id: str) -> None:
        self.doc_id = doc_id
        self.seen: list[int] = []

    def rerank(self, question: Question, hits: Sequence[Hit]) -> list[Hit]:
        self.seen.append(len(hits))
        return sorted(hits, key=lambda h: h.chunk.doc_id != self.doc_id)


def test_a_reranker_reorders_every_fused_candidate_before_k_are_kept(assistant):
    plain = assistant.search(QUESTION, 3)
    assert plain[0].chunk.doc_id != EXPLAINER
    reranker = DocumentFirst(EXPLAINER)
    assert isinstance(reranker, Reranker)
    retriever = Retriever(
        assistant.index,
        assistant.embedder,
        assistant.settings.retrieval,
        lexical=assistant.retriever.lexical,
        reranker=reranker,
    )
    docs = [h.chunk.doc_id for h in retriever.search(QUESTION, 3)]
    assert docs[0] == EXPLAINER and docs == sorted(docs, key=lambda d: d != EXPLAINER)
    # It saw all the fused candidates, not only the k kept.
    assert reranker.seen and reranker.seen[0] > 3
