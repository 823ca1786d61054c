"""The output families of object detectors, and how each becomes candidate boxes.

* ``"ssd"``: SSD models with the in-graph ``TFLite_Detection_PostProcess`` op: four outputs
  (locations, classes, scores, number of detections), mapped by their metadata names with
  the reference Task Library's fallback to that order. Boxes already went through NMS.
* ``"ssd_anchors"``: SSD models cut before that op: box encodings ``[1, N, 4]`` and class
  scores ``[1, N, C]``, decoded against SSD anchors (given, or generated from
  :class:`~tflite_tasks.core.boxes.SsdAnchorOptions`), then non-maximum suppression.
* ``"yolo"``: one output ``[1, N, 4 + C]`` or ``[1, 4 + C, N]`` (centre x, y, width, height,
  optional objectness, class scores), then non-maximum suppression.

The family is recognized from the outputs' count, shapes and metadata names;
``DecoderOptions.output_family`` forces one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from tflite_tasks.core import boxes
from tflite_tasks.core.boxes import SsdAnchorOptions
from tflite_tasks.core.engine import Engine
from tflite_tasks.core.errors import MetadataError, OptionsError
from tflite_tasks.core.options import is_real
from tflite_tasks.metadata import Metadata
from tflite_tasks.metadata.schema import (
    BoundingBoxProperties,
    BoundingBoxType,
    CoordinateType,
    TensorMetadata,
)

FAMILIES = ("ssd", "ssd_anchors", "yolo")
SSD_NAMES = ("location", "category", "score", "number of detections")
"""The metadata names of the SSD outputs, in the fallback order (reference Task Library)."""
_STANDARD_SSD_INDEX = (1, 0, 3, 2)  # TF Object Detection API boxes: ymin, xmin, ymax, xmax


@dataclass
class DecoderOptions:
    """How raw detector outputs become boxes; the defaults suit the usual models.

    Attributes:
        output_family: "auto" (recognize), "ssd", "ssd_anchors" or "yolo" (see the module).
        iou_threshold: non-maximum suppression drops a box overlapping a better one by more
            than this intersection-over-union ("ssd_anchors" and "yolo").
        class_aware_nms: suppress only boxes of the same class (True) or of any class
            (False); default: False for "ssd_anchors" (as TFLite_Detection_PostProcess),
            True for "yolo" (as Ultralytics).
        anchors: "ssd_anchors": the anchors, (N, 4) ``(y_center, x_center, height, width)``
            normalized; default: generated from ``anchor_options``.
        anchor_options: "ssd_anchors": anchor generation parameters (default: the standard
            SSD MobileNet configuration, 1917 anchors at 300x300).
        box_scales: "ssd_anchors": the box coder's (y, x, height, width) scales.
        score_activation: "ssd_anchors" and "yolo": "sigmoid", "softmax" or "none" applied
            to the class scores; default for "ssd_anchors": "sigmoid" unless every score of
            the call lies in [0, 1] (already probabilities: models cut after the score
            conversion), "none" for "yolo".
        background_class: whether score column 0 is a background class to drop; default:
            when there is one more column than labels, or for "ssd_anchors" without labels.
        yolo_objectness: whether YOLO rows have an objectness score after the box; default:
            when there is one more column than 4 + labels (YOLOv5), else not (YOLOv8).
        yolo_coordinates: "auto", "normalized" or "pixels" (of the model input).
    """

    output_family: str = "auto"
    iou_threshold: float = 0.5
    class_aware_nms: bool | None = None
    anchors: np.ndarray | None = None
    anchor_options: SsdAnchorOptions | None = None
    box_scales: Sequence[float] = (10.0, 10.0, 5.0, 5.0)
    score_activation: str | None = None
    background_class: bool | None = None
    yolo_objectness: bool | None = None
    yolo_coordinates: str = "auto"

    def validate(self) -> None:
        """Raises OptionsError for values outside their domain."""
        if self.output_family not in ("auto", *FAMILIES):
            raise OptionsError(f"output_family must be 'auto' or one of {FAMILIES}, "
                               f"not {self.output_family!r}")
        if not (is_real(self.iou_threshold) and 0.0 <= self.iou_threshold <= 1.0):
            raise OptionsError(f"iou_threshold must be in [0, 1], not {self.iou_threshold!r}")
        if self.score_activation not in (None, "sigmoid", "softmax", "none"):
            raise OptionsError("score_activation must be 'sigmoid', 'softmax' or 'none', not "
                               f"{self.score_activation!r}")
        if self.yolo_coordinates not in ("auto", "normalized", "pixels"):
            raise OptionsError("yolo_coordinates must be 'auto', 'normalized' or 'pixels', "
                               f"not {self.yolo_coordinates!r}")
        if len(tuple(self.box_scales)) != 4 or not all(is_real(s) and s > 0
                                                       for s in self.box_scales):
            raise OptionsError(f"box_scales are 4 positive numbers (y, x, h, w), not "
                               f"{self.box_scales!r}")
        for name in ("class_aware_nms", "background_class", "yolo_objectness"):
            value = getattr(self, name)
            if not (value is None or isinstance(value, bool)):
                raise OptionsError(f"{name} must be True or False, not {value!r}")


@dataclass
class Candidates:
    """Decoded detections before filtering: (K, 4) float ``(left, top, right, bottom)``
    normalized to the model input, (K,) int64 classes (label indices), (K,) float32 scores."""

    boxes: np.ndarray
    classes: np.ndarray
    scores: np.ndarray


class Decoder:
    """Reads a family's outputs; ``needs_nms`` tells whether NMS is still to be done, and
    ``class_aware`` whether it is done per class."""

    family: str
    needs_nms: bool
    class_aware: bool = False
    positions: list[int]
    """The output positions read, in the order :meth:`__call__` takes them."""
    score_position: int
    """The output whose metadata holds the score threshold and calibration."""

    def __call__(self, raw: Sequence[np.ndarray]) -> Candidates:
        raise NotImplementedError


class SsdDecoder(Decoder):
    """Four outputs from ``TFLite_Detection_PostProcess``: boxes already suppressed."""

    family = "ssd"
    needs_nms = False

    def __init__(self, engine: Engine, metadata: Metadata) -> None:
        specs = engine.outputs
        if len(specs) != 4:
            raise OptionsError(f"output_family 'ssd' needs the 4 outputs of "
                               f"TFLite_Detection_PostProcess; this model has {len(specs)}")
        names = [md.name if (md := metadata.output_tensor(i)) is not None else None
                 for i in range(4)]
        if all(name in names for name in SSD_NAMES):
            self.positions = [names.index(name) for name in SSD_NAMES]
        else:
            self.positions = [0, 1, 2, 3]
        location, category, score, count = (specs[p] for p in self.positions)
        self._specs = (location, category, score, count)
        if location.shape[-1] != 4 or len(location.shape) != 3 or location.shape[0] != 1 or any(
                len(s.shape) != 2 or s.shape[0] != 1 for s in (category, score)):
            raise OptionsError(
                "the SSD outputs should be locations [1, N, 4], classes [1, N], scores [1, N] "
                f"and a count [1]; this model's are {[list(s.shape) for s in self._specs]}"
            )
        self.score_position = self.positions[2]
        self._index, self._type, self._pixels = _box_layout(
            metadata.output_tensor(self.positions[0]))
        self._pixel_scale = np.tile(np.array(_input_size(engine), np.float32), 2)

    def __call__(self, raw: Sequence[np.ndarray]) -> Candidates:
        location, category, score, count = (
            spec.dequantize(r).astype(np.float32, copy=False).reshape(-1)
            for spec, r in zip(self._specs, raw, strict=True))
        n = int(min(max(float(count[0]), 0.0), score.size))
        values = location.reshape(-1, 4)[:n][:, self._index]
        if self._pixels:
            values = values / self._pixel_scale
        return Candidates(_to_boundaries(values, self._type),
                          category[:n].astype(np.int64), score[:n])


def _input_size(engine: Engine) -> tuple[int, int]:
    """The (width, height) of the model's image input [1, H, W, C]."""
    return engine.inputs[0].shape[2], engine.inputs[0].shape[1]


def _box_layout(tensor_md: TensorMetadata | None) -> tuple[list[int], int, bool]:
    """(positions of the 4 values, BoundingBoxType, pixel coordinates) from metadata.

    Without BoundingBoxProperties: the TF Object Detection API's ymin, xmin, ymax, xmax.
    """
    content = tensor_md.content if tensor_md is not None else None
    props = content.content_properties if content is not None else None
    if not isinstance(props, BoundingBoxProperties):
        return list(_STANDARD_SSD_INDEX), BoundingBoxType.BOUNDARIES, False
    index = list(props.index) if props.index else [0, 1, 2, 3]
    if sorted(index) != [0, 1, 2, 3]:
        raise MetadataError(f"BoundingBoxProperties.index must order 0, 1, 2, 3, not {index}")
    try:
        box_type = BoundingBoxType(props.type or BoundingBoxType.BOUNDARIES)
        coordinates = CoordinateType(props.coordinate_type or CoordinateType.RATIO)
    except ValueError as e:
        raise MetadataError(f"unknown BoundingBoxProperties value: {e}") from None
    # `index` gives where left, top, right, bottom (or x, y, w, h) sit in each 4-tuple.
    return index, box_type, coordinates == CoordinateType.PIXEL


def _to_boundaries(values: np.ndarray, box_type: int) -> np.ndarray:
    """(N, 4) boxes ordered as the type's fields -> (left, top, right, bottom)."""
    if box_type == BoundingBoxType.UPPER_LEFT:  # left, top, width, height
        return np.concatenate([values[:, :2], values[:, :2] + values[:, 2:]], axis=1)
    if box_type == BoundingBoxType.CENTER:  # centre x, centre y, width, height
        half = values[:, 2:] / 2
        return np.concatenate([values[:, :2] - half, values[:, :2] + half], axis=1)
    return values


def _activate(scores: np.ndarray, activation: str) -> np.ndarray:
    """Applies "sigmoid", "softmax" (over classes), "none", or "auto" (sigmoid unless the
    scores already lie in [0, 1]) to (N, C) scores."""
    if activation == "auto":
        inside = scores.size == 0 or (scores.min() >= 0.0 and scores.max() <= 1.0)
        activation = "none" if inside else "sigmoid"
    if activation == "sigmoid":
        with np.errstate(over="ignore"):
            return (1.0 / (1.0 + np.exp(-scores))).astype(np.float32)
    if activation == "softmax":
        shifted = np.exp(scores - scores.max(axis=1, keepdims=True))
        return (shifted / shifted.sum(axis=1, keepdims=True)).astype(np.float32)
    return scores


class _RawDecoder(Decoder):
    """Shared by the families that end with class scores per box and NMS."""

    needs_nms = True

    def _init_scores(self, options: DecoderOptions, num_classes: int, num_labels: int | None,
                     default_activation: str, default_background: bool) -> None:
        self._activation = options.score_activation or default_activation
        self.class_aware = bool(options.class_aware_nms)
        background = options.background_class
        if background is None:
            background = (num_classes == num_labels + 1 if num_labels is not None
                          else default_background)
        self._first_class = 1 if background else 0
        if num_labels is not None and num_classes - self._first_class != num_labels:
            which = " (one is background)" if background else ""
            raise OptionsError(
                f"the model scores {num_classes} classes{which} but {num_labels} labels were "
                "given; pass labels=... with one name per class, or background_class=..."
            )

    def _candidates(self, box_values: np.ndarray, scores: np.ndarray) -> Candidates:
        scores = _activate(scores[:, self._first_class:], self._activation)
        classes, best = boxes.best_class(scores)
        return Candidates(box_values, classes, best)


class AnchorDecoder(_RawDecoder):
    """Box encodings [1, N, 4] and class scores [1, N, C], decoded against SSD anchors."""

    family = "ssd_anchors"

    def __init__(self, engine: Engine, metadata: Metadata, options: DecoderOptions,
                 num_labels: int | None) -> None:
        specs = engine.outputs
        if len(specs) != 2:
            raise OptionsError(f"output_family 'ssd_anchors' needs 2 outputs (box encodings "
                               f"and class scores); this model has {len(specs)}")
        names = [metadata.output_name(i, s.name) for i, s in enumerate(specs)]
        box_position = next((i for i, n in enumerate(names) if "location" in n.lower()
                             or "box" in n.lower()),
                            0 if specs[0].shape[-1] == 4 else 1)
        score_position = 1 - box_position
        self.positions = [box_position, score_position]
        self.score_position = score_position
        box_spec, score_spec = specs[box_position], specs[score_position]
        if (len(box_spec.shape) != 3 or box_spec.shape[-1] != 4 or len(score_spec.shape) != 3
                or box_spec.shape[1] != score_spec.shape[1]):
            raise OptionsError(
                "output_family 'ssd_anchors' reads box encodings [1, N, 4] and scores "
                f"[1, N, C]; this model's outputs are {list(box_spec.shape)} and "
                f"{list(score_spec.shape)}"
            )
        self._specs = (box_spec, score_spec)
        anchors = options.anchors
        if anchors is None:
            anchors = boxes.ssd_anchors(options.anchor_options or SsdAnchorOptions(),
                                        *_input_size(engine))
        self._anchors = np.asarray(anchors, np.float32)
        if self._anchors.shape != (box_spec.shape[1], 4):
            raise OptionsError(
                f"the model has {box_spec.shape[1]} boxes but the anchors are "
                f"{list(self._anchors.shape)}: pass anchors=... ((N, 4) y_center, x_center, "
                "height, width) or anchor_options=SsdAnchorOptions(...) matching the model"
            )
        self._scales = tuple(float(s) for s in options.box_scales)
        self._init_scores(options, score_spec.shape[2], num_labels, "auto", True)

    def __call__(self, raw: Sequence[np.ndarray]) -> Candidates:
        box_spec, score_spec = self._specs
        encodings = box_spec.dequantize(raw[0]).astype(np.float32, copy=False)[0]
        scores = score_spec.dequantize(raw[1]).astype(np.float32, copy=False)[0]
        decoded = boxes.decode_center_size_boxes(encodings, self._anchors, self._scales)
        return self._candidates(decoded, scores)


class YoloDecoder(_RawDecoder):
    """One output [1, N, 4 (+1) + C] or [1, 4 (+1) + C, N]: centre, size, scores."""

    family = "yolo"

    def __init__(self, engine: Engine, options: DecoderOptions, num_labels: int | None) -> None:
        specs = engine.outputs
        if len(specs) != 1 or len(specs[0].shape) not in (2, 3):
            raise OptionsError(
                "output_family 'yolo' reads one output [1, N, 4 + C] or [1, 4 + C, N]; this "
                f"model's outputs are {[list(s.shape) for s in specs]}"
            )
        self._spec = specs[0]
        self.positions = [0]
        self.score_position = 0
        self._size = _input_size(engine)
        self._options = options
        self._activation = options.score_activation or "none"
        self._first_class = 1 if options.background_class else 0
        self._num_classes = None if num_labels is None else num_labels + self._first_class
        self.class_aware = options.class_aware_nms is not False
        self([np.zeros(self._spec.shape, self._spec.dtype)])  # checks the labels fit the shape

    def __call__(self, raw: Sequence[np.ndarray]) -> Candidates:
        values = self._spec.dequantize(raw[0]).astype(np.float32, copy=False)
        box_values, scores = boxes.decode_yolo(
            values, self._num_classes, self._options.yolo_objectness, *self._size,
            coordinates=self._options.yolo_coordinates)
        return self._candidates(box_values, scores)


def recognize(engine: Engine, options: DecoderOptions, num_labels: int | None) -> Decoder:
    """Returns the decoder of the model's family (``options.output_family`` or recognized).

    ``num_labels`` is the label count when known (it settles background and objectness).
    """
    metadata = engine.metadata
    family = options.output_family
    specs = engine.outputs
    if family == "auto":
        if len(specs) == 4:
            family = "ssd"
        elif len(specs) == 2 and any(len(s.shape) == 3 and s.shape[-1] == 4 for s in specs):
            family = "ssd_anchors"
        elif len(specs) == 1 and len(specs[0].shape) == 3 and max(specs[0].shape[1:]) > 4:
            family = "yolo"
        else:
            raise OptionsError(
                f"cannot tell this model's detector family from its outputs "
                f"{[list(s.shape) for s in specs]}: a detector has 4 outputs (SSD with "
                "TFLite_Detection_PostProcess), 2 (box encodings [1, N, 4] and scores "
                "[1, N, C]) or 1 (YOLO [1, N, 4 + C]); pass output_family=... if it is one "
                "of these"
            )
    if family == "ssd":
        return SsdDecoder(engine, metadata)
    if family == "ssd_anchors":
        return AnchorDecoder(engine, metadata, options, num_labels)
    return YoloDecoder(engine, options, num_labels)
