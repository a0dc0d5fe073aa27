"""Many users at once: python -m bench.load [--sessions 50] [--questions 20].

Starts the real `assistant serve` on a free localhost port (index built first, not timed),
then opens one gradio_client session per simulated delegate and has them all ask at the same
time through /chat, the page's own conversational endpoint, so each session keeps its own
conversation state on the server. Session s asks the gold questions s, s+k, s+2k, ... (k =
questions in the gold set // questions per session): no session repeats a question, and at
each turn every session asks a different one, so a reply delivered to the wrong session
shows. Every reply is checked (see check_turn), the latency of each question is taken on
the client (queueing included), and the server's resident memory is read from /proc after
start-up, after a warm-up round and at the end; --rounds N repeats the whole load with new
sessions (memory should level off, not climb round after round). The top-level figures are
the first round's, "rounds" has each. Writes bench/reports/load.json.

With --url URL --server-pid PID it loads an app that is already running instead (the test
does this against its in-process server, so that the clients' work and memory stay out of
the server's process).
"""

from __future__ import annotations

import argparse
import html
import json
import os
import re
import statistics
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.common import GOLD, ROOT, free_port, indexed_corpus, percentile, serving, wait_for_port

REPORT = ROOT / "bench" / "reports" / "load.json"
ALL_DOCUMENTS = "All documents"  # interfaces.web.choices.ALL_DOCUMENTS, without importing the app
_QUESTION = re.compile(r"Question: (.*?)(?:<br>|</div>)")
# Reply HTML numbers its ids by turn (answer-3, src-3-1): the same answer at another turn
# differs only there.
_TURN_IDS = re.compile(r"\b(answer|copy|copytext|src)-\d+")


@dataclass
class Session:
    """One simulated delegate: a gradio_client session and what it asked and got back."""

    number: int
    client: Any
    questions: list[str]
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    mismatches: list[str] = field(default_factory=list)
    replies: list[tuple[str, str]] = field(default_factory=list)  # (question, reply HTML)
    history: list[dict[str, Any]] = field(default_factory=list)

    @property
    def asked(self) -> int:
        """Questions answered so far (a failed call ends the session)."""
        return len(self.latencies)


def gold_questions(path: Path = GOLD) -> list[str]:
    """The gold set's questions in file order (answerable and unanswerable alike)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["question"] for line in lines if line.strip()]


def session_questions(gold: Sequence[str], session: int, count: int) -> list[str]:
    """Session s's own sequence: gold[s], gold[s+k], ... with no repeats inside a session."""
    if count > len(gold):
        raise ValueError(f"{count} questions per session, but the gold set has {len(gold)}")
    step = max(1, len(gold) // count)
    return [gold[(session + step * turn) % len(gold)] for turn in range(count)]


def open_sessions(
    url: str, count: int, questions: int, gold: Sequence[str], workers: int = 16
) -> list[Session]:
    """`count` gradio_client sessions, created side by side (each fetches the app's config)."""
    import gradio_client

    def make(number: int) -> Session:
        client = gradio_client.Client(url, verbose=False)
        return Session(number, client, session_questions(gold, number, questions))

    with ThreadPoolExecutor(max_workers=min(workers, count)) as pool:
        return list(pool.map(make, range(count)))


def run_turns(sessions: Sequence[Session], start: int, stop: int) -> float:
    """Every session asks its questions start..stop-1 in order, all sessions at once; wall s."""
    began = time.perf_counter()
    with ThreadPoolExecutor(max_workers=len(sessions)) as pool:
        list(pool.map(lambda s: ask_turns(s, start, stop), sessions))
    return time.perf_counter() - began


def ask_turns(session: Session, start: int, stop: int) -> None:
    """Ask turns start..stop-1 through /chat, timing and checking each reply."""
    for turn in range(start, stop):
        if session.errors:
            return  # the conversation is no longer what the checks expect
        question = session.questions[turn]
        began = time.perf_counter()
        try:
            left, history = session.client.predict(
                question, ALL_DOCUMENTS, "Answer", api_name="/chat"
            )
        except Exception as exc:  # any failure is a figure of the run, not the end of it
            session.errors.append(f"session {session.number} turn {turn + 1}: {exc!r}")
            return
        session.latencies.append(time.perf_counter() - began)
        session.history = history
        check_turn(session, turn, left, history)


def check_turn(session: Session, turn: int, left: str, history: list[dict[str, Any]]) -> None:
    """The reply answers this session's question and the conversation is exactly its own."""
    where = f"session {session.number} turn {turn + 1}"
    texts = [text_of(m) for m in history]
    if left != "":  # the app leaves the question in the box only when it could not answer
        notice = texts[-1] if texts else ""
        session.errors.append(f"{where}: not answered: {strip_tags(notice)[:200]}")
        return
    pairs = zip(history, texts, strict=True)
    asked = [html.unescape(strip_tags(t)) for m, t in pairs if m["role"] == "user"]
    expected = session.questions[: turn + 1]
    if asked != expected:
        session.mismatches.append(f"{where}: conversation shows {asked!r}, asked {expected!r}")
        return
    # Each answer's copy text starts with the question it answers: the one asked, in order.
    answered = [html.unescape(q) for q in _QUESTION.findall("".join(texts))]
    if answered != expected:
        session.mismatches.append(f"{where}: answers are for {answered!r}, asked {expected!r}")
        return
    last_user = max(i for i, m in enumerate(history) if m["role"] == "user")
    reply = "".join(texts[last_user + 1 :])
    if f'id="answer-{turn + 1}"' not in reply:
        session.mismatches.append(f"{where}: the reply is not numbered as turn {turn + 1}")
        return
    session.replies.append((session.questions[turn], reply))


def inconsistent_replies(sessions: Sequence[Session]) -> list[str]:
    """Questions whose reply differed between sessions (same index, deterministic answerer)."""
    seen: dict[str, set[str]] = defaultdict(set)
    for session in sessions:
        for question, reply in session.replies:
            rewrite = "Understood as" in reply  # a follow-up's answer depends on its context
            if not rewrite:
                seen[question].add(_TURN_IDS.sub(r"\1-#", reply))
    return [q for q, replies in seen.items() if len(replies) > 1]


def text_of(message: dict[str, Any]) -> str:
    """A chat message's text, whether given as a string or as a list of parts."""
    content = message["content"]
    if isinstance(content, str):
        return content
    return "".join(part.get("text", "") for part in content)


def strip_tags(markup: str) -> str:
    """The text of an HTML fragment (tags removed, entities left as they are)."""
    return re.sub(r"<[^>]+>", "", markup)


def summarise(sessions: Sequence[Session], wall_s: float) -> dict[str, Any]:
    """Counts, errors, wrong-session replies and latency figures of a load run."""
    latencies = [t for s in sessions for t in s.latencies]
    errors = [e for s in sessions for e in s.errors]
    mismatches = [m for s in sessions for m in s.mismatches]
    return {
        "sessions": len(sessions),
        "questions_per_session": len(sessions[0].questions) if sessions else 0,
        "questions_answered": len(latencies),
        "errors": len(errors),
        "wrong_session_replies": len(mismatches),
        "inconsistent_replies": len(inconsistent_replies(sessions)),
        "first_problems": (errors + mismatches)[:5],
        "latency_median_s": round(statistics.median(latencies), 3) if latencies else None,
        "latency_p95_s": round(percentile(latencies, 95), 3),
        "latency_max_s": round(max(latencies), 3) if latencies else None,
        "wall_s": round(wall_s, 1),
        "questions_per_s": round(len(latencies) / wall_s, 2) if wall_s else None,
    }


def rss_mb(pid: int) -> float:
    """Resident memory of a process now, in MiB (VmRSS from /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text(encoding="ascii").splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def run_load(
    url: str,
    sessions: int,
    questions: int,
    warmup: int,
    memory: Callable[[], float],
    log: Callable[[str], None] = lambda _: None,
) -> tuple[list[Session], dict[str, Any]]:
    """Open the sessions, run a warm-up round then the rest; the sessions and the figures."""
    began = time.perf_counter()
    opened = open_sessions(url, sessions, questions, gold_questions())
    opening_s = time.perf_counter() - began
    log(f"{sessions} sessions opened in {opening_s:.1f} s")
    memory_start = memory()
    wall = run_turns(opened, 0, warmup)
    memory_warm = memory()
    log(f"warm-up: {warmup} question(s) per session in {wall:.1f} s; RSS {memory_warm:.0f} MiB")
    with _Sampler(memory, every_s=2.0) as samples:  # the shape of any growth, not just its end
        wall += run_turns(opened, warmup, questions)
    memory_end = memory()
    figures = summarise(opened, wall)
    figures.update(
        sessions_opened_s=round(opening_s, 1),
        warmup_questions_per_session=warmup,
        rss_start_mb=round(memory_start, 1),
        rss_after_warmup_mb=round(memory_warm, 1),
        rss_end_mb=round(memory_end, 1),
        rss_growth_after_warmup_mb=round(memory_end - memory_warm, 1),
        rss_samples_mb=[round(x) for x in samples],
    )
    return opened, figures


class _Sampler:
    """Reads memory() every few seconds on a thread while the with-block runs."""

    def __init__(self, memory: Callable[[], float], every_s: float) -> None:
        self.samples: list[float] = []
        self._memory = memory
        self._every = every_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> list[float]:
        self._thread.start()
        return self.samples

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self._every):
            try:
                self.samples.append(self._memory())
            except (OSError, RuntimeError):
                return  # the process has gone; the run itself will say so


def main(argv: Sequence[str] | None = None) -> int:
    """Serve the corpus (or use --url), run the load, print and write the figures as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=50, help="simultaneous sessions")
    parser.add_argument("--questions", type=int, default=20, help="questions per session")
    parser.add_argument("--warmup", type=int, default=2, help="questions per session first")
    parser.add_argument("--rounds", type=int, default=1, help="load rounds, new sessions each")
    parser.add_argument("--out", type=Path, default=REPORT, help="JSON report to write")
    parser.add_argument("--url", help="an app already running (default: start assistant serve)")
    parser.add_argument("--server-pid", type=int, help="with --url: the process to measure")
    args = parser.parse_args(argv)
    if not 1 <= args.warmup < args.questions or args.sessions < 1:
        parser.error("need at least one session and 1 <= --warmup < --questions")
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    if bool(args.url) != bool(args.server_pid):
        parser.error("--url and --server-pid go together")
    if args.url:
        figures = _run(args, args.url, args.server_pid)
        figures["server"] = f"running app at {args.url} (process {args.server_pid})"
    else:
        figures = _serve_and_run(args)
        figures["server"] = "assistant serve (subprocess), concurrency_limit from settings"
    figures["load_average_1min"] = round(os.getloadavg()[0], 2)
    figures["command"] = " ".join([Path(sys.executable).name, "-m", "bench.load", *sys.argv[1:]])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    partial = args.out.with_suffix(".json.part")
    partial.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    partial.replace(args.out)  # never a half-written report
    print(
        f"{figures['sessions']} sessions x {figures['questions_per_session']} questions: "
        f"{figures['questions_answered']} answered, {figures['errors']} errors, "
        f"{figures['wrong_session_replies']} wrong-session replies; latency median "
        f"{figures['latency_median_s']} s, p95 {figures['latency_p95_s']} s; server RSS "
        f"{figures['rss_start_mb']} MiB at start, {figures['rss_after_warmup_mb']} after "
        f"warm-up, {figures['rss_end_mb']} at the end"
        + "".join(
            f"; round {n}: {r['questions_answered']} answered, {r['errors']} errors, RSS "
            f"{r['rss_start_mb']} -> {r['rss_end_mb']} MiB"
            for n, r in enumerate(figures["rounds"][1:], start=2)
        )
    )
    failed = figures["errors"] or figures["wrong_session_replies"]
    return 1 if failed or figures["inconsistent_replies"] else 0


def _run(args: argparse.Namespace, url: str, pid: int) -> dict[str, Any]:
    sessions, figures = run_load(
        url, args.sessions, args.questions, args.warmup, lambda: rss_mb(pid), _log
    )
    # Later rounds, each with new sessions. Gradio keeps every session's state until it
    # closes (API sessions never do), so each round adds its sessions' state (~20 MB for
    # 50 x 20 turns here); more than that, round after round, would be a leak.
    figures["rounds"] = [_round_figures(figures)]
    for _ in range(args.rounds - 1):
        more, later = run_load(
            url, args.sessions, args.questions, args.warmup, lambda: rss_mb(pid), _log
        )
        figures["rounds"].append(_round_figures(later))
        for key in ("errors", "wrong_session_replies", "inconsistent_replies"):
            figures[key] += later[key]
        figures["first_problems"] += later["first_problems"]
        sessions += more
    if not args.url:
        return figures
    # What each session asked and what its conversation showed, for the caller to re-check.
    figures["conversations"] = [
        {
            "session": s.number,
            "asked": s.questions[: s.asked],
            "shown": [
                html.unescape(strip_tags(text_of(m))) for m in s.history if m["role"] == "user"
            ],
            "answered": [q for q, _ in s.replies],
        }
        for s in sessions
    ]
    return figures


def _round_figures(figures: dict[str, Any]) -> dict[str, Any]:
    keys = ("questions_answered", "errors", "latency_median_s", "latency_p95_s")
    return {
        **{key: figures[key] for key in keys},
        **{key: figures[key] for key in figures if key.startswith("rss_") and key[-3:] == "_mb"},
    }


def _serve_and_run(args: argparse.Namespace) -> dict[str, Any]:
    _log("building the index (not timed)")
    with indexed_corpus() as (where, env):
        port = free_port()
        with serving(where, env, port) as server:
            wait_for_port(port, time.perf_counter() + 180)
            return _run(args, f"http://127.0.0.1:{port}/", server.pid)


def _log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
