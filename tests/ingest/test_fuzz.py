"""Short fuzz run of the loaders and the chunker (the long one: python -m bench.fuzz_loaders)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from assistant.ingest.readers import Block
from tests._fuzz_fixtures import (
    ANY_FILE,
    BLOCKS,
    CHUNKING,
    check_file,
    check_split,
    document_from_blocks,
    text_file,
)


# No example database: the run leaves no files behind; a failure prints its input.
def fuzz(examples: int) -> settings:
    """Hypothesis settings for a short, file-free fuzz run."""
    return settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


@fuzz(300)
@given(ANY_FILE)
def test_loaders_raise_only_document_errors(file: tuple[str, bytes]) -> None:
    # Random bytes, mutated valid PDF/Word/HTML/Markdown/text files and generated text.
    check_file(*file)


@fuzz(120)
@given(BLOCKS, CHUNKING)
def test_chunker_passages_fit_the_model(embedder, blocks, chunking) -> None:
    doc = document_from_blocks(blocks)
    if doc is not None:
        check_split(doc, embedder, *chunking)


@fuzz(80)
@given(text_file())
def test_loaded_files_chunk_cleanly(embedder, file: tuple[str, bytes]) -> None:
    doc = check_file(*file)
    if doc is not None:
        assert check_split(doc, embedder, 160, 32) > 0


@pytest.mark.parametrize(
    "text",
    [
        "非洲的疫苗本地生产能力正在提高各国政府投资新工厂和培训计划以确保供应安全" * 40,
        "ワクチンの地域生産は供給の安全を高めるために重要です" * 40,
        "Intro sentence. " + "https://example.org/" + "path/" * 300 + " End.",
    ],
)
def test_text_without_spaces_is_chunked_whole(embedder, text: str) -> None:
    # A paragraph with no spaces (Chinese, Japanese, a long URL) used to keep only its first
    # window; the fuzzer now checks that every character lands in a passage.
    doc = document_from_blocks([Block(text)])
    assert doc is not None
    assert check_split(doc, embedder, 160, 32) >= 2
