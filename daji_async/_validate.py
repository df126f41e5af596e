"""The argument checks every public call uses, declared once.

Each raises a ValueError (or TypeError for a value of the wrong kind) that names the
argument, before anything is sent. ``bool`` is never accepted where an int is meant.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from typing import Any


def integer(name: str, value: object, *, low: int | None = None, high: int | None = None) -> int:
    """``value`` as an int within ``[low, high]``, else ValueError naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be an int{_bounds(low, high)}, got {value!r}")
    if (low is not None and value < low) or (high is not None and value > high):
        raise ValueError(f"{name} must be an int{_bounds(low, high)}, got {value!r}")
    return value


def optional_integer(name: str, value: object, *, low: int | None = None, high: int | None = None) -> int | None:
    """Like :func:`integer`, allowing None."""
    if value is None:
        return None
    try:
        return integer(name, value, low=low, high=high)
    except ValueError:
        raise ValueError(f"{name} must be None or an int{_bounds(low, high)}, got {value!r}") from None


def is_positive_number(value: object) -> bool:
    """True for an int or float above zero (and not a bool, not NaN)."""
    return not isinstance(value, bool) and isinstance(value, (int, float)) and value > 0


def positive_seconds(name: str, value: object) -> float:
    """A finite number of seconds above zero, else ValueError naming ``name``."""
    if not is_positive_number(value) or not math.isfinite(value):  # type: ignore[arg-type]
        raise ValueError(f"{name} must be a finite number of seconds > 0, got {value!r}")
    return float(value)  # type: ignore[arg-type]


def positive_id(name: str, value: object) -> int:
    """A positive numeric id given as an int or a digit string (offer ids, order ids)."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    try:
        number = int(value)
    except ValueError:
        raise ValueError(f"{name} must be a number, got {value!r}") from None
    if number <= 0:
        raise ValueError(f"{name} must be positive, got {value!r}")
    return number


def text(name: str, value: object, *, required: bool = True) -> str | None:
    """A non-blank str (or None when not ``required``), else TypeError/ValueError naming ``name``."""
    if value is None and not required:
        return None
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, got {type(value).__name__}")
    if required and not value.strip():
        raise ValueError(f"{name} must not be empty")
    return value


def known_keys(call: str, given: Mapping[str, Any], allowed: Collection[str]) -> None:
    """TypeError for any keyword in ``given`` that ``call`` does not take (no silent drop, no guess sent)."""
    unknown = [key for key in given if key not in allowed]
    if unknown:
        raise TypeError(f"{call}() got unexpected keyword argument(s) {', '.join(sorted(unknown))}")


def _bounds(low: int | None, high: int | None) -> str:
    if low is not None and high is not None:
        return f" between {low} and {high}"
    if low is not None:
        return f" >= {low}"
    if high is not None:
        return f" <= {high}"
    return ""


__all__ = [
    "integer",
    "is_positive_number",
    "known_keys",
    "optional_integer",
    "positive_id",
    "positive_seconds",
    "text",
]
