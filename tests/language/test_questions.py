"""Question analysis: the kind of answer wanted, names, markup, and questions in two parts."""

from __future__ import annotations

import pytest

from assistant.language.questions import analyse


@pytest.mark.parametrize(
    ("question", "wants"),
    [
        ("How many experts will each country appoint?", "number"),
        ("What percentage of vaccines is imported?", "number"),
        ("When was the forum held?", "date"),
        ("On which dates was the forum held?", "date"),
        ("What is the WLPF?", "definition"),
        ("In which month was the resolution adopted?", "month"),
        ("What year was the report published?", "year"),
        ("On which day of the week was the dialogue?", "weekday"),
        ("Where did the task force meet?", "place"),
        ("What is the role of the WLPF?", None),
        ("Who leads the task force?", None),
    ],
)
def test_kind_of_answer_wanted(question, wants):
    assert analyse(question).wants == wants


def test_a_number_already_in_the_question_is_not_an_answer():
    q = analyse("How many of the 15 experts are scientists?")
    assert not q.satisfied_by("Each side appoints 15 experts.")
    assert q.satisfied_by("Five of them are scientists.")


@pytest.mark.parametrize(
    "question",
    [
        "Who heads the task force, and who leads its implementation unit?",
        "Which task forces were set up, and on which days?",
        "Why did it happen, according to the report and the explainer?",
        "Which resolutions from 2020 and 2022 are listed?",
        "What happened on 3 June and on 4 June?",
        "What do both documents say about licensing?",
    ],
)
def test_questions_in_two_parts(question):
    assert analyse(question).two_part


@pytest.mark.parametrize(
    "question",
    [
        "How many experts will Korea and the US each appoint?",
        "What does local and regional manufacturing mean?",
        "What happened on 3 June?",
    ],
)
def test_questions_in_one_part(question):
    assert not analyse(question).two_part


def test_names_and_pasted_markup():
    q = analyse("<script>alert(1)</script>Which country will host the next <b>Forum</b>?")
    assert q.text == "Which country will host the next Forum ?"
    assert q.names == ("Forum",)


@pytest.mark.parametrize(
    ("question", "kept"),
    [
        ("Give an example of production collaboration.", {"product", "collabor"}),
        ("What does EUA stand for?", {"eua"}),
        ("Apart from governments, what sorts of groups took part?", {"govern", "group", "part"}),
        ("In which year was the resolution adopted?", {"resolut", "adopt"}),
        ("Which health products does the term cover?", {"health", "product", "cover"}),
        ("What does the acronym NRA mean?", {"nra"}),
        ("What are the terms of the licence?", {"term", "licens"}),
        ("What is the long-term goal?", {"long", "term", "goal"}),
    ],
)
def test_words_that_only_shape_the_question_are_not_terms(question, kept):
    assert set(analyse(question).terms) == kept


def test_a_word_about_words_does_not_find_passages_that_merely_use_it(assistant):
    # "Long term and sustainable ..." and "the terms of this licence" say "term" too.
    hit = assistant.search("Which kinds of health products does the term cover?", 1)[0]
    assert "small-molecule drugs, biologics, vaccines" in hit.chunk.text


def test_a_reworded_question_is_still_answered(assistant):
    answer = assistant.ask("What does EUA stand for?")
    assert not answer.refused and "Emergency Use Authorization" in answer.text


@pytest.mark.parametrize(
    ("question", "refs"),
    [
        ("What can political will aim at, according to the explainer?", ("explainer",)),
        ("Which areas does the press release list?", ("press release",)),
        ("Why, according to the WLPF report and the explainer?", ("WLPF report", "explainer")),
        ("How many areas with the US does the press release list?", ("press release",)),
        ("Which companies joined the consortium?", ()),
    ],
)
def test_documents_named_in_the_question(question, refs):
    assert analyse(question).source_refs == refs


@pytest.mark.parametrize(
    ("question", "judged"),
    [
        (
            "What can political will aim at, according to the explainer?",
            "What can political will aim at?",
        ),
        ("Why, according to the WLPF report and the explainer?", "Why?"),
        ("In the WLPF report, who opened the forum?", "Who opened the forum?"),
        ("Which areas does the press release list?", "Which areas does the press release list?"),
        ("When is the release of the new guidelines planned?", None),
        ("I work at a ministry. Who opened the forum?", "Who opened the forum?"),
    ],
)
def test_a_passage_reader_is_asked_the_question_without_where_to_look(question, judged):
    # The document it names says where to look; no passage of it says "the explainer".
    assert analyse(question).judged == (judged or question)


def test_finer_kinds_of_date_and_places():
    month = analyse("In which month of 2022 was the resolution adopted?")
    assert not month.satisfied_by("The 2022 resolution on access to medicines.")
    assert month.satisfied_by("It was adopted in April 2022.")
    assert analyse("On which day of the week?").satisfied_by("A dialogue (June 4th (Fri)).")
    where = analyse("Where did the task force hold its first meeting?")
    assert where.satisfied_by("It met at the Government Complex Seoul.")
    assert not where.satisfied_by("It met in June with the Ministry of Health.")


@pytest.mark.parametrize(
    "question",
    [
        "When is the release of the new guidelines planned?",
        "Which report of the task force is cited?",
    ],
)
def test_a_document_kind_word_alone_does_not_name_a_document(question):
    assert "release" not in analyse(question).source_refs
    assert "report" not in analyse(question).source_refs


def test_one_date_with_its_year_is_one_part():
    assert not analyse("What happened on 3 June 2024?").two_part
    assert not analyse("According to the report, what do WHO and UNICEF do?").two_part


def test_names_keep_their_words_and_kind_words_stay_when_no_kind_is_checked():
    assert {"world", "health", "day"} <= set(analyse("What is World Health Day about?").terms)
    assert "list" in analyse("What is on the Essential Medicines List?").terms
    assert "date" in analyse("What is the expiry date of the licence?").terms


def test_modal_verbs_short_words_and_languages_are_not_dates_or_places():
    assert not analyse("In which month was it signed?").satisfied_by("It may be signed later.")
    assert not analyse("On which day of the week?").satisfied_by("The delegates sat down.")
    where = analyse("Where was the forum held?")
    assert where.satisfied_by("In Geneva, the forum was held.")
    assert not where.satisfied_by("It was held in English and Korean.")


def test_abbreviations_are_noted_beside_names():
    q = analyse("Which ISBN does the WHO report on the ROK-US summit carry, and what are DFIs?")
    assert q.abbreviations == ("ISBN", "WHO", "ROK-US", "DFI")
    assert "WHO" not in q.names


@pytest.mark.parametrize(
    ("typed", "ask"),
    [
        (
            "I'm with the Ministry of Health in Uganda. When was the first forum held? "
            "It's for a briefing note.",
            "When was the first forum held?",
        ),
        (
            "can you tell me who the director-general of WHO is",
            "Who the director-general of WHO is",
        ),
        ("Before we do, could you tell me which licence applies?", "Which licence applies?"),
        (
            "I work for a start-up and would like to know which session covered AI.",
            "Which session covered AI.",
        ),
        (
            "For a briefing tomorrow I need the date when the task force met.",
            "The date when the task force met.",
        ),
        # Too little said by itself: read with the sentence before it.
        (
            "I keep seeing NRA in the report. What does it stand for?",
            "I keep seeing NRA in the report. What does it stand for?",
        ),
        ("Who leads the task force?", "Who leads the task force?"),
        # An abbreviation's full stop ends no sentence.
        (
            "What did the U.S. agree to supply to Korea, e.g. raw materials?",
            "What did the U.S. agree to supply to Korea, e.g. raw materials?",
        ),
        (
            "We met Dr. Kim last week. What did the U.S. agree to supply?",
            "What did the U.S. agree to supply?",
        ),
    ],
)
def test_the_sentence_that_asks_is_analysed_without_its_context(typed, ask):
    q = analyse(typed)
    assert q.ask == ask and q.text == typed


def test_context_names_are_not_asked_about():
    q = analyse("I'm with the Ministry of Health in Uganda. When was the first forum held?")
    assert q.wants == "date" and "Uganda" not in q.names and "uganda" not in q.terms


def test_a_question_word_may_open_the_clause_after_a_topic():
    assert analyse("Korea's 4 June dialogue with businesses: where was it held?").wants == "place"
    assert analyse("The next forum - when will it take place").wants == "date"
    assert analyse("I need the date when the task force met.").wants == "date"


@pytest.mark.parametrize(
    "typed",
    [
        "Which country will host the next forum, do you know?",  # a request at the end
        "What does the explainer tell me about licensing?",  # "tell me" with a subject
        "Which country will host the next forum. Is that in the WLPF report?",  # two asks
    ],
)
def test_a_request_or_second_ask_does_not_cut_the_question(typed):
    assert analyse(typed).ask == typed


def test_what_the_context_names_still_counts():
    q = analyse(
        "I'm reading the explainer. What does it say about intellectual property licensing?"
    )
    assert q.ask.startswith("What does it say") and q.source_refs == ("explainer",)
    assert "Janssen" in analyse("Can you tell me Janssen's role in the Korean vaccine hub?").names


def test_sentence_ends_and_courtesies_around_the_ask():
    q = analyse("I work for a vaccine maker in the U.S. When was the first forum held?")
    assert q.ask == "When was the first forum held?" and q.wants == "date"
    q = analyse("Thanks. What is the WLPF?")
    assert q.ask == "What is the WLPF?" and q.wants == "definition"
    assert analyse("I read about the KORUS partnership. Who leads it?").ask.startswith("I read")


def test_a_question_in_capitals_has_no_abbreviations():
    assert analyse("WHAT DOES THE PRESS RELEASE SAY ABOUT THE TASK FORCE?").abbreviations == ()
