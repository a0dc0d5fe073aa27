"""Term analysis: stopwords, names, spellings and dates reduce to the terms both sides share."""

from __future__ import annotations

import pytest

from assistant.language.text import TermStats, terms


def test_question_words_are_not_terms_but_acronyms_are():
    assert terms("What does the WHO say?") == ["who", "say"]
    assert terms("REPORT OF THE FORUM") == ["report", "forum"]


def test_demonyms_fold_into_the_place():
    assert terms("Korean vaccine") == terms("Korea vaccine")


@pytest.mark.parametrize(
    ("british", "american"),
    [
        ("licence", "license"),
        ("licences", "licenses"),
        ("organisation", "organization"),
        ("programme", "program"),
        ("analysed", "analyzed"),
        ("centre", "center"),
        ("labour", "labor"),
    ],
)
def test_british_and_american_spellings_are_one_term(british, american):
    assert terms(british) == terms(american)


def test_spelling_folding_leaves_other_words_apart():
    assert len(set(terms("four hour flour rise wise promise precise"))) == 7


@pytest.mark.parametrize(
    "written", ["3 June", "3rd June", "the 3rd of June", "June 3rd (Thu)", "Jun. 3"]
)
def test_one_day_written_differently_shares_a_term(written):
    assert "date0603" in terms(written)


@pytest.mark.parametrize(
    "text", ["June 2021", "in 2021 June", "32 June", "May we ask", "3 marching bands"]
)
def test_no_day_no_date_term(text):
    assert not [t for t in terms(text) if t.startswith("date")]


def test_coverage_weighs_rare_terms_more():
    stats = TermStats([terms("vaccine hub"), terms("vaccine plan"), terms("vaccine Netherlands")])
    cover = stats.coverage_of(terms("vaccine Netherlands"))
    assert cover(set(terms("Netherlands"))) > cover(set(terms("vaccine"))) > 0
    assert cover(set(terms("vaccine Netherlands"))) == pytest.approx(1.0)


def test_american_spelling_and_other_date_format_find_the_same_evidence(assistant):
    # BM25 sees the same terms; only the dense half (MiniLM) may tell the spellings apart.
    british = {h.chunk.chunk_id: h.bm25_rank for h in assistant.search("Under what licence?", k=5)}
    american = {h.chunk.chunk_id: h.bm25_rank for h in assistant.search("Under what license?", k=5)}
    shared = british.keys() & american.keys()
    assert len(shared) >= 3 and all(british[c] == american[c] for c in shared)
    hits = assistant.search("What happened on 4 June?", k=3)
    assert any("June 4th" in h.chunk.text for h in hits)


def test_may_the_month_is_a_term_and_may_the_verb_is_not():
    assert "may" in terms("Why was it set up at the end of May?")
    assert "may" in terms("formed on May 31st")
    assert "may" not in terms("May I adapt the work? You may.")


@pytest.mark.parametrize(
    "text", ["COVID-19 may have disrupted supply", "As many as 15 may apply", "up to 30 mar"]
)
def test_numbers_before_a_modal_or_a_lower_case_short_month_are_not_dates(text):
    assert not [t for t in terms(text) if t.startswith("date")]


def test_spelling_folds_reach_past_tenses_and_short_stems():
    assert terms("licenced licencing metres") == terms("licensed licensing meters")
