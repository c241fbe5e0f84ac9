"""The two table writers every script shares: Markdown (REPORT.md's sections, compare
--markdown) and aligned plain text (compare, the cross-checks' printed tables)."""

from __future__ import annotations

from typing import Any, Sequence


def cell(text: Any) -> str:
    """A value as a Markdown table cell: pipes escaped, newlines folded."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    """The table's lines: the header, the separator and one line per row."""
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    return lines + ["| " + " | ".join(cell(value) for value in values) + " |" for values in rows]


def table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    """The Markdown table's lines followed by a blank line, as a report section embeds it."""
    return markdown_table(header, rows) + [""]


def text_table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    """Plain-text table lines: columns left-aligned two spaces apart, the header first."""
    lines = [[str(value) for value in line] for line in [header, *rows]]
    widths = [max(len(line[column]) for line in lines) for column in range(len(header))]
    return ["  ".join(text.ljust(width) for text, width in zip(line, widths)).rstrip() for line in lines]
