"""REPORT.md as a whole: the title, the method paragraph and every section, in order. A new
section is a module with a section(run) function, listed here."""

from __future__ import annotations

from reporting import (
    against_dotnet, allocators, claims, concurrency, crosschecks, dotnet, elision, environment, footprint, gallery,
    misuse, multi_await, noise, service, service_dotnet, wrong_way,
)
from reporting.common import recorded
from vtb_results import Run

SECTIONS = (environment.section, claims.section, dotnet.section, against_dotnet.section, gallery.section,
            wrong_way.section, allocators.section, noise.section, elision.section, concurrency.section,
            service.section, service_dotnet.section, multi_await.section, footprint.section, misuse.section,
            crosschecks.heaptrack_section, crosschecks.cachegrind_section)


def build_report(run: Run) -> str:
    lines = [f"# vtbench report: {recorded(run.meta, 'run_id')}", "", environment.method_paragraph(run), ""]
    for section in SECTIONS:
        lines += section(run)
    return "\n".join(lines).rstrip() + "\n"
