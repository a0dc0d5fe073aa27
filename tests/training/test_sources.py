"""The answerability model's training data: answers placed in the right sentence, unanswerable
questions kept as such, and every exclusion enforced and counted."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from training.answerability.data import Article, Paragraph, Question
from training.answerability.sources import (
    BENCHMARKS,
    answer_sentence,
    apply,
    exclusions,
    load_articles,
)

ROOT = Path(__file__).resolve().parents[2]


def test_a_repeated_answer_is_placed_in_the_sentence_the_question_asks_about():
    text = "The hub opened in 2021. Its second plant, built for vaccines, opened in 2021 too."
    spans = [(0, 23), (24, len(text))]
    question = "When did the second vaccine plant open?"
    # The file's offset is the first occurrence; the question is about the second sentence.
    assert answer_sentence(text, spans, question, "2021", 18, "en") == 1
    assert answer_sentence(text, spans, "When did the hub open?", "2021", 18, "en") == 0
    assert answer_sentence(text, spans, question, "1999", 0, "en") is None


def test_a_squad_layout_file_gives_answerable_and_unanswerable_questions(tmp_path):
    layout = {
        "data": [
            {
                "title": "Vaccine_hub",
                "paragraphs": [
                    {
                        "context": "The hub opened in 2021. It makes ten million doses.",
                        "qas": [
                            {
                                "question": " - How many doses? ",
                                "answers": [{"text": "ten million", "answer_start": 31}],
                            },
                            {
                                "question": "How many syringes?",
                                "answers": [],
                                "is_impossible": True,
                            },
                            {
                                "question": "Who paid?",
                                "answers": [{"text": "the bank", "answer_start": -1}],
                            },
                        ],
                    }
                ],
            }
        ]
    }
    path = tmp_path / "train.json"
    path.write_text(json.dumps(layout), encoding="utf-8")
    log: Counter[str] = Counter()
    (article,) = load_articles(path, "user", "en", log)
    assert article.title == "Vaccine hub"
    doses, syringes = article.paragraphs[0].questions
    assert doses.text == "How many doses?" and doses.evidence == 1
    assert syringes.evidence is None and not syringes.answers
    assert log["user: answer not in its paragraph (skipped)"] == 1


def test_benchmark_and_project_text_is_excluded_and_counted():
    rules = exclusions(allowed_titles=set())
    squad2_file = sorted((BENCHMARKS / "squad2" / "corpus").glob("*.txt"))[0]
    squad2_title = squad2_file.read_text(encoding="utf-8").splitlines()[0]
    project_text = sorted((ROOT / "corpus").glob("*.txt"))[0].read_text(encoding="utf-8")
    project_paragraph = " ".join(project_text.split()[200:320])
    question = Question("What is asked here about vaccines?", ["x"], 0, "user")
    articles = [
        Article(squad2_title, "user", [Paragraph("A text.", ["A text."], [question])]),
        Article("魂斗罗 Force", "cmrc2018", [Paragraph("魂斗罗。", ["魂斗罗。"], [question])]),
        Article(
            "Elsewhere",
            "user",
            [
                Paragraph(project_paragraph, [project_paragraph], [question]),
                Paragraph("Fresh words about nothing else at all.", ["Fresh."], [question]),
            ],
        ),
    ]
    log: Counter[str] = Counter()
    kept = apply(articles, rules, log)
    assert [a.title for a in kept] == ["魂斗罗 Force", "Elsewhere"]
    assert len(kept[1].paragraphs) == 1
    assert log["excluded by squad2 title: articles"] == 1
    assert log["excluded by project corpus text: paragraphs"] == 1
    assert log["excluded by covid-qa text: paragraphs"] == 0  # every rule is counted
