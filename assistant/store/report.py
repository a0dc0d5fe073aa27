"""What a sync did (SyncReport), and the progress callback it reports its stages to."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from assistant.language.text import plural

Progress = Callable[[str, int, int], None]


def no_progress(stage: str, done: int, total: int) -> None:
    """A Progress that shows nothing."""
    pass


@dataclass
class SyncReport:
    """What a sync did: documents embedded, kept, dropped, problems, and why."""

    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    kept_previous: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # mistakes in sources.toml
    rebuilt_because: str | None = None
    lexical_because: str | None = None  # why only the lexical part was made anew
    chunks_embedded: int = 0
    wrote: bool = False

    def summary(self) -> str:
        """One readable paragraph for the CLI and logs."""
        parts = []
        if self.rebuilt_because:
            parts.append(f"Rebuilt the index: {self.rebuilt_because}.")
        if self.lexical_because:
            parts.append(
                "Rebuilt the lexical index (BM25, term statistics, abbreviations): "
                f"{self.lexical_because}."
            )
        counts = [
            f"{len(self.added)} added",
            f"{len(self.changed)} changed",
            f"{len(self.removed)} removed",
            f"{len(self.unchanged)} unchanged",
        ]
        embedded = plural(self.chunks_embedded, "passage")
        parts.append(f"Documents: {', '.join(counts)}; {embedded} embedded.")
        if self.kept_previous:
            parts.append(
                "Could not re-read, kept the previous version: " + ", ".join(self.kept_previous)
            )
        parts.extend(f"Skipped {p}" for p in self.problems)
        parts.extend(self.warnings)
        return "\n".join(parts)
