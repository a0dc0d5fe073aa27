"""Runs one benchmark step in its own process and prints its figures as JSON (peak RSS each)."""

from __future__ import annotations

import json
import sys
import time
from typing import Any

from bench.common import peak_rss_mb


def run_step(name: str, args: dict[str, Any]) -> dict[str, Any]:
    """Call the named step with keyword arguments."""
    from bench import steps

    fn = getattr(steps, name, None)
    if fn is None:
        raise SystemExit(f"unknown benchmark step {name!r}")
    result: dict[str, Any] = fn(**args)
    return result


def main() -> int:
    """python -m bench.worker STEP JSON-ARGS: print the result, peak RSS and wall time as JSON."""
    name, raw = sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "{}"
    start = time.perf_counter()
    result = run_step(name, json.loads(raw))
    print(
        json.dumps(
            {
                "result": result,
                "peak_rss_mb": round(peak_rss_mb(), 1),
                "wall_s": round(time.perf_counter() - start, 2),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
