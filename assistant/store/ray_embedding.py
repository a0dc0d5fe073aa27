"""Chunking and embedding across a Ray cluster: a Ray Data pipeline over an actor pool.

The sync (store/sync.py) reads the corpus and finds the new or changed documents; those go to
the cluster, whose actors (each loading the model once) split them into passages and embed
them (and, with a multilingual model set, embed them and their sentences with it too), a few
documents a batch; Ray restarts a dead actor and runs its batch again. The
manifest, checksums and the atomic switch stay with this process, so a Ray build writes the
same index a local one does. Ray is an optional extra (``pip install .[ray]``); nothing here
starts a cluster.
"""

from __future__ import annotations

import socket
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from assistant.errors import SettingsError
from assistant.ingest.chunking import Chunk, ChunkingSettings, split
from assistant.ingest.documents import Document
from assistant.store.embeddings import Embedder, SentenceTransformerEmbedder, WrappedEmbedder
from assistant.store.multilingual import OFF, MultilingualVectors, embed_chunks, load_multilingual
from assistant.store.report import Progress

# Per document: its passages, their vectors, their sentences' vectors, and their multilingual
# vectors when a multilingual model is set.
Embedded = tuple[list[Chunk], np.ndarray, list[np.ndarray], list[MultilingualVectors] | None]

# A batch of this many documents is one unit of work an actor takes (and Ray retries when the
# actor dies).
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


class _DocumentEncoder:
    """One Ray Data actor: loads the model once, then splits documents into passages (the
    model counts their tokens) and embeds them, batch after batch."""

    def __init__(self, spec: ModelSpec, chunking: ChunkingSettings, multilingual: str) -> None:
        import ray

        # As many threads as the CPUs Ray gave this actor: actors share a node's cores.
        cpus = ray.get_runtime_context().get_assigned_resources().get("CPU", 1)
        self.embedder = spec.load(threads=max(1, int(cpus)))
        self.multilingual = load_multilingual(multilingual)
        self.chunking = chunking

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, Any]:
        done: list[Embedded] = []
        for document in batch["document"]:
            chunks = split(document, self.embedder, self.chunking)
            vectors, sentences = self.embedder.embed_passages(
                [c.text for c in chunks], [c.sentences for c in chunks]
            )
            across = embed_chunks(self.multilingual, chunks) if self.multilingual else None
            done.append((chunks, vectors, sentences, across))
        # Python objects travel as Ray's own columns of objects, between this cluster's nodes.
        return {"row": batch["row"], "passages": done}


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
            raise _unreachable(address, exc.strerror or str(exc)) from None
    try:
        ray.init(address=address, log_to_driver=False, include_dashboard=False)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        raise _unreachable(address, str(exc)) from None


def _unreachable(address: str, reason: str) -> SettingsError:
    return SettingsError(
        f"Cannot reach a Ray cluster at {address!r}: {reason}. Start one with `ray start "
        "--head` (or name a running one's address); the assistant never starts one itself."
    )


class RayEmbedder(WrappedEmbedder):
    """The local embedder, whose index builds split and embed new documents on a Ray cluster
    (``chunk_and_embed``); questions, token counts and any other passages stay local."""

    def __init__(
        self, local: SentenceTransformerEmbedder, spec: ModelSpec, address: str, actors: int = 0
    ) -> None:
        connect(address)
        super().__init__(local)
        self.spec = spec
        self.actors = actors

    def chunk_and_embed(
        self,
        documents: Sequence[Document],
        chunking: ChunkingSettings,
        progress: Progress,
        multilingual: str = OFF,
    ) -> list[Embedded]:
        """Per document, in order: its passages, their vectors, their sentences' vectors and
        (with a multilingual model named) their multilingual vectors, split and embedded by the
        cluster's actors."""
        import ray
        import ray.data

        rows = [{"row": i, "document": d} for i, d in enumerate(documents)]
        if not rows:
            return []
        batches = -(-len(rows) // DOCUMENTS_PER_BATCH)
        actors = self.actors or max(1, int(ray.cluster_resources().get("CPU", 1)))
        ds = ray.data.from_items(rows, override_num_blocks=batches).map_batches(
            _DocumentEncoder,
            fn_constructor_args=(self.spec, chunking, multilingual),
            batch_size=DOCUMENTS_PER_BATCH,
            batch_format="numpy",
            compute=ray.data.ActorPoolStrategy(size=min(actors, batches)),
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


def ray_embedder(
    local: SentenceTransformerEmbedder, spec: ModelSpec, address: str, actors: int = 0
) -> Embedder:
    """The embedder an index build on the Ray cluster at ``address`` uses."""
    return RayEmbedder(local, spec, address, actors)
