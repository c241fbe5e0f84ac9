"""The one Markdown table writer that report.py, its section modules and compare share."""

from __future__ import annotations

from typing import Any


def cell(text: Any) -> str:
    """A value as a table cell: pipes escaped, newlines folded."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def table_lines(header: list[str], rows: list[list[Any]]) -> list[str]:
    """The table's lines: the header, the separator and one line per row."""
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    return lines + ["| " + " | ".join(cell(value) for value in values) + " |" for values in rows]


def table(header: list[str], rows: list[list[Any]]) -> list[str]:
    """The table's lines followed by a blank line, as a report section embeds it."""
    return table_lines(header, rows) + [""]
