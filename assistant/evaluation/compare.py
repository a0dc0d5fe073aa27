"""Compare a run with a previous results.json, and check CI thresholds (--fail-under)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.errors import AssistantError
from assistant.evaluation.run import METRICS

F1_STEP = 0.1  # smaller changes in answer F1 are noise, not a better or worse answer


class CompareError(AssistantError):
    """An unreadable previous results file or a malformed threshold."""


def load_results(path: Path) -> dict[str, Any]:
    """A previous run's results.json."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CompareError(f"cannot read previous results {path}: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("configs"), list):
        raise CompareError(f"{path}: not a results.json written by assistant eval")
    return data


def question_changes(old: dict[str, Any], new: dict[str, Any]) -> tuple[list[str], list[str]]:
    """What got better and what got worse for one question (plain phrases)."""
    better: list[str] = []
    worse: list[str] = []

    def note(improved: bool, text: str) -> None:
        (better if improved else worse).append(text)

    def rank_value(rank: int | None) -> float:
        return rank if rank is not None else float("inf")

    r0, r1 = old.get("first_relevant_rank"), new.get("first_relevant_rank")
    if new.get("answerable") and r0 != r1:
        note(rank_value(r1) < rank_value(r0), f"evidence rank {r0 or '-'} → {r1 or '-'}")
    if old.get("refused") != new.get("refused"):
        was, now = ("refused", "answered") if old.get("refused") else ("answered", "refused")
        note(new.get("refused") != new.get("answerable"), f"{was} → {now}")
    c0, c1 = old.get("citation_recall"), new.get("citation_recall")
    if c0 is not None and c1 is not None and c0 != c1:
        note(c1 > c0, f"citation recall {c0:.2f} → {c1:.2f}")
    f0, f1 = old.get("f1"), new.get("f1")
    if f0 is not None and f1 is not None and abs(f1 - f0) >= F1_STEP:
        note(f1 > f0, f"answer F1 {f0:.2f} → {f1:.2f}")
    u0, u1 = len(old.get("unsupported", [])), len(new.get("unsupported", []))
    if u0 != u1:
        note(u1 < u0, f"unsupported sentences {u0} → {u1}")
    return better, worse


def compare(previous: dict[str, Any], current: dict[str, Any]) -> list[str]:
    """Lines saying, per configuration in both runs, which figures and questions changed."""
    lines: list[str] = []
    asked = {r["id"] for c in current["configs"] for r in c["records"]}
    asked_before = {r["id"] for c in previous["configs"] for r in c["records"]}
    if asked != asked_before:
        lines.append(
            f"Note: the runs asked different questions ({len(asked - asked_before)} only in "
            f"this run, {len(asked_before - asked)} only in the previous one): figures are not "
            "like for like."
        )
    old_configs = {c["name"]: c for c in previous["configs"]}
    for config in current["configs"]:
        old = old_configs.get(config["name"])
        if old is None:
            lines.append(f"{config['name']}: not in the previous run")
            continue
        lines.append(f"{config['name']}:")
        for metric, higher_better in METRICS.items():
            a, b = old["metrics"].get(metric), config["metrics"].get(metric)
            if a is None or b is None or abs(b - a) < 1e-9:
                continue
            if metric.endswith("_ms"):
                lines.append(f"  {metric}: {a:.0f} → {b:.0f}")  # timing: no verdict
                continue
            verdict = "better" if (b > a) == higher_better else "worse"
            lines.append(f"  {metric}: {a:.3f} → {b:.3f} ({verdict})")
        old_records = {r["id"]: r for r in old["records"]}
        counts = {"better": 0, "worse": 0, "mixed": 0, "same": 0, "new": 0}
        for rec in config["records"]:
            before = old_records.get(rec["id"])
            if before is None:
                counts["new"] += 1
                continue
            better, worse = question_changes(before, rec)
            state = (
                "mixed"
                if better and worse
                else "better"
                if better
                else "worse"
                if worse
                else "same"
            )
            counts[state] += 1
            if state != "same":
                parts = [f"+ {b}" for b in better] + [f"- {w}" for w in worse]
                lines.append(f"  {state:>6} {rec['id']}: {'; '.join(parts)}")
        lines.append("  " + ", ".join(f"{n} {k}" for k, n in counts.items() if n))
    return lines


@dataclass(frozen=True)
class Threshold:
    """`[config:]metric=value`: fail when the figure is below (or, with above=True, over)."""

    config: str | None
    metric: str
    value: float
    above: bool = False

    def __str__(self) -> str:
        who = f"{self.config}:" if self.config else ""
        return f"{who}{self.metric}={self.value:g}"


def parse_threshold(text: str, above: bool = False) -> Threshold:
    """Parse `metric=value` or `config:metric=value`."""
    flag = "--fail-over" if above else "--fail-under"
    name, sep, value = text.partition("=")
    if not sep:
        raise CompareError(f"{flag} {text!r}: expected metric=value, e.g. hit@1=0.9")
    config, _, metric = name.strip().rpartition(":")
    metric = metric.strip()
    if metric not in METRICS:
        raise CompareError(f"{flag} {text!r}: unknown metric; known: {', '.join(METRICS)}")
    try:
        number = float(value)
    except ValueError:
        raise CompareError(f"{flag} {text!r}: {value!r} is not a number") from None
    return Threshold(config.strip() or None, metric, number, above)


def check_thresholds(
    thresholds: Sequence[Threshold], current: dict[str, Any]
) -> tuple[list[str], list[str]]:
    """(problems, passes): a threshold without a config applies to the first configuration."""
    configs = {c["name"]: c for c in current["configs"]}
    first = current["configs"][0]["name"] if current["configs"] else None
    problems, passes = [], []
    for t in thresholds:
        name = t.config or first
        config = configs.get(name or "")
        if config is None:
            problems.append(f"{t}: no configuration named {name!r} in this run")
            continue
        value = config["metrics"].get(t.metric)
        if value is None:
            problems.append(f"{t}: {name} has no {t.metric} figure")
            continue
        failed = value > t.value if t.above else value < t.value
        sign = ">" if t.above else "<"
        line = f"{name} {t.metric} = {value:.3f}"
        if failed:
            problems.append(f"{line} {sign} {t.value:g}")
        else:
            passes.append(f"{line} (limit {t.value:g})")
    return problems, passes
