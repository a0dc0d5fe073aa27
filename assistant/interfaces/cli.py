"""The command line: a thin layer over the library (index, ask, search, serve, eval)."""

from __future__ import annotations

import argparse
import json
import os
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.answer.registry import ANSWERERS, BUILTIN
from assistant.errors import AssistantError, SettingsError
from assistant.language.text import plural
from assistant.settings import CONFIG_ENV

if TYPE_CHECKING:
    from assistant.answer.types import Answer
    from assistant.api import Assistant
    from assistant.store.report import SyncReport


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; user errors print one line and exit 1, never a stack trace."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.config:
        os.environ[CONFIG_ENV] = str(args.config)
    try:
        result: int = args.run(args)
        return result
    except AssistantError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # `assistant search ... | head`: the reader has what it wanted. Python would report the
        # pipe again when flushing stdout at exit, so point stdout at nothing first.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--corpus", type=Path, help="corpus folder (default: corpus)")
    common.add_argument("--index", type=Path, help="index folder (default: index)")
    common.add_argument("--config", type=Path, help="settings TOML file (default: assistant.toml)")

    parser = argparse.ArgumentParser(
        prog="assistant",
        description="Cited answers about local production of health products, from your documents.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("index", parents=[common], help="build or update the index")
    p.add_argument("--rebuild", action="store_true", help="re-embed every document")
    p.add_argument(
        "--ray",
        nargs="?",
        const="auto",
        metavar="ADDRESS",
        help="embed on a running Ray cluster: 'auto' (default) or its address (pip install .[ray])",
    )
    p.set_defaults(run=_cmd_index)

    p = sub.add_parser("ask", parents=[common], help="answer a question with cited sources")
    p.add_argument("question")
    p.add_argument("--document", action="append", help="only this document (repeatable)")
    p.add_argument("--json", action="store_true", help="print the answer as JSON")
    _answerer_option(p)
    p.set_defaults(run=_cmd_ask)

    p = sub.add_parser("search", parents=[common], help="list the passages that match a question")
    p.add_argument("question")
    p.add_argument("-k", type=int, default=5, help="number of passages (default 5)")
    p.add_argument("--document", action="append", help="only this document (repeatable)")
    p.add_argument("--json", action="store_true", help="print the passages as JSON")
    p.set_defaults(run=_cmd_search)

    p = sub.add_parser("serve", parents=[common], help="serve the browser app")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=7860, help="port (default 7860)")
    p.add_argument("--share", action="store_true", help="create a public Gradio share link")
    p.add_argument(
        "--ray",
        nargs="?",
        const="auto",
        metavar="ADDRESS",
        help="answer from replicas on a running Ray cluster: 'auto' (default) or its address",
    )
    p.add_argument(
        "--replicas", type=int, default=2, help="replicas with --ray (default 2, one CPU each)"
    )
    p.add_argument(
        "--api-port", type=int, default=8000, help="Ray Serve's /ask and /search port (--ray)"
    )
    _answerer_option(p)
    p.set_defaults(run=_cmd_serve)

    from assistant.evaluation.cli import add_eval_parser

    add_eval_parser(sub)  # its own --config: configurations to compare, not the settings file
    return parser


def _answerer_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--answerer",
        choices=BUILTIN,
        help="who writes the answer (default: the answer.answerer setting): "
        + "; ".join(f"{name}, {text}" for name, (_, text) in ANSWERERS.items()),
    )


def _open(args: argparse.Namespace, rebuild: bool = False, quiet: bool = False) -> Assistant:
    from assistant.api import Assistant

    bars: dict[str, Any] = {}

    def progress(stage: str, done: int, total: int) -> None:
        if quiet or total == 0:
            return
        from tqdm import tqdm

        bar = bars.get(stage)
        if bar is None:
            bar = bars[stage] = tqdm(
                total=total,
                desc=stage,
                unit="doc" if stage == "chunking" else "passage",
                file=sys.stderr,
                leave=True,
            )
        bar.update(done - bar.n)
        if done >= total:
            bar.close()

    from assistant.settings import load_settings

    chosen = {"index_dir": args.index, "corpus_dir": args.corpus}
    chosen["answerer"] = getattr(args, "answerer", None)
    if getattr(args, "ray", None):
        chosen["index"] = {"ray_address": args.ray}
    settings = load_settings(**{k: v for k, v in chosen.items() if v is not None})
    assistant = Assistant.open(settings=settings, rebuild=rebuild, progress=progress)
    if _worth_telling(assistant.report):
        print(assistant.report.summary(), file=sys.stderr)
    return assistant


def _worth_telling(report: SyncReport) -> bool:
    return report.wrote or bool(report.problems or report.warnings or report.rebuilt_because)


def _cmd_index(args: argparse.Namespace) -> int:
    assistant = _open(args, rebuild=args.rebuild)
    if not _worth_telling(assistant.report):
        print(assistant.report.summary(), file=sys.stderr)
    index = assistant.index
    print(
        f"Index {index.version}: {plural(len(index.documents), 'document')}, "
        f"{plural(len(index.chunks), 'passage')}, in {assistant.settings.index_dir}"
    )
    if not index.documents:
        print(
            f"The corpus folder {assistant.settings.corpus_dir} has no readable documents: "
            "add PDF, Word, HTML, Markdown or text files and run `assistant index` again.",
            file=sys.stderr,
        )
    return 0


def _cmd_ask(args: argparse.Namespace) -> int:
    assistant = _open(args, quiet=args.json)
    answer = assistant.ask(args.question, documents=args.document)
    if args.json:
        print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(format_answer(answer))
    return 0


def _cmd_search(args: argparse.Namespace) -> int:
    assistant = _open(args, quiet=args.json)
    hits = assistant.search(args.question, args.k, documents=args.document)
    if args.json:
        rows = [{"rank": i, **h.to_dict()} for i, h in enumerate(hits, start=1)]
        for row in rows:  # the name this command's JSON has always used for the passage
            row["text"] = row.pop("passage")
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    if not hits:
        print("No passages found.")
    for i, hit in enumerate(hits, start=1):
        where = hit.chunk.location
        print(f"[{i}] {hit.chunk.title}" + (f" ({where})" if where else ""))
        print(f"    score {hit.score:.4f} (dense rank {hit.dense_rank}, BM25 rank {hit.bm25_rank})")
        print(textwrap.indent(textwrap.fill(hit.chunk.text, 96), "    ") + "\n")
    return 0


def _cmd_serve(args: argparse.Namespace) -> int:
    from assistant.interfaces.access import exposure_warning, load_auth
    from assistant.settings import load_settings

    # Logins come from env vars or a file named in the settings, never from this command line;
    # checked first, so a bad set-up fails before the model loads.
    auth = load_auth(load_settings())
    warning = exposure_warning(args.host, auth)
    if warning:
        print(warning, file=sys.stderr)
    if args.ray and args.replicas < 1:
        raise SettingsError(f"--replicas must be at least 1; got {args.replicas}")
    assistant = _open(args)
    if args.ray:
        try:
            from assistant.interfaces.replicas import start_replicas, stop_replicas
        except ImportError:
            raise SettingsError(
                "Serving on Ray needs the ray extra: pip install 'local-production-assistant[ray]'"
            ) from None
        assistant = start_replicas(assistant, args.replicas, args.ray, args.host, args.api_port)
        print(
            f"{plural(args.replicas, 'replica')} on Ray; their API: "
            f"http://{args.host}:{args.api_port}/ask and /search",
            file=sys.stderr,
        )
        try:
            _serve_page(args, assistant, auth)
        finally:
            stop_replicas()
        return 0
    _serve_page(args, assistant, auth)
    return 0


def _serve_page(args: argparse.Namespace, assistant: Assistant, auth: Any) -> None:
    from assistant.interfaces.web.app import serve

    print(
        f"Serving on http://{args.host}:{args.port} (Ctrl+C to stop); "
        f"feedback is saved to {assistant.settings.app.feedback_path}"
        + ("; login required" if auth else ""),
        file=sys.stderr,
    )
    serve(assistant, host=args.host, port=args.port, share=args.share, auth=auth)


def format_answer(answer: Answer) -> str:
    """The answer and its numbered sources as plain text."""
    lines = [f"({answer.read_as_note})"] if answer.read_as else []
    lines += [answer.language_note] if answer.language_note else []
    lines += [textwrap.fill(answer.text, 96), ""]
    if answer.fallback:
        lines += [textwrap.fill(f"Note: {answer.fallback}", 96), ""]
    if answer.refused:
        from assistant.chat.export import suggestion_lines

        lines += suggestion_lines(answer)
        return "\n".join(lines).rstrip()
    lines.append("Sources:")
    for c in answer.citations:
        meta = ", ".join(x for x in (c.source.publisher, c.location) if x)
        lines.append(f"[{c.number}] {c.source.title}" + (f" — {meta}" if meta else ""))
        if c.source.licence and c.source.licence.lower() not in {"not stated", ""}:
            lines.append(f"    Licence: {c.source.licence}")
        for quote in c.quotes:
            lines.append(textwrap.indent(textwrap.fill(f"“{quote}”", 92), "    "))
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
