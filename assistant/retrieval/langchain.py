"""LangChain adapter: the assistant's hybrid search as a BaseRetriever of cited Documents."""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict, Field

# The passage is the Document's page_content; its span is start_index/end_index.
_OWN_NAMES = {"passage", "start", "end"}


class AssistantRetriever(BaseRetriever):
    """Returns passages as Documents whose metadata carries everything a citation needs."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    assistant: Any = Field(description="An assistant.Assistant (opened index).")
    k: int = Field(default=4, ge=1, description="Number of passages to return.")
    documents: list[str] = Field(default_factory=list, description="Only these doc ids, if set.")

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun, **kwargs: Any
    ) -> list[Document]:
        k = int(kwargs.get("k", self.k))
        hits = self.assistant.search(query, k, self.documents or None)
        out = []
        for rank, hit in enumerate(hits, start=1):
            chunk = hit.chunk
            source = self.assistant.sources.get(chunk.doc_id)
            out.append(
                Document(
                    id=chunk.chunk_id,
                    page_content=chunk.text,
                    metadata={
                        # LangChain's names for the passage's place and origin.
                        **{k: v for k, v in hit.to_dict().items() if k not in _OWN_NAMES},
                        "source": chunk.doc_id,
                        "publisher": source.publisher if source else "",
                        "licence": source.licence if source else "",
                        "headings": sorted(chunk.headings),
                        "start_index": chunk.start,
                        "end_index": chunk.end,
                        "rank": rank,
                    },
                )
            )
        return out
