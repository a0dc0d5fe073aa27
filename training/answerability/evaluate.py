"""Measure an answerability scorer on the held-apart articles and (measure only) the benchmarks.

Run: ``python -m training.answerability.evaluate --model DIR [--onnx FILE] [--benchmarks]``.
For each question the candidates are the k sentences of its article sharing most content words
with it; the question's score is its best candidate's. Figures: AUC answerable vs unanswerable,
evidence sentence ranked first, refusals at the threshold that keeps 85% of answerable answered.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import numpy as np
from sklearn.metrics import roc_auc_score

from training.answerability import data
from training.answerability.text import (
    fold,
    holds_evidence,
    split_sentences,
    top_by_overlap,
)

Triple = tuple[str, str, str]  # question, title, sentence
Scorer = Callable[[Sequence[Triple]], list[float]]


def torch_scorer(folder: str, threads: int = 2, batch: int = 32) -> Scorer:
    """Score with the PyTorch cross-encoder folder (sigmoid of the logit)."""
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from training.answerability.train import second_segment

    torch.set_num_threads(threads)
    tok = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForSequenceClassification.from_pretrained(folder).eval()
    meta = json.loads((Path(folder) / "answerability.json").read_text())

    def score(pairs: Sequence[Triple]) -> list[float]:
        out: list[float] = []
        with torch.inference_mode():
            for i in range(0, len(pairs), batch):
                chunk = pairs[i : i + batch]
                enc = tok(
                    [q for q, _, _ in chunk],
                    [second_segment(t, s) for _, t, s in chunk],
                    truncation="longest_first",
                    max_length=meta["max_length"],
                    padding=True,
                    return_tensors="pt",
                )
                out += torch.sigmoid(model(**enc).logits.squeeze(-1)).tolist()
        return out

    return score


def onnx_scorer(folder: str, model_file: str | None = None, threads: int = 2) -> Scorer:
    """Score with the shipped ONNX folder through the reference scorer."""
    from training.answerability.onnx_scorer import AnswerabilityScorer

    scorer = AnswerabilityScorer(folder, model_file=model_file, threads=threads)
    return lambda pairs: scorer.score(pairs, batch_size=16)


def biencoder_scorer(threads: int = 2) -> Scorer:
    """Baseline: cosine of the bundled MiniLM bi-encoder's question and sentence vectors."""
    import torch
    from sentence_transformers import SentenceTransformer

    from training.answerability.train import base_model_path

    torch.set_num_threads(threads)
    model = SentenceTransformer(base_model_path(), device="cpu")

    cache: dict[str, np.ndarray] = {}

    def vectors(texts: list[str]) -> np.ndarray:
        new = sorted({t for t in texts if t not in cache})
        if new:
            vecs = model.encode(new, batch_size=64, normalize_embeddings=True)
            cache.update(zip(new, vecs, strict=True))
        return np.stack([cache[t] for t in texts])

    def score(pairs: Sequence[Triple]) -> list[float]:
        qs = vectors([q for q, _, _ in pairs])
        ss = vectors([s for _, _, s in pairs])
        return [float(x) for x in (qs * ss).sum(axis=1)]

    return score


def best_of(scorer: Scorer, items: list[tuple[str, str, list[str]]]) -> list[list[float]]:
    """Scores of every candidate of every (question, title, candidates) item, in one pass."""
    flat = [(q, t, s) for q, t, cands in items for s in cands]
    scores = scorer(flat) if flat else []
    out, i = [], 0
    for _, _, cands in items:
        out.append(scores[i : i + len(cands)])
        i += len(cands)
    return out


def auc(pos: list[float], neg: list[float]) -> float:
    """ROC AUC of positives against negatives."""
    if not pos or not neg:
        return float("nan")
    return float(roc_auc_score([1] * len(pos) + [0] * len(neg), pos + neg))


def refusal_at(pos: list[float], neg: list[float], keep: float = 0.85) -> tuple[float, float]:
    """Threshold keeping `keep` of answerable answered, and the share of unanswerable refused."""
    threshold = float(np.quantile(np.array(pos), 1 - keep))
    return threshold, float(np.mean(np.array(neg) < threshold))


def read_article(path: Path) -> tuple[str, list[str]]:
    """A benchmark corpus file: its title (first line) and its sentences, paragraph by paragraph."""
    lines = path.read_text(encoding="utf-8").splitlines()
    title, body = lines[0].strip(), "\n".join(lines[1:])
    sents = []
    for para in body.split("\n\n"):
        para = " ".join(para.split())
        sents += [para[s:e] for s, e in split_sentences(para)]
    return title, sents


def benchmark(
    scorer: Scorer, name: str, ks: Sequence[int], keep: float = 0.85
) -> dict[str, dict[str, float]]:
    """Figures on a shared benchmark's dev.jsonl (measure only)."""
    root = data.SHARED / name
    rows = [json.loads(x) for x in (root / "dev.jsonl").read_text().splitlines() if x.strip()]
    cache: dict[str, tuple[str, list[str]]] = {}
    results = {}
    kmax = max(ks)
    items, meta = [], []
    for r in rows:
        if r["source"] not in cache:
            cache[r["source"]] = read_article(root / "corpus" / r["source"])
        title, sents = cache[r["source"]]
        cands = [sents[i] for i in top_by_overlap(r["question"], sents, kmax)]
        items.append((r["question"], title, cands))
        meta.append(r)
    all_scores = best_of(scorer, items)  # the top k by overlap are the first k of the top kmax
    for k in ks:
        pos, neg, top1, recall = [], [], [], []
        for r, (_, _, all_cands), all_sc in zip(meta, items, all_scores, strict=True):
            cands, sc = all_cands[:k], all_sc[:k]
            best = max(sc) if sc else 0.0
            if r["answerable"]:
                pos.append(best)
                top1.append(holds_evidence(cands[int(np.argmax(sc))], r["evidence"]))
                recall.append(any(holds_evidence(c, r["evidence"]) for c in cands))
            else:
                neg.append(best)
        res = {
            "answerable": len(pos),
            "unanswerable": len(neg),
            "evidence_first": float(np.mean(top1)),
            "evidence_in_candidates": float(np.mean(recall)),
            "evidence_first_when_in_candidates": float(np.sum(top1) / max(1, np.sum(recall))),
        }
        if neg:
            thr, refused = refusal_at(pos, neg, keep)
            res |= {"auc": auc(pos, neg), "threshold": thr, "unanswerable_refused": refused}
        results[f"k={k}"] = res
    return results


def held_out(scorer: Scorer, seed: int = 13, k: int = 12, n: int = 250) -> dict[str, float]:
    """Figures on the held-apart articles: real and near-miss unanswerables, evidence first."""
    articles = data.load_all(Counter())
    _, held = data.split_articles(articles, seed)
    rng = random.Random(seed + 1)
    fluent, disfl_ans, disfl_un, swaps, nm_pairs = [], [], [], [], []
    for a in held:
        sents = a.all_sentences()
        pool = data.term_pool(sents)
        for p in a.paragraphs:
            for q in p.questions:
                cands = [sents[i] for i in top_by_overlap(q.text, sents, k)]
                if q.evidence is None:
                    disfl_un.append((q.text, a.title, cands))
                    continue
                ev = p.sentences[q.evidence]
                item = (q.text, a.title, cands, ev)
                if q.origin == "disfl":
                    disfl_ans.append(item)
                    continue
                fluent.append(item)
                made = data.near_miss(q.text, ev, pool, rng)
                if made:
                    sw = [sents[i] for i in top_by_overlap(made[0], sents, k)]
                    swaps.append((made[0], a.title, sw))
                    nm_pairs.append(((q.text, a.title, ev), (made[0], a.title, ev)))
    fluent = rng.sample(fluent, min(n, len(fluent)))
    disfl_ans = rng.sample(disfl_ans, min(n, len(disfl_ans)))
    swaps = rng.sample(swaps, min(n, len(swaps)))
    nm_pairs = rng.sample(nm_pairs, min(n, len(nm_pairs)))

    def best_and_first(items: list) -> tuple[list[float], list[bool]]:
        sc = best_of(scorer, [(q, t, c) for q, t, c, *_ in items])
        first = [
            len(it) > 3 and fold(it[2][int(np.argmax(s))]) == fold(it[3])
            for it, s in zip(items, sc, strict=True)
        ]
        return [max(s) for s in sc], first

    f_best, f_first = best_and_first(fluent)
    d_best, d_first = best_and_first(disfl_ans)
    u_best, _ = best_and_first(disfl_un)
    s_best, _ = best_and_first(swaps)
    orig = scorer([a for a, _ in nm_pairs])
    miss = scorer([b for _, b in nm_pairs])
    threshold, refused = refusal_at(f_best + d_best, u_best + s_best)
    return {
        "questions": {
            "fluent_answerable": len(fluent),
            "disfl_answerable": len(disfl_ans),
            "disfl_unanswerable": len(disfl_un),
            "near_miss": len(swaps),
        },
        "auc_disfl_answerable_vs_disfl_unanswerable": auc(d_best, u_best),
        "auc_fluent_answerable_vs_near_miss": auc(f_best, s_best),
        "auc_all_answerable_vs_all_unanswerable": auc(f_best + d_best, u_best + s_best),
        "threshold_85pct_answered": threshold,
        "refused_at_85pct_answered": refused,
        "near_miss_pair_auc_same_sentence": auc(orig, miss),
        "evidence_first_fluent": float(np.mean(f_first)),
        "evidence_first_disfl": float(np.mean(d_first)),
    }


def latency(folder: str, model_file: str | None, threads: int = 2, rounds: int = 20) -> float:
    """Milliseconds per pair, ONNX, batches of 16 typical pairs, `threads` threads."""
    from training.answerability.onnx_scorer import AnswerabilityScorer

    scorer = AnswerabilityScorer(folder, model_file=model_file, threads=threads)
    q = "When did the Normans first settle in the region of Normandy in northern France?"
    s = "The Norman dynasty had a major political, cultural and military impact on medieval Europe."
    pairs = [(q, "Normans", s)] * 16
    scorer.score(pairs)
    t = time.perf_counter()
    for _ in range(rounds):
        scorer.score(pairs, batch_size=16)
    return (time.perf_counter() - t) / (rounds * 16) * 1000


def main(argv: list[str] | None = None) -> dict:
    """Evaluate one scorer and print/save the figures as JSON."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--model", help="PyTorch folder, or ONNX folder with --onnx")
    ap.add_argument("--onnx", help="ONNX file name inside --model (uses the reference scorer)")
    ap.add_argument("--biencoder", action="store_true", help="the bi-encoder cosine baseline")
    ap.add_argument("--benchmarks", action="store_true", help="also the shared dev sets")
    ap.add_argument("--no-held-out", action="store_true")
    ap.add_argument("--out", help="write the figures to this JSON file")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args(argv)
    if args.biencoder:
        scorer = biencoder_scorer(args.threads)
    elif args.onnx:
        scorer = onnx_scorer(args.model, args.onnx, args.threads)
    else:
        scorer = torch_scorer(args.model, args.threads)
    res: dict = {}
    t = time.time()
    if not args.no_held_out:
        res["held_out"] = held_out(scorer)
    if args.benchmarks:
        res["squad2_dev"] = benchmark(scorer, "squad2", (8, 16))
        res["covid_qa_dev"] = benchmark(scorer, "covid-qa", (16,))
    if args.onnx:
        res["latency_ms_per_pair_batch16_2threads"] = latency(args.model, args.onnx)
    res["seconds"] = time.time() - t
    text = json.dumps(res, indent=1)
    print(text)
    if args.out:
        Path(args.out).write_text(text)
    return res


if __name__ == "__main__":
    main()
