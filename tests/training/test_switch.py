"""Code-switched training questions: lexicons induced by mutual nearest neighbours, and
questions with some words in another language, names and numbers kept."""

from __future__ import annotations

import random

import numpy as np

from training.answerability.switch import induce, switched


def _unit(rows: list[list[float]]) -> np.ndarray:
    m = np.array(rows, dtype=np.float32)
    return m / np.linalg.norm(m, axis=1, keepdims=True)


def test_words_pair_only_with_their_mutual_nearest_neighbour():
    english = ["year", "country", "war", "the"]
    e = _unit([[1, 0, 0, 0.1], [0, 1, 0, 0.1], [0, 0, 1, 0.1], [0.5, 0.5, 0.5, 1]])
    other = ["año", "país", "guerra", "gato"]
    o = _unit([[0.9, 0.1, 0, 0.1], [0.1, 0.9, 0, 0.1], [0, 0.1, 0.9, 0.1], [-1, -1, 1, 0]])
    lexicon = induce(english, e, other, o)
    assert lexicon["year"] == "año" and lexicon["country"] == "país" and lexicon["war"] == "guerra"
    assert "the" not in lexicon or lexicon["the"] != "gato"
    assert "gato" not in lexicon.values()


def test_a_switched_question_keeps_its_names_and_numbers():
    lexicon = {
        "when": "cuándo",
        "was": "fue",
        "first": "primer",
        "forum": "foro",
        "held": "celebró",
    }
    question = "When was the first Forum of Korea held in 2021?"
    all_in = switched(question, lexicon, random.Random(1), share=1.0)
    assert all_in == "cuándo fue the primer Forum of Korea celebró in 2021?"
    assert switched(question, lexicon, random.Random(1), share=0.0) == question
    some = [switched(question, lexicon, random.Random(s), share=0.5) for s in range(20)]
    assert len(set(some)) > 2 and all("Korea" in s and "2021" in s for s in some)
