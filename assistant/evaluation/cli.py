"""`assistant eval`: its arguments, and the run from gold file to report folder and exit code."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.errors import AssistantError
from assistant.evaluation.benchmarks import BENCHMARK_CONFIGS, BENCHMARK_NAMES, benchmark
from assistant.settings import CONFIG_ENV

if TYPE_CHECKING:
    from assistant.evaluation.compare import Threshold
    from assistant.evaluation.configs import EvalConfig
    from assistant.evaluation.gold import GoldItem
    from assistant.settings import Settings

THRESHOLD_FAILED = 3  # exit code when a --fail-under/--fail-over limit is broken (1: an error)

EPILOG = """\
configurations (--config, comma-separated): hybrid (default settings), dense, bm25, rrf,
chunks96, chunks160, chunks224, llm-local (SmolLM2 answers), langchain (the baseline row), an
answerer name (extractive, local, openai, or one registered in assistant.evaluation.configs); or a
TOML file with one [name] table of settings overrides each (see evals/configs.example.toml).
Default: hybrid,dense,bm25,chunks96,chunks160 plus the langchain baseline.

metrics for --fail-under / --fail-over: hit@1 hit@5 hit@10 mrr@10 ndcg@10 answer_f1
answer_containment citation_precision citation_recall unsupported_sentences refusal_accuracy
false_refusal_rate latency_median_ms latency_p95_ms; prefix config: to pick a row
(hybrid:hit@1=0.9), else the first configuration is checked.

--benchmark NAME (squad2, covid-qa, xquad-es|ar|zh|ru): an external set under evals/benchmarks/
(for measuring only), with its own corpus, its own index in index/benchmarks/NAME/ (built on
first use, with a progress bar; one for the four xquad sets), reports in
evals/reports/benchmarks/NAME/, and the configurations hybrid,bm25 plus the langchain baseline
unless --config says otherwise.
"""


def add_eval_parser(sub: Any) -> None:
    """Add the `eval` subcommand to the CLI's subparsers."""
    p = sub.add_parser(
        "eval",
        help="score configurations side by side on a gold set, write reports",
        description="Score the assistant on a gold question set and write reports.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--gold", type=Path, help="gold JSONL file (default: evals/gold.jsonl)")
    p.add_argument(
        "--benchmark",
        choices=BENCHMARK_NAMES,
        help="an external set: its questions, corpus and own index (see below)",
    )
    p.add_argument(
        "--config",
        dest="configs",
        metavar="NAMES|FILE.toml",
        help="configurations to compare (default: hybrid,dense,bm25,chunks96,chunks160)",
    )
    p.add_argument("--no-baseline", action="store_true", help="leave out the LangChain row")
    p.add_argument(
        "--rebuild", action="store_true", help="re-embed every configuration's index first"
    )
    p.add_argument("--corpus", type=Path, help="corpus folder (default: corpus)")
    p.add_argument("--index", type=Path, help="index folder (default: index)")
    p.add_argument("--settings", type=Path, help="settings TOML file (default: assistant.toml)")
    p.add_argument("--out", type=Path, help="reports folder (default: evals/reports)")
    p.add_argument("--compare", type=Path, metavar="RESULTS.json", help="a previous run to diff")
    p.add_argument(
        "--fail-under",
        action="append",
        default=[],
        metavar="[CONFIG:]METRIC=VALUE",
        help="exit 3 when the figure is below VALUE (repeatable)",
    )
    p.add_argument(
        "--fail-over",
        action="append",
        default=[],
        metavar="[CONFIG:]METRIC=VALUE",
        help="exit 3 when the figure is above VALUE, for rates and latency (repeatable)",
    )
    p.add_argument(
        "--threads",
        type=int,
        default=1,
        help="torch threads, torch backend (default 1: much faster on a busy machine; 0: torch's)",
    )
    p.add_argument("--json", action="store_true", help="print the summary figures as JSON")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(run=run_eval, config=None)


def run_eval(args: argparse.Namespace) -> int:
    """Run the evaluation; 0 when every threshold holds, 3 when one is broken."""
    from assistant.evaluation.compare import load_results, parse_threshold
    from assistant.evaluation.configs import BASELINE, parse_configs
    from assistant.evaluation.gold import load_gold
    from assistant.settings import load_settings

    # Everything that can be wrong with the arguments is found before the models load.
    _apply_benchmark(args)
    thresholds = [parse_threshold(t) for t in args.fail_under]
    thresholds += [parse_threshold(t, above=True) for t in args.fail_over]
    previous = load_results(args.compare) if args.compare else None
    gold = load_gold(args.gold)
    configs, named_baseline = parse_configs(args.configs)
    names = [c.name for c in configs] + (
        [BASELINE] if named_baseline or not args.no_baseline else []
    )
    for t in thresholds:
        if t.config and t.config not in names:
            raise AssistantError(
                f"{t}: no configuration named {t.config!r} in this run ({', '.join(names)})"
            )
    if args.settings:
        os.environ[CONFIG_ENV] = str(args.settings)
    try:
        args.out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise AssistantError(f"cannot write reports to {args.out}: {exc.strerror or exc}") from None
    if args.threads < 0:
        raise AssistantError(f"--threads must be 0 or more; got {args.threads}")
    base = load_settings(index_dir=args.index, corpus_dir=args.corpus)
    if not args.threads or getattr(base, "embedding_backend", "torch") != "torch":
        return _run(args, base, gold, configs, named_baseline, thresholds, previous)
    import torch

    threads = torch.get_num_threads()
    # Intra-op threads spin-wait: with other processes on the cores, one thread embedded a
    # question 14 times faster than two (35 ms against 490 ms).
    torch.set_num_threads(args.threads)
    try:
        return _run(args, base, gold, configs, named_baseline, thresholds, previous)
    finally:
        torch.set_num_threads(threads)


def _apply_benchmark(args: argparse.Namespace) -> None:
    """Fill in the gold file, corpus, index, reports and configurations: a --benchmark's, or
    the project's own defaults."""
    if not getattr(args, "benchmark", None):
        args.gold = args.gold or Path("evals/gold.jsonl")
        args.out = args.out or Path("evals/reports")
        return
    if args.gold or args.corpus:
        # Its questions only make sense on its own corpus, and the reverse.
        raise AssistantError(
            "--benchmark chooses the questions and the corpus: drop --gold/--corpus"
        )
    chosen = benchmark(args.benchmark)
    args.gold, args.corpus = chosen.gold, chosen.corpus
    args.index = args.index or chosen.index
    args.out = args.out or chosen.reports
    args.configs = args.configs or BENCHMARK_CONFIGS


def _run(
    args: argparse.Namespace,
    base: Settings,
    gold: list[GoldItem],
    configs: list[EvalConfig],
    named_baseline: bool,
    thresholds: list[Threshold],
    previous: dict[str, Any] | None,
) -> int:
    from assistant.evaluation.compare import check_thresholds, compare
    from assistant.evaluation.evaluate import run_evaluation
    from assistant.evaluation.report import headline_table, summary_table, write_reports

    def note(message: str) -> None:
        if not args.quiet:
            print(message, file=sys.stderr)

    run = run_evaluation(
        gold,
        configs,
        base,
        baseline=named_baseline or not args.no_baseline,
        gold_path=str(args.gold),
        progress=not args.quiet,
        rebuild=args.rebuild,
        note=note,
    )
    for problem in run.gold_problems:
        print(f"warning: gold file: {problem}", file=sys.stderr)
    folder = write_reports(run, args.out)
    current = run.to_dict()
    if args.json:
        print(json.dumps({c["name"]: c["metrics"] for c in current["configs"]}, indent=2))
    else:
        print(headline_table(run.results))
        print()
        print(summary_table(run.results))
        print(
            f"\n{run.questions} questions, {len(run.results)} configurations, {run.seconds:.1f} s"
        )
    print(f"Reports: {folder}", file=sys.stderr if args.json else sys.stdout)
    if previous is not None:
        stream = sys.stderr if args.json else sys.stdout  # keep --json output parseable
        print(f"\nCompared with {args.compare}:", file=stream)
        print("\n".join(compare(previous, current)), file=stream)
    problems, passes = check_thresholds(thresholds, current)
    for line in passes:
        print(f"ok: {line}", file=sys.stderr)
    for line in problems:
        print(f"FAILED: {line}", file=sys.stderr)
    return THRESHOLD_FAILED if problems else 0
