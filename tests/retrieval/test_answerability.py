"""The bundled answerability model: only its trained weights ship, it loads offline, reads a
question in any language with an English window, and reranks when the setting asks for it."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from assistant.api import Assistant
from assistant.errors import SettingsError
from assistant.retrieval.answerability import (
    BUNDLED,
    AnswerabilityReranker,
    load_answerability,
    window,
)
from assistant.retrieval.cross_encoder import (
    MAX_TOKENS,
    QUESTION_TOKENS,
    WEIGHTS,
    E5CrossAnswerability,
    encode_pairs,
)
from assistant.settings import settings_with

TITLE = "Institut Pasteur de Dakar"
QUESTION = "When was the Institut Pasteur de Dakar founded?"
QUESTION_ES = "¿Cuándo se fundó el Instituto Pasteur de Dakar?"
ANSWERS = "The Institut Pasteur de Dakar was founded in 1896. It makes yellow fever vaccine."
NEAR_MISS = "The Institut Pasteur de Dakar makes yellow fever vaccine. It has 300 staff."
OFF_TOPIC = "Senegal plans a new vaccine plant in Diamniadio."


@pytest.fixture(scope="module")
def model() -> E5CrossAnswerability:
    loaded = load_answerability("bundled")
    assert isinstance(loaded, E5CrossAnswerability)
    return loaded


def test_only_the_trained_weights_ship_with_a_card_and_a_gate():
    assert (BUNDLED / WEIGHTS).stat().st_size < 30 * 1024 * 1024
    assert (BUNDLED / "MODEL_CARD.md").is_file()
    config = json.loads((BUNDLED / "config.json").read_text(encoding="utf-8"))
    assert config["kind"] == "e5-cross" and config["gate"]["threshold"] > 0


def test_once_converted_it_loads_offline_without_torch(model):
    # A fresh interpreter with no network settings at all: the converted model is in the cache
    # the fixture filled; loading and scoring must not import torch or reach a hub.
    code = (
        "import sys; from assistant.retrieval.answerability import load_answerability; "
        "m = load_answerability('bundled'); m.score('q?', [('', 'a sentence.')]); "
        "print('torch' in sys.modules)"
    )
    keep = ("HOME", "XDG_CACHE_HOME", "ASSISTANT_ONNX_CACHE")
    env = {k: os.environ[k] for k in keep if k in os.environ}
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**env, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "PATH": ""},
        check=True,
    )
    assert done.stdout.strip() == "False"


@pytest.mark.parametrize("question", [QUESTION, QUESTION_ES])
def test_it_scores_the_answering_window_above_a_near_miss(model, question):
    answers, near, off = model.score(
        question, [(TITLE, ANSWERS), (TITLE, NEAR_MISS), ("", OFF_TOPIC)]
    )
    assert 0.0 <= off < near < answers <= 1.0


def test_a_pair_fits_the_model_whatever_the_lengths(model):
    long_question = " ".join(["vaccine"] * 200) + "?"
    rows = encode_pairs(model.tokenizer, model.special, [long_question, "q?"], [ANSWERS * 40, ""])
    bos, eos = model.special
    for row in rows:
        assert len(row) <= MAX_TOKENS and row[0] == bos and row[-1] == eos
    assert rows[0].index(eos) - 1 == QUESTION_TOKENS  # the question is cut, the passage kept


def test_a_window_is_the_sentence_and_its_neighbours():
    sentences = ["One.", "Two.", "Three.", "Four."]
    assert window(sentences, 0, 1) == "One. Two."
    assert window(sentences, 2, 1) == "Two. Three. Four."
    assert window(sentences, 2, 0) == "Three."


def test_a_missing_model_folder_is_one_clear_error(tmp_path):
    with pytest.raises(SettingsError, match="No answerability model"):
        load_answerability(str(tmp_path / "nope"))
    assert load_answerability("none") is None


def test_the_reranker_runs_only_when_the_setting_asks(assistant):
    asked = "Who leads Korea's Global Vaccine Production Hub Task Force?"
    spanish = "¿Quién dirige el grupo de trabajo del centro de vacunas?"
    off = Assistant(
        assistant.index,
        assistant.embedder,
        settings_with(assistant.settings, retrieval={"answerability_model": "none"}),
    )
    assert off.retriever.reranker is None
    assert all(h.answer_scores == () for h in off.search(asked, 5))
    # The default, a veto: it reads the documents' language only, in retrieval's order.
    assert isinstance(assistant.retriever.reranker, AnswerabilityReranker)
    vetoing = assistant.search(asked, 5)
    assert all(h.answer_scores for h in vetoing)
    assert [h.chunk.chunk_id for h in vetoing] == [h.chunk.chunk_id for h in off.search(asked, 5)]
    assert all(h.answer_scores == () for h in assistant.search(spanish, 5))
    settings = settings_with(assistant.settings, retrieval={"answerability_role": "gate"})
    reranked_bot = Assistant(assistant.index, assistant.embedder, settings)
    for question in (asked, spanish):
        read = [h for h in reranked_bot.search(question, 5) if h.answer_scores]
        assert read and all(0.0 <= (h.answerability or 0.0) <= 1.0 for h in read)
        rerank = settings.retrieval.rerank_sentences
        assert all(len(h.answer_scores) <= rerank for h in read)
    # The same passages are candidates; only their order and scores may change.
    assert {h.chunk.chunk_id for h in reranked_bot.search(asked, 5)} <= {
        h.chunk.chunk_id for h in off.search(asked, 50)
    }
