"""REPORT.md's "Misuse" section: every rule of misuse.json tried on every form that can
express it (the columns are misuse.json's forms, in its order), each cell shortened to
the outcome, the exception and the message's first clause; then .NET's table."""

from __future__ import annotations

import re
from typing import Any

from reporting.dotnet import dotnet_misuse_section
from tables import table
from vtb_results import Run

MISUSE_MESSAGE_LIMIT = 80                                       # characters of a message in the misuse table
QUALIFIED_PREFIX = re.compile(r"^[A-Za-z_][\w:]*::\w+: ")      # 'std::future_error: ' opening a message


def first_clause(text: str) -> str:
    """The text up to the first '; ' or ': ' outside brackets."""
    depth = 0
    for index, char in enumerate(text):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0 and text[index:index + 2] in ("; ", ": "):
            return text[:index]
    return text


def short_message(message: str) -> str:
    """A misuse message cut to its gist: no leading 'ns::type: ', the first clause, at most MISUSE_MESSAGE_LIMIT."""
    text = first_clause(QUALIFIED_PREFIX.sub("", message, count=1))
    if len(text) <= MISUSE_MESSAGE_LIMIT:
        return text
    return text[:MISUSE_MESSAGE_LIMIT - 1].rsplit(" ", 1)[0] + "…"


def misuse_cell(result: dict[str, Any] | None) -> str:
    """'detected (vtb::invalid_operation): stale token 0 (current version 1)', or '-' when not expressible."""
    if result is None:
        return "-"
    exception = f" ({result['exception']})" if result.get("exception") else ""
    message = f": {short_message(result['message'])}" if result["message"] else ""
    return f"{result['outcome']}{exception}{message}"


def section(run: Run) -> list[str]:
    heading = ["## Misuse (claims C8, C9)", ""]
    if run.misuse is None:
        return heading + ["The run has no misuse.json (scenarios/vtb_misuse_table writes it).", ""] + \
            dotnet_misuse_section(run, misuse_cell)
    forms = run.misuse["forms"]
    columns = [form["name"] for form in forms]
    rows = [[rule["rule"], rule.get("claim", "-"), rule.get("description", "")]
            + [misuse_cell(rule["results"].get(form)) for form in columns] for rule in run.misuse["rules"]]
    intro = ("Every rule in misuse.json tried on every form that can express it (-: it cannot). A cell is "
             "the outcome (allowed: it works as for a Task; detected: refused with the exception shown; undetected: "
             "unnoticed), then the message, shortened (misuse.json has it in full).")
    lines = heading + [intro, ""] + table(["rule", "claim", "description"] + columns, rows)
    lines += ["Columns (value tasks as misuse.json marks them):", ""]
    lines += [f"- {form['name']}{' (value task)' if form['value_task'] else ''}: {form['type']}" for form in forms] + [""]
    return lines + dotnet_misuse_section(run, misuse_cell)
