"""Typos: each question of the question files again with one typo (a letter dropped, doubled or
swapped with the next, in one content word of five letters or more; the same typos for a given
--seed), against the question as written: the first passage right, and answerable questions
refused. --no-spelling turns the typo correction off, to see what it is worth.

    .venv/bin/python -m bench.typos [--gold evals/gold.jsonl evals/heldout.jsonl] [--seed 7]
"""

from __future__ import annotations

import argparse
import json
import random
import re
from pathlib import Path
from typing import Any

from assistant.api import Assistant
from assistant.evaluation.gold import load_gold
from assistant.evaluation.metrics import first_relevant_rank
from assistant.language.text import is_stopword
from bench.common import ROOT, TUNED_ON, corpus_arguments

_LONG_WORD = re.compile(r"[A-Za-z]{5,}")


def with_typo(question: str, rng: random.Random) -> str:
    """The question with one letter of one content word dropped, doubled or swapped."""
    found = [m for m in _LONG_WORD.finditer(question) if not is_stopword(m.group(0).lower())]
    if not found:
        return question
    m = rng.choice(found)
    word, i = m.group(0), rng.randrange(1, len(m.group(0)) - 1)
    kind = rng.choice(["drop", "double", "swap"])
    if kind == "drop":
        word = word[:i] + word[i + 1 :]
    elif kind == "double":
        word = word[:i] + word[i] + word[i:]
    else:
        word = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    return question[: m.start()] + word + question[m.end() :]


def measure(bot: Assistant, gold: Path, seed: int) -> dict[str, Any]:
    """hit@1 and answerable refused, as written and with a typo; unanswerable refused with one."""
    rng = random.Random(seed)
    counts = {"answerable": 0, "unanswerable": 0}
    hits = {"as written": 0, "with a typo": 0}
    refused = {"as written": 0, "with a typo": 0, "unanswerable with a typo": 0}
    for item in load_gold(gold):
        typo = with_typo(item.question, rng)
        if not item.answerable:
            counts["unanswerable"] += 1
            refused["unanswerable with a typo"] += bot.ask(typo).refused
            continue
        counts["answerable"] += 1
        for name, question in (("as written", item.question), ("with a typo", typo)):
            passages = [h.chunk.text for h in bot.search(question, 10)]
            hits[name] += first_relevant_rank(passages, item.evidence_items) == 1
            refused[name] += bot.ask(question).refused
    n, u = max(1, counts["answerable"]), max(1, counts["unanswerable"])
    return {
        **counts,
        "hit@1": {k: round(v / n, 3) for k, v in hits.items()},
        "answerable refused": {k: round(refused[k] / n, 3) for k in hits},
        "unanswerable refused with a typo": round(refused["unanswerable with a typo"] / u, 3),
    }


def main() -> None:
    """Print the figures per question file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    corpus_arguments(parser, index=ROOT / "index", golds=TUNED_ON)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-spelling", action="store_true")
    args = parser.parse_args()
    bot = Assistant.open(
        index_dir=args.index, corpus_dir=args.corpus, correct_typos=not args.no_spelling
    )
    results = {g.name: measure(bot, g, args.seed) for g in args.gold}
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
