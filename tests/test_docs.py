"""The documentation: every relative link and anchor resolves, the site builds strictly, and the
generated parts cover what they claim to."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import unicodedata
from functools import cache
from pathlib import Path

import pytest
from pydantic import BaseModel

from tools import docs_hooks

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
PAGES = [ROOT / "README.md", *sorted(DOCS.rglob("*.md"))]
# What issue 24 asked of the README: a newcomer reads it in five minutes.
README_MAX_LINES = 200

FENCE = re.compile(r"^\s*(```|~~~)")
CODE_SPAN = re.compile(r"`[^`]*`")
# [text](target) and ![alt](target), with an optional "title"; <http://...> autolinks are skipped.
LINK = re.compile(r"!?\[(?:[^\]\[]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
SNIPPET = re.compile(r'^--8<--\s+"([^"]+)"\s*$', re.MULTILINE)


def _prose(text: str) -> list[str]:
    """The lines outside fenced code blocks."""
    lines, fenced = [], False
    for line in text.splitlines():
        if FENCE.match(line):
            fenced = not fenced
            continue
        if not fenced:
            lines.append(line)
    return lines


def _links(path: Path) -> list[str]:
    # Pages as the site builds them (a screenshot not yet copied is a note, not an image).
    text = _expanded(path) if path.is_relative_to(DOCS) else path.read_text(encoding="utf-8")
    found: list[str] = []
    for line in _prose(text):
        found += LINK.findall(CODE_SPAN.sub("", line))
    return found


@cache
def _expanded(path: Path) -> str:
    """A page as the site builds it: included files in place, generated parts filled in."""
    text = path.read_text(encoding="utf-8")
    text = SNIPPET.sub(lambda m: (ROOT / m.group(1)).read_text(encoding="utf-8"), text)
    return docs_hooks.on_page_markdown(text)


def _slug(heading: str) -> str:
    """The id Python-Markdown's toc gives a heading (markup and punctuation dropped)."""
    text = re.sub(r"<[^>]+>", "", heading).replace("`", "")
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^\w\s-]", "", text).strip().lower()
    return re.sub(r"[-\s]+", "-", text)


@cache
def _anchors(path: Path) -> frozenset[str]:
    seen: dict[str, int] = {}
    anchors = set()
    for line in _prose(_expanded(path)):
        match = HEADING.match(line)
        if not match:
            continue
        slug = _slug(match.group(2))
        # A repeated heading gets _1, _2, ... as toc numbers them.
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        anchors.add(slug if count == 0 else f"{slug}_{count}")
    return frozenset(anchors)


def _broken(page: Path, target: str) -> str | None:
    if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # http:, https:, mailto:
        return None
    file_part, _, anchor = target.partition("#")
    linked = (page.parent / file_part).resolve() if file_part else page
    if not linked.exists():
        return f"{target}: no such file"
    if linked.is_dir():
        return f"{target}: a folder (link a file: the site and GitHub differ on folders)"
    if anchor and linked.suffix == ".md" and anchor not in _anchors(linked):
        return f"{target}: no heading with the anchor #{anchor} in {linked.relative_to(ROOT)}"
    return None


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_resolves(page: Path) -> None:
    problems = [p for target in _links(page) if (p := _broken(page, target))]
    assert not problems, "\n".join(problems)


def test_the_link_check_sees_links_anchors_and_code() -> None:
    sample = DOCS / "getting-started.md"
    assert _broken(sample, "nowhere.md")
    assert _broken(sample, "browser-app.md#no-such-heading")
    assert _broken(sample, "settings-reference.md#names-of-earlier-versions") is None  # generated
    assert _broken(sample, "security.md#serving-the-app-to-a-meeting-on-a-local-network") is None
    assert _broken(sample, "https://example.org/x.md") is None
    assert _slug("What `assistant eval` measures") == "what-assistant-eval-measures"
    assert _slug("Rules, 6 December 2026") == "rules-6-december-2026"


def test_the_readme_stays_short() -> None:
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) <= README_MAX_LINES


def test_the_settings_reference_names_every_field() -> None:
    from assistant.settings import LEGACY, Settings

    reference = docs_hooks.settings_reference()

    def paths(model: type[BaseModel], prefix: tuple[str, ...] = ()) -> list[str]:
        out = []
        for name, field in model.model_fields.items():
            if docs_hooks._is_group(field):
                out += paths(docs_hooks._model(field), (*prefix, name))
            else:
                out.append(".".join((*prefix, name)))
        return out

    for path in paths(Settings):
        group, _, name = path.rpartition(".")
        assert f"`{group}`" in reference or not group, path
        assert f"| `{name}` |" in reference, path
        assert f"`ASSISTANT_{path.replace('.', '__').upper()}`" in reference, path
    for old in LEGACY:
        assert f"| `{old}` |" in reference, old
    assert "| `refusal_threshold` | `0.45` |" in reference


def test_every_results_page_says_where_its_figures_come_from() -> None:
    for page in sorted((DOCS / "results").glob("*.md")):
        if page.name == "index.md":
            continue
        text = page.read_text(encoding="utf-8")
        # A page of one report has no sections of its own: the page is its section.
        sections = re.split(r"^## ", text, flags=re.MULTILINE)[1:] or [text]
        for section in sections:
            told = "**Measured**" in section or "Measured by:" in section
            missing = "No report was found" in section
            assert told or missing, f"{page.name}: ## {section.splitlines()[0]}"
            if told:
                assert "**Commit**" in section or "; commit " in section
                assert "**Command**" in section or "; command: " in section


# About 3 s on 2 cores: cheap enough for `make test-fast`, where a broken page shows first.
def test_the_site_builds_strictly(tmp_path: Path) -> None:
    pytest.importorskip("mkdocs", reason="the docs tools are in the dev extra (make docs)")
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    assert (tmp_path / "settings-reference" / "index.html").is_file()
    assert "fonts.googleapis.com" not in (tmp_path / "index.html").read_text(encoding="utf-8")
