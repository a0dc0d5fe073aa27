"""Source documents: read every file of a corpus folder into clean text with its metadata."""

from __future__ import annotations

import bisect
import hashlib
import json
import logging
import re
import tomllib
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from assistant.errors import DocumentError
from assistant.ingest.furniture import is_furniture_line, strip_trailing_notices
from assistant.ingest.readers import MAX_DOCUMENT_BYTES, Block, read_file, safe_name

log = logging.getLogger(__name__)

MANIFEST_NAME = "sources.toml"
_MANIFEST_FIELDS = ("title", "publisher", "date", "licence", "licence_url", "licence_text", "notes")


@dataclass(frozen=True)
class Source:
    """Where a passage comes from, as a citation shows it."""

    file: str
    title: str
    publisher: str = ""
    date: str = ""
    licence: str = ""
    licence_url: str = ""
    licence_text: str = ""
    notes: str = ""

    def to_dict(self) -> dict[str, str]:
        """Plain dict for JSON."""
        return asdict(self)


@dataclass(frozen=True)
class Section:
    """A heading and the character offset where its section starts."""

    start: int
    heading: str


@dataclass(frozen=True)
class Document:
    """One source file as clean text, with page and section offsets into that text."""

    doc_id: str
    text: str
    source: Source
    content_hash: str
    page_starts: tuple[int, ...] = ()
    sections: tuple[Section, ...] = ()
    paragraph_starts: tuple[int, ...] = field(default=(), repr=False)

    def page_at(self, offset: int) -> int | None:
        """Page number (1-based) holding a character offset, when the format has pages."""
        if not self.page_starts:
            return None
        return max(1, bisect.bisect_right(self.page_starts, offset))

    def section_at(self, offset: int) -> str | None:
        """Heading of the section holding a character offset, if any."""
        i = bisect.bisect_right(self._section_starts, offset) - 1
        return self.sections[i].heading if i >= 0 else None

    @cached_property
    def _section_starts(self) -> list[int]:
        # Once per document: a long report has thousands of sections and passages.
        return [s.start for s in self.sections]


@dataclass(frozen=True)
class Problem:
    """A file that was skipped, and why."""

    file: str
    reason: str


@dataclass
class Corpus:
    """The documents that loaded, the files that did not, and mistakes in sources.toml."""

    documents: list[Document]
    problems: list[Problem]
    warnings: list[str] = field(default_factory=list)


def load_manifest(corpus_dir: Path) -> dict[str, dict[str, str]]:
    """Read the corpus manifest (sources.toml): a table per file name with title, publisher, ..."""
    path = corpus_dir / MANIFEST_NAME
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise DocumentError(f"{MANIFEST_NAME}: not valid TOML ({exc})") from None
    entries: dict[str, dict[str, str]] = {}
    for name, entry in data.items():
        if not isinstance(entry, dict):
            raise DocumentError(f"{MANIFEST_NAME}: entry '{name}' must be a table")
        unknown = set(entry) - set(_MANIFEST_FIELDS)
        if unknown:
            raise DocumentError(
                f"{MANIFEST_NAME}: entry '{name}' has unknown fields {sorted(unknown)}; "
                f"allowed: {', '.join(_MANIFEST_FIELDS)}"
            )
        entries[name] = {k: str(v).strip() for k, v in entry.items()}
    return entries


def corpus_files(corpus_dir: Path) -> list[Path]:
    """Candidate files under the corpus folder, sorted; hidden files and the manifest skipped."""
    if not corpus_dir.is_dir():
        raise DocumentError(f"corpus folder not found: {corpus_dir}")
    files = []
    for path in sorted(corpus_dir.rglob("*")):
        rel = path.relative_to(corpus_dir)
        if any(part.startswith((".", "~$")) for part in rel.parts) or not path.is_file():
            continue
        if rel.as_posix() == MANIFEST_NAME:
            continue
        files.append(path)
    return files


def load_corpus(corpus_dir: Path, max_bytes: int = MAX_DOCUMENT_BYTES) -> Corpus:
    """Load every readable document; unreadable files are reported and skipped."""
    corpus_dir = Path(corpus_dir)
    manifest = load_manifest(corpus_dir)
    root = corpus_dir.resolve()
    documents: list[Document] = []
    problems: list[Problem] = []
    for path in corpus_files(corpus_dir):
        doc_id = path.relative_to(corpus_dir).as_posix()
        try:
            if not path.resolve().is_relative_to(root):
                # A link to ~/.ssh or /etc would otherwise be quoted to every user of the app.
                raise DocumentError(f"{safe_name(doc_id)}: a link to outside the corpus folder")
            documents.append(load_document(path, doc_id, manifest.get(doc_id, {}), max_bytes))
        except DocumentError as exc:
            problems.append(Problem(doc_id, str(exc)))
        except Exception as exc:  # a reader bug must not stop the other files from indexing
            log.exception("unexpected error reading %s", doc_id)
            reason = f"{safe_name(doc_id)}: could not be read ({type(exc).__name__})"
            problems.append(Problem(doc_id, reason))
    # A mistyped name in sources.toml would silently cost that file its title and licence.
    found = {d.doc_id for d in documents} | {p.file for p in problems}
    warnings = [
        f"{MANIFEST_NAME}: the entry “{safe_name(name)}” names no file in the corpus folder"
        for name in sorted(set(manifest) - found)
    ]
    return Corpus(documents, problems, warnings)


def load_document(
    path: Path,
    doc_id: str,
    meta: dict[str, str] | None = None,
    max_bytes: int = MAX_DOCUMENT_BYTES,
) -> Document:
    """Load one file into a Document, cleaning furniture and recording pages and sections."""
    meta = meta or {}
    raw = read_file(path, max_bytes)
    text, page_starts, sections, paragraph_starts = assemble(raw.blocks)
    if not text.strip():
        raise DocumentError(f"{safe_name(path.name)}: only page furniture, no content")
    title = meta.get("title") or raw.title or _title_from_text(text) or _title_from_name(path)
    source = Source(file=doc_id, title=title, **{k: v for k, v in meta.items() if k != "title"})
    digest = hashlib.sha256()
    try:
        digest.update(path.read_bytes())
    except OSError as exc:  # removed or locked between the two reads
        raise DocumentError(f"{safe_name(path.name)}: cannot be read ({exc.strerror})") from None
    digest.update(json.dumps(source.to_dict(), sort_keys=True).encode())
    return Document(
        doc_id=doc_id,
        text=text,
        source=source,
        content_hash=digest.hexdigest(),
        page_starts=tuple(page_starts),
        sections=tuple(sections),
        paragraph_starts=tuple(paragraph_starts),
    )


def assemble(blocks: list[Block]) -> tuple[str, list[int], list[Section], list[int]]:
    """Join cleaned blocks into one text; return it with page, section and paragraph offsets."""
    cleaned = list(_clean_blocks(blocks))
    kept_texts = strip_trailing_notices([b.text for b in cleaned])
    cleaned = cleaned[: len(kept_texts)]
    parts: list[str] = []
    page_starts: list[int] = []
    sections: list[Section] = []
    paragraph_starts: list[int] = []
    offset = 0
    last_page = 0
    for block in cleaned:
        if block.page is not None and block.page != last_page:
            # Pages with no text still count, so page numbers match the file.
            while last_page < block.page:
                page_starts.append(offset)
                last_page += 1
        if block.heading:
            sections.append(Section(offset, block.text))
        line_start = offset
        for line in block.text.split("\n"):
            paragraph_starts.append(line_start)
            line_start += len(line) + 1
        parts.append(block.text)
        offset += len(block.text) + 2
    text = "\n\n".join(parts)
    return text, page_starts, sections, paragraph_starts


def _clean_blocks(blocks: list[Block]) -> Iterator[Block]:
    for block in blocks:
        lines = [_normalise_space(ln) for ln in block.text.split("\n")]
        kept = [ln for ln in lines if ln and not is_furniture_line(ln)]
        if kept:
            yield Block("\n".join(kept), heading=block.heading, page=block.page)


# C0 and C1 control characters: noise from PDF extraction or junk, and in a terminal an
# escape sequence could rewrite what `assistant search` shows.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _normalise_space(line: str) -> str:
    line = _CONTROL.sub(" ", line.replace("\u00a0", " ").replace("\t", " "))
    return re.sub(r" {2,}", " ", line).strip()


def _title_from_text(text: str) -> str | None:
    # A first line reads as a title when it is short and is not a sentence.
    first = text.split("\n", 1)[0].strip()
    return first if first and len(first.split()) <= 16 and first[-1] not in ".;," else None


def _title_from_name(path: Path) -> str:
    return re.sub(r"[_\-]+", " ", path.stem).strip() or path.name


def metadata_dict(doc: Document) -> dict[str, Any]:
    """The document's metadata as plain data (for manifests and JSON output)."""
    return {"doc_id": doc.doc_id, "content_hash": doc.content_hash, **doc.source.to_dict()}
