"""Progress bars for the slow set-up of a run: building an index, embedding the baseline's."""

from __future__ import annotations

import sys
from typing import Any

from assistant.store.report import Progress


def progress_bars(enabled: bool = True) -> Progress:
    """A Progress callback drawing one bar per stage on stderr (nothing when disabled)."""
    bars: dict[str, Any] = {}

    def progress(stage: str, done: int, total: int) -> None:
        if not enabled or total == 0:
            return
        from tqdm import tqdm

        bar = bars.get(stage)
        if bar is None:
            unit = "doc" if stage == "chunking" else "passage"
            bar = bars[stage] = tqdm(total=total, desc=stage, unit=unit, file=sys.stderr)
        bar.update(done - bar.n)
        if done >= total:
            bar.close()

    return progress
