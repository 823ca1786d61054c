"""Options shared by the tasks, and the flat ``**options`` front door.

Each task has an options dataclass made of groups (``base_options``,
``classification_options``, ``image_options``, ...). ``create_from_file(path, **options)``
accepts the fields of every group by name, so ``max_results=3`` lands in the
classification group and ``num_threads=2`` in the base options.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from tflite_tasks.core.errors import OptionsError

if TYPE_CHECKING:
    from tflite_tasks.core.classification import ScoreCalibration
    from tflite_tasks.core.custom_ops import Kernel

LabelsLike = str | os.PathLike | Sequence[str]
"""Labels: a list of names, or the path of a text file with one name per line."""

MAX_THREADS = 1024
RESAMPLINGS = ("opencv", "task_library")


def is_int(value: object) -> bool:
    """True for ints (numpy ints too), False for bools."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def is_real(value: object) -> bool:
    """True for finite real numbers (numpy too), False for bools."""
    return (isinstance(value, numbers.Real) and not isinstance(value, bool)
            and math.isfinite(float(value)))


@dataclass
class BaseOptions:
    """Where the model comes from and how it runs.

    Attributes:
        model_file: path of the ``.tflite`` model.
        model_bytes: the model's bytes (instead of ``model_file``).
        num_threads: CPU threads for inference; ``None`` uses every CPU available.
        custom_ops: Python kernels for custom ops the model uses, by op name (see
            :mod:`tflite_tasks.core.custom_ops`); they take precedence over kernels
            registered with ``register_custom_op``.
    """

    model_file: str | os.PathLike | None = None
    model_bytes: bytes | None = field(default=None, repr=False)
    num_threads: int | None = None
    custom_ops: Mapping[str, Kernel] | None = None

    def model_source(self) -> str | os.PathLike | bytes:
        """Returns the model path or bytes; exactly one of the two must be given."""
        if (self.model_file is None) == (self.model_bytes is None):
            raise OptionsError(
                "give exactly one of BaseOptions.model_file (a path) and "
                "BaseOptions.model_bytes (the model's bytes)"
            )
        return self.model_bytes if self.model_bytes is not None else self.model_file


@dataclass
class ClassificationOptions:
    """How classification scores become categories (semantics of the TFLite Task Library).

    Attributes:
        max_results: keep at most this many categories per head; -1 keeps all; 0 is invalid.
        score_threshold: drop categories scoring below this; overrides the metadata's
            ScoreThresholdingOptions; default (no metadata either) 0.0.
        category_name_allowlist: keep only these labels (exclusive with the denylist).
        category_name_denylist: drop these labels.
        display_names_locale: locale of the display-name label file to use ("en").
        labels: labels when the model has none in its metadata (or to replace them): a list
            or a file with one label per line; a mapping head index -> labels for several heads.
        display_names: display names, given like ``labels``.
        score_calibration: a :class:`~tflite_tasks.ScoreCalibration` replacing the
            metadata's (or a mapping head index -> calibration).
    """

    max_results: int = -1
    score_threshold: float | None = None
    category_name_allowlist: Sequence[str] = ()
    category_name_denylist: Sequence[str] = ()
    display_names_locale: str = "en"
    labels: LabelsLike | Mapping[int, LabelsLike] | None = None
    display_names: LabelsLike | Mapping[int, LabelsLike] | None = None
    score_calibration: ScoreCalibration | Mapping[int, ScoreCalibration] | None = None

    def validate(self) -> None:
        """Raises OptionsError for invalid values and combinations (reference semantics)."""
        if not is_int(self.max_results) or self.max_results == 0:
            raise OptionsError(
                f"Invalid max_results={self.max_results!r}: must be a non-zero integer "
                "(-1, the default, keeps every category)"
            )
        threshold = self.score_threshold
        if threshold is not None and not (is_real(threshold) or threshold in (-math.inf, math.inf)):
            raise OptionsError(f"score_threshold must be a number (not NaN), not {threshold!r}")
        if self.category_name_allowlist and self.category_name_denylist:
            raise OptionsError(
                "category_name_allowlist and category_name_denylist are mutually exclusive: "
                "give one of them"
            )
        for name in ("category_name_allowlist", "category_name_denylist"):
            value = getattr(self, name)
            if isinstance(value, str | bytes) or not isinstance(value, Sequence | set) or not all(
                isinstance(v, str) for v in value
            ):
                raise OptionsError(f"{name} is a list of label names, not {value!r}")
        if not isinstance(self.display_names_locale, str):
            raise OptionsError(
                f"display_names_locale is a locale string such as 'en', not "
                f"{self.display_names_locale!r}"
            )
        for name in ("labels", "display_names", "score_calibration"):
            value = getattr(self, name)
            if isinstance(value, Mapping) and not all(is_int(k) for k in value):
                raise OptionsError(
                    f"{name} given per head maps output positions (ints) to values; "
                    f"got keys {list(value)!r}"
                )

    def resolved(self) -> ClassificationOptions:
        """A copy with label files read into lists (so the options travel without files)."""

        def read(value: object) -> object:
            if value is None:
                return None
            if isinstance(value, Mapping):
                return {k: read_labels(v) for k, v in value.items()}
            return read_labels(value)  # type: ignore[arg-type]

        self.validate()
        return dataclasses.replace(self, labels=read(self.labels),
                                   display_names=read(self.display_names))


@dataclass
class ImageOptions:
    """Image preprocessing values the model's metadata normally gives.

    Attributes:
        normalization_mean: per-channel (1 or 3 values) mean for float and int8 inputs,
            in pixel units: the model sees ``(pixel - mean) / std``. Overrides metadata.
        normalization_std: per-channel (1 or 3 values) standard deviation, likewise.
        resampling: how images are resized to the model's input: "opencv" (bilinear,
            OpenCV's INTER_LINEAR; the fastest) or "task_library" (libyuv's bilinear as the
            reference TFLite Task Library runs it, bit for bit; 0.1 to 0.5 ms slower), for
            results that match the reference's as closely as possible.
    """

    normalization_mean: float | Sequence[float] | None = None
    normalization_std: float | Sequence[float] | None = None
    resampling: str = "opencv"

    def validate(self) -> None:
        """Raises OptionsError unless each value is a finite number or a list of them, and
        ``resampling`` is known."""
        if self.resampling not in RESAMPLINGS:
            raise OptionsError(f"resampling must be one of {RESAMPLINGS}, not "
                               f"{self.resampling!r}")
        for name in ("normalization_mean", "normalization_std"):
            value = getattr(self, name)
            values = value if isinstance(value, Sequence) and not isinstance(value, str) else [
                value]
            if value is not None and not (values and all(is_real(v) for v in values)):
                raise OptionsError(
                    f"{name} is a number or a list of 1 or 3 numbers, not {value!r}"
                )


def read_labels(labels: LabelsLike) -> list[str]:
    """Returns label names from a list, or from a file with one name per line."""
    if isinstance(labels, str | os.PathLike):
        path = Path(labels)
        if not path.is_file():
            raise OptionsError(f"labels file not found: {str(path)!r}")
        try:
            return split_lines(path.read_text(encoding="utf-8-sig"))
        except UnicodeDecodeError as e:
            raise OptionsError(f"labels file {str(path)!r} is not UTF-8 text: {e}") from e
    if isinstance(labels, Sequence) and all(isinstance(x, str) for x in labels):
        return list(labels)
    raise OptionsError(
        f"labels are a list of strings or the path of a text file, not {type(labels).__name__}"
    )


def split_lines(text: str) -> list[str]:
    """Splits a label file on newlines; a trailing empty line is dropped (reference rule)."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line.removesuffix("\r") for line in lines]


GroupT = TypeVar("GroupT")


def from_flat_options(
    options_cls: type[GroupT], base_options: BaseOptions, kwargs: Mapping[str, Any]
) -> GroupT:
    """Builds a task's options dataclass from flat keyword arguments.

    Each keyword goes to the option group that has a field of that name; the groups are
    the dataclass fields of ``options_cls`` other than ``base_options``.
    """
    groups: dict[str, type] = {
        f.name: f.default_factory  # type: ignore[misc]
        for f in dataclasses.fields(options_cls)  # type: ignore[arg-type]
        if f.name != "base_options"
    }
    owner: dict[str, str] = {}
    for field_name in dataclasses.fields(BaseOptions):
        owner[field_name.name] = "base_options"
    for group, factory in groups.items():
        for group_field in dataclasses.fields(factory):
            owner[group_field.name] = group
    values: dict[str, dict[str, Any]] = {group: {} for group in groups}
    values["base_options"] = {}
    for key, value in kwargs.items():
        if key not in owner:
            raise OptionsError(
                f"unknown option {key!r}; the options are: {', '.join(sorted(owner))}"
            )
        values[owner[key]][key] = value
    base = dataclasses.replace(base_options, **values.pop("base_options"))
    built = {group: groups[group](**values[group]) for group in groups}
    return options_cls(base_options=base, **built)  # type: ignore[call-arg]

