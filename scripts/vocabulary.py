"""The suite's vocabulary as vtbench publishes it (docs/results-format.md, "Vocabulary"):
the implementations (each with whether it is a value task and whether it is pooled), the
forms of the footprint and misuse tables, the scenarios, the named hit-percent sweeps,
payloads, db modes, factory kinds, multi_await's producers and states, and the
allocators, each list in registry order.

The scripts keep no copy of these names. A run's files carry the vocabulary in their
Google Benchmark context (the string `vtb_vocabulary`, compact JSON) and the cross-checks
ask the binary (`vtbench --list`); whatever lists, orders, colours or selects
implementations, forms, sweeps or allocators reads it from here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Sequence

from json_input import ResultsError, parse_json_text, require, require_object

VOCABULARY_KEY = "vtb_vocabulary"
# The named sweeps the scripts read: callgrind_check.py's default, heaptrack_check.py's hits
# and the report's C++ against .NET table.
SWEEPS_USED = ("crosscheck", "ends")
# A benchmark name's parameter key -> the vocabulary list its values come from.
PARAMETER_LISTS = {"impl": "implementations", "form": "forms", "kind": "factory_kinds", "via": "multi_await_vias",
                   "state": "multi_await_states", "payload": "payloads", "db": "db_modes"}


@dataclass(frozen=True)
class Implementation:
    """One implementation of the cache scenario (scenarios/implementations.hpp)."""

    name: str
    value_task: bool   # returns a ValueTask (or a pooled one): the claims' value tasks
    pooled: bool       # its asynchronous path reuses pooled storage instead of allocating


@dataclass(frozen=True)
class Form:
    """One form of the footprint and misuse tables: a type a caller holds per operation."""

    name: str
    type: str
    value_task: bool


@dataclass(frozen=True)
class Vocabulary:
    implementations: tuple[Implementation, ...]
    forms: tuple[Form, ...]
    scenarios: tuple[str, ...]
    hit_percent_sweeps: dict[str, tuple[int, ...]]
    payloads: tuple[str, ...]
    db_modes: tuple[str, ...]
    factory_kinds: tuple[str, ...]
    multi_await_vias: tuple[str, ...]
    multi_await_states: tuple[str, ...]
    allocators: tuple[str, ...]
    source: str = field(default="", compare=False)  # where it was read, for messages

    def implementation_names(self) -> tuple[str, ...]:
        return tuple(implementation.name for implementation in self.implementations)

    def pooled_implementations(self) -> tuple[str, ...]:
        return tuple(implementation.name for implementation in self.implementations if implementation.pooled)

    def form_names(self) -> tuple[str, ...]:
        return tuple(form.name for form in self.forms)

    def value_task_forms(self) -> tuple[str, ...]:
        return tuple(form.name for form in self.forms if form.value_task)

    def sweep(self, name: str) -> tuple[int, ...]:
        return self.hit_percent_sweeps[name]

    def names_of(self, key: str) -> tuple[str, ...] | None:
        """The names a benchmark name's parameter `key` takes ('impl' -> the implementations), or None
        when the vocabulary does not list that parameter's values (hit, depth, awaiters, ...)."""
        if key not in PARAMETER_LISTS:
            return None
        values = getattr(self, PARAMETER_LISTS[key])
        return tuple(value if isinstance(value, str) else value.name for value in values)

    def unknown_part(self, scenario: str, params: dict[str, str]) -> str | None:
        """What of a benchmark name is not in the vocabulary ('impl 'x''), or None when all of it is."""
        if scenario not in self.scenarios:
            return f"scenario {scenario!r}"
        for key, value in params.items():
            names = self.names_of(key)
            if names is not None and value not in names:
                return f"{key} {value!r}"
        return None


def order_key(order: Sequence[str]) -> Callable[[str], tuple[int, str]]:
    """Sort key: the names in `order` in its order, then any other by name."""
    positions = {name: index for index, name in enumerate(order)}
    return lambda name: (positions.get(name, len(positions)), name)


def ordered(names: Iterable[str], order: Sequence[str]) -> list[str]:
    """The distinct `names` in `order`'s order, then any other by name."""
    return sorted(set(names), key=order_key(order))


def _names(data: dict[str, Any], key: str, source: str) -> tuple[str, ...]:
    values = require(data, key, "list", source, VOCABULARY_KEY)
    if not all(isinstance(value, str) and value for value in values):
        raise ResultsError(f"{source}: {VOCABULARY_KEY}: '{key}' is not a list of names")
    if len(set(values)) != len(values):
        raise ResultsError(f"{source}: {VOCABULARY_KEY}: '{key}' lists a name twice")
    return tuple(values)


def _entries(data: dict[str, Any], key: str, source: str) -> list[dict[str, Any]]:
    entries = require(data, key, "list", source, VOCABULARY_KEY)
    if not all(isinstance(entry, dict) for entry in entries):
        raise ResultsError(f"{source}: {VOCABULARY_KEY}: '{key}' is not a list of objects")
    names = [require(entry, "name", "string", source, f"{VOCABULARY_KEY} {key}[{index}]")
             for index, entry in enumerate(entries)]
    if len(set(names)) != len(names):
        raise ResultsError(f"{source}: {VOCABULARY_KEY}: '{key}' lists a name twice")
    return entries


def _sweeps(data: dict[str, Any], source: str) -> dict[str, tuple[int, ...]]:
    sweeps = require(data, "hit_percent_sweeps", "object", source, VOCABULARY_KEY)
    for name, hits in sweeps.items():
        if not (isinstance(hits, list) and hits and all(isinstance(hit, int) and not isinstance(hit, bool)
                                                        and 0 <= hit <= 100 for hit in hits)):
            raise ResultsError(f"{source}: {VOCABULARY_KEY}: hit-percent sweep {name!r} is not a list of "
                               f"integers 0..100")
    missing = [name for name in SWEEPS_USED if name not in sweeps]
    if missing:
        raise ResultsError(f"{source}: {VOCABULARY_KEY}: no hit-percent sweep {', '.join(missing)}")
    return {name: tuple(hits) for name, hits in sweeps.items()}


def parse_vocabulary(data: Any, source: str) -> Vocabulary:
    """The vocabulary object (as `vtbench --list` prints it), checked; `source` names it in messages."""
    data = require_object(data, f"{source}: {VOCABULARY_KEY}")
    where = f"{VOCABULARY_KEY} implementation"
    implementations = tuple(
        Implementation(entry["name"], require(entry, "value_task", "boolean", source, f"{where} {entry['name']}"),
                       require(entry, "pooled", "boolean", source, f"{where} {entry['name']}"))
        for entry in _entries(data, "implementations", source))
    forms = tuple(Form(entry["name"], require(entry, "type", "string", source, f"{VOCABULARY_KEY} form {entry['name']}"),
                       require(entry, "value_task", "boolean", source, f"{VOCABULARY_KEY} form {entry['name']}"))
                  for entry in _entries(data, "forms", source))
    return Vocabulary(implementations=implementations, forms=forms, scenarios=_names(data, "scenarios", source),
                      hit_percent_sweeps=_sweeps(data, source), payloads=_names(data, "payloads", source),
                      db_modes=_names(data, "db_modes", source),
                      factory_kinds=_names(data, "factory_kinds", source),
                      multi_await_vias=_names(data, "multi_await_vias", source),
                      multi_await_states=_names(data, "multi_await_states", source),
                      allocators=_names(data, "allocators", source), source=source)


def vocabulary_from_context(context: dict[str, Any], source: str) -> Vocabulary | None:
    """The vocabulary a Google Benchmark file's context carries, or None when it has none."""
    if VOCABULARY_KEY not in context:
        return None
    text = require(context, VOCABULARY_KEY, "string", source, "context")
    return parse_vocabulary(parse_json_text(text, f"{source}: context {VOCABULARY_KEY}"), source)
