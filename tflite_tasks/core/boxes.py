"""Decoding of raw object-detector outputs: SSD anchors, box decoding, YOLO outputs, NMS.

Boxes are float32 arrays (N, 4) of normalized ``(left, top, right, bottom)`` =
``(xmin, ymin, xmax, ymax)`` in units of the model input's width and height (values may
fall outside [0, 1]; nothing is clipped). Anchors are (N, 4) ``(y_center, x_center,
height, width)``, normalized the same way.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from tflite_tasks.core.errors import OptionsError

_COORDINATES = ("auto", "normalized", "pixels")


@dataclass(frozen=True)
class SsdAnchorOptions:
    """Anchor grid options, as MediaPipe's ``SsdAnchorsCalculatorOptions``.

    The defaults are the SSD MobileNet v1/v2 COCO configuration (1917 anchors at 300x300).
    Feature map sizes are ``ceil(input / stride)`` unless ``feature_map_width`` and
    ``feature_map_height`` give them; ``strides`` are needed either way (they set the scales
    and which layers share a grid).
    """

    num_layers: int = 6
    min_scale: float = 0.2
    max_scale: float = 0.95
    strides: Sequence[int] = (16, 32, 64, 128, 256, 512)
    aspect_ratios: Sequence[float] = (1.0, 2.0, 0.5, 3.0, 0.3333)
    anchor_offset_x: float = 0.5
    anchor_offset_y: float = 0.5
    feature_map_width: Sequence[int] = ()
    feature_map_height: Sequence[int] = ()
    reduce_boxes_in_lowest_layer: bool = True
    interpolated_scale_aspect_ratio: float = 1.0
    fixed_anchor_size: bool = False

    def __post_init__(self) -> None:
        for name in ("strides", "aspect_ratios", "feature_map_width", "feature_map_height"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        if self.num_layers < 1:
            raise OptionsError(f"num_layers must be at least 1, got {self.num_layers}")
        for name in ("min_scale", "max_scale"):
            if not 0 < getattr(self, name) < math.inf:
                raise OptionsError(f"{name} must be positive, got {getattr(self, name)}")
        if len(self.strides) != self.num_layers:
            raise OptionsError(
                f"strides has {len(self.strides)} values for num_layers={self.num_layers}: "
                "give one stride per layer")
        if any(s < 1 for s in self.strides):
            raise OptionsError(f"strides must be positive integers, got {self.strides}")
        if not self.aspect_ratios or any(not 0 < r < math.inf for r in self.aspect_ratios):
            raise OptionsError(
                f"aspect_ratios must be one or more positive numbers, got {self.aspect_ratios}")
        if not 0 <= self.interpolated_scale_aspect_ratio < math.inf:
            raise OptionsError(
                "interpolated_scale_aspect_ratio must be positive, or 0 for no interpolated "
                f"anchor, got {self.interpolated_scale_aspect_ratio}")
        for name in ("anchor_offset_x", "anchor_offset_y"):
            if not math.isfinite(getattr(self, name)):
                raise OptionsError(f"{name} must be finite, got {getattr(self, name)}")
        sizes = (self.feature_map_width, self.feature_map_height)
        if any(sizes) and not len(sizes[0]) == len(sizes[1]) == self.num_layers:
            raise OptionsError(
                f"feature_map_width has {len(sizes[0])} and feature_map_height "
                f"{len(sizes[1])} values for num_layers={self.num_layers}: give one per layer")
        if any(s < 1 for s in sizes[0] + sizes[1]):
            raise OptionsError(f"feature map sizes must be positive, got {sizes}")


def _layer_scale(options: SsdAnchorOptions, layer: int) -> np.float32:
    """The anchor scale of a layer: min_scale to max_scale, linear in the layer index."""
    if layer == len(options.strides):
        return np.float32(1.0)
    low, high = np.float32(options.min_scale), np.float32(options.max_scale)
    if len(options.strides) == 1:
        return (low + high) * np.float32(0.5)
    # float32 difference, then double arithmetic, as the C++ source.
    return np.float32(float(low) + float(high - low) * layer / (len(options.strides) - 1.0))


def ssd_anchors(options: SsdAnchorOptions, input_width: int, input_height: int) -> np.ndarray:
    """SSD anchors (N, 4) float32 ``(y_center, x_center, height, width)``, normalized.

    MediaPipe's ``SsdAnchorsCalculator``: consecutive layers with the same stride share one
    grid; order is layer, y, x, anchor shape (as the TF Object Detection API).
    """
    if not options.feature_map_width and (input_width < 1 or input_height < 1):
        raise OptionsError(f"input size must be positive, got {input_width}x{input_height}")
    strides = options.strides
    groups, first = [], 0
    while first < options.num_layers:
        last, scales, ratios = first, [], []
        while last < len(strides) and strides[last] == strides[first]:
            scale = _layer_scale(options, last)
            if last == 0 and options.reduce_boxes_in_lowest_layer:
                scales += [np.float32(0.1), scale, scale]
                ratios += [1.0, 2.0, 0.5]
            else:
                scales += [scale] * len(options.aspect_ratios)
                ratios += options.aspect_ratios
                if options.interpolated_scale_aspect_ratio > 0:
                    scales.append(np.sqrt(scale * _layer_scale(options, last + 1)))
                    ratios.append(options.interpolated_scale_aspect_ratio)
            last += 1
        if options.feature_map_width:
            width, height = options.feature_map_width[first], options.feature_map_height[first]
        else:
            width = math.ceil(input_width / strides[first])
            height = math.ceil(input_height / strides[first])
        ratio_sqrt, scale = np.sqrt(np.float32(ratios)), np.float32(scales)
        sizes = np.stack([scale / ratio_sqrt, scale * ratio_sqrt], axis=-1)
        if options.fixed_anchor_size:
            sizes[:] = 1.0
        y = (np.arange(height, dtype=np.float32) + np.float32(options.anchor_offset_y)) / height
        x = (np.arange(width, dtype=np.float32) + np.float32(options.anchor_offset_x)) / width
        grid = np.empty((height, width, len(sizes), 4), np.float32)
        grid[..., 0] = y[:, None, None]
        grid[..., 1] = x[None, :, None]
        grid[..., 2:] = sizes
        groups.append(grid.reshape(-1, 4))
        first = last
    return np.concatenate(groups)


def decode_center_size_boxes(
    encodings: np.ndarray,
    anchors: np.ndarray,
    scales: Sequence[float] = (10.0, 10.0, 5.0, 5.0),
) -> np.ndarray:
    """Decodes SSD box encodings against anchors into boxes (N, 4) ltrb, normalized.

    ``encodings`` (N, K >= 4) ``(ty, tx, th, tw, ...)`` (extra columns ignored), ``anchors``
    (N, 4) ``(y_center, x_center, h, w)``, ``scales`` ``(y, x, h, w)``: TFLite's
    ``TFLite_Detection_PostProcess`` decoding.
    """
    encodings = np.asarray(encodings, np.float32)
    anchors = np.asarray(anchors, np.float32)
    if encodings.ndim != 2 or encodings.shape[1] < 4:
        raise OptionsError(f"box encodings must be (N, 4), got shape {encodings.shape}")
    if anchors.ndim != 2 or anchors.shape[1] != 4:
        raise OptionsError(f"anchors must be (N, 4), got shape {anchors.shape}")
    if len(encodings) != len(anchors):
        raise OptionsError(
            f"the model has {len(encodings)} boxes but the anchors give {len(anchors)}: pass "
            "anchors=... or anchor_options=... that match the model")
    if len(scales) != 4 or not all(scales):
        raise OptionsError(f"scales must be 4 non-zero numbers (y, x, h, w), got {scales}")
    y_scale, x_scale, h_scale, w_scale = (np.float32(s) for s in scales)
    ya, xa, ha, wa = anchors.T
    y_center = encodings[:, 0] / y_scale * ha + ya
    x_center = encodings[:, 1] / x_scale * wa + xa
    half_h = np.float32(0.5) * np.exp(encodings[:, 2] / h_scale) * ha
    half_w = np.float32(0.5) * np.exp(encodings[:, 3] / w_scale) * wa
    return np.stack(
        [x_center - half_w, y_center - half_h, x_center + half_w, y_center + half_h], axis=1)


def _yolo_channel_axis(
    shape: tuple[int, int], num_classes: int | None, objectness: bool | None
) -> tuple[int, bool]:
    """The channel axis of a YOLO output (N, K) or (K, N), and whether it has objectness."""
    if num_classes is None:
        axis = 0 if shape[0] < shape[1] else 1
        has_objectness = bool(objectness)
        if shape[axis] < 5 + has_objectness:
            raise OptionsError(
                f"YOLO output of shape {shape} has no axis of (cx, cy, w, h, "
                f"{'objectness, ' if has_objectness else ''}class scores...)")
        return axis, has_objectness
    if num_classes < 1:
        raise OptionsError(f"num_classes must be at least 1, got {num_classes}")
    allowed = [objectness] if objectness is not None else [False, True]
    fits = [(axis, obj) for axis in (1, 0) for obj in allowed
            if shape[axis] == 4 + obj + num_classes]
    if not fits:
        sizes = " or ".join(str(4 + obj + num_classes) for obj in allowed)
        raise OptionsError(
            f"YOLO output of shape {shape} does not fit num_classes={num_classes}: one axis "
            f"must have {sizes} values (cx, cy, w, h, [objectness,] class scores)")
    return min(fits, key=lambda fit: shape[fit[0]])


def decode_yolo(
    output: np.ndarray,
    num_classes: int | None,
    objectness: bool | None,
    input_width: int,
    input_height: int,
    coordinates: str = "auto",
) -> tuple[np.ndarray, np.ndarray]:
    """Decodes one YOLO output into boxes (N, 4) ltrb normalized and scores (N, C), float32.

    ``output`` is [1, N, K] or [1, K, N] (batch optional), rows ``(cx, cy, w, h,
    [objectness,] class scores...)``, K = 4 + C or 5 + C. The channel axis is the one whose
    size fits ``num_classes`` or, unknown, the smaller (``objectness`` then defaults to
    False); the smaller wins if both fit. Scores are ``objectness * class score``.
    ``coordinates``: "normalized", "pixels" (of the ``input_width`` x ``input_height``
    model input) or "auto" (pixels when a centre coordinate exceeds 2.0 in absolute value).
    """
    if coordinates not in _COORDINATES:
        raise OptionsError(f"coordinates must be one of {_COORDINATES}, got {coordinates!r}")
    output = np.asarray(output, np.float32)
    if output.ndim == 3 and output.shape[0] == 1:
        output = output[0]
    if output.ndim != 2:
        raise OptionsError(
            f"YOLO output must be [1, N, K] or [1, K, N], got shape {output.shape}")
    axis, has_objectness = _yolo_channel_axis(output.shape, num_classes, objectness)
    rows = output.T if axis == 0 else output
    centers, sizes = rows[:, 0:2], rows[:, 2:4]
    if coordinates == "pixels" or (
        coordinates == "auto" and centers.size and np.abs(centers).max() > 2.0
    ):
        if input_width < 1 or input_height < 1:
            raise OptionsError(f"input size must be positive, got {input_width}x{input_height}")
        scale = np.array([input_width, input_height], np.float32)
        centers, sizes = centers / scale, sizes / scale
    boxes = np.concatenate([centers - sizes / 2, centers + sizes / 2], axis=1)
    scores = rows[:, 4 + has_objectness:]
    if has_objectness:
        scores = scores * rows[:, 4:5]
    return boxes, np.ascontiguousarray(scores)


def best_class(scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The best class of each row of scores (N, C): (index int64 (N,), score float32 (N,)).

    Ties go to the lowest class index.
    """
    scores = np.asarray(scores, np.float32)
    if scores.ndim != 2 or scores.shape[1] < 1:
        raise OptionsError(f"scores must be (N, C) with C >= 1, got shape {scores.shape}")
    classes = np.argmax(scores, axis=1)
    return classes.astype(np.int64), scores[np.arange(len(scores)), classes]


def _iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU float32 of broadcastable ltrb boxes given coordinates first (4, ...)."""
    inter_w = np.maximum(np.minimum(a[2], b[2]) - np.maximum(a[0], b[0]), 0)
    inter_h = np.maximum(np.minimum(a[3], b[3]) - np.maximum(a[1], b[1]), 0)
    inter = inter_w * inter_h
    area_a = np.maximum(a[2] - a[0], 0) * np.maximum(a[3] - a[1], 0)
    area_b = np.maximum(b[2] - b[0], 0) * np.maximum(b[3] - b[1], 0)
    union = area_a + area_b - inter
    return np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)


def iou(boxes_a: np.ndarray, boxes_b: np.ndarray) -> np.ndarray:
    """Intersection over union (N, M) float32 of ltrb boxes (N, 4) and (M, 4).

    Boxes with right < left or bottom < top have zero area; a zero union gives 0.
    """
    a = np.asarray(boxes_a, np.float32).T[:, :, None]
    b = np.asarray(boxes_b, np.float32).T[:, None, :]
    return _iou(a, b)


def non_max_suppression(
    boxes: np.ndarray,
    scores: np.ndarray,
    iou_threshold: float,
    max_detections: int = -1,
    classes: np.ndarray | None = None,
) -> np.ndarray:
    """Greedy NMS: int64 indices of the kept boxes, by score descending (ties: lower index).

    ``boxes`` (N, 4) ltrb, ``scores`` (N,). A box is dropped when its IoU with a kept box is
    greater than ``iou_threshold``; with ``classes`` (N,), only by a kept box of its class.
    ``max_detections`` < 0 keeps any number.
    """
    boxes = np.asarray(boxes, np.float32)
    scores = np.asarray(scores, np.float32)
    if boxes.ndim != 2 or boxes.shape[1] != 4 or scores.shape != (len(boxes),):
        raise OptionsError(
            f"NMS needs boxes (N, 4) and scores (N,), got {boxes.shape} and {scores.shape}")
    if classes is not None:
        classes = np.asarray(classes)
        if classes.shape != scores.shape:
            raise OptionsError(f"classes must be ({len(boxes)},), got shape {classes.shape}")
    order = np.argsort(-scores, kind="stable")
    limit = len(order) if max_detections < 0 else max_detections
    threshold = np.float32(iou_threshold)  # compared in float32, as TFLite
    keep: list[int] = []
    candidates = np.ascontiguousarray(boxes[order].T)  # (4, N), aligned with order
    while order.size and len(keep) < limit:
        keep.append(order[0])
        drop = _iou(candidates[:, 0], candidates[:, 1:]) > threshold
        if classes is not None:
            drop &= classes[order[1:]] == classes[order[0]]
        order, candidates = order[1:][~drop], candidates[:, 1:][:, ~drop]
    return np.asarray(keep, np.int64)
