"""Follow-up rewriting measured on CoQA conversations nobody tuned the rules on.

N CoQA stories become a corpus of text files in one index; each conversation's first T
questions are replayed through the chat's real rewriting, and for every follow-up (turn 2 on)
the rationale CoQA gives for its answer is looked for in the top passages of: the question as
typed, our rewrite ("Understood as"), and the previous question and this one run together.

    python -m bench.coqa_followups [--stories 100] [--turns 8] [--data coqa.test.json]

CoQA comes from the source distribution of bigbench 1.0.0 on PyPI (downloaded with pip, never
installed). It is used to measure only. Licences of the passages, by CoQA source: Wikipedia and
literature (Project Gutenberg) CC BY-SA 4.0, CNN Apache-2.0 (the DeepMind Q&A release), MCTest
MSR-LA, RACE its own (non-commercial research) licence; only the first three are read here.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.api import Assistant
from assistant.chat.conversation import standalone_question
from assistant.retrieval.hits import Hit

REPORT = Path(__file__).resolve().parent / "reports" / "coqa_followups.json"
CACHE = Path.home() / ".cache" / "assistant-bench" / "coqa"
PACKAGE = "bigbench==1.0.0"
MEMBER = "bigbench/benchmark_tasks/coqa_conversational_question_answering/coqa.test.json"
SOURCES = ("wikipedia", "cnn", "gutenberg")
LICENCES = {
    "wikipedia": "CC BY-SA 4.0",
    "gutenberg": "CC BY-SA 4.0",
    "cnn": "Apache-2.0",
    "mctest": "MSR-LA",
    "race": "RACE licence (non-commercial research)",
}
SAMPLE = 30
PIP = (sys.executable, "-m", "pip")
CONDITIONS = ("typed", "rewrite", "concatenated")


@dataclass(frozen=True)
class Story:
    """One CoQA conversation: its passage and its questions with their rationales."""

    doc_id: str
    source: str
    title: str
    text: str
    questions: tuple[str, ...]
    rationales: tuple[str, ...]


def coqa_file(data: Path | None, cache: Path) -> Path:
    """The CoQA test file: the given one, or read out of bigbench's sdist (downloaded once)."""
    if data is not None:
        return data
    target = cache / "coqa.test.json"
    if target.exists():
        return target
    cache.mkdir(parents=True, exist_ok=True)
    archive = cache / "bigbench-1.0.0.tar.gz"
    if not archive.exists():
        try:
            subprocess.run(
                [*PIP, "download", "--no-deps", "--no-binary", ":all:", PACKAGE, "-d", str(cache)],
                check=True,
            )
        except subprocess.CalledProcessError:
            # Since December 2026 PyPI serves only bigbench 0.0.1.
            raise SystemExit(
                f"Could not download {PACKAGE} (PyPI no longer serves it): put its "
                f"source archive in {cache}, or give the CoQA file with --data."
            ) from None
    with tarfile.open(archive, "r:gz") as tar:
        member = tar.extractfile(f"bigbench-1.0.0/{MEMBER}")
        if member is None:
            raise FileNotFoundError(f"{MEMBER} is not in {archive}")
        target.write_bytes(member.read())
    return target


def load_stories(path: Path, count: int, turns: int) -> list[Story]:
    """The first `count` stories from Wikipedia, CNN and Gutenberg, taken in turn."""
    data = json.loads(path.read_text(encoding="utf-8"))["data"]
    by_source = {s: [x for x in data if x["source"] == s] for s in SOURCES}
    picked: list[dict[str, Any]] = []
    for i in range(max(len(v) for v in by_source.values())):
        picked += [by_source[s][i] for s in SOURCES if i < len(by_source[s])]
    stories = []
    for n, item in enumerate(picked[:count]):
        questions = tuple(q["input_text"] for q in item["questions"][:turns])
        rationales = tuple(a["span_text"] for a in item["answers"][:turns])
        stories.append(
            Story(
                f"{n:03d}_{item['source']}_{item['id'][:8]}.txt",
                item["source"],
                _title(item),
                item["story"],
                questions,
                rationales,
            )
        )
    return stories


def _title(item: dict[str, Any]) -> str:
    """A title line like a real file's: the article, the book and chapter, or the news story."""
    name = str(item["filename"])
    if item["source"] == "wikipedia":
        return name.removesuffix(".txt").replace("_", " ")
    if item["source"] == "gutenberg":
        parts = name.split("/")
        book = parts[-2].removesuffix(".txt").replace("___", ": ") if len(parts) > 1 else ""
        return f"{book}, {parts[-1].rsplit('_', 1)[0].strip()}".strip(", ")
    return f"CNN story {item['id'][:8]}"


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def holds(passage: str, rationale: str) -> bool:
    """Whether a passage quotes the rationale: all of it, or (cut at a passage boundary) a
    run of at least half its words."""
    said = f" {' '.join(_words(passage))} "
    words = _words(rationale)
    if not words:
        return False
    for size in range(len(words), (len(words) + 1) // 2 - 1, -1):
        for start in range(len(words) - size + 1):
            if f" {' '.join(words[start : start + size])} " in said:
                return True
    return False


def found(hits: Sequence[Hit], story: Story, rationale: str, k: int) -> bool:
    """The rationale is in one of the top k passages of its own story."""
    return any(h.chunk.doc_id == story.doc_id and holds(h.chunk.text, rationale) for h in hits[:k])


def replay(story: Story) -> list[str]:
    """Each question as the chat would search it: rewritten from the previous standalone one."""
    previous: str | None = None
    searched = []
    for question in story.questions:
        rewrite = standalone_question(question, previous)
        # A courtesy or an unresolved first question is not a turn of the conversation.
        text = rewrite.original.strip() if rewrite.unresolved else rewrite.standalone
        if not rewrite.courtesy and not rewrite.unresolved:
            previous = rewrite.standalone
        searched.append(text)
    return searched


def measure(assistant: Assistant, stories: Sequence[Story], seed: int) -> dict[str, Any]:
    """Hit rates per condition over follow-up turns, the first question's story hit, and a
    sample of rewrites."""
    counts = {c: {"top1": 0, "top5": 0, "story1": 0} for c in CONDITIONS}
    first = {"story1": 0, "top1": 0, "top5": 0}
    followups = rewritten = 0
    changed: list[dict[str, Any]] = []
    for story in stories:
        searched = replay(story)
        hits = assistant.search(story.questions[0], k=5)
        first["story1"] += bool(hits) and hits[0].chunk.doc_id == story.doc_id
        first["top1"] += found(hits, story, story.rationales[0], 1)
        first["top5"] += found(hits, story, story.rationales[0], 5)
        for turn in range(1, len(story.questions)):
            typed = story.questions[turn]
            queries = {
                "typed": typed,
                "rewrite": searched[turn],
                "concatenated": f"{story.questions[turn - 1]} {typed}",
            }
            followups += 1
            outcome = {}
            for condition, query in queries.items():
                hits = assistant.search(query, k=5)
                rationale = story.rationales[turn]
                tally = counts[condition]
                tally["top1"] += found(hits, story, rationale, 1)
                tally["top5"] += found(hits, story, rationale, 5)
                tally["story1"] += bool(hits) and hits[0].chunk.doc_id == story.doc_id
                outcome[condition] = found(hits, story, rationale, 5)
            if searched[turn] != " ".join(typed.split()):
                rewritten += 1
                changed.append(
                    {
                        "story": story.doc_id,
                        "turn": turn + 1,
                        "previous": story.questions[turn - 1],
                        "previous_standalone": searched[turn - 1],
                        "typed": typed,
                        "rewrite": searched[turn],
                        "typed_top5": outcome["typed"],
                        "rewrite_top5": outcome["rewrite"],
                    }
                )
    n = max(followups, 1)
    sample = random.Random(seed).sample(changed, min(SAMPLE, len(changed)))
    return {
        "stories": len(stories),
        "followups": followups,
        "rewritten": rewritten,
        "followup": {
            c: {k: round(v / n, 4) for k, v in tally.items()} for c, tally in counts.items()
        },
        "first_question": {k: round(v / max(len(stories), 1), 4) for k, v in first.items()},
        "rewritten_only": _on_rewritten(changed),
        "sample": sample,
    }


def _on_rewritten(changed: Sequence[dict[str, Any]]) -> dict[str, float]:
    """top-5 hits on the rewritten turns alone: where the rules act."""
    n = max(len(changed), 1)
    return {
        "typed_top5": round(sum(c["typed_top5"] for c in changed) / n, 4),
        "rewrite_top5": round(sum(c["rewrite_top5"] for c in changed) / n, 4),
        "n": len(changed),
    }


def table(result: dict[str, Any]) -> str:
    """The figures as a Markdown table."""
    rows = [
        "| follow-ups searched as | rationale in top 1 | in top 5 | top passage from the story |",
        "|---|---|---|---|",
    ]
    labels = {
        "typed": "typed",
        "rewrite": "our rewrite",
        "concatenated": "previous + current question",
    }
    for condition, label in labels.items():
        f = result["followup"][condition]
        rows.append(f"| {label} | {f['top1']:.3f} | {f['top5']:.3f} | {f['story1']:.3f} |")
    q = result["first_question"]
    rows.append(f"| (first questions) | {q['top1']:.3f} | {q['top5']:.3f} | {q['story1']:.3f} |")
    only = result["rewritten_only"]
    share = result["rewritten"] / max(result["followups"], 1)
    return "\n".join(rows) + (
        f"\n\n{result['stories']} stories, {result['followups']} follow-ups, "
        f"{result['rewritten']} rewritten ({share:.1%}); "
        f"on those, top 5 typed {only['typed_top5']:.3f} vs rewrite {only['rewrite_top5']:.3f}"
    )


def main(argv: Sequence[str] | None = None) -> None:
    """Build the index, replay the conversations, write the report and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--stories", type=int, default=100)
    parser.add_argument("--turns", type=int, default=8)
    parser.add_argument("--data", type=Path, help="an unpacked coqa.test.json")
    parser.add_argument("--cache", type=Path, default=CACHE, help="where the sdist is kept")
    parser.add_argument("--out", type=Path, default=REPORT)
    parser.add_argument("--seed", type=int, default=14, help="for the sample of rewrites")
    args = parser.parse_args(argv)

    stories = load_stories(coqa_file(args.data, args.cache), args.stories, args.turns)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="coqa-") as tmp:
        corpus, index = Path(tmp) / "corpus", Path(tmp) / "index"
        corpus.mkdir()
        for story in stories:
            (corpus / story.doc_id).write_text(f"{story.title}\n\n{story.text}\n", encoding="utf-8")
        assistant = Assistant.open(index_dir=index, corpus_dir=corpus)
        indexed = time.perf_counter() - started
        result = measure(assistant, stories, args.seed)
    result["turns"] = args.turns
    result["seconds"] = {
        "index": round(indexed, 1),
        "total": round(time.perf_counter() - started, 1),
    }
    result["licences"] = {s: LICENCES[s] for s in SOURCES}
    result["data"] = f"CoQA test split as shipped in {PACKAGE} (sdist, {MEMBER})"
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    for item in result["sample"]:
        print(f"- [{item['previous_standalone']}] {item['typed']!r} -> {item['rewrite']!r}")
    print()
    print(table(result))
    print(f"\nwritten to {args.out}")


if __name__ == "__main__":
    main()
