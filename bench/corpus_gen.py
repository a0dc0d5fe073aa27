"""Synthetic corpora made from the real one: its sentences recombined, its vocabulary kept.

Documents (for ingestion and incremental updates) are paragraphs of real sentences drawn at
random, so chunking, BM25 and the embedding model see text like the real corpus. Passages (for
the scale runs) are 3-8 real sentences each, with a few words swapped for other words of the
corpus so that passages are not exact copies of each other.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from bench.common import CORPUS


def copies(source: Path, target: Path, count: int) -> Path:
    """The source's text documents, each ``count`` times with a first line of its own (so each
    copy is a document of its own), written to target."""
    target.mkdir(parents=True)
    for k in range(count):
        for doc in sorted(source.glob("*.txt")):
            text = doc.read_text(encoding="utf-8")
            (target / f"{doc.stem}_{k}.txt").write_text(f"Copy {k}.\n{text}", encoding="utf-8")
    return target


def real_sentences(corpus_dir: Path = CORPUS) -> list[str]:
    """Every sentence of the real corpus (as the chunker splits them), de-duplicated."""
    from assistant.ingest.documents import load_corpus
    from assistant.language.sentences import sentence_spans

    out: list[str] = []
    for doc in load_corpus(corpus_dir).documents:
        for a, b in sentence_spans(doc.text):
            sentence = " ".join(doc.text[a:b].split())
            if len(sentence.split()) >= 4:
                out.append(sentence)
    return list(dict.fromkeys(out))


def vocabulary(sentences: list[str]) -> list[str]:
    """Distinct words of the sentences (letters only, 3+ characters)."""
    return sorted({w for s in sentences for w in re.findall(r"[A-Za-z]{3,}", s)})


def write_documents(target: Path, count: int, paragraphs: int, seed: int = 0) -> list[Path]:
    """Write count .txt documents of recombined real sentences into target; return their paths.

    About one word in twenty is swapped for another word of the corpus, so that documents do
    not repeat each other's sentences verbatim (real corpora rarely do, and a pipeline that
    de-duplicates sentences would otherwise look cheaper than it is).
    """
    rng = np.random.default_rng(seed)
    sentences = real_sentences()
    vocab = vocabulary(sentences)
    target.mkdir(parents=True, exist_ok=True)
    paths = []
    for d in range(count):
        title = f"Synthetic report {d:03d} on local production"
        body = []
        for p in range(paragraphs):
            if p % 4 == 0:
                body.append(f"Section {p // 4 + 1}")
            picks = rng.choice(len(sentences), size=int(rng.integers(2, 6)), replace=False)
            words = " ".join(sentences[i] for i in picks).split(" ")
            for w in rng.integers(0, len(words), size=max(1, len(words) // 20)):
                if words[w].isalpha():  # keep sentence ends, numbers and punctuation
                    words[w] = vocab[int(rng.integers(len(vocab)))]
            body.append(" ".join(words))
        path = target / f"doc_{d:03d}.txt"
        path.write_text(title + "\n\n" + "\n\n".join(body) + "\n", encoding="utf-8")
        paths.append(path)
    return paths


def passages(count: int, seed: int = 0) -> list[str]:
    """count passages of 3-8 recombined real sentences, with ~5% of words swapped."""
    rng = np.random.default_rng(seed)
    sentences = real_sentences()
    vocab = vocabulary(sentences)
    sizes = rng.integers(3, 9, size=count)
    picks = rng.integers(0, len(sentences), size=int(sizes.sum()))
    out = []
    pos = 0
    for size in sizes:
        words = " ".join(sentences[i] for i in picks[pos : pos + size]).split()
        pos += size
        swaps = rng.integers(0, len(words), size=max(1, len(words) // 20))
        for s in swaps:
            words[s] = vocab[int(rng.integers(len(vocab)))]
        out.append(" ".join(words))
    return out


def noisy_vectors(base: np.ndarray, count: int, noise: float, seed: int = 0) -> np.ndarray:
    """count unit vectors near the real ones: base[i] + 0.5·base[j] + Gaussian noise, normalised.

    Mixing two real vectors spreads points between the real ones (as new documents would);
    noise is the expected norm of the Gaussian part relative to a unit vector.
    """
    rng = np.random.default_rng(seed)
    n, dim = base.shape
    out = np.empty((count, dim), dtype=np.float32)
    step = 50_000  # in slices: 1M x 384 floats of temporaries would double the peak memory
    for start in range(0, count, step):
        m = min(step, count - start)
        v = base[rng.integers(0, n, m)] + 0.5 * base[rng.integers(0, n, m)]
        v += rng.standard_normal((m, dim), dtype=np.float32) * (noise / np.sqrt(dim))
        v /= np.linalg.norm(v, axis=1, keepdims=True)
        out[start : start + m] = v
    return out
