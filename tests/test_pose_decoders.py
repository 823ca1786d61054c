"""Tests of tflite_tasks.tasks.vision.pose_decoders: PoseNet single- and multi-pose decoding."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tflite_tasks.core.errors import OptionsError
from tflite_tasks.tasks.vision.pose_decoders import (
    POSENET_TREE,
    DecodedPose,
    decode_multiple_poses,
    decode_single_pose,
    output_stride,
)

K = 17
E = len(POSENET_TREE)
STRIDE = 8.0
# A stick figure: (row, col) of each COCO keypoint, from the figure's top-left cell.
FIGURE = ((0, 2), (0, 3), (0, 1), (1, 4), (1, 0), (2, 3), (2, 1), (3, 4), (3, 0), (4, 4),
          (4, 0), (5, 3), (5, 1), (6, 3), (6, 1), (7, 3), (7, 1))
# Offsets (y, x) of each keypoint from its cell, within a third of a stride; exact in float32.
OFFSETS = tuple((((k % 5) - 2) * 0.75, ((k % 3) - 1) * 1.25) for k in range(K))
PART_SCORES = tuple((32 + k) / 64 for k in range(K))  # exact, all >= 0.5


def test_output_stride():
    assert output_stride(257, 9) == 32.0
    assert output_stride(513, 33) == 16.0
    assert output_stride(129, 17) == 8.0
    assert output_stride(257, 1) == 257.0
    with pytest.raises(OptionsError):
        output_stride(257, 0)


def test_tree_is_the_posenet_chain():
    assert len(POSENET_TREE) == 16
    assert POSENET_TREE[:5] == ((0, 1), (1, 3), (0, 2), (2, 4), (0, 5))
    assert POSENET_TREE[-1] == (14, 16)
    assert sorted(child for _, child in POSENET_TREE) == list(range(1, K))


# --- single pose ------------------------------------------------------------------------


def test_single_pose_takes_each_heatmap_maximum_plus_its_offset():
    height, width, k = 5, 6, 3
    scores = np.full((height, width, k), 0.1)
    offsets = np.full((height, width, 2 * k), 100.0, np.float32)
    for keypoint, (row, col, score, dy, dx) in enumerate(
            [(0, 0, 0.9, 1.5, -2.0), (4, 5, 0.6, -3.0, 0.25), (2, 3, 0.3, 0.0, 7.0)]):
        scores[row, col, keypoint] = score
        offsets[row, col, keypoint] = dy
        offsets[row, col, k + keypoint] = dx
    pose = decode_single_pose(scores, offsets, 10.0, 20.0)
    assert isinstance(pose, DecodedPose)
    assert pose.points.dtype == np.float64 and pose.scores.dtype == np.float64
    np.testing.assert_array_equal(pose.points, [[1.5, -2.0], [37.0, 100.25], [20.0, 67.0]])
    np.testing.assert_array_equal(pose.scores, [0.9, 0.6, 0.3])
    assert pose.score == pytest.approx(0.6)


def test_single_pose_ties_take_the_first_cell_in_row_major_order():
    scores = np.zeros((4, 4, 1))
    scores[2, 1, 0] = scores[1, 3, 0] = scores[3, 0, 0] = 0.7
    pose = decode_single_pose(scores, np.zeros((4, 4, 2), np.float32), 8.0, 8.0)
    np.testing.assert_array_equal(pose.points, [[8.0, 24.0]])


def test_single_pose_checks_shapes():
    with pytest.raises(OptionsError, match="offsets"):
        decode_single_pose(np.zeros((3, 3, 17)), np.zeros((3, 3, 33)), 8.0, 8.0)
    with pytest.raises(OptionsError, match="offsets"):
        decode_single_pose(np.zeros((3, 3, 17)), np.zeros((3, 4, 34)), 8.0, 8.0)
    with pytest.raises(OptionsError, match="heatmaps"):
        decode_single_pose(np.zeros((1, 3, 3, 17)), np.zeros((1, 3, 3, 34)), 8.0, 8.0)


# --- multiple poses: hand-built scenes ---------------------------------------------------


class Scene:
    """PoseNet outputs on a ``height x width`` grid of cells ``STRIDE`` pixels apart."""

    def __init__(self, height: int = 17, width: int = 17) -> None:
        self.scores = np.zeros((height, width, K))
        self.offsets = np.zeros((height, width, 2 * K), np.float32)
        self.fwd = np.zeros((height, width, 2 * E), np.float32)
        self.bwd = np.zeros((height, width, 2 * E), np.float32)

    def peak(self, k: int, cell: tuple[int, int], score: float,
             offset: tuple[float, float] = (0.0, 0.0)) -> np.ndarray:
        """Keypoint k's heatmap peak at ``cell``; its (y, x) position, pixels."""
        self.scores[(*cell, k)] = score
        self.offsets[(*cell, k)] = offset[0]
        self.offsets[(*cell, K + k)] = offset[1]
        return np.array(cell) * STRIDE + offset

    def person(self, origin: tuple[int, int], root_score: float,
               moved: dict[int, tuple[int, int]] | None = None) -> np.ndarray:
        """A FIGURE at ``origin`` (keypoint k moved to cell ``moved[k]``), nose scoring
        ``root_score``, displacements exact; its (K, 2) keypoint positions."""
        cells = [(origin[0] + r, origin[1] + c) for r, c in FIGURE]
        for k, cell in (moved or {}).items():
            cells[k] = cell
        points = np.array([self.peak(k, cells[k], root_score if k == 0 else PART_SCORES[k],
                                     OFFSETS[k]) for k in range(K)])
        for e, (parent, child) in enumerate(POSENET_TREE):
            self.fwd[(*cells[parent], e)], self.fwd[(*cells[parent], E + e)] = (
                points[child] - points[parent])
            self.bwd[(*cells[child], e)], self.bwd[(*cells[child], E + e)] = (
                points[parent] - points[child])
        return points

    def decode(self, **options) -> list[DecodedPose]:
        settings = {"max_poses": None, "score_threshold": 0.5, "nms_radius": 20.0} | options
        return decode_multiple_poses(self.scores, self.offsets, self.fwd, self.bwd,
                                     STRIDE, STRIDE, **settings)


def _part_scores(root_score: float) -> np.ndarray:
    return np.array((root_score, *PART_SCORES[1:]))


def test_two_people_are_recovered_exactly_by_descending_root_score():
    scene = Scene()
    left = scene.person((1, 1), 61 / 64)
    right = scene.person((1, 10), 63 / 64)
    poses = scene.decode()
    assert len(poses) == 2
    for pose, points, root_score in zip(poses, [right, left], [63 / 64, 61 / 64], strict=True):
        np.testing.assert_array_equal(pose.points, points)
        np.testing.assert_array_equal(pose.scores, _part_scores(root_score))
        assert pose.score == pytest.approx(_part_scores(root_score).sum() / K, rel=1e-15)
        assert pose.points.shape == (K, 2) and pose.points.dtype == np.float64


@pytest.mark.parametrize("root", [0, 9, 16, 11])
def test_every_keypoint_can_be_the_root(root):
    scene = Scene()
    points = scene.person((1, 1), 0.25)  # the nose is no candidate
    scene.scores[(1 + FIGURE[root][0], 1 + FIGURE[root][1], root)] = 0.99
    (pose,) = scene.decode(score_threshold=0.9)
    np.testing.assert_array_equal(pose.points, points)
    assert pose.scores[root] == 0.99


def test_a_root_within_nms_radius_of_the_same_keypoint_is_skipped():
    scene = Scene()
    left = scene.person((1, 1), 61 / 64)
    scene.person((1, 10), 63 / 64)
    # A left-wrist peak two cells right of the left person's: 17.3 pixels from it.
    extra = scene.peak(9, (5, 7), 60 / 64)
    assert np.hypot(*(extra - left[9])) == pytest.approx(17.315, abs=1e-3)
    assert len(scene.decode(nms_radius=20.0)) == 2
    poses = scene.decode(nms_radius=10.0)
    assert len(poses) == 3
    # Third: no displacement nor offset near it, so every keypoint stays at the root.
    np.testing.assert_array_equal(poses[2].points, np.tile(extra, (K, 1)))
    np.testing.assert_array_equal(poses[2].scores, np.eye(K)[9] * 60 / 64)
    assert poses[2].score == 60 / 64 / K


def test_max_poses_caps_and_score_threshold_excludes():
    scene = Scene()
    scene.person((1, 1), 61 / 64)
    right = scene.person((1, 10), 63 / 64)
    assert scene.decode(max_poses=0) == []
    (pose,) = scene.decode(max_poses=1)
    np.testing.assert_array_equal(pose.points, right)
    (pose,) = scene.decode(score_threshold=63 / 64)  # only the right nose qualifies
    np.testing.assert_array_equal(pose.points, right)
    assert scene.decode(score_threshold=0.99) == []


def test_pose_score_leaves_out_keypoints_claimed_by_earlier_poses():
    scene = Scene()
    left = scene.person((1, 1), 63 / 64)
    # The right person's left wrist one cell right of the left person's: 8 pixels apart.
    right = scene.person((1, 10), 61 / 64, moved={9: (5, 6)})
    first, second = scene.decode(nms_radius=10.0)
    np.testing.assert_array_equal(first.points, left)
    np.testing.assert_array_equal(second.points, right)
    assert np.hypot(*(right[9] - left[9])) == 8.0
    np.testing.assert_array_equal(second.scores, _part_scores(61 / 64))
    assert first.score == pytest.approx(_part_scores(63 / 64).sum() / K, rel=1e-15)
    assert second.score == pytest.approx(
        (_part_scores(61 / 64).sum() - PART_SCORES[9]) / K, rel=1e-15)
    assert scene.decode(nms_radius=8.0)[1].score == second.score  # within: distance <= radius
    # Further than nms_radius apart: nothing claimed.
    assert scene.decode(nms_radius=7.9)[1].score == pytest.approx(
        _part_scores(61 / 64).sum() / K, rel=1e-15)


def _single_peak_scene(*peaks: tuple[tuple[int, int], float]) -> Scene:
    scene = Scene(9, 9)
    for cell, score in peaks:
        scene.peak(0, cell, score)
    return scene


def _roots(poses: list[DecodedPose]) -> list[tuple[float, float]]:
    return [tuple(pose.points[0] / STRIDE) for pose in poses]


def test_an_equal_neighbour_does_not_suppress_a_local_maximum_and_ties_go_row_major():
    poses = _single_peak_scene(((4, 5), 0.9), ((4, 4), 0.9)).decode(nms_radius=0.0)
    assert _roots(poses) == [(4, 4), (4, 5)]
    poses = _single_peak_scene(((5, 5), 0.9), ((4, 4), 0.9)).decode(nms_radius=0.0)
    assert _roots(poses) == [(4, 4), (5, 5)]


@pytest.mark.parametrize("neighbour", [(4, 5), (3, 3), (5, 4), (3, 5)])
def test_a_strictly_greater_neighbour_suppresses_a_local_maximum(neighbour):
    poses = _single_peak_scene((neighbour, 0.95), ((4, 4), 0.9)).decode(nms_radius=0.0)
    assert _roots(poses) == [neighbour]


def test_local_maximum_radius():
    scene = _single_peak_scene(((4, 6), 0.95), ((4, 4), 0.9))
    assert _roots(scene.decode(nms_radius=0.0)) == [(4, 6), (4, 4)]
    assert _roots(scene.decode(nms_radius=0.0, local_maximum_radius=2)) == [(4, 6)]
    assert _roots(scene.decode(nms_radius=0.0, local_maximum_radius=0)) == [(4, 6), (4, 4)]
    # At the border, the window is clipped to the grid.
    scene = _single_peak_scene(((0, 0), 0.9), ((8, 8), 0.8), ((8, 7), 0.7))
    assert _roots(scene.decode(nms_radius=0.0)) == [(0, 0), (8, 8)]


def test_refine_steps_move_a_displaced_keypoint_to_the_target_cells_offset():
    scene = Scene()
    points = scene.person((1, 1), 0.9)
    nose_cell, eye_cell = (1, 3), (1, 4)
    # The nose->left eye displacement lands a cell below the eye; there, the eye's offset
    # points back up, half a pixel short.
    scene.fwd[(*nose_cell, 0)] += STRIDE
    below = (eye_cell[0] + 1, eye_cell[1])
    scene.offsets[(*below, 1)], scene.offsets[(*below, K + 1)] = -STRIDE + 0.5, 0.25
    (pose,) = scene.decode(refine_steps=2)
    np.testing.assert_array_equal(pose.points, points)
    (pose,) = scene.decode(refine_steps=1)
    np.testing.assert_array_equal(pose.points[1], np.array(eye_cell) * STRIDE + (0.5, 0.25))
    assert pose.scores[1] == PART_SCORES[1]  # read at the cell nearest to the refined point
    np.testing.assert_array_equal(pose.points[3], points[3])
    (pose,) = scene.decode(refine_steps=0)
    np.testing.assert_array_equal(pose.points[1], points[1] + (STRIDE, 0.0))
    assert pose.scores[1] == 0.0


def test_nearest_cell_rounds_halves_up():
    scene = Scene(9, 9)
    scene.peak(0, (2, 2), 0.9, (4.0, 4.0))  # at (20, 20): cell (2.5, 2.5) -> (3, 3)
    scene.fwd[3, 3, 0], scene.fwd[3, 3, E] = 10.0, -10.0
    scene.fwd[2, 2, 0], scene.fwd[2, 2, E] = -10.0, 10.0
    scene.scores[4, 1, 1] = 0.25  # the eye lands at (30, 10): cell (3.75, 1.25) -> (4, 1)
    (pose,) = scene.decode(refine_steps=0)
    np.testing.assert_array_equal(pose.points[:2], [[20.0, 20.0], [30.0, 10.0]])
    assert pose.scores[1] == 0.25


def test_displacements_leaving_the_grid_are_clipped_to_its_border():
    scene = Scene(9, 9)
    scene.peak(0, (4, 4), 0.9)
    scene.fwd[4, 4, 0], scene.fwd[4, 4, E] = -100.0, 1000.0
    eye = scene.peak(1, (0, 8), 0.25, (1.0, 2.0))
    (pose,) = scene.decode(refine_steps=1)
    np.testing.assert_array_equal(pose.points[1], eye)
    assert pose.scores[1] == 0.25
    (pose,) = scene.decode(refine_steps=0)
    np.testing.assert_array_equal(pose.points[1], [-68.0, 1032.0])
    assert pose.scores[1] == 0.25


def test_multi_pose_checks_shapes():
    scene = Scene(9, 9)
    good = [scene.scores, scene.offsets, scene.fwd, scene.bwd]
    options = {"max_poses": 5, "score_threshold": 0.5, "nms_radius": 20.0}
    for position, bad, match in [
            (1, np.zeros((9, 9, 2 * K - 1)), "offsets"),
            (2, np.zeros((9, 9, 2 * E - 2)), "displacements_fwd"),
            (3, np.zeros((9, 9, 2 * E + 2)), "displacements_bwd"),
            (3, np.zeros((9, 8, 2 * E)), "displacements_bwd"),
            (1, np.zeros((8, 9, 2 * K)), "offsets")]:
        outputs = list(good)
        outputs[position] = bad
        with pytest.raises(OptionsError, match=match):
            decode_multiple_poses(*outputs, STRIDE, STRIDE, **options)
    with pytest.raises(OptionsError, match="17-keypoint"):
        decode_multiple_poses(np.zeros((9, 9, 16)), np.zeros((9, 9, 32)), scene.fwd,
                              scene.bwd, STRIDE, STRIDE, **options)
    with pytest.raises(OptionsError, match="refine_steps"):
        decode_multiple_poses(*good, STRIDE, STRIDE, refine_steps=-1, **options)


# --- multiple poses: against a literal port of tfjs ---------------------------------------


def _reference_decode(scores, offsets, fwd, bwd, stride_y, stride_x, max_poses,
                      score_threshold, nms_radius, local_maximum_radius=1, refine_steps=2):
    """tfjs decodeMultiplePoses, loop by loop; equal scores dequeued in (y, x, k) order."""
    height, width, num_keypoints = scores.shape

    def is_local_maximum(y, x, k):
        for y2 in range(max(y - local_maximum_radius, 0),
                        min(y + local_maximum_radius + 1, height)):
            for x2 in range(max(x - local_maximum_radius, 0),
                            min(x + local_maximum_radius + 1, width)):
                if scores[y2, x2, k] > scores[y, x, k]:
                    return False
        return True

    queue = []
    for y in range(height):
        for x in range(width):
            for k in range(num_keypoints):
                if scores[y, x, k] >= score_threshold and is_local_maximum(y, x, k):
                    queue.append((float(scores[y, x, k]), (y * width + x) * num_keypoints + k,
                                  y, x, k))
    queue.sort(key=lambda item: (-item[0], item[1]))

    def nearest(point):
        return (min(max(math.floor(point[0] / stride_y + 0.5), 0), height - 1),
                min(max(math.floor(point[1] / stride_x + 0.5), 0), width - 1))

    def image_coords(y, x, k):
        return (y * stride_y + float(offsets[y, x, k]),
                x * stride_x + float(offsets[y, x, num_keypoints + k]))

    def traverse(edge, source, target, displacements):
        y, x = nearest(source)
        point = (source[0] + float(displacements[y, x, edge]),
                 source[1] + float(displacements[y, x, E + edge]))
        for _ in range(refine_steps):
            point = image_coords(*nearest(point), target)
        return point, float(scores[(*nearest(point), target)])

    def within_nms_radius(poses, point, k):
        for keypoints, _ in poses:
            dy, dx = point[0] - keypoints[k][0][0], point[1] - keypoints[k][0][1]
            if dy * dy + dx * dx <= nms_radius * nms_radius:
                return True
        return False

    poses = []
    for score, _, y, x, k in queue:
        if max_poses is not None and len(poses) >= max_poses:
            break
        root = image_coords(y, x, k)
        if within_nms_radius(poses, root, k):
            continue
        keypoints = [None] * num_keypoints
        keypoints[k] = (root, score)
        for edge in range(E - 1, -1, -1):
            parent, child = POSENET_TREE[edge]
            if keypoints[child] and not keypoints[parent]:
                keypoints[parent] = traverse(edge, keypoints[child][0], parent, bwd)
        for edge in range(E):
            parent, child = POSENET_TREE[edge]
            if keypoints[parent] and not keypoints[child]:
                keypoints[child] = traverse(edge, keypoints[parent][0], child, fwd)
        total = 0.0
        for j, (point, part_score) in enumerate(keypoints):
            if not within_nms_radius(poses, point, j):
                total += part_score
        poses.append((keypoints, total / num_keypoints))
    return poses


def _random_outputs(seed: int, size: int = 9, levels: int | None = None):
    rng = np.random.default_rng(seed)
    scores = 1.0 / (1.0 + np.exp(-rng.normal(0.0, 2.0, (size, size, K))))
    if levels:  # many equal scores
        scores = np.round(scores * levels) / levels
    offsets = rng.normal(0.0, 10.0, (size, size, 2 * K)).astype(np.float32)
    fwd, bwd = rng.normal(0.0, 40.0, (2, size, size, 2 * E)).astype(np.float32)
    return scores, offsets, fwd, bwd


@pytest.mark.parametrize(("seed", "levels", "options"), [
    (0, None, {}),
    (1, None, {"max_poses": 5}),
    (2, None, {"nms_radius": 5.0, "refine_steps": 1}),
    (3, None, {"score_threshold": 0.2, "local_maximum_radius": 2, "refine_steps": 3}),
    (4, 8, {}),
    (5, 4, {"nms_radius": 0.0, "local_maximum_radius": 0}),
    (6, 16, {"max_poses": 3, "refine_steps": 0}),
])
def test_multi_pose_matches_a_literal_port_of_tfjs(seed, levels, options):
    scores, offsets, fwd, bwd = _random_outputs(seed, levels=levels)
    settings = {"max_poses": None, "score_threshold": 0.5, "nms_radius": 20.0} | options
    stride = output_stride(257, 9)
    poses = decode_multiple_poses(scores, offsets, fwd, bwd, stride, stride, **settings)
    expected = _reference_decode(scores, offsets, fwd, bwd, stride, stride, **settings)
    assert len(poses) == len(expected) > 1
    for pose, (keypoints, score) in zip(poses, expected, strict=True):
        assert pose.points.tolist() == [list(point) for point, _ in keypoints]
        assert pose.scores.tolist() == [part_score for _, part_score in keypoints]
        assert pose.score == score


def test_multi_pose_matches_the_reference_with_unequal_strides():
    scores, offsets, fwd, bwd = _random_outputs(7, size=11)
    settings = {"max_poses": None, "score_threshold": 0.6, "nms_radius": 15.0}
    poses = decode_multiple_poses(scores, offsets, fwd, bwd, 24.0, 40.0, **settings)
    expected = _reference_decode(scores, offsets, fwd, bwd, 24.0, 40.0, **settings)
    assert [pose.points.tolist() for pose in poses] == [
        [list(point) for point, _ in keypoints] for keypoints, _ in expected]
    assert [pose.score for pose in poses] == [score for _, score in expected]
