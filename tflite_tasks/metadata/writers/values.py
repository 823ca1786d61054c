"""Checks of the numbers the writer blocks take (normalization, score threshold and
calibration, audio properties): a MetadataError names the value, rather than a TypeError, a
NaN written into the metadata, or a model the tasks refuse."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from ...core.errors import MetadataError
from ...core.options import is_int, is_real


def real(value: object, name: str, infinite: bool = False) -> float:
    """``value`` as a float: a finite number (or an infinite one if ``infinite``)."""
    if is_real(value) or (infinite and isinstance(value, float | np.floating)
                          and math.isinf(value)):
        return float(value)  # type: ignore[arg-type]
    raise MetadataError(f"{name} must be a {'' if infinite else 'finite '}number, not {value!r}")


def reals(values: object, name: str) -> list[float] | None:
    """``values`` (None, or a list or array of finite numbers) as a list of floats."""
    if values is None:
        return None
    if isinstance(values, str | bytes) or not isinstance(values, Sequence | np.ndarray):
        hint = f": wrap it in a list ([{values!r}])" if is_real(values) else ""
        raise MetadataError(f"{name} is a list of numbers (one, or one per channel), not "
                            f"{values!r}{hint}")
    return [real(v, f"each value of {name}") for v in values]


def whole(value: object, name: str, least: int, example: str = "") -> int:
    """``value`` if it is an integer from ``least`` to 2**32 - 1 (a schema uint)."""
    if not is_int(value) or not least <= value < 2**32:  # type: ignore[operator]
        what = "a positive" if least > 0 else "a non-negative"
        raise MetadataError(f"{name} must be {what} integer{example}, got {value!r}")
    return int(value)  # type: ignore[call-overload]
