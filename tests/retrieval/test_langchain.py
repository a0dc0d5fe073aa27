"""LangChain's own standard retriever tests, run against Assistant.as_retriever()."""

from __future__ import annotations

import pytest
from langchain_core.documents import Document
from langchain_tests.integration_tests import RetrieversIntegrationTests

from assistant.retrieval.langchain import AssistantRetriever


class TestAssistantRetriever(RetrieversIntegrationTests):
    @pytest.fixture(autouse=True)
    def _assistant(self, assistant):
        self._shared = assistant

    @property
    def retriever_constructor(self) -> type[AssistantRetriever]:
        return AssistantRetriever

    @property
    def retriever_constructor_params(self) -> dict:
        return {"assistant": self._shared, "k": 2}

    @property
    def retriever_query_example(self) -> str:
        return "Who leads the vaccine hub task force?"


def test_documents_carry_citation_metadata(assistant):
    docs = assistant.as_retriever(k=3).invoke("Which country will host the next forum?")
    assert len(docs) == 3 and all(isinstance(d, Document) for d in docs)
    meta = docs[0].metadata
    for key in ("chunk_id", "doc_id", "title", "publisher", "licence", "section", "score"):
        assert key in meta
    assert "Netherlands" in " ".join(d.page_content for d in docs)
