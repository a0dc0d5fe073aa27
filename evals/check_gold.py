"""Check a gold file against the corpus: every evidence quote must be verbatim in a document
(as our readers load it, ignoring case, spaces and punctuation), in the named source for the
main quote. Usage: python evals/check_gold.py [evals/gold.jsonl] [corpus]"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

from assistant.evaluation.gold import load_gold, quotes_not_found
from assistant.ingest.documents import load_corpus


def main(argv: list[str]) -> int:
    """Print each quote that is not found, and the coverage of documents and kinds."""
    gold_path = Path(argv[0]) if argv else Path("evals/gold.jsonl")
    corpus_dir = Path(argv[1]) if len(argv) > 1 else Path("corpus")
    gold = load_gold(gold_path)
    docs = {d.doc_id: d.text for d in load_corpus(corpus_dir).documents}
    found_wanting = quotes_not_found(gold, docs)
    for line in found_wanting:
        print(line)
    problems = len(found_wanting)
    answerable = [g for g in gold if g.answerable]
    print(f"{len(gold)} questions: {len(answerable)} answerable, {len(gold) - len(answerable)} not")
    print("per document:", dict(Counter(g.source for g in answerable)))
    missing = sorted(set(docs) - {g.source for g in answerable})
    if missing:
        print("documents without a question:", ", ".join(missing))
        problems += 1
    print("kinds:", dict(Counter(k for g in gold for k in g.kind).most_common()))
    print("all quotes found" if not problems else f"{problems} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
