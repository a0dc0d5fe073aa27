"""First-token latency and generation speed of the `local` model (SmolLM2 in llama.cpp).

Sends the real prompts of a few gold questions (passages fitted to the local context budget)
and reports, per question and as medians: prompt tokens (tiktoken), seconds to the first
token, and tokens per second after it (llama.cpp's own token count). Targets: first token
≤ 1.5 s, ≥ 20 tokens/s.

    .venv/bin/python -m bench.llm_speed [--questions 5] [--index DIR] [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from assistant.answer.generation import LlamaCppChat, LLMAnswerer, build_answerer
from assistant.api import Assistant
from assistant.evaluation.gold import load_gold
from bench.common import corpus_arguments


def main() -> None:
    """Time the local model on the first answerable gold questions and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    corpus_arguments(parser)
    parser.add_argument("--questions", type=int, default=5)
    parser.add_argument("--context", type=int, default=None, help="llm_context_tokens")
    parser.add_argument("--threads", type=int, default=None, help="llama.cpp threads")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    index = args.index or Path(tempfile.mkdtemp(prefix="llm-speed-"))
    bot = Assistant.open(index_dir=index, corpus_dir=args.corpus)
    settings = bot.settings.model_copy(
        update={"answerer": "local", "llm_context_tokens": args.context}
    )
    answerer = build_answerer(settings, bot.embedder)
    assert isinstance(answerer, LLMAnswerer)
    model = answerer.model
    if args.threads:
        model = model.model_copy(update={"n_threads": args.threads})

    load_start = time.perf_counter()
    model.invoke("Hi", max_tokens=1)  # loads the GGUF file once
    load_s = time.perf_counter() - load_start

    rows: list[dict[str, Any]] = []
    gold = [g for g in load_gold(args.gold) if g.answerable][: args.questions]
    for item in gold:
        # The prompt the answerer really sends: the passages it reads (llm_passages).
        question = bot.retriever.read(item.question)
        hits = bot.search(item.question, 5)
        extractive = answerer.fallback.answer(question, hits, bot.sources)
        prompt = answerer.prompt(question, answerer.reads(extractive, hits))
        # CPU seconds beside wall seconds: on a shared machine the wall clock measures the other
        # jobs too, while CPU time (with --threads 1) is what the model itself needs.
        start, cpu_start = time.perf_counter(), time.process_time()
        first = cpu_first = None
        pieces = []
        for chunk in model.stream(prompt.messages()):
            if first is None:
                first, cpu_first = time.perf_counter() - start, time.process_time() - cpu_start
            pieces.append(str(chunk.content))
        total, cpu_total = time.perf_counter() - start, time.process_time() - cpu_start
        # llama.cpp streams one token per chunk; count them as the model sees them.
        tokens = len(pieces)
        rows.append(
            {
                "id": item.id,
                "prompt_tokens": prompt.tokens,
                "first_token_s": round(first or total, 3),
                "answer_tokens": tokens,
                "tokens_per_s": round(_rate(tokens, first, total), 1),
                "first_token_cpu_s": round(cpu_first or cpu_total, 3),
                "tokens_per_cpu_s": round(_rate(tokens, cpu_first, cpu_total), 1),
            }
        )
    summary = {
        "model_load_s": round(load_s, 3),
        "context_tokens": answerer.context_tokens,
        "median_prompt_tokens": statistics.median(r["prompt_tokens"] for r in rows),
        "median_first_token_s": statistics.median(r["first_token_s"] for r in rows),
        "max_first_token_s": max(r["first_token_s"] for r in rows),
        "median_tokens_per_s": statistics.median(r["tokens_per_s"] for r in rows),
        "threads": model.n_threads if isinstance(model, LlamaCppChat) else None,
        "median_first_token_cpu_s": statistics.median(r["first_token_cpu_s"] for r in rows),
        "median_tokens_per_cpu_s": statistics.median(r["tokens_per_cpu_s"] for r in rows),
        "targets": {"first_token_s": 1.5, "tokens_per_s": 20},
        "questions": rows,
    }
    if args.json:
        print(json.dumps(summary, indent=2))
        return
    for r in rows:
        print(
            f"{r['id']}: prompt {r['prompt_tokens']} tokens, "
            f"first token {r['first_token_s']:.2f} s, "
            f"{r['answer_tokens']} tokens at {r['tokens_per_s']:.1f} tokens/s"
        )
    for key, value in summary.items():
        if key != "questions":
            print(f"{key}: {value}")


def _rate(tokens: int, first: float | None, total: float) -> float:
    """Tokens per second after the first one."""
    return (tokens - 1) / (total - first) if first is not None and total > first else 0.0


if __name__ == "__main__":
    main()
