"""Citations say where their sentence is: the page or section of the quoted sentence, not of
the passage's start (a small document's passage spans several pages or headings)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fpdf import FPDF

from assistant import Assistant
from assistant.answer.types import cite
from assistant.ingest.chunking import ChunkingSettings, split
from assistant.ingest.documents import load_document

PAGES = [
    "The Ghana Pharmaceutical Strategy aims to raise local production of essential medicines.",
    "A revolving fund of 45 million US dollars will provide loans to manufacturers.",
    "Inspections of sterile manufacturing plants will take place every 18 months.",
]
NOTES = """# Rwanda mRNA facility notes

## Overview

BioNTech's BioNTainer modules arrived in Kigali in March 2023 to set up a facility.

## Capacity

The facility's initial annual capacity is estimated at 50 million doses of mRNA vaccine.

### Staffing

Around 100 staff will be trained by BioNTech to run the site.
"""


def _pdf(path: Path) -> Path:
    pdf = FPDF()
    pdf.set_font("Helvetica", size=12)
    for body in PAGES:
        pdf.add_page()
        pdf.multi_cell(0, 8, body)
    path.write_bytes(bytes(pdf.output()))
    return path


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory, embedder) -> Assistant:
    corpus = tmp_path_factory.mktemp("places-corpus")
    _pdf(corpus / "ghana.pdf")
    (corpus / "rwanda.md").write_text(NOTES, encoding="utf-8")
    index = tmp_path_factory.mktemp("places-index")
    return Assistant.open(index_dir=index, corpus_dir=corpus, embedder=embedder)


def test_a_passage_knows_the_page_and_section_of_each_sentence(tmp_path: Path, embedder):
    settings = ChunkingSettings(224, 32, embedder.max_tokens)
    (chunk,) = split(load_document(_pdf(tmp_path / "g.pdf"), "g.pdf"), embedder, settings)
    assert chunk.page == 1 and chunk.last_page == 3 and chunk.location == "pp. 1–3"
    assert chunk.place_at(chunk.text.index("Inspections")) == (3, None)
    (tmp_path / "r.md").write_text(NOTES, encoding="utf-8")
    (notes,) = split(load_document(tmp_path / "r.md", "r.md"), embedder, settings)
    assert notes.place_at(notes.text.index("Around 100"))[1] == "Staffing"
    assert {"Overview", "Capacity", "Staffing"} <= notes.headings


def test_a_citation_gives_its_sentences_page(small: Assistant):
    answer = small.ask("How big is the revolving fund for manufacturers?")
    assert not answer.refused
    (c,) = [c for c in answer.citations if "45 million" in " ".join(c.sentences)]
    assert c.page == 2 and c.location == "p. 2"


def test_a_citation_gives_its_sentences_section(small: Assistant):
    answer = small.ask("How many staff will BioNTech train to run the Rwanda site?")
    assert not answer.refused
    (c,) = [c for c in answer.citations if "Around 100 staff" in " ".join(c.sentences)]
    assert c.section == "Staffing" and c.location == "§ Staffing"
    assert c.to_dict()["section"] == "Staffing"


def test_a_heading_is_never_quoted_as_an_answer(small: Assistant):
    answer = small.ask("What is the annual budget of the Rwanda mRNA facility?")
    quoted = [s.strip(" .") for c in answer.citations for s in c.sentences]
    assert not {"Overview", "Capacity", "Staffing"} & set(quoted)


def test_every_quoted_sentence_of_a_passage_is_in_its_citation(assistant: Assistant):
    # Three sentences of one passage, all marked [1]: the source must show all three.
    answer = assistant.ask("Who leads Korea's vaccine hub task force?")
    cited = {c.number: c.sentences for c in answer.citations}
    pieces = re.findall(r"(.+?) \[(\d+)\]\s*", answer.text)
    assert len(pieces) > len(cited)  # some passage is quoted more than once
    for text, number in pieces:
        said = text.rstrip(" .…")
        assert any(said in sentence for sentence in cited[int(number)]), text
    for c in answer.citations:
        assert len(c.to_dict()["sentence_spans"]) == len(c.sentences)
        # Quoted to readers without the source's list marks ("□ Recognizing ...").
        assert all(q and q[0] not in "□○*-•" for q in c.quotes)


def test_overlapping_spans_are_merged_and_placed(tmp_path: Path, embedder):
    # A generated claim may rest on sentences 1 and 1-2: quoted once, marked once.
    settings = ChunkingSettings(224, 32, embedder.max_tokens)
    (chunk,) = split(load_document(_pdf(tmp_path / "g.pdf"), "g.pdf"), embedder, settings)
    s1, s2, s3 = chunk.sentences[:3]
    c = cite(1, chunk, [s3, (s1[0], s2[1]), s1], {})
    assert c.sentence_spans == ((s1[0], s2[1]), s3)
    assert c.location == "pp. 1–3" and c.to_dict()["last_page"] == 3
    assert c.sentence == chunk.text[s1[0] : s2[1]] and c.page == 1
