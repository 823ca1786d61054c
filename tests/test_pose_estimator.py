"""PoseEstimator: tiny models with known keypoints (mapping through padding, ROI, rotation),
the real MoveNet and PoseNet models, options, drawing, CLI and errors."""

from __future__ import annotations

import csv
import json
import pickle

import cv2
import numpy as np
import pytest
from testdata import data_path
from tiny_models import constant_outputs_model, constant_scores_model, with_metadata

from tflite_tasks import (
    KEYPOINT_NAMES,
    SKELETON_EDGES,
    BoundingBox,
    OptionsError,
    PoseEstimator,
    PoseResult,
    Region,
    load_image,
)
from tflite_tasks.cli import main
from tflite_tasks.metadata.schema import (
    AssociatedFile,
    AssociatedFileType,
    Content,
    FeatureProperties,
    TensorMetadata,
)
from tflite_tasks.tasks.vision import drawing

MOVENET = "pose/movenet_singlepose_lightning_int8.tflite"
POSENET = "pose/posenet_mobilenet_v1_100_257x257_multi_kpt_stripped_integer_quant.tflite"


def movenet_single(yx_scores: np.ndarray, size: int = 16, dtype: type = np.uint8) -> bytes:
    """A MoveNet-shaped model: [1, size, size, 3] -> constant [1, 1, K, 3] (y, x, score)."""
    return constant_outputs_model([np.asarray(yx_scores, np.float32)[None, None]],
                                  ["keypoints"], (1, size, size, 3), dtype)


def movenet_multi(rows: np.ndarray, size: int = 16, dynamic: bool = False) -> bytes:
    """A MoveNet MultiPose-shaped model: [1, size, size, 3] -> constant [1, N, 56]."""
    return constant_outputs_model([np.asarray(rows, np.float32)[None]], ["output_0"],
                                  (1, size, size, 3), np.uint8, dynamic=dynamic)


def multi_row(yx: list[tuple[float, float]], scores: list[float], box: tuple[float, ...],
              score: float) -> np.ndarray:
    """One MoveNet MultiPose row: 17 (y, x, score), box (ymin, xmin, ymax, xmax), score."""
    keypoints = np.zeros((17, 3), np.float32)
    keypoints[: len(yx), :2] = yx
    keypoints[: len(scores), 2] = scores
    return np.concatenate([keypoints.reshape(-1), box, [score]]).astype(np.float32)


# Keypoint k at tensor (x, y) = ((k % 4 + 0.5) / 4, (k // 4 + 0.5) / 5): exact binary values.
GRID = np.array([((k // 4 + 0.5) / 5, (k % 4 + 0.5) / 4, 0.5 + k / 64) for k in range(17)],
                np.float32)


# --- tiny models: mapping onto the caller's image -----------------------------------------


def test_keypoints_map_through_the_padding_onto_a_wide_image():
    estimator = PoseEstimator.create_from_buffer(movenet_single(GRID))
    result = estimator.estimate(np.zeros((20, 40, 3), np.uint8))  # 40 wide: content 16x8
    (pose,) = result.poses
    assert [k.name for k in pose.keypoints] == list(KEYPOINT_NAMES)
    points = pose.to_array()
    # Tensor (x, y) -> the content is 16 x 8 tensor pixels at top 4: y_image = (16y - 4) * 20/8.
    np.testing.assert_allclose(points[:, 0], GRID[:, 1].astype(np.float64) * 40, atol=1e-4)
    np.testing.assert_allclose(points[:, 1], (GRID[:, 0] * 16 - 4) * 2.5, atol=1e-4)
    np.testing.assert_allclose(points[:, 2], GRID[:, 2], atol=1e-6)
    first = pose.keypoints[0]
    assert (first.normalized_x, first.normalized_y) == pytest.approx((first.x / 40, first.y / 20))
    assert pose.score == pytest.approx(GRID[:, 2].mean())


def test_keypoints_map_through_padding_roi_and_every_rotation():
    corner = np.array([[0.25, 0.0, 0.9]], np.float32)  # tensor (x, y) = (0, 0.25)
    estimator = PoseEstimator.create_from_buffer(movenet_single(corner),
                                                 keypoint_names=["corner"])
    image = np.zeros((60, 100, 3), np.uint8)
    roi = (10, 5, 40, 20)  # 40 x 20: upright 40x20 (0, 180) or 20x40 (90, 270)
    # The wide region's content is 16x8 at top 4, so tensor (0, 0.25) is its top-left
    # corner; a tall region's content is 8x16 at left 4, so the same point is (-0.5, 0.25)
    # of the upright region: 10 px left of it, 10 px down (its width is 20).
    expected = {0: (10, 5), 180: (10 + 40, 5 + 20), 90: (10 + 10, 5 + 20 + 10),
                270: (10 + 40 - 10, 5 - 10)}
    for rotation, (x, y) in expected.items():
        (keypoint,) = estimator.estimate(image, roi=roi, rotation=rotation).poses[0].keypoints
        assert (keypoint.x, keypoint.y) == pytest.approx((x, y), abs=1e-4), rotation


def test_stretching_instead_of_padding():
    estimator = PoseEstimator.create_from_buffer(movenet_single(GRID), keep_aspect_ratio=False)
    points = estimator.estimate(np.zeros((20, 40, 3), np.uint8)).poses[0].to_array()
    np.testing.assert_allclose(points[:, :2], GRID[:, [1, 0]] * (40, 20), atol=1e-4)


def test_multipose_boxes_scores_and_limits():
    rows = np.stack([
        multi_row([(0.5, 0.25)] * 17, [0.9] * 17, (0.25, 0.125, 0.75, 0.5), 0.4),
        multi_row([(0.5, 0.75)] * 17, [0.1] * 5 + [0.8] * 12, (0.0, 0.5, 1.0, 1.0), 0.7),
        multi_row([(0.0, 0.0)] * 17, [0.9] * 17, (0.0, 0.0, 0.1, 0.1), 0.1),
    ])
    estimator = PoseEstimator.create_from_buffer(movenet_multi(rows))
    assert estimator.pose_family == "movenet_multi"
    result = estimator.estimate(np.zeros((32, 32, 3), np.uint8))
    assert [p.score for p in result.poses] == pytest.approx([0.7, 0.4])  # 0.1 < 0.2 dropped
    assert result.poses[0].bounding_box == BoundingBox(16, 0, 16, 32)
    assert result.poses[1].bounding_box == BoundingBox(4, 8, 12, 16)
    assert result.poses[0].keypoints[0].x == pytest.approx(24)
    strict = PoseEstimator.create_from_buffer(movenet_multi(rows), min_keypoint_score=0.5,
                                              max_poses=1, min_pose_score=0.0)
    (pose,) = strict.estimate(np.zeros((32, 32, 3), np.uint8)).poses
    assert [k.name for k in pose.keypoints] == list(KEYPOINT_NAMES[5:])
    assert pose.keypoint("nose") is None and pose.keypoint("left_hip").score == pytest.approx(0.8)


def test_a_pose_without_keypoints_left_is_dropped():
    estimator = PoseEstimator.create_from_buffer(movenet_single(GRID), min_keypoint_score=0.99)
    assert estimator.estimate(np.zeros((16, 16, 3), np.uint8)).poses == []


def test_dynamic_input_is_resized_to_multiples_of_32():
    rows = multi_row([(0.5, 0.5)] * 17, [0.9] * 17, (0.0, 0.0, 1.0, 1.0), 0.9)[None]
    estimator = PoseEstimator.create_from_buffer(movenet_multi(rows, size=32, dynamic=True),
                                                 input_size=256)
    pose = estimator.estimate(np.zeros((200, 300, 3), np.uint8)).poses[0]
    # 300x200 -> longer side 256: 256 x 170.7 -> rounded up to 256 x 192; content 256 x 171
    # at top 10, so the model's box (the whole tensor) reaches past the image.
    assert estimator.engine.inputs[0].shape == (1, 192, 256, 3)
    assert pose.keypoints[0].x == pytest.approx(150)
    assert pose.keypoints[0].y == pytest.approx((96 - 10) * 200 / 171)
    assert pose.bounding_box.origin_y == int(np.floor(-10 * 200 / 171))


def test_keypoint_names_from_the_metadata_and_from_options(tmp_path):
    names = [f"point{i}" for i in range(5)]
    model = movenet_single(GRID[:5])
    labelled = with_metadata(model, [TensorMetadata(
        name="keypoints", content=Content(content_properties=FeatureProperties()),
        associated_files=[AssociatedFile(name="keypoints.txt",
                                         type=AssociatedFileType.TENSOR_AXIS_LABELS)])],
        {"keypoints.txt": ("\n".join(names) + "\n").encode()}, normalization=None)
    assert PoseEstimator.create_from_buffer(labelled).keypoint_names == tuple(names)
    names_file = tmp_path / "names.txt"
    names_file.write_text("\n".join(names) + "\n")
    given = PoseEstimator.create_from_buffer(model, keypoint_names=names_file)
    names_file.unlink()
    assert pickle.loads(pickle.dumps(given)).keypoint_names == tuple(names)
    with pytest.raises(OptionsError, match="keypoint_names"):
        PoseEstimator.create_from_buffer(model)
    with pytest.raises(OptionsError, match="4 names for the model's 5"):
        PoseEstimator.create_from_buffer(model, keypoint_names=names[:4])


@pytest.mark.parametrize("options, message", [
    ({"max_poses": 0}, "max_poses"),
    ({"min_pose_score": float("nan")}, "min_pose_score"),
    ({"nms_radius": -1}, "nms_radius"),
    ({"posenet_decoding": "greedy"}, "posenet_decoding"),
    ({"pose_family": "openpose"}, "pose_family"),
    ({"pose_family": "posenet"}, "not a posenet model"),
    ({"input_size": 8}, "input_size"),
    ({"keep_aspect_ratio": "yes"}, "keep_aspect_ratio"),
])
def test_bad_options_are_refused(options, message):
    with pytest.raises(OptionsError, match=message):
        PoseEstimator.create_from_buffer(movenet_single(GRID), **options)


def test_a_classifier_is_not_a_pose_model():
    with pytest.raises(OptionsError, match=r"not a pose model.*MoveNet SinglePose"):
        PoseEstimator.create_from_buffer(constant_scores_model([0.1, 0.9]),
                                         normalization_mean=0, normalization_std=1)


def test_posenet_outputs_are_found_by_name_or_by_the_hosted_order():
    grid = (1, 3, 3)
    heat, offsets = np.zeros((*grid, 17), np.float32), np.zeros((*grid, 34), np.float32)
    disp = np.zeros((*grid, 32), np.float32)
    heat[0, 1, 2, :] = 4.0  # every keypoint peaks at cell (1, 2)
    offsets[0, 1, 2, :17], offsets[0, 1, 2, 17:] = 1.0, -2.0
    arrays = {"heatmap": heat, "offset_2": offsets, "displacement_fwd": disp,
              "displacement_bwd": disp + 1}
    order = ["displacement_bwd", "offset_2", "heatmap", "displacement_fwd"]
    named = constant_outputs_model([arrays[n] for n in order], order, (1, 9, 9, 3))
    unnamed = constant_outputs_model(list(arrays.values()), None, (1, 9, 9, 3))
    for model in (named, unnamed):
        estimator = PoseEstimator.create_from_buffer(model, max_poses=1)
        assert estimator.pose_family == "posenet"
        (pose,) = estimator.estimate(np.zeros((9, 9, 3), np.uint8)).poses
        # stride (9 - 1) / (3 - 1) = 4: cell (y 1, x 2) + offset (1, -2) = pixel index (5, 6).
        x, y, score = pose.to_array()[0]
        assert (x, y) == pytest.approx((6.5, 5.5)) and score == pytest.approx(1 / (1 + np.e**-4))


# --- the real models ------------------------------------------------------------------------


def _movenet() -> PoseEstimator:
    return PoseEstimator.create_from_file(data_path(MOVENET), num_threads=1)


def test_movenet_matches_the_reference_output_on_girl_jpg():
    rows = [r for r in csv.reader(data_path("pose/girl_movenet_reference.csv").open())
            if r and not r[0].startswith("#")][1:]
    with _movenet() as estimator:
        assert estimator.pose_family == "movenet_single"
        (pose,) = estimator.estimate(data_path("pose/girl.jpg")).poses
    assert [k.name for k in pose.keypoints] == [r[0] for r in rows]
    ours = np.array([(k.normalized_y, k.normalized_x, k.score) for k in pose.keypoints])
    np.testing.assert_allclose(ours, np.array([r[1:] for r in rows], float), atol=0.005)


@pytest.mark.parametrize("top, bottom, left, right, scale", [
    (0, 0, 0, 64, 2.0), (0, 64, 0, 0, 3.0), (0, 0, 64, 0, 2.0), (64, 0, 0, 0, 3.0),
    (0, 48, 0, 16, 2.5),
])
def test_movenet_keypoints_land_on_the_same_body_points_when_padded_and_scaled(
        top, bottom, left, right, scale):
    girl = load_image(data_path("pose/girl.jpg"))
    with _movenet() as estimator:
        original = estimator.estimate(girl).poses[0].to_array()
        bigger = cv2.resize(cv2.copyMakeBorder(girl, top, bottom, left, right,
                                               cv2.BORDER_CONSTANT, value=(0, 0, 0)),
                            None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
        moved = estimator.estimate(bigger).poses[0].to_array()
    height, width = bigger.shape[:2]
    assert width != height
    expected = (original[:, :2] + (left, top)) * scale
    error = (np.abs(moved[:, :2] - expected) / (width, height)).max(axis=1)
    # The model sees the girl smaller (the picture is no longer square); most keypoints stay
    # within 2% of the picture, the ambiguous ones (the raised leg behind her) may jump.
    assert np.median(error) <= 0.015
    assert (error <= 0.02).sum() >= 12, error.round(3)


def _posenet(**options) -> PoseEstimator:
    return PoseEstimator.create_from_file(data_path(POSENET), num_threads=1, **options)


def _letterboxed_outputs(estimator: PoseEstimator, rgb: np.ndarray
                         ) -> tuple[list[np.ndarray], tuple[int, int, int, int]]:
    """The model's outputs on ``rgb`` fitted into 257x257 and padded with black, normalized
    to [-1, 1], written out plainly, in the family's output order; and where the picture
    lies in the input, ``(left, top, width, height)``."""
    height, width = rgb.shape[:2]
    scale = min(257 / width, 257 / height)
    w, h = round(width * scale), round(height * scale)
    canvas = np.zeros((257, 257, 3), np.uint8)
    left, top = (257 - w) // 2, (257 - h) // 2
    canvas[top:top + h, left:left + w] = cv2.resize(rgb, (w, h), interpolation=cv2.INTER_LINEAR)
    tensor = ((canvas.astype(np.float32) - 127.5) / 127.5)[None]
    outputs = estimator.engine.run(tensor)
    return [outputs[p] for p in estimator.model.positions], (left, top, w, h)


def test_posenet_single_pose_equals_a_plain_reference_decode():
    person = load_image(data_path("pose/pakutaso_person.jpg"))
    with _posenet(posenet_decoding="single", min_pose_score=0) as estimator:
        assert estimator.pose_family == "posenet"
        outputs, (left, top, w, h) = _letterboxed_outputs(estimator, person)
        ours = estimator.estimate(person).poses[0]
    heatmaps, offsets = outputs[0][0], outputs[1][0]
    rows, cols, parts = heatmaps.shape
    stride = (257 - 1) / (rows - 1)
    expected = []
    for k in range(parts):
        best = (-np.inf, 0, 0)
        for y in range(rows):
            for x in range(cols):
                if heatmaps[y, x, k] > best[0]:
                    best = (heatmaps[y, x, k], y, x)
        logit, y, x = best
        py = y * stride + offsets[y, x, k] + 0.5  # pixel centres at +0.5
        px = x * stride + offsets[y, x, k + parts] + 0.5
        expected.append(((px - left) * person.shape[1] / w, (py - top) * person.shape[0] / h,
                         1 / (1 + np.exp(-logit))))
    expected = np.array(expected)
    np.testing.assert_allclose(ours.to_array(), expected, atol=1e-3)
    assert ours.score == pytest.approx(expected[:, 2].mean())


def test_posenet_multi_pose_finds_both_people_side_by_side():
    person = load_image(data_path("pose/pakutaso_person.jpg"))
    two = np.concatenate([person, person], axis=1)
    with _posenet() as estimator:
        poses = estimator.estimate(two).poses
    assert len(poses) == 2
    halves = sorted((pose.to_array()[:, 0] >= person.shape[1]).mean() for pose in poses)
    assert halves == [0.0, 1.0]
    assert all(pose.score >= 0.2 for pose in poses)


# --- the task around it -----------------------------------------------------------------


def test_batch_pickle_and_dict():
    estimator = PoseEstimator.create_from_buffer(movenet_single(GRID))
    images = [np.zeros((20, 40, 3), np.uint8), np.full((30, 30, 3), 9, np.uint8)]
    single = [estimator.estimate(image) for image in images]
    assert estimator.estimate_batch(images) == single
    clone = pickle.loads(pickle.dumps(estimator))
    assert clone.estimate(images[0]) == single[0]
    record = single[0].to_dict()
    assert "image" not in record and record["poses"][0]["keypoints"][0]["name"] == "nose"
    json.dumps(record)


def test_drawing_and_jupyter_picture():
    estimator = PoseEstimator.create_from_buffer(movenet_single(GRID))
    image = np.zeros((40, 40, 3), np.uint8)
    result = estimator.estimate(image)
    drawn = drawing.draw(image, result)
    assert drawn.shape == image.shape and drawn.any() and not image.any()
    nose, left_eye = result.poses[0].keypoints[:2]
    middle = (round((nose.y + left_eye.y) / 2), round((nose.x + left_eye.x) / 2))
    assert tuple(drawn[middle]) == drawing.SIDE_COLORS["centre"]  # the nose-eye bone
    assert (0, 1) in SKELETON_EDGES
    assert isinstance(result, PoseResult) and result._repr_png_().startswith(b"\x89PNG")
    boxed = drawing.draw_poses(image, result, show_boxes=True)
    assert not np.array_equal(boxed, drawn)


def test_cli_pose(tmp_path, capsys):
    model = tmp_path / "movenet.tflite"
    model.write_bytes(movenet_single(GRID))
    image = tmp_path / "person.png"
    cv2.imwrite(str(image), np.zeros((20, 40, 3), np.uint8))
    out = tmp_path / "drawn.png"
    assert main(["pose", str(model), str(image), "--json", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    records = json.loads(printed[printed.index("["):])
    assert len(records[0]["poses"][0]["keypoints"]) == 17 and out.exists()
    assert main(["pose", str(model), str(image), "--min-keypoint-score", "0.75"]) == 0
    table = capsys.readouterr().out
    assert "right_ankle" in table and "nose" not in table
    assert main(["pose", str(model), str(image), "--family", "posenet"]) == 1


def test_regions_map_points_like_boxes():
    region = Region(100, 60, 10, 5, 40, 20, 90)
    corners = np.array([[0.25, 0.5], [0.75, 1.0]])  # upright 20 x 40
    box = region.boxes_to_image(corners.reshape(1, 4))[0]
    points = region.points_to_image(corners)
    assert (points.min(axis=0).tolist(), (points.max(axis=0) - points.min(axis=0)).tolist()) \
        == (box[:2].tolist(), box[2:].tolist())


def test_posenet_outputs_with_nan_and_infinities_still_decode():
    grid = (1, 3, 3)
    broken = [np.full((*grid, channels), value, np.float32)
              for channels, value in ((17, np.nan), (34, np.inf), (32, -np.inf), (32, np.nan))]
    estimator = PoseEstimator.create_from_buffer(
        constant_outputs_model(broken, None, (1, 9, 9, 3)), part_score_threshold=0.0,
        min_pose_score=0.0)
    (pose,) = estimator.estimate(np.zeros((9, 9, 3), np.uint8)).poses
    assert np.isfinite(pose.to_array()).all()
