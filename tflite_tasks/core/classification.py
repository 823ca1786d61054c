"""Classification postprocessing shared by every classifier (image, text, audio).

Scores become categories with the TFLite Task Library's semantics: dequantize, calibrate,
threshold (``score < threshold`` is dropped), allow/deny lists, sort by score (ties by
index), ``max_results``. Labels, display names, score calibration and the score threshold
come from the output tensor's metadata unless options give them.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from tflite_tasks.core.containers import Category, ClassificationResult, Classifications
from tflite_tasks.core.engine import Engine, TensorSpec
from tflite_tasks.core.errors import MetadataError, OptionsError
from tflite_tasks.core.options import ClassificationOptions, LabelsLike, read_labels, split_lines
from tflite_tasks.metadata import Metadata, process_unit_options
from tflite_tasks.metadata.schema import (
    AssociatedFileType,
    ScoreCalibrationOptions,
    ScoreThresholdingOptions,
    ScoreTransformationType,
    TensorMetadata,
)

_LOG_MIN = 1e-16


def _clamped_log(x: np.ndarray) -> np.ndarray:
    """log(x), continued below 1e-16 by ``2 log(t) - log(2t - x)`` (keeps order, no -inf)."""
    below = 2 * math.log(_LOG_MIN) - np.log(2 * _LOG_MIN - np.minimum(x, _LOG_MIN))
    return np.where(x < _LOG_MIN, below, np.log(np.maximum(x, _LOG_MIN)))


@dataclass(frozen=True)
class ScoreCalibration:
    """Sigmoid score calibration: ``scale * sigmoid(slope * g(score) + offset)`` per class.

    Classes without parameters, or scoring below their ``min_score``, get ``default_score``.
    ``g`` is the transformation: IDENTITY, LOG or INVERSE_LOGISTIC.
    """

    transformation: ScoreTransformationType
    default_score: float
    scale: np.ndarray  # (N,) float64; NaN where the class has no parameters
    slope: np.ndarray
    offset: np.ndarray
    min_score: np.ndarray  # (N,) float32 (compared in float32, as the reference); -inf if absent

    @classmethod
    def from_text(
        cls,
        text: str,
        num_classes: int | None,
        transformation: ScoreTransformationType | str = ScoreTransformationType.IDENTITY,
        default_score: float = 0.0,
    ) -> ScoreCalibration:
        """Parses the calibration file: one line per class, empty or 3-4 comma-separated values.

        ``num_classes`` is the number of lines expected (``None``: any).

        ``transformation`` is IDENTITY, LOG or INVERSE_LOGISTIC (the enum or its name).
        """
        if isinstance(transformation, str):
            try:
                transformation = ScoreTransformationType[transformation.upper()]
            except KeyError:
                raise OptionsError(
                    f"unknown score transformation {transformation!r}: use IDENTITY, LOG or "
                    "INVERSE_LOGISTIC") from None
        lines = split_lines(text)
        num_classes = len(lines) if num_classes is None else num_classes
        if len(lines) != num_classes:
            raise MetadataError(
                f"score calibration file has {len(lines)} lines for {num_classes} classes"
            )
        params = np.full((num_classes, 4), np.nan)
        params[:, 3] = -np.inf
        for i, line in enumerate(lines):
            if not line:
                continue
            fields = line.split(",")
            if len(fields) not in (3, 4):
                raise MetadataError(
                    f"score calibration line {i + 1} has {len(fields)} values, expected 3 or 4"
                )
            try:
                params[i, : len(fields)] = [float(f) for f in fields]
            except ValueError as e:
                raise MetadataError(f"score calibration line {i + 1}: {e}") from e
        if not isinstance(transformation, ScoreTransformationType):
            raise OptionsError(f"score transformation must be a ScoreTransformationType or its "
                               f"name, not {transformation!r}")
        return cls(transformation, float(default_score), params[:, 0], params[:, 1],
                   params[:, 2], params[:, 3].astype(np.float32))

    def apply(self, scores: np.ndarray, classes: np.ndarray | None = None) -> np.ndarray:
        """Returns calibrated scores (float32) for raw ``scores`` of shape (N,).

        ``scores[i]`` belongs to class ``i``, or to class ``classes[i]`` when given (a
        detector's scores); classes without parameters get ``default_score``.
        """
        scale, slope, offset, min_score = self.scale, self.slope, self.offset, self.min_score
        if classes is not None:
            known = (classes >= 0) & (classes < scale.size)
            pick = np.where(known, classes, 0)
            scale = np.where(known, scale[pick], np.nan)
            slope, offset, min_score = slope[pick], offset[pick], min_score[pick]
        x = scores.astype(np.float64)
        if self.transformation == ScoreTransformationType.LOG:
            g = _clamped_log(x)
        elif self.transformation == ScoreTransformationType.INVERSE_LOGISTIC:
            g = _clamped_log(x) - _clamped_log(1.0 - x)
        else:
            g = x
        with np.errstate(over="ignore", invalid="ignore"):
            calibrated = scale / (1.0 + np.exp(-(slope * g + offset)))
        use_default = np.isnan(scale) | (scores.astype(np.float32) < min_score)
        return np.where(use_default, self.default_score, calibrated).astype(np.float32)


@dataclass
class ClassificationHead:
    """What one output tensor needs to become :class:`Classifications`."""

    spec: TensorSpec
    name: str
    labels: list[str] | None
    display_names: list[str] | None
    calibration: ScoreCalibration | None
    metadata_threshold: float | None

    @property
    def num_classes(self) -> int | None:
        """N of a ``[1, ..., 1, N]`` output; ``None`` when the length is known at run time only."""
        return self.spec.shape[-1] if self.spec.shape else None


def _labels_file(
    tensor_md: TensorMetadata, locale: str | None, file_type: AssociatedFileType
) -> str | None:
    for f in tensor_md.associated_files or ():
        if f.type == file_type and (locale is None or f.locale == locale):
            return f.name
    return None


def metadata_labels(
    metadata: Metadata,
    tensor_md: TensorMetadata | None,
    locale: str,
    file_type: AssociatedFileType = AssociatedFileType.TENSOR_AXIS_LABELS,
) -> tuple[list[str] | None, list[str] | None]:
    """Returns (labels, display names) from a tensor's label files of ``file_type``.

    Labels come from the first such file, display names from the one whose locale is
    ``locale`` (``""`` means the first file, as in the reference); ``None`` where absent.
    """
    if tensor_md is None:
        return None, None
    labels_name = _labels_file(tensor_md, None, file_type)
    names_name = _labels_file(tensor_md, locale or None, file_type)
    return (split_lines(metadata.file_text(labels_name)) if labels_name else None,
            split_lines(metadata.file_text(names_name)) if names_name else None)


def _option_for_head(
    value: LabelsLike | Mapping[int, LabelsLike] | None, head: int
) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, Mapping):
        return read_labels(value[head]) if head in value else None
    return read_labels(value)


_SCORE_DTYPES = tuple(np.dtype(t) for t in (np.float32, np.float64, np.uint8, np.int8,
                                             np.int16, np.bool_))


def _check_output(spec: TensorSpec) -> None:
    """Scores are [N], [1, N], [1, 1, 1, N]... or of unknown shape (sized when run)."""
    shape = spec.shape
    if spec.dtype not in _SCORE_DTYPES or any(d != 1 for d in shape[:-1]):
        raise OptionsError(
            f"output {spec.position} '{spec.name}' is {spec.dtype} {list(shape)}: classification "
            "outputs are scores [1, N] (or [N], [1, 1, 1, N]) of type float32, uint8 or int8 "
            "(float64, int16 and bool too), so this model is not a classifier (a detector or "
            "segmenter has other outputs)"
        )


def _check_metadata_outputs(metadata: Metadata, count: int) -> None:
    outputs = metadata.tensors("output")
    if outputs is not None and len(outputs) != count:
        raise MetadataError(
            f"the metadata describes {len(outputs)} output tensors but the model has {count}"
        )


def build_heads(
    engine: Engine, options: ClassificationOptions, positions: Sequence[int] | None = None
) -> list[ClassificationHead]:
    """Returns one head per output (or per output in ``positions``) from metadata and options."""
    metadata: Metadata = engine.metadata
    positions = list(range(len(engine.outputs)) if positions is None else positions)
    _check_metadata_outputs(metadata, len(engine.outputs))
    for name in ("labels", "display_names", "score_calibration"):
        value = getattr(options, name)
        if isinstance(value, Mapping) and (unknown := set(value) - set(positions)):
            raise OptionsError(f"{name} is given for output(s) {sorted(unknown)}, but the "
                               f"classification heads are outputs {positions}")
    return [_build_head(engine, metadata, options, position) for position in positions]


def _build_head(
    engine: Engine, metadata: Metadata, options: ClassificationOptions, position: int
) -> ClassificationHead:
    spec = engine.outputs[position]
    _check_output(spec)
    tensor_md = metadata.output_tensor(position)
    name = metadata.output_name(position, spec.name)
    head = ClassificationHead(spec, name, _option_for_head(options.labels, position),
                              _option_for_head(options.display_names, position), None, None)
    if tensor_md is not None:
        labels, display_names = metadata_labels(metadata, tensor_md,
                                                options.display_names_locale)
        head.labels = head.labels if head.labels is not None else labels
        head.display_names = (head.display_names if head.display_names is not None
                              else display_names)
        head.metadata_threshold = metadata_threshold(tensor_md)
        head.calibration = metadata_calibration(metadata, tensor_md, head.num_classes, name)
    calibration = options.score_calibration
    if isinstance(calibration, Mapping):
        calibration = calibration.get(position)
    if calibration is not None:
        if not isinstance(calibration, ScoreCalibration):
            raise OptionsError(f"score_calibration must be a ScoreCalibration (see "
                               f"ScoreCalibration.from_text), not {type(calibration).__name__}")
        head.calibration = calibration
    _check_sizes(head, position)
    return head


def metadata_threshold(tensor_md: TensorMetadata | None) -> float | None:
    """The tensor's ScoreThresholdingOptions.global_score_threshold, if any."""
    threshold = process_unit_options(tensor_md, ScoreThresholdingOptions)
    return float(threshold.global_score_threshold) if threshold is not None else None


def metadata_calibration(
    metadata: Metadata, tensor_md: TensorMetadata | None, num_classes: int | None, name: str
) -> ScoreCalibration | None:
    """The tensor's score calibration (ScoreCalibrationOptions + its parameter file), if any.

    ``num_classes``: the lines the file must have (``None``: any); ``name`` names the tensor
    in errors.
    """
    options = process_unit_options(tensor_md, ScoreCalibrationOptions)
    if options is None or tensor_md is None:
        return None
    for f in tensor_md.associated_files or ():
        if f.type == AssociatedFileType.TENSOR_AXIS_SCORE_CALIBRATION:
            try:
                transformation = ScoreTransformationType(options.score_transformation)
            except ValueError:
                raise MetadataError(f"output '{name}' has an unknown score transformation "
                                    f"{options.score_transformation!r}") from None
            return ScoreCalibration.from_text(metadata.file_text(f.name), num_classes,
                                              transformation, options.default_score)
    raise MetadataError(
        f"output '{name}' has ScoreCalibrationOptions but no "
        "TENSOR_AXIS_SCORE_CALIBRATION file"
    )


def _check_sizes(head: ClassificationHead, position: int) -> None:
    sizes = [("labels", head.labels), ("display names", head.display_names)]
    if head.calibration is not None:
        sizes.append(("score calibration parameters", head.calibration.scale))
    for what, names in sizes:
        if names is not None and head.num_classes is not None and len(names) != head.num_classes:
            raise OptionsError(
                f"output {position} '{head.name}' has {head.num_classes} classes but "
                f"{len(names)} {what} were given"
            )


class ClassificationPostprocessor:
    """Turns raw output tensors into a :class:`ClassificationResult`."""

    def __init__(self, heads: Sequence[ClassificationHead], options: ClassificationOptions) -> None:
        options.validate()
        self.heads = list(heads)
        self.max_results = options.max_results
        self._thresholds = [
            np.float32(options.score_threshold if options.score_threshold is not None
                       else (h.metadata_threshold if h.metadata_threshold is not None else 0.0))
            for h in self.heads
        ]
        self._allowed = self._allowed_masks(options)
        self._names = [self._name_array(h.labels, h.num_classes) for h in self.heads]
        self._display_names = [self._name_array(h.display_names, h.num_classes)
                               if h.display_names else np.empty(0, dtype=object)
                               for h in self.heads]

    @staticmethod
    def _name_array(names: Sequence[str] | None, count: int | None) -> np.ndarray:
        """Names as an object array, for gathering in score order (``count`` None: sized later)."""
        array = np.empty(len(names) if count is None and names is not None else count or 0,
                         dtype=object)
        array[:] = names if names is not None else ""
        return array

    def _allowed_masks(self, options: ClassificationOptions) -> list[np.ndarray | None]:
        """Per head, which classes the allow/deny list keeps (None: all of them).

        As in the reference, the names must match at least one label of some head; empty
        names are ignored.
        """
        allow = options.category_name_allowlist
        wanted = {name for name in (allow or options.category_name_denylist) if name}
        if not (allow or options.category_name_denylist):
            return [None] * len(self.heads)
        kind = "allowlist" if allow else "denylist"
        unlabeled = [h.name for h in self.heads if h.labels is None]
        if unlabeled:
            raise OptionsError(f"category_name_{kind} needs labels, and output(s) {unlabeled} "
                               "have none: pass labels=...")
        known = set().union(*(h.labels or () for h in self.heads))
        if not wanted & known:
            raise OptionsError(f"none of the category_name_{kind} names "
                               f"{sorted(wanted)[:5]!r} match the model's labels")
        masks = [np.isin(np.array(h.labels, dtype=object), list(wanted)) for h in self.heads]
        return masks if allow else [~m for m in masks]

    def scores(self, head_index: int, raw: np.ndarray) -> np.ndarray:
        """Returns the dequantized, calibrated scores (N,) of one head."""
        head = self.heads[head_index]
        scores = head.spec.dequantize(raw).reshape(-1)
        expected = head.num_classes
        if expected is None:  # sized at run time: labels and calibration must fit it
            sizes = [len(names) for names in (head.labels, head.display_names) if names]
            if head.calibration is not None:
                sizes.append(head.calibration.scale.size)
            expected = sizes[0] if sizes else scores.size
        if scores.size != expected:
            raise OptionsError(f"output '{head.name}' gave {scores.size} scores, "
                               f"expected {expected} (one per label)")
        return head.calibration.apply(scores) if head.calibration is not None else scores

    def classify_head(self, head_index: int, raw: np.ndarray,
                      labels: np.ndarray | None = None) -> Classifications:
        """Returns the categories of one head from its raw output tensor.

        ``labels``: names given by the model at run time (an output of label strings), used
        instead of the head's labels.
        """
        scores = self.scores(head_index, raw)
        keep = scores >= self._thresholds[head_index]
        allowed = self._allowed[head_index]
        if allowed is not None:
            keep &= allowed
        candidates = np.flatnonzero(keep)
        if 0 < self.max_results < candidates.size:  # the best; ties at the cut: lowest index
            kept = scores[candidates]
            cut = -np.partition(-kept, self.max_results - 1)[self.max_results - 1]
            above = candidates[kept > cut]
            tied = candidates[kept == cut][: self.max_results - above.size]
            candidates = np.concatenate([above, tied])
        order = candidates[np.lexsort((candidates, -scores[candidates]))]
        names = self._names[head_index] if labels is None else labels
        display_names = self._display_names[head_index]
        if names.size < scores.size:
            if names.size:
                raise OptionsError(f"output '{self.heads[head_index].name}' gave "
                                   f"{scores.size} scores but {names.size} labels")
            names = np.full(scores.size, "", dtype=object)
        shown = (display_names[order].tolist() if display_names.size >= scores.size
                 else itertools.repeat(""))
        categories = list(map(Category, order.tolist(), scores[order].tolist(),
                              names[order].tolist(), shown))
        head = self.heads[head_index]
        return Classifications(categories, head.spec.position, head.name)

    def __call__(self, raw_outputs: Sequence[np.ndarray]) -> ClassificationResult:
        """``raw_outputs[i]`` is the raw tensor of ``heads[i]``."""
        return ClassificationResult(
            [self.classify_head(i, raw) for i, raw in enumerate(raw_outputs)]
        )


class ClassifierMixin:
    """What the image and audio classifiers share: one head per output, ``labels`` and
    ``postprocess``. The task calls :meth:`_setup_classification` from ``_setup``."""

    engine: Engine
    _output_positions: list[int]

    def _setup_classification(self, options: ClassificationOptions) -> ClassificationOptions:
        """Builds the heads; returns the options with label files read (to keep)."""
        options = options.resolved()
        heads = build_heads(self.engine, options)
        self._postprocessor = ClassificationPostprocessor(heads, options)
        self._output_positions = [head.spec.position for head in heads]
        return options

    @property
    def labels(self) -> list[list[str] | None]:
        """The labels of each head (``None`` for a head without labels)."""
        return [head.labels for head in self._postprocessor.heads]

    def postprocess(self, raw_outputs: Sequence[np.ndarray]) -> ClassificationResult:
        """Turns the raw output tensors (of one input) into categories."""
        return self._postprocessor(raw_outputs)
