"""Chunking and embedding across a Ray cluster: a Ray Data pipeline over an actor pool.

The sync (store/sync.py) reads the corpus and finds the new or changed documents; those go to
the cluster, whose actors (each loading the model once) split them into passages and embed
them, a few documents a batch; Ray restarts a dead actor and runs its batch again. The
manifest, checksums and the atomic switch stay with this process, so a Ray build writes the
same index a local one does. Ray is an optional extra (``pip install .[ray]``); nothing here
starts a cluster.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from assistant.errors import SettingsError
from assistant.ingest.chunking import Chunk, ChunkingSettings, split
from assistant.ingest.documents import Document
from assistant.store.embeddings import PassageEmbedder, SentenceTransformerEmbedder
from assistant.store.report import Progress, no_progress

# A batch of this many passages, or documents, is one unit of work an actor takes (and Ray
# retries when the actor dies).
RAY_BATCH = 64
DOCUMENTS_PER_BATCH = 4


@dataclass(frozen=True)
class ModelSpec:
    """What an actor needs to load the same model as the head: plain data, sent to each actor."""

    model: str
    device: str
    batch_size: int
    backend: str

    def load(self, threads: int | None = None) -> SentenceTransformerEmbedder:
        """The embedder these settings describe (in an actor, once)."""
        return SentenceTransformerEmbedder(
            self.model, self.device, self.batch_size, backend=self.backend, threads=threads
        )


def _actor_embedder(spec: ModelSpec) -> SentenceTransformerEmbedder:
    import ray

    # As many threads as the CPUs Ray gave this actor: actors share a node's cores.
    cpus = ray.get_runtime_context().get_assigned_resources().get("CPU", 1)
    return spec.load(threads=max(1, int(cpus)))


class _DocumentEncoder:
    """One Ray Data actor: loads the model once, then splits documents into passages (the
    model counts their tokens) and embeds them, batch after batch."""

    def __init__(self, spec: ModelSpec, chunking: ChunkingSettings) -> None:
        self.embedder = _actor_embedder(spec)
        self.chunking = chunking

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, Any]:
        done = []
        for document in batch["document"]:
            chunks = split(document, self.embedder, self.chunking)
            vectors, sentences = self.embedder.embed_passages(
                [c.text for c in chunks], [c.sentences for c in chunks]
            )
            done.append((chunks, vectors, sentences))
        # Python objects travel as Ray's own columns of objects, between this cluster's nodes.
        return {"row": batch["row"], "passages": done}


class _PassageEncoder:
    """One Ray Data actor: loads the model once, then embeds batch after batch."""

    def __init__(self, spec: ModelSpec) -> None:
        self.embedder = _actor_embedder(spec)

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, Any]:
        texts = [str(t) for t in batch["text"]]
        spans = [[tuple(s) for s in json.loads(str(x))] for x in batch["spans"]]
        vectors, sentences = self.embedder.embed_passages(texts, spans)
        return {
            "row": batch["row"],
            "vector": vectors.astype(np.float32),
            "sentences": [s.astype(np.float32).tobytes() for s in sentences],
        }


def connect(address: str) -> None:
    """Join the Ray cluster at ``address`` ("auto": the one this machine is part of)."""
    try:
        import ray
    except ImportError:
        raise SettingsError(
            "Indexing on Ray needs the ray extra: pip install 'local-production-assistant[ray]'"
        ) from None
    if ray.is_initialized():
        return
    # ray.init waits minutes for an address nobody answers at: ask the port first.
    host, _, port = address.removeprefix("ray://").rpartition(":")
    if address != "auto" and host and port.isdigit():
        try:
            socket.create_connection((host, int(port)), timeout=5).close()
        except OSError as exc:
            raise SettingsError(
                f"Cannot reach a Ray cluster at {address!r}: {exc.strerror or exc}. Start one "
                "with `ray start --head` (or name a running one's address); the assistant "
                "never starts one itself."
            ) from None
    try:
        ray.init(address=address, log_to_driver=False, include_dashboard=False)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        raise SettingsError(
            f"Cannot reach a Ray cluster at {address!r}: {exc}. Start one with `ray start "
            "--head` (or name a running one's address); the assistant never starts one itself."
        ) from None


class RayEmbedder:
    """A PassageEmbedder whose passage embedding runs on a Ray cluster; token counts and
    questions use the local model, which is the same one."""

    def __init__(
        self, local: SentenceTransformerEmbedder, spec: ModelSpec, address: str, actors: int = 0
    ) -> None:
        connect(address)
        self.local = local
        self.spec = spec
        self.actors = actors

    @property
    def name(self) -> str:
        """Identifier recorded in the index manifest: the local model's, as it is the same."""
        return self.local.name

    @property
    def backend(self) -> str:
        """How the model runs (recorded in the manifest): the local model's, the actors' too."""
        return self.local.backend

    @property
    def dimension(self) -> int:
        """Length of each vector."""
        return self.local.dimension

    @property
    def max_tokens(self) -> int:
        """Longest input the model reads, special tokens included."""
        return self.local.max_tokens

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Tokens in each text, counted locally."""
        return self.local.count_tokens(texts)

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors for texts, on the cluster (passages without sentence spans)."""
        vectors, _ = self.embed_passages(texts, [[] for _ in texts])
        return vectors

    def embed_query(self, text: str) -> np.ndarray:
        """A question's vector, locally: one short text is not worth a round trip."""
        return self.local.embed_query(text)

    def chunk_and_embed(
        self, documents: Sequence[Document], chunking: ChunkingSettings, progress: Progress
    ) -> list[tuple[list[Chunk], np.ndarray, list[np.ndarray]]]:
        """Per document, in order: its passages, their vectors and their sentences' vectors,
        split and embedded by the cluster's actors."""
        import ray
        import ray.data

        rows = [{"row": i, "document": d} for i, d in enumerate(documents)]
        if not rows:
            return []
        batches = -(-len(rows) // DOCUMENTS_PER_BATCH)
        ds = ray.data.from_items(rows, override_num_blocks=batches).map_batches(
            _DocumentEncoder,
            fn_constructor_args=(self.spec, chunking),
            batch_size=DOCUMENTS_PER_BATCH,
            batch_format="numpy",
            compute=ray.data.ActorPoolStrategy(size=min(self._actors(), batches)),
            # Ray Data restarts a dead actor and retries its batch, however often that happens
            # (max_restarts and max_task_retries are -1 for actor pools by default).
            num_cpus=1,
        )
        out: list[Any] = [None] * len(rows)
        done = 0
        progress("chunking and embedding", 0, len(rows))
        for batch in ds.iter_batches(batch_format="numpy", batch_size=None):
            for row, passages in zip(batch["row"], batch["passages"], strict=True):
                out[int(row)] = passages
            done += len(batch["row"])
            progress("chunking and embedding", done, len(rows))
        return out

    def _actors(self) -> int:
        import ray

        return self.actors or max(1, int(ray.cluster_resources().get("CPU", 1)))

    def embed_passages(
        self,
        texts: Sequence[str],
        spans: Sequence[Sequence[tuple[int, int]]],
        progress: Progress = no_progress,
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """Passage vectors and their sentences' vectors, computed by the cluster's actors."""
        import ray
        import ray.data

        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32), []
        rows = [
            {"row": i, "text": t, "spans": json.dumps([list(s) for s in sp])}
            for i, (t, sp) in enumerate(zip(texts, spans, strict=True))
        ]
        batches = -(-len(rows) // RAY_BATCH)
        actors = self._actors()
        ds = ray.data.from_items(rows, override_num_blocks=batches).map_batches(
            _PassageEncoder,
            fn_constructor_args=(self.spec,),
            batch_size=RAY_BATCH,
            batch_format="numpy",
            compute=ray.data.ActorPoolStrategy(size=min(actors, batches)),
            # Ray Data restarts a dead actor and retries its batch, however often that happens
            # (max_restarts and max_task_retries are -1 for actor pools by default).
            num_cpus=1,
        )
        vectors = np.zeros((len(rows), self.dimension), dtype=np.float32)
        sentences: list[np.ndarray] = [np.zeros((0, self.dimension), dtype=np.float32)] * len(rows)
        done = 0
        progress("embedding", 0, len(rows))
        for batch in ds.iter_batches(batch_format="numpy", batch_size=None):
            for row, vector, packed in zip(
                batch["row"], batch["vector"], batch["sentences"], strict=True
            ):
                vectors[int(row)] = vector
                flat = np.frombuffer(bytes(packed), dtype=np.float32)
                sentences[int(row)] = flat.reshape(-1, self.dimension).copy()
            done += len(batch["row"])
            progress("embedding", done, len(rows))
        return vectors, sentences


def ray_embedder(
    local: SentenceTransformerEmbedder, spec: ModelSpec, address: str, actors: int = 0
) -> PassageEmbedder:
    """The embedder an index build on the Ray cluster at ``address`` uses."""
    return RayEmbedder(local, spec, address, actors)
