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


def format_rate(spread: Spread) -> str:
    """'3,248,000 (3,190,112-3,301,554)': a rate per second, the median with the min-max range."""
    return f"{spread.median:,.0f} ({spread.low:,.0f}-{spread.high:,.0f})"


def format_latency(ns: float) -> str:
    """A latency in microseconds to about three figures: '0.310 us', '1.20 us', '40.0 us', '1,234 us'."""
    micro = ns / 1000
    decimals = 3 if micro < 1 else 2 if micro < 10 else 1 if micro < 100 else 0
    return f"{micro:,.{decimals}f} us"
