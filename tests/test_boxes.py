"""Tests of tflite_tasks.core.boxes: SSD anchors, box decoding, YOLO outputs, NMS."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tflite_tasks.core.boxes import (
    SsdAnchorOptions,
    best_class,
    decode_center_size_boxes,
    decode_yolo,
    iou,
    non_max_suppression,
    ssd_anchors,
)
from tflite_tasks.core.errors import OptionsError

SQRT2 = math.sqrt(2.0)
BLAZEFACE = SsdAnchorOptions(
    num_layers=4, min_scale=0.1484375, max_scale=0.75, strides=(8, 16, 16, 16),
    aspect_ratios=(1.0,), reduce_boxes_in_lowest_layer=False, fixed_anchor_size=True)


# --- SSD anchors -------------------------------------------------------------------------


def _reference_anchors(o: SsdAnchorOptions, width: int, height: int) -> np.ndarray:
    """Line-by-line port of MediaPipe's SsdAnchorsCalculator::GenerateAnchors."""

    def scale_of(i: int) -> float:
        n = len(o.strides)
        return (o.min_scale + o.max_scale) * 0.5 if n == 1 else (
            o.min_scale + (o.max_scale - o.min_scale) * i / (n - 1.0))

    anchors = []
    layer = 0
    while layer < o.num_layers:
        heights, widths, ratios, scales = [], [], [], []
        last = layer
        while last < len(o.strides) and o.strides[last] == o.strides[layer]:
            scale = scale_of(last)
            if last == 0 and o.reduce_boxes_in_lowest_layer:
                ratios += [1.0, 2.0, 0.5]
                scales += [0.1, scale, scale]
            else:
                for ratio in o.aspect_ratios:
                    ratios.append(ratio)
                    scales.append(scale)
                if o.interpolated_scale_aspect_ratio > 0:
                    following = 1.0 if last == len(o.strides) - 1 else scale_of(last + 1)
                    scales.append(math.sqrt(scale * following))
                    ratios.append(o.interpolated_scale_aspect_ratio)
            last += 1
        for ratio, scale in zip(ratios, scales, strict=True):
            heights.append(scale / math.sqrt(ratio))
            widths.append(scale * math.sqrt(ratio))
        if o.feature_map_height:
            fh, fw = o.feature_map_height[layer], o.feature_map_width[layer]
        else:
            fh = math.ceil(height / o.strides[layer])
            fw = math.ceil(width / o.strides[layer])
        for y in range(fh):
            for x in range(fw):
                for h, w in zip(heights, widths, strict=True):
                    if o.fixed_anchor_size:
                        h = w = 1.0
                    anchors.append(((y + o.anchor_offset_y) / fh, (x + o.anchor_offset_x) / fw,
                                    h, w))
        layer = last
    return np.array(anchors).reshape(-1, 4)


def test_default_anchors_are_the_ssd_mobilenet_1917():
    anchors = ssd_anchors(SsdAnchorOptions(), 300, 300)
    assert anchors.shape == (1917, 4)
    assert anchors.dtype == np.float32
    c = 0.5 / 19
    expected = [
        (c, c, 0.1, 0.1),
        (c, c, 0.2 / SQRT2, 0.2 * SQRT2),
        (c, c, 0.2 * SQRT2, 0.2 / SQRT2),
        (c, 1.5 / 19, 0.1, 0.1),  # next cell to the right
    ]
    np.testing.assert_allclose(anchors[:4], expected, rtol=1e-6)
    np.testing.assert_allclose(anchors[3 * 19 * 19 - 3], (18.5 / 19, 18.5 / 19, 0.1, 0.1),
                               rtol=1e-6)


def test_layers_after_the_lowest_have_six_boxes_per_cell():
    anchors = ssd_anchors(SsdAnchorOptions(), 300, 300)
    cells = 10 * 10 + 5 * 5 + 3 * 3 + 2 * 2 + 1 * 1
    assert len(anchors) - 3 * 19 * 19 == 6 * cells
    scale = 0.2 + 0.75 / 5  # layer 1 of 6
    r3 = math.sqrt(3.0)
    r03 = math.sqrt(0.3333)
    sizes = [(scale, scale), (scale / SQRT2, scale * SQRT2), (scale * SQRT2, scale / SQRT2),
             (scale / r3, scale * r3), (scale / r03, scale * r03),
             (math.sqrt(scale * (0.2 + 2 * 0.75 / 5)),) * 2]
    layer1 = anchors[1083:1089]
    np.testing.assert_allclose(layer1[:, :2], 0.05, rtol=1e-6)
    np.testing.assert_allclose(layer1[:, 2:], sizes, rtol=1e-6)
    np.testing.assert_allclose(anchors[1089, :2], (0.05, 0.15), rtol=1e-6)
    # The last layer is 1x1; its interpolated box uses scale 1.0 as the next one.
    np.testing.assert_allclose(anchors[-6], (0.5, 0.5, 0.95, 0.95), rtol=1e-6)
    np.testing.assert_allclose(anchors[-1], (0.5, 0.5, math.sqrt(0.95), math.sqrt(0.95)),
                               rtol=1e-6)


@pytest.mark.parametrize(
    ("options", "width", "height", "count"),
    [
        (SsdAnchorOptions(), 300, 300, 1917),
        (SsdAnchorOptions(), 320, 320, 2034),
        (SsdAnchorOptions(), 300, 200, None),
        (BLAZEFACE, 128, 128, 896),  # merged layers of equal stride
        (SsdAnchorOptions(num_layers=4, min_scale=0.1484375, max_scale=0.75,
                          strides=(8, 16, 16, 16), aspect_ratios=(1.0,),
                          reduce_boxes_in_lowest_layer=False), 192, 192, 2016),
        (SsdAnchorOptions(reduce_boxes_in_lowest_layer=False,
                          interpolated_scale_aspect_ratio=0.0), 300, 300, None),
        (SsdAnchorOptions(num_layers=1, strides=(32,), anchor_offset_x=0.0,
                          interpolated_scale_aspect_ratio=2.0), 100, 64, None),
        (SsdAnchorOptions(num_layers=3, strides=(16, 16, 32), reduce_boxes_in_lowest_layer=True),
         64, 96, None),
    ],
)
def test_anchors_match_the_reference_port(options, width, height, count):
    anchors = ssd_anchors(options, width, height)
    np.testing.assert_allclose(anchors, _reference_anchors(options, width, height), rtol=1e-6)
    if count is not None:
        assert len(anchors) == count


def test_fixed_anchor_size_sets_unit_sizes():
    anchors = ssd_anchors(BLAZEFACE, 128, 128)
    assert np.all(anchors[:, 2:] == 1.0)
    np.testing.assert_allclose(anchors[:2], [(0.5 / 16, 0.5 / 16, 1, 1)] * 2, rtol=1e-6)
    np.testing.assert_allclose(anchors[512:518, :2], 0.5 / 8, rtol=1e-6)
    centres = ssd_anchors(SsdAnchorOptions(fixed_anchor_size=False, **{
        k: getattr(BLAZEFACE, k) for k in ("num_layers", "min_scale", "max_scale", "strides",
                                            "aspect_ratios", "reduce_boxes_in_lowest_layer")
    }), 128, 128)[:, :2]
    np.testing.assert_array_equal(anchors[:, :2], centres)


def test_explicit_feature_maps_ignore_the_input_size():
    options = SsdAnchorOptions(num_layers=2, strides=(8, 16), feature_map_width=[3, 2],
                               feature_map_height=[2, 1])
    assert options.feature_map_width == (3, 2)  # lists become tuples: options stay hashable
    hash(options)
    anchors = ssd_anchors(options, 0, 0)
    assert len(anchors) == 3 * 2 * 3 + 2 * 1 * 6
    np.testing.assert_allclose(anchors[:18:3, :2],
                               [(y, x / 3) for y in (0.25, 0.75) for x in (0.5, 1.5, 2.5)],
                               rtol=1e-6)
    np.testing.assert_allclose(anchors[18::6, :2], [(0.5, 0.25), (0.5, 0.75)], rtol=1e-6)
    np.testing.assert_allclose(anchors, _reference_anchors(options, 0, 0), rtol=1e-6)


@pytest.mark.parametrize(
    ("fields", "match"),
    [
        ({"num_layers": 0}, "num_layers"),
        ({"num_layers": 4}, "strides has 6 values for num_layers=4"),
        ({"strides": (16, 32, 0, 128, 256, 512)}, "strides"),
        ({"min_scale": 0.0}, "min_scale"),
        ({"max_scale": float("nan")}, "max_scale"),
        ({"aspect_ratios": ()}, "aspect_ratios"),
        ({"aspect_ratios": (1.0, -2.0)}, "aspect_ratios"),
        ({"interpolated_scale_aspect_ratio": -1.0}, "interpolated_scale_aspect_ratio"),
        ({"anchor_offset_y": float("inf")}, "anchor_offset_y"),
        ({"feature_map_width": (19, 10, 5, 3, 2, 1)}, "feature_map_height 0 values"),
        ({"feature_map_width": (1,) * 5, "feature_map_height": (1,) * 5}, "feature_map_width"),
        ({"feature_map_width": (1,) * 6, "feature_map_height": (1, 1, 1, 1, 1, 0)},
         "feature map sizes"),
    ],
)
def test_bad_anchor_options_raise(fields, match):
    with pytest.raises(OptionsError, match=match):
        SsdAnchorOptions(**fields)


def test_anchors_need_a_positive_input_size():
    with pytest.raises(OptionsError, match="input size"):
        ssd_anchors(SsdAnchorOptions(), 0, 300)


# --- SSD box decoding --------------------------------------------------------------------


def test_zero_encodings_decode_to_the_anchors():
    anchors = ssd_anchors(SsdAnchorOptions(), 300, 300)
    boxes = decode_center_size_boxes(np.zeros((1917, 4), np.float32), anchors)
    assert boxes.shape == (1917, 4)
    assert boxes.dtype == np.float32
    y, x, h, w = anchors.T.astype(np.float64)
    np.testing.assert_allclose(boxes, np.stack([x - w / 2, y - h / 2, x + w / 2, y + h / 2], 1),
                               atol=1e-7)


def test_decode_center_size_boxes_by_hand():
    anchors = np.array([[0.5, 0.4, 0.2, 0.1], [0.1, 0.2, 0.3, 0.4]], np.float32)
    encodings = np.array([[1.0, -2.0, 5 * math.log(2.0), 0.0], [0, 0, 0, 0]], np.float32)
    # ycenter 0.5 + 0.1 * 0.2, xcenter 0.4 - 0.2 * 0.1, h 2 * 0.2, w 0.1
    np.testing.assert_allclose(decode_center_size_boxes(encodings, anchors),
                               [(0.33, 0.32, 0.43, 0.72), (0.0, -0.05, 0.4, 0.25)], atol=1e-6)
    # Unit scales; columns after the fourth (keypoints) are ignored.
    encodings = np.array([[0.5, 1.0, math.log(3.0), math.log(0.5), 9, 9]], np.float32)
    boxes = decode_center_size_boxes(encodings, anchors[:1], scales=(1, 1, 1, 1))
    # ycenter 0.5 + 0.5 * 0.2 = 0.6, xcenter 0.4 + 0.1 = 0.5, h 0.6, w 0.05
    np.testing.assert_allclose(boxes, [(0.475, 0.3, 0.525, 0.9)], atol=1e-6)


def test_decode_center_size_boxes_checks_shapes():
    anchors = ssd_anchors(SsdAnchorOptions(), 300, 300)
    with pytest.raises(OptionsError, match="the model has 2034 boxes but the anchors give 1917"):
        decode_center_size_boxes(np.zeros((2034, 4)), anchors)
    with pytest.raises(OptionsError, match="box encodings"):
        decode_center_size_boxes(np.zeros((1, 1917, 4)), anchors)
    with pytest.raises(OptionsError, match="anchors"):
        decode_center_size_boxes(np.zeros((1917, 4)), anchors[:, :3])
    with pytest.raises(OptionsError, match="scales"):
        decode_center_size_boxes(np.zeros((1917, 4)), anchors, scales=(10, 10, 0, 5))


# --- YOLO decoding -----------------------------------------------------------------------


def _yolo_case(seed: int, n: int = 20, num_classes: int = 3):
    rng = np.random.default_rng(seed)
    left_top = rng.uniform(-0.1, 0.8, (n, 2))
    boxes = np.concatenate([left_top, left_top + rng.uniform(0.01, 0.5, (n, 2))], 1)
    scores = rng.uniform(0, 1, (n, num_classes))
    objectness = rng.uniform(0, 1, (n, 1))
    return boxes, scores, objectness


def _raw(boxes, scores, objectness, size=(1.0, 1.0)):
    scale = np.array(size)
    centres = (boxes[:, :2] + boxes[:, 2:]) / 2 * scale
    sizes = (boxes[:, 2:] - boxes[:, :2]) * scale
    columns = [centres, sizes] + ([objectness] if objectness is not None else []) + [scores]
    return np.concatenate(columns, 1).astype(np.float32)


@pytest.mark.parametrize("layout", ["NK", "KN", "1NK", "1KN"])
@pytest.mark.parametrize("with_objectness", [False, True])
@pytest.mark.parametrize("coordinates", ["normalized", "pixels", "auto-pixels", "auto"])
@pytest.mark.parametrize("known_classes", [False, True])
def test_decode_yolo_gives_back_the_boxes(layout, with_objectness, coordinates, known_classes):
    boxes, scores, objectness = _yolo_case(len(layout) + 2 * with_objectness)
    pixels = coordinates in ("pixels", "auto-pixels")
    raw = _raw(boxes, scores, objectness if with_objectness else None,
               (320.0, 240.0) if pixels else (1.0, 1.0))
    if "KN" in layout:
        raw = raw.T
    if layout.startswith("1"):
        raw = raw[None]
    got_boxes, got_scores = decode_yolo(
        raw, 3 if known_classes else None,
        None if known_classes else with_objectness,  # known classes: found from the shape
        320, 240, coordinates.split("-")[0])
    assert got_boxes.dtype == got_scores.dtype == np.float32
    np.testing.assert_allclose(got_boxes, boxes, atol=1e-6)
    expected = scores * objectness if with_objectness else scores
    np.testing.assert_allclose(got_scores, expected, atol=1e-6)


def test_decode_yolo_objectness_forced_and_ambiguous_shapes():
    boxes, scores, objectness = _yolo_case(7, n=20, num_classes=4)
    raw = _raw(boxes, scores, objectness)  # K = 9 = 5 + 4 = 4 + 5
    got_boxes, got_scores = decode_yolo(raw, 5, False, 1, 1, "normalized")
    np.testing.assert_allclose(got_scores, np.concatenate([objectness, scores], 1), atol=1e-6)
    got_boxes, got_scores = decode_yolo(raw, 4, True, 1, 1)
    np.testing.assert_allclose(got_scores, scores * objectness, atol=1e-6)
    np.testing.assert_allclose(got_boxes, boxes, atol=1e-6)
    # Both axes fit (84 = 4 + 80, 85 = 5 + 80): the smaller is the channel axis.
    raw = np.zeros((84, 85), np.float32)
    raw[4, :] = 0.5
    got_boxes, got_scores = decode_yolo(raw, 80, None, 640, 640)
    assert got_boxes.shape == (85, 4)
    assert got_scores.shape == (85, 80)
    assert np.all(got_scores[:, 0] == 0.5)


def test_decode_yolo_auto_keeps_small_coordinates_normalized():
    raw = np.array([[2.0, 0.5, 1.0, 1.0, 0.9]], np.float32)
    boxes, _ = decode_yolo(raw, 1, False, 640, 640, "auto")
    np.testing.assert_allclose(boxes, [(1.5, 0.0, 2.5, 1.0)])
    boxes, _ = decode_yolo(raw, 1, False, 640, 320, "pixels")
    np.testing.assert_allclose(boxes, [(1.5 / 640, 0.0, 2.5 / 640, 1 / 320)])
    raw[0, 1] = -2.5
    boxes, _ = decode_yolo(raw, 1, False, 640, 320, "auto")
    np.testing.assert_allclose(boxes, [(1.5 / 640, -3 / 320, 2.5 / 640, -2 / 320)])


def test_decode_yolo_empty_output():
    boxes, scores = decode_yolo(np.zeros((1, 84, 0), np.float32), 80, None, 640, 640)
    assert boxes.shape == (0, 4)
    assert scores.shape == (0, 80)


@pytest.mark.parametrize(
    ("shape", "num_classes", "objectness", "coordinates", "match"),
    [
        ((1, 1, 84, 8400), None, None, "auto", "must be"),
        ((2, 84, 8400), None, None, "auto", "must be"),
        ((8400,), None, None, "auto", "must be"),
        ((1, 84, 8400), 78, None, "auto", "does not fit num_classes=78.*82 or 83"),
        ((1, 85, 8400), 80, False, "auto", "does not fit num_classes=80.*84 values"),
        ((1, 84, 8400), 0, None, "auto", "num_classes"),
        ((1, 4, 8400), None, None, "auto", "no axis"),
        ((1, 8400, 5), None, True, "auto", "no axis"),
        ((1, 84, 8400), None, None, "xyxy", "coordinates"),
    ],
)
def test_decode_yolo_bad_shapes(shape, num_classes, objectness, coordinates, match):
    with pytest.raises(OptionsError, match=match):
        decode_yolo(np.zeros(shape, np.float32), num_classes, objectness, 640, 640, coordinates)


# --- best_class and iou ------------------------------------------------------------------


def test_best_class_ties_go_to_the_lowest_index():
    classes, scores = best_class([[0.1, 0.7, 0.7], [0.9, 0.2, 0.9], [0.0, 0.0, 0.3]])
    assert classes.dtype == np.int64
    assert scores.dtype == np.float32
    np.testing.assert_array_equal(classes, [1, 0, 2])
    np.testing.assert_allclose(scores, [0.7, 0.9, 0.3])
    classes, scores = best_class(np.zeros((0, 5)))
    assert classes.shape == scores.shape == (0,)
    with pytest.raises(OptionsError, match="scores"):
        best_class(np.zeros((3, 0)))


def test_iou_by_hand():
    a = np.array([[0, 0, 1, 1], [0, 0, 0.5, 1], [2, 2, 2, 3]], np.float32)
    b = np.array([[0, 0, 1, 1], [0.5, 0, 1.5, 1], [2, 2, 2, 3], [1, 1, 0, 0]], np.float32)
    result = iou(a, b)
    assert result.shape == (3, 4)
    assert result.dtype == np.float32
    np.testing.assert_allclose(result, [[1, 1 / 3, 0, 0], [0.5, 0, 0, 0], [0, 0, 0, 0]],
                               rtol=1e-6)
    np.testing.assert_array_equal(iou(b, a), result.T)


# --- NMS ---------------------------------------------------------------------------------


def _py_iou(a, b) -> float:
    iw = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    ih = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = iw * ih
    union = (max(0.0, a[2] - a[0]) * max(0.0, a[3] - a[1])
             + max(0.0, b[2] - b[0]) * max(0.0, b[3] - b[1]) - inter)
    return inter / union if union > 0 else 0.0


def _reference_nms(boxes, scores, threshold, max_detections=-1, classes=None) -> list[int]:
    boxes = [[float(v) for v in box] for box in boxes]
    keep: list[int] = []
    for i in sorted(range(len(boxes)), key=lambda i: (-float(scores[i]), i)):
        if len(keep) == max_detections:
            break
        if not any((classes is None or classes[k] == classes[i])
                   and _py_iou(boxes[i], boxes[k]) > threshold for k in keep):
            keep.append(i)
    return keep


def _random_boxes(rng, n: int, grid: bool) -> np.ndarray:
    if grid:  # exact coordinates: exact ties in IoU, IoU exactly at the threshold
        left_top = rng.integers(0, 8, (n, 2)) / 8
        sizes = rng.integers(0, 5, (n, 2)) / 8
    else:
        left_top = rng.uniform(0, 0.9, (n, 2))
        sizes = rng.uniform(0, 0.4, (n, 2))
    return np.concatenate([left_top, left_top + sizes], 1).astype(np.float32)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("grid", [False, True])
@pytest.mark.parametrize("class_aware", [False, True])
def test_nms_matches_the_reference(seed, grid, class_aware):
    rng = np.random.default_rng(seed)
    n = 300
    boxes = _random_boxes(rng, n, grid)
    scores = (rng.integers(0, 10, n) / 8).astype(np.float32)  # many ties
    classes = rng.integers(0, 3, n) if class_aware else None
    for threshold in (0.0, 0.25, 0.3, 0.5, 0.7, 1.0):
        for max_detections in (-1, 0, 1, 7):
            got = non_max_suppression(boxes, scores, threshold, max_detections, classes)
            assert got.dtype == np.int64
            expected = _reference_nms(boxes, scores, threshold, max_detections, classes)
            assert got.tolist() == expected, (threshold, max_detections)


def test_nms_keeps_iou_exactly_at_the_threshold():
    boxes = np.array([[0, 0, 1, 1], [0, 0, 1, 0.5]], np.float32)  # IoU 0.5
    scores = np.array([0.5, 0.9], np.float32)
    assert non_max_suppression(boxes, scores, 0.5).tolist() == [1, 0]
    assert non_max_suppression(boxes, scores, 0.49).tolist() == [1]
    boxes = np.array([[0, 0, 0.25, 1], [0, 0, 1, 1]], np.float32)  # IoU 0.25
    assert non_max_suppression(boxes, scores, 0.25).tolist() == [1, 0]
    assert non_max_suppression(boxes, scores, 0.2).tolist() == [1]


def test_nms_score_ties_keep_the_lower_index_first():
    boxes = np.array([[0, 0, 1, 1], [2, 2, 3, 3], [0, 0, 1, 1], [2, 2, 3, 3]], np.float32)
    scores = np.full(4, 0.5, np.float32)
    assert non_max_suppression(boxes, scores, 0.5).tolist() == [0, 1]
    assert non_max_suppression(boxes, scores, 0.5, classes=[0, 1, 1, 1]).tolist() == [0, 1, 2]


def test_nms_zero_area_boxes_never_suppress():
    boxes = np.array([[0.5, 0.5, 0.5, 0.5], [0.5, 0.5, 0.5, 0.5], [0.2, 0.2, 0.2, 0.9]],
                     np.float32)
    scores = np.array([0.1, 0.3, 0.2], np.float32)
    assert non_max_suppression(boxes, scores, 0.0).tolist() == [1, 2, 0]


def test_nms_empty_and_bad_input():
    kept = non_max_suppression(np.zeros((0, 4), np.float32), np.zeros(0, np.float32), 0.5)
    assert kept.dtype == np.int64
    assert kept.shape == (0,)
    with pytest.raises(OptionsError, match="scores"):
        non_max_suppression(np.zeros((3, 4)), np.zeros(2), 0.5)
    with pytest.raises(OptionsError, match="classes"):
        non_max_suppression(np.zeros((3, 4)), np.zeros(3), 0.5, classes=[0, 1])


def test_nms_handles_thousands_of_candidates():
    rng = np.random.default_rng(0)
    boxes = _random_boxes(rng, 5000, grid=False)
    scores = rng.uniform(0, 1, 5000).astype(np.float32)
    kept = non_max_suppression(boxes, scores, 0.5, 100)
    assert len(kept) == 100
    assert np.all(np.diff(scores[kept]) <= 0)
    assert iou(boxes[kept], boxes[kept])[np.triu_indices(100, 1)].max() <= 0.5
