"""Follow-up questions rewritten into standalone ones from the previous question."""

from __future__ import annotations

import pytest

from assistant.chat.conversation import standalone_question, subject_of, supply_subject

FORUM = "When was the first World Local Production Forum held?"
TASK_FORCE = "What is the Global Vaccine Production Hub Task Force?"
REGIONAL = "What does local and regional manufacturing refer to?"


@pytest.mark.parametrize(
    ("previous", "follow_up", "standalone"),
    [
        (
            TASK_FORCE,
            "and who leads it?",
            "Who leads the Global Vaccine Production Hub Task Force?",
        ),
        (FORUM, "and where?", "Where was the first World Local Production Forum held?"),
        (FORUM, "Where was it held?", "Where was the first World Local Production Forum held?"),
        (REGIONAL, "why is it important?", "Why is local and regional manufacturing important?"),
        (
            REGIONAL,
            "What are its benefits?",
            "What are local and regional manufacturing's benefits?",
        ),
        (
            "Who leads Korea's Global Vaccine Production Hub Task Force?",
            "what about the WLPF?",
            "Who leads the WLPF?",
        ),
        (
            FORUM,
            "and what were the key messages?",
            "What were the key messages? (about the first World Local Production Forum)",
        ),
        (
            FORUM,
            "who organised this forum?",
            "Who organised this forum? (about the first World Local Production Forum)",
        ),
        (
            "What is local and regional manufacturing?",
            "Is that the same as local production?",
            "Is local and regional manufacturing the same as local production?",
        ),
    ],
)
def test_follow_ups_carry_the_previous_subject(
    previous: str, follow_up: str, standalone: str
) -> None:
    rewrite = standalone_question(follow_up, previous)
    assert rewrite.standalone == standalone
    assert rewrite.changed


@pytest.mark.parametrize(
    "question",
    [
        "How many experts will Korea and the US each appoint per category?",
        "What is the body that leads the Task Force?",  # "that" is a relative pronoun here
        "Which country will host the next World Local Production Forum?",
    ],
)
def test_new_questions_are_left_alone(question: str) -> None:
    rewrite = standalone_question(question, TASK_FORCE)
    assert rewrite.standalone == question
    assert not rewrite.changed


@pytest.mark.parametrize(
    ("previous", "question", "standalone"),
    [
        # "it" is the Task Force the question itself names.
        (FORUM, "Who leads the Task Force and where did it first meet?", None),
        # A whole question, not "how many speakers" put in front of the previous one.
        (
            "Who will host the next World Local Production Forum?",
            "how many speakers were there?",
            "How many speakers were there? (about the next World Local Production Forum)",
        ),
        # "Who will host it?" asks about its subject: "Why will host it?" is no question.
        (
            "Who will host the next World Local Production Forum?",
            "why?",
            "Why? (about who will host the next World Local Production Forum)",
        ),
        ("What did Korea agree with the US?", "and when?", "When did Korea agree with the US?"),
        (
            "What are the objectives of the KORUS Global Vaccine Partnership?",
            "who is in its experts group",
            "Who is in the KORUS Global Vaccine Partnership's experts group?",
        ),
        (
            TASK_FORCE,
            "Thanks! And who leads it?",
            "Who leads the Global Vaccine Production Hub Task Force?",
        ),
        # Words before the pronoun are not a subject of their own.
        (TASK_FORCE, "Which ministry leads it?", "Which ministry leads the " + TASK_FORCE[12:]),
        (
            TASK_FORCE,
            "When did the government announce it?",
            "When did the government announce the " + TASK_FORCE[12:],
        ),
        (TASK_FORCE, "who chairs the experts group and when does it meet?", None),
        # "the Ministry of Health and Welfare" is one name; "Great Lakes" no "great, ...".
        (
            "What is the Ministry of Health and Welfare?",
            "What is its budget?",
            "What is the Ministry of Health and Welfare's budget?",
        ),
        ("What is the WLPF?", "Great Lakes region?", None),
        # A question with a name of its own, or saying enough, changes the topic.
        ("Who leads the " + TASK_FORCE[12:], "what is GMP", None),
        ("Who leads the " + TASK_FORCE[12:], "thanks! and who will host the next forum?", None),
        # "it" after a question about a thing's members is the thing.
        (
            "Who are the Global Vaccine Production Hub Task Force's members?",
            "why was it created?",
            "Why was the Global Vaccine Production Hub Task Force created?",
        ),
        # No subject to swap: "what about X?" asks about X, not the previous question again.
        ("Who will host the next forum?", "what about the regulatory systems session?", None),
        # The topic said first.
        (
            "What is GMP?",
            "going back to the Korean task force, when was it launched",
            "When was the Korean task force launched?",
        ),
        (
            "What is GMP?",
            "back to the forum - how many speakers were there?",
            "How many speakers were there? (about the forum)",
        ),
        (
            TASK_FORCE,
            "and the implementation unit, who leads it?",
            "Who leads the implementation unit?",
        ),
        (
            "How many speakers were there?",
            "where?",
            "Where? (about how many speakers were there)",
        ),
    ],
)
def test_whole_questions_and_question_words_alone(previous, question, standalone) -> None:
    assert standalone_question(question, previous).standalone == (standalone or question)


def test_thanks_and_a_pronoun_with_nothing_before() -> None:
    assert standalone_question("ok, thanks!", TASK_FORCE).courtesy
    assert standalone_question("Great, thank you", None).courtesy
    assert standalone_question("merci beaucoup", TASK_FORCE).courtesy
    assert not standalone_question("Thanks, who leads it?", TASK_FORCE).courtesy
    assert standalone_question("and who leads it?", None).unresolved == "it"
    assert standalone_question("Who leads the Task Force?", None).unresolved is None
    assert standalone_question("What is it about, the WLPF report?", None).unresolved is None


def test_first_question_and_rewrites_of_rewrites() -> None:
    assert standalone_question("  and who leads it? ", None).standalone == "and who leads it?"
    first = standalone_question("and what were the key messages?", FORUM).standalone
    # The subject survives a second follow-up through the "(about ...)" note.
    again = standalone_question("and who spoke?", first).standalone
    assert again == "Who spoke? (about the first World Local Production Forum)"


def test_subject_of_a_question() -> None:
    assert subject_of(TASK_FORCE) == "the Global Vaccine Production Hub Task Force"
    assert subject_of(FORUM) == "the first World Local Production Forum"
    assert subject_of(REGIONAL) == "local and regional manufacturing"
    assert subject_of("Why?") == ""


@pytest.mark.parametrize(
    ("reply", "completed"),
    [
        ("the task force", "Who leads the task force?"),
        ("The KORUS partnership.", "Who leads The KORUS partnership?"),
        ("who leads the task force?", None),  # a question of its own
        ("is it the task force", None),
        ("", None),
    ],
)
def test_a_reply_naming_it_completes_the_waiting_question(reply, completed) -> None:
    assert supply_subject("and who leads it?", reply) == completed


@pytest.mark.parametrize(
    ("previous", "follow_up", "standalone"),
    [
        # A name that owns something stands with what it owns: "it" is the task force, not
        # Korea (this was shown as "When did Korea's first meet?").
        (
            "Who leads Korea's vaccine hub task force?",
            "and when did it first meet?",
            "When did Korea's vaccine hub task force first meet?",
        ),
        # A question's capitalised first word is no name: "Was Bangladesh", "Did Korea".
        ("Was Bangladesh at the forum?", "what did it present?", "What did Bangladesh present?"),
        ("Did Korea sign the agreement?", "when did it sign?", "When did Korea sign?"),
        # "Did Korea" is a name of the question's own before "this": it is left alone.
        (TASK_FORCE, "Did Korea speak to the press about this?", None),
        # A question for its subject is no subject: the previous question is the context.
        (
            "Who was waiting for the delegates?",
            "and where did he wait?",
            "Where did he wait? (about who was waiting for the delegates)",
        ),
        (
            "How many speakers were there? (about who will host the next forum)",
            "did it invite them?",
            "Did it invite them? (about who will host the next forum)",
        ),
        # After "who ..." a "he" or "his" is the person asked for, whom the rewrite cannot
        # name; after "who is X" it is X.
        (
            "Who leads the Task Force?",
            "what is his role?",
            "What is his role? (about who leads the Task Force)",
        ),
        (
            "Who is the Director-General of WHO?",
            "when was he elected?",
            "When was the Director-General of WHO elected?",
        ),
    ],
)
def test_follow_ups_with_general_english_rules(
    previous: str, follow_up: str, standalone: str | None
) -> None:
    assert standalone_question(follow_up, previous).standalone == (standalone or follow_up)


@pytest.mark.parametrize(
    ("question", "subject"),
    [
        ("What did Korea's health minister say?", "Korea's health minister"),
        ("When did Korea's task force have its first meeting?", "Korea's task force"),
        # "the press about GMP" is no name: only words of its own come between "the" and it.
        ("Did Korea speak to the press about GMP?", "Korea"),
        # What follows "is" is a clause, not a subject.
        ("What is the Task Force criticised for?", "the Task Force"),
        ("What was the forum called?", ""),
        ("What was Korea announcing?", "Korea"),
        ("Who was waiting for the delegates?", ""),
        # "can" holds "an" but no article.
        ("How much longer can Korea's president stay?", "Korea's president"),
    ],
)
def test_subject_of_follows_english_grammar(question: str, subject: str) -> None:
    assert subject_of(question) == subject
