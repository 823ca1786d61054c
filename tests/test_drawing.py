"""Tests of tflite_tasks.tasks.vision.drawing: boxes, masks, class names, dispatch, PNG output."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from tflite_tasks.core.containers import (
    BoundingBox,
    Category,
    ClassificationResult,
    Classifications,
)
from tflite_tasks.core.errors import InputError
from tflite_tasks.tasks.vision import drawing
from tflite_tasks.tasks.vision.results import (
    ColoredLabel,
    Detection,
    DetectionResult,
    SegmentationResult,
    pascal_voc_palette,
)

GRAY = (100, 60, 200)


def _image(height: int = 100, width: int = 120) -> np.ndarray:
    rgb = np.empty((height, width, 3), np.uint8)
    rgb[:] = GRAY
    return rgb


def _detection(x: int, y: int, w: int, h: int, index: int = 3, name: str = "cat",
               score: float = 0.64) -> Detection:
    return Detection(BoundingBox(x, y, w, h), [Category(index, score, name)])


def _segmentation(**fields: object) -> SegmentationResult:
    labels = [ColoredLabel((0, 0, 0), "background"), ColoredLabel((255, 0, 0), "a"),
              ColoredLabel((0, 0, 255), "b")]
    return SegmentationResult(colored_labels=labels, **fields)


# --- detections -------------------------------------------------------------------------------


def test_detections_box_outline_has_its_colour_and_inside_is_unchanged() -> None:
    rgb = _image()
    before = rgb.copy()
    out = drawing.draw_detections(rgb, [_detection(20, 40, 50, 40)], thickness=1)
    np.testing.assert_array_equal(rgb, before)  # the input is not modified
    assert out.shape == rgb.shape and out.dtype == np.uint8
    color = drawing.category_color(3)
    for y, x in [(40, 45), (79, 45), (60, 20), (60, 69)]:  # top, bottom, left, right edges
        assert tuple(out[y, x]) == color
    np.testing.assert_array_equal(out[42:78, 22:68], before[42:78, 22:68])
    np.testing.assert_array_equal(out[81:, :], before[81:, :])  # below the box: untouched


def test_detections_tag_holds_readable_text_above_the_box() -> None:
    rgb = _image()
    out = drawing.draw_detections(rgb, DetectionResult([_detection(20, 40, 50, 40)]))
    rows, cols = np.nonzero((out[:40] != rgb[:40]).any(axis=2))  # the tag, above the box
    assert rows.max() == 39 and 20 < rows.min() < 35 and cols.min() == 20 and cols.max() < 80
    tag = out[rows.min() : 40, 20 : cols.max() + 1]
    color = np.array(drawing.category_color(3))
    assert (tag == color).all(axis=2).mean() > 0.5  # filled with the box colour
    assert (tag != color).any(axis=2).sum() > 20  # and text on it
    assert (tag == 0).all(axis=2).any()  # black text on this light magenta


@pytest.mark.parametrize(("color", "text"), [((0, 0, 128), 255), ((255, 255, 0), 0),
                                             ((255, 0, 0), 0), ((0, 0, 255), 255)])
def test_detections_tag_text_is_black_or_white_by_luminance(
    color: tuple[int, int, int], text: int
) -> None:
    out = drawing.draw_detections(_image(), [_detection(20, 40, 50, 40)], color=color)
    assert (out[20:40, 20:80] == text).all(axis=2).any()
    assert not (out[20:40, 20:80] == 255 - text).all(axis=2).any()


def test_detections_score_can_be_left_out() -> None:
    rgb = _image()
    result = [_detection(20, 40, 50, 40)]
    with_score = drawing.draw_detections(rgb, result)
    without = drawing.draw_detections(rgb, result, show_score=False)
    assert (with_score != without).any()


def test_detections_same_class_same_colour_and_given_colour_overrides() -> None:
    colors = {drawing.category_color(i) for i in range(20)}
    assert len(colors) == 20 and (0, 0, 0) not in colors
    out = drawing.draw_detections(_image(), [_detection(10, 30, 30, 30, index=7),
                                             _detection(60, 30, 30, 30, index=7)], thickness=1)
    assert tuple(out[45, 10]) == tuple(out[45, 60]) == drawing.category_color(7)
    out = drawing.draw_detections(_image(), [_detection(10, 30, 30, 30)], color=(1, 2, 3),
                                  thickness=1)
    assert tuple(out[45, 10]) == (1, 2, 3)


@pytest.mark.parametrize("box", [(-20, -10, 60, 50), (100, 80, 90, 90), (-500, 50, 2000, 10),
                                 (500, 500, 10, 10), (-50, -50, 10, 10), (30, 30, 0, 0)])
def test_detections_boxes_past_the_image_are_clipped(box: tuple[int, int, int, int]) -> None:
    rgb = _image()
    out = drawing.draw_detections(rgb, [_detection(*box)], thickness=1)
    assert out.shape == rgb.shape


def test_detections_clipped_box_is_drawn_on_the_border_and_tag_kept_inside() -> None:
    out = drawing.draw_detections(_image(), [_detection(-20, -10, 60, 50)], thickness=1)
    color = drawing.category_color(3)
    assert tuple(out[35, 0]) == color  # the left edge, at the image border
    assert tuple(out[39, 30]) == color  # the bottom edge
    assert (out[0:10, 0:30] == color).all(axis=2).any()  # tag at the top, inside


def test_detections_accept_any_image_like_and_draw_nothing_for_no_detections() -> None:
    gray = np.full((50, 60), 128, np.uint8)
    out = drawing.draw_detections(gray, DetectionResult())
    assert out.shape == (50, 60, 3)
    assert (out == 128).all()


# --- masks ------------------------------------------------------------------------------------


def test_mask_blends_exactly_and_leaves_background_untouched() -> None:
    rgb = _image(4, 4)
    before = rgb.copy()
    mask = np.zeros((4, 4), np.uint8)
    mask[1, 2] = 1
    colors = [(0, 0, 0), (255, 0, 0)]
    out = drawing.draw_mask(rgb, mask, colors, alpha=0.25)
    np.testing.assert_array_equal(rgb, before)
    assert out.shape == (4, 4, 3) and out.dtype == np.uint8
    # 0.75 * (100, 60, 200) + 0.25 * (255, 0, 0)
    assert tuple(out[1, 2]) == (139, 45, 150)
    untouched = mask == 0
    np.testing.assert_array_equal(out[untouched], rgb[untouched])


def test_mask_background_none_blends_class_zero_too() -> None:
    rgb = _image(3, 3)
    out = drawing.draw_mask(rgb, np.zeros((3, 3), np.uint8), [(0, 0, 0)], alpha=0.5,
                            background=None)
    assert (out == (50, 30, 100)).all()


def test_mask_default_colours_are_the_voc_palette_and_other_background_class() -> None:
    rgb = _image(2, 2)
    mask = np.array([[0, 1], [2, 3]], np.uint16)
    out = drawing.draw_mask(rgb, mask, alpha=1.0, background=3)
    palette = pascal_voc_palette(4)
    np.testing.assert_array_equal(out[0], palette[:2])
    np.testing.assert_array_equal(out[1, 0], palette[2])
    np.testing.assert_array_equal(out[1, 1], GRAY)


def test_mask_of_model_size_is_resized_nearest() -> None:
    rgb = _image(6, 4)
    mask = np.array([[0, 1], [1, 0], [0, 1]], np.uint8)  # 3x2: each cell covers 2x2 pixels
    out = drawing.draw_mask(rgb, mask, [(0, 0, 0), (255, 255, 255)], alpha=1.0)
    expected = np.where(np.kron(mask, np.ones((2, 2), np.uint8))[:, :, None] == 1, 255, rgb)
    np.testing.assert_array_equal(out, expected)


def test_mask_of_bools_colours_true_pixels() -> None:
    mask = np.array([[True, False]])
    out = drawing.draw_mask(_image(1, 2), mask, alpha=1.0)
    np.testing.assert_array_equal(out[0], [pascal_voc_palette(2)[1], GRAY])


@pytest.mark.parametrize("size", [(7, 5), (4, 5), (2, 1), (13, 11)])
def test_mask_resize_takes_the_class_under_each_pixel_centre(size: tuple[int, int]) -> None:
    mask = np.random.default_rng(2).integers(0, 4, (3, 2), dtype=np.uint8)
    colors = pascal_voc_palette(4)
    out = drawing.draw_mask(_image(*size), mask, colors, alpha=1.0, background=None)
    # OpenCV's pixel-centre nearest neighbour (INTER_NEAREST floors y * 3 / h instead)
    expected = cv2.resize(mask, size[::-1], interpolation=cv2.INTER_NEAREST_EXACT)
    np.testing.assert_array_equal(out, colors[expected])


@pytest.mark.parametrize(("mask", "colors", "alpha"), [
    (np.zeros((2, 2), np.float32), None, 0.5),  # not class indices
    (np.zeros((3, 2, 2), np.uint8), None, 0.5),  # confidence masks
    (np.full((2, 2), -1, np.int32), None, 0.5),
    (np.full((2, 2), 2, np.uint8), [(0, 0, 0), (1, 1, 1)], 0.5),  # too few colours
    (np.zeros((2, 2), np.uint8), [(0, 0)], 0.5),
    (np.zeros((2, 2), np.uint8), [(0, 0, 256)], 0.5),
    (np.zeros((2, 2), np.uint8), None, 1.5),
])
def test_mask_errors(mask: np.ndarray, colors: object, alpha: float) -> None:
    with pytest.raises(InputError):
        drawing.draw_mask(_image(2, 2), mask, colors, alpha=alpha)


def test_segmentation_uses_label_colours_and_confidence_masks_argmax() -> None:
    rgb = _image(8, 10)
    confidence = np.random.default_rng(0).random((3, 4, 5), dtype=np.float32)
    from_confidence = drawing.draw_segmentation(rgb, _segmentation(confidence_masks=confidence))
    category = confidence.argmax(axis=0).astype(np.uint8)
    from_category = drawing.draw_segmentation(rgb, _segmentation(category_mask=category))
    np.testing.assert_array_equal(from_confidence, from_category)
    plain = drawing.draw_segmentation(rgb, _segmentation(category_mask=category), legend=False,
                                      alpha=1.0)
    big = np.kron(category, np.ones((2, 2), np.uint8))
    np.testing.assert_array_equal(plain[big == 1], np.full(((big == 1).sum(), 3), (255, 0, 0)))
    np.testing.assert_array_equal(plain[big == 0], rgb[big == 0])


def test_segmentation_legend_in_top_right_corner() -> None:
    rgb = _image(120, 200)
    mask = np.zeros((120, 200), np.uint8)
    mask[100:, :20] = 2
    result = _segmentation(category_mask=mask)
    without = drawing.draw_segmentation(rgb, result, legend=False)
    out = drawing.draw_segmentation(rgb, result)
    changed = (out != without).any(axis=2)
    assert changed[:20, 150:].any() and not changed[40:, :].any()
    assert (out[:20, 150:] == (0, 0, 255)).all(axis=2).any()  # the swatch of class 2


def test_segmentation_without_masks_is_an_error() -> None:
    with pytest.raises(InputError, match="neither"):
        drawing.draw_segmentation(_image(), _segmentation())


# --- classifications and dispatch -------------------------------------------------------------


def _classification() -> ClassificationResult:
    categories = [Category(i, 1 / (i + 2), f"c{i}") for i in range(5)]
    return ClassificationResult([Classifications(categories)])


def test_classifications_write_at_the_top_left_only() -> None:
    rgb = _image(200, 300)
    out = drawing.draw_classifications(rgb, _classification())
    changed = (out != rgb).any(axis=2)
    assert changed[:20, :20].any()
    assert not changed[100:, :].any() and not changed[:, 200:].any()
    more = drawing.draw_classifications(rgb, _classification(), max_results=5)
    assert (more != rgb).any(axis=2)[:100].sum() > changed.sum()
    empty = drawing.draw_classifications(rgb, ClassificationResult())
    np.testing.assert_array_equal(empty, rgb)


def test_draw_dispatches_on_the_result_type() -> None:
    rgb = _image()
    detections = DetectionResult([_detection(20, 40, 50, 40)])
    np.testing.assert_array_equal(drawing.draw(rgb, detections, thickness=3),
                                  drawing.draw_detections(rgb, detections, thickness=3))
    segmentation = _segmentation(category_mask=np.ones((10, 12), np.uint8))
    np.testing.assert_array_equal(drawing.draw(rgb, segmentation),
                                  drawing.draw_segmentation(rgb, segmentation))
    np.testing.assert_array_equal(drawing.draw(rgb, _classification()),
                                  drawing.draw_classifications(rgb, _classification()))


def test_draw_unknown_type_lists_the_accepted_ones() -> None:
    with pytest.raises(InputError, match=r"DetectionResult.*SegmentationResult"):
        drawing.draw(_image(), [1, 2])


# --- PNG output -------------------------------------------------------------------------------


def _noise() -> np.ndarray:
    return np.random.default_rng(1).integers(0, 256, (9, 7, 3), dtype=np.uint8)


def test_encode_png_decodes_to_the_same_rgb() -> None:
    rgb = _noise()
    data = drawing.encode_png(rgb)
    assert data.startswith(b"\x89PNG")
    bgr = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    np.testing.assert_array_equal(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), rgb)


def test_save_image_round_trip_and_errors(tmp_path) -> None:
    rgb = _noise()
    path = tmp_path / "out.png"
    drawing.save_image(rgb, path)
    bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
    np.testing.assert_array_equal(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), rgb)
    drawing.save_image(rgb, str(tmp_path / "out.jpg"))
    assert (tmp_path / "out.jpg").read_bytes().startswith(b"\xff\xd8")
    with pytest.raises(InputError, match="extension"):
        drawing.save_image(rgb, tmp_path / "no_extension")
    with pytest.raises(InputError, match="extension"):
        drawing.save_image(rgb, tmp_path / "out.unknown")
    with pytest.raises(InputError, match="folder"):
        drawing.save_image(rgb, tmp_path / "missing" / "out.png")


def test_results_show_as_png_only_with_their_image() -> None:
    rgb = _image()
    result = DetectionResult([_detection(20, 40, 50, 40)], image=rgb)
    data = result._repr_png_()
    assert data is not None and data.startswith(b"\x89PNG")
    decoded = cv2.cvtColor(cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR),
                           cv2.COLOR_BGR2RGB)
    np.testing.assert_array_equal(decoded, drawing.draw(rgb, result))
    assert DetectionResult(result.detections)._repr_png_() is None
    segmentation = _segmentation(category_mask=np.ones((10, 12), np.uint8), image=rgb)
    assert segmentation._repr_png_().startswith(b"\x89PNG")
