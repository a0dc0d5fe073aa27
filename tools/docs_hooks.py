"""MkDocs hooks: reference pages written from the code at build time, so they cannot drift.

A page asks for a generated part with a marker comment on a line of its own:

- ``<!-- settings-reference -->``: every settings field, by group, with its default, type,
  limits, environment variable and description, read from the pydantic models in
  ``assistant/settings/``; then the flat names of earlier versions (``LEGACY``).
- ``<!-- cli-reference -->``: the help of ``assistant`` and of each of its commands, as argparse
  prints it.
- ``<!-- import-contracts -->``: the package's layers and forbidden imports, read from
  pyproject.toml's ``[tool.importlinter]`` contracts (what ``make lint`` enforces), each layer
  with the first line of its docstring.

A screenshot the browser tests have not produced yet (`make screenshots` copies them into
docs/assets/screenshots/) becomes a note saying how to get it, so the strict build still passes.
"""

from __future__ import annotations

import argparse
import ast
import os
import re
import tomllib
import types
import typing
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel, SecretStr
from pydantic.fields import FieldInfo

SETTINGS_MARKER = "<!-- settings-reference -->"
CLI_MARKER = "<!-- cli-reference -->"
CONTRACTS_MARKER = "<!-- import-contracts -->"
ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
# ![what it shows](assets/screenshots/NAME.png) on a line of its own, as the pages write them.
SCREENSHOT = re.compile(r"^!\[([^\]]*)\]\((assets/screenshots/[\w.-]+\.png)\)$", re.MULTILINE)
# argparse wraps help to the terminal's width: a fixed one keeps the page the same everywhere.
HELP_COLUMNS = "100"


def on_page_markdown(markdown: str, **_: Any) -> str:
    """Replace each marker in a page by the part it names, and a screenshot not yet copied
    into the docs by a note saying how to get it."""
    for marker, write in MARKERS.items():
        if marker in markdown:
            markdown = markdown.replace(marker, write())
    return SCREENSHOT.sub(_screenshot, markdown)


def _screenshot(match: re.Match[str]) -> str:
    # The browser tests take the screenshots (tests/artifacts/, git-ignored); `make screenshots`
    # copies them here. Until then a page says so rather than failing the strict build.
    if (DOCS / match.group(2)).is_file():
        return match.group(0)
    return (
        f'!!! note "Screenshot: {match.group(1)}"\n'
        "    Taken by the browser tests: run `make test`, then `make screenshots`.\n"
    )


def settings_reference() -> str:
    """Markdown: a table per settings group, then the earlier flat names."""
    from assistant.settings import LEGACY, Settings

    lines: list[str] = []
    top = [(name, f) for name, f in Settings.model_fields.items() if not _is_group(f)]
    lines += ["## Top level", "", *_table(top, ())]
    for name, field in Settings.model_fields.items():
        if _is_group(field):
            lines += _group(name, _model(field), (name,), level=2)
    lines += [
        "## Names of earlier versions",
        "",
        "These flat names still load, at the top of a TOML file or as `ASSISTANT_` + the name "
        "in capitals in the environment (`ASSISTANT_APP_USERNAME`); each is read as the setting "
        "it became (`assistant.settings.LEGACY`).",
        "",
        "| earlier name | now |",
        "|---|---|",
        *(f"| `{old}` | `{'.'.join(new)}` |" for old, new in LEGACY.items()),
        "",
    ]
    return "\n".join(lines)


def cli_reference() -> str:
    """Markdown: the help of the `assistant` command and of each command, in code blocks."""
    from assistant.interfaces.cli import _parser

    previous = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = HELP_COLUMNS
    try:
        parser = _parser()
        parts = [("assistant --help", parser.format_help())]
        for name, sub in _commands(parser):
            parts.append((f"assistant {name} --help", sub.format_help()))
    finally:
        if previous is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = previous
    lines: list[str] = []
    for command, text in parts:
        lines += [f"### `{command}`", "", "```text", text.rstrip(), "```", ""]
    return "\n".join(lines)


def import_contracts() -> str:
    """Markdown: the layers, top to bottom, then every other contract, from pyproject.toml."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    lines: list[str] = []
    for contract in contracts:
        if contract["type"] == "layers":
            lines += [f"**{contract['name']}** (top to bottom):", ""]
            lines += ["| layer | what it holds |", "|---|---|"]
            lines += [f"| `{m}` | {_summary(m)} |" for m in contract["layers"]]
            lines.append("")
    for contract in contracts:
        if contract["type"] == "forbidden":
            sources = ", ".join(f"`{m}`" for m in contract["source_modules"])
            banned = ", ".join(f"`{m}`" for m in contract["forbidden_modules"])
            allowed = [f"`{rule}`" for rule in contract.get("ignore_imports", [])]
            lines.append(f"- **{contract['name']}**: {sources} never import {banned}.")
            if allowed:
                lines.append(f"  Allowed exceptions: {', '.join(allowed)}.")
    return "\n".join([*lines, ""])


def _summary(module: str) -> str:
    """The first line of a module's or package's docstring, read without importing it."""
    path = ROOT / Path(*module.split("."))
    source = path / "__init__.py" if path.is_dir() else path.with_suffix(".py")
    doc = ast.get_docstring(ast.parse(source.read_text(encoding="utf-8"))) or ""
    return _cell(doc.split("\n\n")[0].replace("\n", " "))


MARKERS: dict[str, Callable[[], str]] = {
    SETTINGS_MARKER: settings_reference,
    CLI_MARKER: cli_reference,
    CONTRACTS_MARKER: import_contracts,
}


def _commands(parser: argparse.ArgumentParser) -> Iterator[tuple[str, argparse.ArgumentParser]]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            yield from action.choices.items()


def _group(name: str, model: type[BaseModel], path: tuple[str, ...], level: int) -> list[str]:
    doc = " ".join((model.__doc__ or "").split())
    plain = [(n, f) for n, f in model.model_fields.items() if not _is_group(f)]
    lines = [f"{'#' * level} `{'.'.join(path)}`", "", doc, "", *_table(plain, path)]
    for sub, field in model.model_fields.items():
        if _is_group(field):
            lines += _group(sub, _model(field), (*path, sub), level + 1)
    return lines


def _table(fields: list[tuple[str, FieldInfo]], path: tuple[str, ...]) -> list[str]:
    # The group is the section's heading, so a row names the field alone; the full name is in
    # its environment variable, under the description with the type.
    lines = ["| setting | default | description |", "|---|---|---|"]
    for name, field in fields:
        env = "ASSISTANT_" + "__".join((*path, name)).upper()
        kind = _type(field.annotation) + _limits(field)
        description = " ".join((field.description or "").split())
        cells = [
            f"`{name}`",
            _default(field),
            f"{description}<br><small>{kind} · `{env}`</small>",
        ]
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return [*lines, ""]


def _is_group(field: FieldInfo) -> bool:
    return isinstance(field.annotation, type) and issubclass(field.annotation, BaseModel)


def _model(field: FieldInfo) -> type[BaseModel]:
    assert isinstance(field.annotation, type) and issubclass(field.annotation, BaseModel)
    return field.annotation


def _default(field: FieldInfo) -> str:
    value = field.get_default(call_default_factory=True)
    if isinstance(value, SecretStr):
        return '`""`' if not value.get_secret_value() else "(hidden)"
    if value is None:
        return "unset"
    return f"`{_toml(value)}`"


def _toml(value: Any) -> str:
    """The value as it is written in assistant.toml."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | Path):
        return f'"{value}"'
    return str(value)


def _type(annotation: Any) -> str:
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Literal:
        return " or ".join(f"`{_toml(a)}`" for a in args)
    if origin in (typing.Union, types.UnionType):
        named = [_type(a) for a in args if a is not type(None)]
        return " or ".join(named) + (" or unset" if type(None) in args else "")
    names = {bool: "true/false", int: "whole number", float: "number", str: "text"}
    names |= {Path: "path", SecretStr: "secret text"}
    return names.get(annotation, getattr(annotation, "__name__", str(annotation)))


def _limits(field: FieldInfo) -> str:
    signs = {"ge": "≥", "gt": ">", "le": "≤", "lt": "<"}
    found = [
        f"{sign} {getattr(rule, attr)}"
        for rule in field.metadata
        for attr, sign in signs.items()
        if getattr(rule, attr, None) is not None
    ]
    return f" ({', '.join(found)})" if found else ""


def _cell(text: str) -> str:
    # A table cell ends at the next "|", even inside backticks.
    return text.replace("|", "\\|")
