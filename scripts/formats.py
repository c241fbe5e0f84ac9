"""How figures are written wherever a script prints or renders them."""

from __future__ import annotations

from stats import Spread


def format_allocs(value: float) -> str:
    return f"{value:.2f}"


def format_ns(spread: Spread) -> str:
    """'412.3 ns (405.9-430.2)': the median with the min-max range of the repetitions."""
    return f"{spread.median:.1f} ns ({spread.low:.1f}-{spread.high:.1f})"


def format_p_value(p_value: float | None) -> str:
    """'0.0004', or 'n/a' where no test could be made."""
    return "n/a" if p_value is None else f"{p_value:.4f}"


def format_bytes(value: float) -> str:
    return f"{value:,.0f} B"
