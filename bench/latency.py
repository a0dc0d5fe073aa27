"""Warm query latency per stage and end to end, against the stock LangChain FAISS retriever."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from bench import stock
from bench.common import CORPUS, embedder, gold_questions, summary_ms, translated_questions


def run(questions: int, rounds: int = 1) -> dict[str, Any]:
    """Per-stage and end-to-end median/p95 over the gold questions, ours and LangChain's."""
    from assistant.api import Assistant

    model = embedder()
    asked = gold_questions()[:questions]
    stages: dict[str, list[float]] = {
        k: [] for k in ("analyse", "embed", "faiss", "bm25", "fusion and reading", "answer")
    }
    ask_new: list[float] = []
    ask_repeated: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        bot = Assistant.open(index_dir=Path(tmp) / "index", corpus_dir=CORPUS, embedder=model)
        r = bot.retriever
        bot.ask("warm-up question about vaccine production")
        candidates = bot.settings.retrieval.candidates
        for _ in range(rounds):
            for text in asked:
                t0 = time.perf_counter()
                q = r.read(text)
                t1 = time.perf_counter()
                vector = model.embed_documents([q.text])[0]  # uncached, as for a new question
                t2 = time.perf_counter()
                bot.index.search(vector, candidates)
                t3 = time.perf_counter()
                bm25 = getattr(r, "_bm25_search", None)
                if bm25 is not None:
                    bm25(list(q.terms), candidates, None)
                t4 = time.perf_counter()
                model.embed_query(q.text)  # now cached: search below costs no embedding
                t5 = time.perf_counter()
                hits = r.search(q, max(5, bot.settings.retrieval.top_k))
                t6 = time.perf_counter()
                bot.answerer.answer(q, hits, bot.sources)
                t7 = time.perf_counter()
                stages["analyse"].append(t1 - t0)
                stages["embed"].append(t2 - t1)
                stages["faiss"].append(t3 - t2)
                stages["bm25"].append(t4 - t3)
                # Search minus its FAISS and BM25 parts: fusion, sentence scoring and the
                # answerability model reading the top passages (by default, English questions).
                stages["fusion and reading"].append(max(0.0, (t6 - t5) - (t3 - t2) - (t4 - t3)))
                stages["answer"].append(t7 - t6)
            for text in asked:
                model._cache.clear()  # a question never seen: embedding included
                t0 = time.perf_counter()
                bot.ask(text)
                ask_new.append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                bot.ask(text)  # the same question again: embedding from the LRU cache
                ask_repeated.append(time.perf_counter() - t0)
        # The same questions with the answerability model as a gate, reading the top passages of
        # every question, in any language (warm: the model loaded, each question's embedding
        # cached, as for a repeated question). By default it reads English questions only.
        from assistant.settings import settings_with

        judged = Assistant(
            bot.index,
            model,
            settings_with(
                bot.settings,
                retrieval={"answerability_model": "bundled", "answerability_role": "gate"},
            ),
        )
        judged.ask("warm-up question about vaccine production")
        ask_model: list[float] = []
        for _ in range(rounds):
            for text in asked:
                t0 = time.perf_counter()
                judged.ask(text)
                ask_model.append(time.perf_counter() - t0)
        # Questions in another language, with the model reading them.
        judged.ask(translated_questions()[0])
        ask_foreign: list[float] = []
        for _ in range(rounds):
            for text in translated_questions()[:questions]:
                t0 = time.perf_counter()
                judged.ask(text)
                ask_foreign.append(time.perf_counter() - t0)
        cached, bound = model.cache_info()
        out: dict[str, Any] = {
            "backend": model.backend,
            "questions": len(asked),
            "passages": len(bot.index.chunks),
            "stages": {name: summary_ms(v) for name, v in stages.items()},
            "ask_new_question": summary_ms(ask_new),
            "ask_repeated_question": summary_ms(ask_repeated),
            "ask_with_answerability_model": summary_ms(ask_model),
            "ask_other_language_with_answerability_model": summary_ms(ask_foreign),
            "embedding_cache": {"entries": cached, "bound": bound},
        }
    reason = stock.available()
    if reason:
        out["langchain_skipped"] = reason
        return out
    lc_times: list[float] = []
    with tempfile.TemporaryDirectory():
        store, chunks = stock.ingest(CORPUS, stock.embeddings())
        store.similarity_search("warm-up question about vaccine production", k=4)
        for _ in range(rounds):
            for text in asked:
                t0 = time.perf_counter()
                store.similarity_search(text, k=4)
                lc_times.append(time.perf_counter() - t0)
    out["langchain_similarity_search_k4"] = {**summary_ms(lc_times), "chunks": chunks}
    lc_median = out["langchain_similarity_search_k4"]["median_ms"]
    for name in (
        "ask_new_question",
        "ask_with_answerability_model",
        "ask_other_language_with_answerability_model",
    ):
        out[f"{name}_over_langchain_retrieval"] = (
            round(out[name]["median_ms"] / lc_median, 3) if lc_median else None
        )
    return out
