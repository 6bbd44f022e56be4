"""Small numeric helpers shared by gates."""

from __future__ import annotations

from collections.abc import Iterable


def total(weights: Iterable[float]) -> float:
    return round(sum(weights), 9)


def sums_to_one(weights: Iterable[float], tolerance: float) -> bool:
    return abs(total(weights) - 1.0) <= tolerance


def pct(value: float) -> str:
    return f"{value * 100:.1f}%".replace(".0%", "%")


def band(target: float, tolerance: float) -> str:
    return f"{pct(target - tolerance)}-{pct(target + tolerance)}"
