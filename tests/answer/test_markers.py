"""[n] markers: ours are written and read in one place; a document's own are not quoted."""

from __future__ import annotations

from assistant.answer.extractive import ExtractiveAnswerer
from assistant.answer.markers import mark, numbers, without_references
from assistant.ingest.chunking import Chunk
from assistant.retrieval.hits import Hit

CITING = "Masks reduced transmission by 40% in household studies [39], [40–42]."


def test_marks_are_read_back():
    assert numbers(f"One {mark(1)} two {mark(12)}.") == [1, 12]


def test_a_documents_reference_numbers_leave_the_quotation():
    assert without_references(CITING) == "Masks reduced transmission by 40% in household studies."
    assert without_references("In 2020 [1]. Then [4, 5; 7] more.") == "In 2020. Then more."
    assert without_references("Section [a] stays") == "Section [a] stays"
    assert without_references("Following studies [11, 12] , we fit") == "Following studies, we fit"


def test_an_answer_quoting_a_citing_sentence_cites_only_its_own_passages(assistant):
    text = "Household studies. " + CITING
    chunk = Chunk(
        chunk_id="c1",
        doc_id="paper.txt",
        text=text,
        start=0,
        end=len(text),
        title="A paper",
        section=None,
        page=None,
        token_count=30,
        sentences=((0, 18), (19, len(text))),
    )
    q = assistant.retriever.read("By how much did masks reduce transmission in households?")
    hit = Hit(chunk, 1.0, coverage=1.0, passage_coverage=1.0, sentence_scores=(0.1, 0.9))
    answer = ExtractiveAnswerer().answer(q, [hit], {})
    assert not answer.refused and "40%" in answer.text
    assert set(numbers(answer.text)) == {c.number for c in answer.citations} == {1}
