"""The bundled answerability model: loads offline, reads question and sentence together, and
reranks through the retriever's reranking step only when the setting asks for it."""

from __future__ import annotations

import subprocess
import sys

import pytest

from assistant.api import Assistant
from assistant.errors import SettingsError
from assistant.retrieval.answerability import BUNDLED, AnswerabilityReranker, load_answerability
from assistant.settings import settings_with

QUESTION = "What complex features flower-shaped buildings?"
ANSWERS = "The complex features flower-shaped buildings designed by the architect."
NEAR_MISS = "The complex features leaf-shaped buildings designed by the architect."
OFF_TOPIC = "The city is the capital of the country."


@pytest.fixture(scope="module")
def model():
    loaded = load_answerability("bundled")
    assert loaded is not None
    return loaded


def test_the_bundled_model_is_in_the_repository_and_small():
    assert (BUNDLED / "model.onnx").stat().st_size < 30 * 1024 * 1024
    assert (BUNDLED / "MODEL_CARD.md").is_file()


def test_it_loads_offline_without_torch():
    # A fresh interpreter: loading and scoring must not import torch or reach a hub.
    code = (
        "import sys; from assistant.retrieval.answerability import load_answerability; "
        "m = load_answerability('bundled'); m.score('q?', [('', 'a sentence.')]); "
        "print('torch' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "PATH": ""},
        check=True,
    )
    assert done.stdout.strip() == "False"


def test_it_scores_the_answering_sentence_above_a_near_miss(model):
    answers, near, off = model.score(
        QUESTION, [("Architecture", ANSWERS), ("Architecture", NEAR_MISS), ("", OFF_TOPIC)]
    )
    assert 0.0 <= off < near < answers <= 1.0


def test_a_missing_model_folder_is_one_clear_error(tmp_path):
    with pytest.raises(SettingsError, match="No answerability model"):
        load_answerability(str(tmp_path / "nope"))
    assert load_answerability("none") is None


def test_the_reranker_runs_only_when_the_setting_asks(assistant):
    asked = "Who leads Korea's Global Vaccine Production Hub Task Force?"
    assert assistant.retriever.reranker is None  # the default: no model
    plain = assistant.search(asked, 5)
    assert all(h.answer_scores == () for h in plain)
    settings = settings_with(assistant.settings, retrieval={"answerability_model": "bundled"})
    reranked_bot = Assistant(assistant.index, assistant.embedder, settings)
    assert isinstance(reranked_bot.retriever.reranker, AnswerabilityReranker)
    reranked = reranked_bot.search(asked, 5)
    read = [h for h in reranked if h.answer_scores]
    assert read and all(0.0 <= (h.answerability or 0.0) <= 1.0 for h in read)
    # The same passages are candidates; only their order and scores may change.
    assert {h.chunk.chunk_id for h in reranked} <= {
        h.chunk.chunk_id for h in assistant.search(asked, 50)
    }
