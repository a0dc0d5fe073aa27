"""Train the multilingual answerability cross-encoder (training/answerability/cross.py) on the
shared training sets: seeded, resumable from checkpoints, on the CPU.

    python -m training.answerability.train_cross --pairs 140000

Checkpoints and the final weights go to $ASSISTANT_TRAINING_WORK (default
~/.cache/local-production-assistant/training/cross), never into the repository; a re-run with
the same arguments continues from the last checkpoint, and a finished run is not trained again.

Pairs (question, title, window, label), the window being a sentence with its neighbours: the
window holding the answer (1); the same question against the paragraph's other windows and its
article's other paragraphs (0); the question rewritten so that its window no longer answers it
(a negation or an antonym, an entity or a number swapped for another of the article's: 0); and
SQuAD 2.0's human-written unanswerable questions against their paragraph's nearest windows (0).
Whole articles are held apart for evaluation and for fitting the gate.

A second stage (``--init`` an earlier final.pt, ``--switch SHARE``) asks a share of the English
questions partly in another language (training/answerability/switch.py), against the same
English windows: the only pairs of a question and a passage in two languages there are here.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import time
from collections import Counter
from pathlib import Path

import torch

from training.answerability import data, sources, switch
from training.answerability.cross import (
    base_model,
    batch_tensors,
    encode_pairs,
    second_segment,
    trained_state,
)
from training.answerability.data import Article, Pair, Paragraph
from training.answerability.steps import apply_gradients

WORK = Path(
    os.environ.get(
        "ASSISTANT_TRAINING_WORK",
        Path.home() / ".cache/local-production-assistant/training/cross",
    )
)
# Share of each kind of pair; a kind with fewer pairs than its share repeats at most twice.
MIX = {
    "pos": 0.34,
    "para_neg": 0.16,
    "article_neg": 0.14,
    "swap": 0.12,
    "contrast": 0.09,
    "unans": 0.15,
}
# Share of the words a code-switched question has in the other language (of those it can).
SWITCHED_WORDS = 0.6
# Articles held apart per source: never trained on, for evaluation and the gate.
HELD = {"squad1-train": 24, "squad2-dev-other": 4, "cmrc2018": 40, "drcd": 30, "arcd": 12}


def windowed(article: Article) -> Article:
    """The article with each sentence replaced by its window (it and its neighbours)."""
    paragraphs = []
    for p in article.paragraphs:
        s = p.sentences
        windows = [" ".join(s[max(0, i - 1) : i + 2]) for i in range(len(s))]
        paragraphs.append(Paragraph(p.text, windows, p.questions))
    return Article(article.title, article.origin, paragraphs)


def split(loaded: dict[str, list[Article]], seed: int) -> tuple[list[Article], list[Article]]:
    """Training and held-apart articles, whole articles per source."""
    rng = random.Random(seed)
    train, held = [], []
    for name, articles in loaded.items():
        titles = sorted({a.title for a in articles})
        apart = set(rng.sample(titles, min(HELD.get(name, 0), len(titles) // 5)))
        train += [a for a in articles if a.title not in apart]
        held += [a for a in articles if a.title in apart]
    return train, held


def articles(seed: int, log: Counter[str]) -> tuple[list[Article], list[Article]]:
    """Training and held-apart articles, windowed."""
    train, held = split(sources.load_sources(log=log), seed)
    return [windowed(a) for a in train], [windowed(a) for a in held]


def training_pairs(seed: int, n: int, log: Counter[str]) -> list[Pair]:
    """The selected training pairs."""
    pairs = data.build_pairs(articles(seed, log)[0], seed, log=log)
    log.update(f"pairs made: {k}" for k in (p.kind for p in pairs))
    return data.draw_mix(pairs, MIX, n, random.Random(seed))


def train(args: argparse.Namespace) -> Path:
    """Train (or resume) and return the folder holding the final weights."""
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    final = out / "final.pt"
    if final.exists():
        print(f"{final} exists: nothing to train")
        return out
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    log: Counter[str] = Counter()
    pairs = training_pairs(args.seed, args.pairs, log)
    if args.switch:
        pairs = code_switched(pairs, args.switch, args.seed, log)
    (out / "data.json").write_text(
        json.dumps({"counts": dict(sorted(log.items())), "pairs": len(pairs)}, indent=1),
        encoding="utf-8",
    )
    model, tokenizer, special = base_model(args.layers)
    if args.init:
        # A later stage starts from an earlier one's final weights (which the same command
        # line without --init rebuilds).
        model.load_state_dict(torch.load(args.init, weights_only=True), strict=False)
    # Batches of similar length pad little: pairs are bucketed by length, the buckets shuffled.
    rows = encode_pairs(
        tokenizer,
        special,
        [p.question for p in pairs],
        [second_segment(p.title, p.sentence) for p in pairs],
    )
    labels = [float(p.label) for p in pairs]
    batches = _length_batches(rows, args.batch, args.seed)
    trainable = [p for p in model.parameters() if p.requires_grad]
    optimiser = torch.optim.AdamW(trainable, lr=args.lr, weight_decay=0.01)
    total = len(batches) * args.epochs
    warmup = max(1, int(0.06 * total))

    def rate(step: int) -> float:
        return step / warmup if step < warmup else max(0.0, (total - step) / (total - warmup))

    schedule = torch.optim.lr_scheduler.LambdaLR(optimiser, rate)
    step = 0
    checkpoint = out / "checkpoint.pt"
    if checkpoint.exists():
        state = torch.load(checkpoint, weights_only=False)
        model.load_state_dict(state["model"], strict=False)
        optimiser.load_state_dict(state["optimiser"])
        schedule.load_state_dict(state["schedule"])
        step = int(state["step"])
        print(f"resumed at step {step} of {total}")
    loss_fn = torch.nn.BCEWithLogitsLoss()
    model.train()
    started, losses = time.time(), []
    # --stop-after ends a run early on the same schedule: the steps it takes are the full
    # recipe's first ones, so the result is reproducible from the same command.
    end = min(total, args.stop_after or total)
    while step < end:
        batch = batches[step % len(batches)]
        ids, mask = batch_tensors([rows[i] for i in batch])
        target = torch.tensor([labels[i] for i in batch])
        loss = loss_fn(model(ids, mask), target)
        losses.append(apply_gradients(loss, trainable, optimiser, schedule))
        step += 1
        if step % args.report == 0:
            pace = args.report * args.batch / (time.time() - started)
            print(f"step {step}/{total} loss {sum(losses) / len(losses):.4f} {pace:.1f} pairs/s")
            started, losses = time.time(), []
        if step % args.checkpoint == 0 or step == end:
            _save(checkpoint, model, optimiser, schedule, step)
    torch.save(trained_state(model), final)
    return out


def code_switched(pairs: list[Pair], share: float, seed: int, log: Counter[str]) -> list[Pair]:
    """The pairs, with ``share`` of the English ones asked partly in another language."""
    lexicons = switch.lexicons(WORK / "lexicons.json")
    rng = random.Random(seed)
    out = []
    for p in pairs:
        if p.question.isascii() and rng.random() < share:
            language = rng.choice(switch.LANGUAGES)
            asked = switch.switched(p.question, lexicons[language], rng, SWITCHED_WORDS)
            if asked != p.question:
                log[f"code-switched: {language}"] += 1
                p = Pair(asked, p.title, p.sentence, p.label, p.kind)
        out.append(p)
    return out


def _save(
    path: Path, model: torch.nn.Module, optimiser: object, schedule: object, step: int
) -> None:
    tmp = path.with_suffix(".tmp")
    state = {
        "model": trained_state(model),
        "optimiser": optimiser.state_dict(),  # type: ignore[attr-defined]
        "schedule": schedule.state_dict(),  # type: ignore[attr-defined]
        "step": step,
    }
    torch.save(state, tmp)
    os.replace(tmp, path)  # a kill mid-save leaves the previous checkpoint


def _length_batches(rows: list[list[int]], size: int, seed: int) -> list[list[int]]:
    rng = random.Random(seed)
    order = sorted(range(len(rows)), key=lambda i: (len(rows[i]), rng.random()))
    batches = [order[i : i + size] for i in range(0, len(order), size)]
    rng.shuffle(batches)
    return batches


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options; the defaults are the shipped recipe."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--pairs", type=int, default=140_000)
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--lr", type=float, default=4e-5)
    p.add_argument("--layers", type=int, default=6)
    p.add_argument("--seed", type=int, default=13)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--report", type=int, default=50, help="steps between progress lines")
    p.add_argument("--checkpoint", type=int, default=200, help="steps between checkpoints")
    p.add_argument("--out", default=str(WORK / "run"))
    p.add_argument(
        "--stop-after", type=int, default=0, help="end at this step of the schedule (0: all)"
    )
    p.add_argument("--init", default="", help="start from these final weights (a final.pt)")
    p.add_argument(
        "--switch", type=float, default=0.0, help="share of English questions code-switched"
    )
    return p.parse_args(argv)


if __name__ == "__main__":
    train(parse_args())
