"""The parts a user can swap, in one place: implement one of these and pass it in."""

from assistant.answer.types import Answerer, StreamingAnswerer
from assistant.retrieval.rerank import Reranker
from assistant.store.embeddings import Embedder, PassageEmbedder

__all__ = ["Answerer", "Embedder", "PassageEmbedder", "Reranker", "StreamingAnswerer"]
