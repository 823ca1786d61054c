"""Decoding PoseNet outputs into poses (the algorithms of tfjs-models ``posenet``).

PoseNet outputs, on an ``H x W`` grid of cells ``stride`` input pixels apart:

* ``scores`` ``(H, W, K)``: keypoint probabilities (heatmaps after the sigmoid);
* ``offsets`` ``(H, W, 2K)``: channels ``0..K-1`` the y, ``K..2K-1`` the x offset (input
  pixels) from a cell to keypoint ``k`` near it;
* ``displacements_fwd`` / ``displacements_bwd`` ``(H, W, 2E)``, ``E = len(POSENET_TREE)``:
  channel ``e`` the y, ``E + e`` the x displacement (input pixels) from the parent to the
  child (forward) or from the child to the parent (backward) of edge ``e``.

Every position is ``(y, x)`` in model input pixels (y down, x right), continuous, not
normalized: cell ``(i, j)`` lies at ``(i * stride_y, j * stride_x)``.
"""

from __future__ import annotations

import math
from functools import cache
from typing import NamedTuple

import numpy as np

from tflite_tasks.core.errors import OptionsError

POSENET_TREE: tuple[tuple[int, int], ...] = (
    (0, 1), (1, 3), (0, 2), (2, 4), (0, 5), (5, 7), (7, 9), (5, 11), (11, 13), (13, 15),
    (0, 6), (6, 8), (8, 10), (6, 12), (12, 14), (14, 16),
)
"""The 16 parent->child edges (COCO keypoint indices) along which displacement channel e
(0..15) points, in tfjs poseChain order: nose-left_eye, left_eye-left_ear, nose-right_eye,
right_eye-right_ear, nose-left_shoulder, left_shoulder-left_elbow, left_elbow-left_wrist,
left_shoulder-left_hip, left_hip-left_knee, left_knee-left_ankle, nose-right_shoulder,
right_shoulder-right_elbow, right_elbow-right_wrist, right_shoulder-right_hip,
right_hip-right_knee, right_knee-right_ankle."""

_NUM_TREE_KEYPOINTS = 1 + max(max(edge) for edge in POSENET_TREE)


class DecodedPose(NamedTuple):
    """One pose, in model input pixels."""

    points: np.ndarray
    """(K, 2) float64 keypoint positions (y, x), input pixels."""
    scores: np.ndarray
    """(K,) float64 keypoint scores in [0, 1]."""
    score: float
    """The pose score in [0, 1]."""


def output_stride(input_size: int, grid_size: int) -> float:
    """The distance (input pixels) between grid cells: ``(input_size - 1) / (grid_size - 1)``.

    257 pixels on a 9-cell grid -> 32.0. A 1-cell grid has no spacing: ``input_size``.
    """
    if grid_size < 1:
        raise OptionsError(f"a PoseNet output grid needs at least 1 cell, got {grid_size}")
    return float(input_size) if grid_size == 1 else (input_size - 1) / (grid_size - 1)


def decode_single_pose(scores: np.ndarray, offsets: np.ndarray, stride_y: float,
                       stride_x: float) -> DecodedPose:
    """The one pose of the tfjs single-pose decoder: each keypoint at its heatmap's maximum.

    Args:
        scores: (H, W, K) keypoint probabilities.
        offsets: (H, W, 2K) y then x offsets, input pixels.
        stride_y, stride_x: the cell spacing, input pixels.

    Returns:
        Keypoint k at the cell of the maximum of ``scores[..., k]`` (the first in row-major
        order on ties) plus its offset, scored by that maximum; the pose score is the mean.
    """
    height, width, k = _check_grid(scores, offsets)
    flat = scores.reshape(height * width, k)
    cells = np.argmax(flat, axis=0)
    keypoints = np.arange(k)
    flat_offsets = offsets.reshape(height * width, 2 * k)
    offset_y, offset_x = (flat_offsets[cells, keypoints + c].astype(np.float64) for c in (0, k))
    rows, cols = np.divmod(cells, width)
    points = np.stack([rows * stride_y + offset_y, cols * stride_x + offset_x], axis=1)
    keypoint_scores = flat[cells, keypoints].astype(np.float64)
    return DecodedPose(points, keypoint_scores, float(keypoint_scores.mean()))


def decode_multiple_poses(scores: np.ndarray, offsets: np.ndarray,
                          displacements_fwd: np.ndarray, displacements_bwd: np.ndarray,
                          stride_y: float, stride_x: float, *, max_poses: int | None,
                          score_threshold: float, nms_radius: float,
                          local_maximum_radius: int = 1,
                          refine_steps: int = 2) -> list[DecodedPose]:
    """The poses of the greedy part-based decoder (tfjs ``decodeMultiplePoses``).

    Root candidates are the (cell, keypoint) pairs scoring at least ``score_threshold``
    with no strictly greater score of the same keypoint within ``local_maximum_radius``
    cells (in y and in x). They are taken by descending score; equal scores in the
    row-major order of ``(y, x, k)``. A candidate lying (cell plus offset) within
    ``nms_radius`` pixels of the same keypoint of a pose already decoded is skipped; any
    other becomes the root of a new pose, whose other keypoints are reached along
    :data:`POSENET_TREE` by the displacements, each landing refined ``refine_steps`` times
    by the offsets of the nearest cell. The pose score is the sum of the scores of its
    keypoints not within ``nms_radius`` of the same keypoint of an earlier pose, over K.

    Args:
        scores: (H, W, 17) keypoint probabilities.
        offsets: (H, W, 34) y then x offsets, input pixels.
        displacements_fwd, displacements_bwd: (H, W, 32) y then x displacements of the
            edges, parent to child and child to parent, input pixels.
        stride_y, stride_x: the cell spacing, input pixels.
        max_poses: stop after this many poses (None: no limit).
        score_threshold: the least score of a root candidate.
        nms_radius: the suppression distance, input pixels.
        local_maximum_radius: the half-size (cells) of the local maximum window.
        refine_steps: how many times a displaced keypoint is moved to the offset of the
            cell nearest to it.

    Returns:
        The poses in the order decoded (descending root score), low pose scores included.
    """
    height, width, k = _check_grid(scores, offsets)
    edges = len(POSENET_TREE)
    for name, field in (("displacements_fwd", displacements_fwd),
                        ("displacements_bwd", displacements_bwd)):
        if field.shape != (height, width, 2 * edges):
            raise OptionsError(f"{name} must have shape {(height, width, 2 * edges)} (y then "
                               f"x of the {edges} PoseNet edges), got {field.shape}")
    if k != _NUM_TREE_KEYPOINTS:
        raise OptionsError(f"multi-pose decoding follows the {_NUM_TREE_KEYPOINTS}-keypoint "
                           f"PoseNet tree, but the heatmaps have {k} keypoints")
    if local_maximum_radius < 0 or refine_steps < 0:
        raise OptionsError("local_maximum_radius and refine_steps must be >= 0, got "
                           f"{local_maximum_radius} and {refine_steps}")

    grid = _Grid(scores, offsets, displacements_fwd, displacements_bwd, stride_y, stride_x,
                 refine_steps)
    local_maximum = _is_local_maximum(grid.scores.reshape(height, width, k), local_maximum_radius)
    candidates = np.flatnonzero((grid.scores >= score_threshold) & local_maximum.ravel())
    candidates = candidates[np.argsort(-grid.scores[candidates], kind="stable")]
    root_y, root_x, root_k = grid.at_y[candidates], grid.at_x[candidates], candidates % k
    suppressed = np.zeros(len(candidates), bool)
    squared_radius = nms_radius * nms_radius
    # (poses, K) keypoint positions of the poses decoded so far (at most one per candidate).
    done_y, done_x = np.empty((2, len(candidates), k))
    poses: list[DecodedPose] = []
    i = 0
    while max_poses is None or len(poses) < max_poses:
        free = np.flatnonzero(~suppressed[i:])
        if not free.size:
            break
        i += int(free[0])
        pose_y, pose_x, keypoint_scores = grid.decode_pose(int(candidates[i]))
        dy, dx = done_y[:len(poses)] - pose_y, done_x[:len(poses)] - pose_x
        claimed = (dy * dy + dx * dx <= squared_radius).any(axis=0)
        # The sum in keypoint order (cumsum is sequential), as tfjs adds the scores.
        score = float(np.cumsum(np.where(claimed, 0.0, keypoint_scores))[-1]) / k
        done_y[len(poses)], done_x[len(poses)] = pose_y, pose_x
        poses.append(DecodedPose(np.stack([pose_y, pose_x], axis=1), keypoint_scores, score))
        i += 1
        dy, dx = root_y[i:] - pose_y[root_k[i:]], root_x[i:] - pose_x[root_k[i:]]
        suppressed[i:] |= dy * dy + dx * dx <= squared_radius
    return poses


def _check_grid(scores: np.ndarray, offsets: np.ndarray) -> tuple[int, int, int]:
    """``scores``' (H, W, K) after checking that ``offsets`` is (H, W, 2K)."""
    if scores.ndim != 3:
        raise OptionsError(f"PoseNet heatmaps must be (H, W, K), got shape {scores.shape}")
    height, width, k = scores.shape
    if offsets.shape != (height, width, 2 * k):
        raise OptionsError(f"PoseNet offsets must have shape {(height, width, 2 * k)} (y then "
                           f"x of the {k} keypoints), got {offsets.shape}")
    return height, width, k


def _is_local_maximum(scores: np.ndarray, radius: int) -> np.ndarray:
    """(H, W, K) bool: no score of the same keypoint within ``radius`` cells is greater."""
    height, width, _ = scores.shape
    padded = np.full((height + 2 * radius, width + 2 * radius, scores.shape[2]), -np.inf,
                     scores.dtype)
    padded[radius:radius + height, radius:radius + width] = scores
    rows = padded[:height]  # the maximum over the window is separable: y, then x
    for d in range(1, 2 * radius + 1):
        rows = np.maximum(rows, padded[d:d + height])
    window = rows[:, :width]
    for d in range(1, 2 * radius + 1):
        window = np.maximum(window, rows[:, d:d + width])
    return scores >= window


@cache
def _traversal_plan(root: int) -> tuple[tuple[int, int, int, bool], ...]:
    """The ``(edge, source, target, forward)`` steps reaching every keypoint from ``root``.

    As tfjs: edges last to first going up (child to parent), then first to last going down.
    """
    known = {root}
    plan = []
    for edge in reversed(range(len(POSENET_TREE))):
        parent, child = POSENET_TREE[edge]
        if child in known and parent not in known:
            plan.append((edge, child, parent, False))
            known.add(parent)
    for edge, (parent, child) in enumerate(POSENET_TREE):
        if parent in known and child not in known:
            plan.append((edge, parent, child, True))
            known.add(child)
    return tuple(plan)


class _Grid:
    """The PoseNet outputs as flat arrays, for fast scalar reads along the tree.

    Flat indices are row-major: ``cell * K + k`` (``cell = row * W + col``), and
    ``cell * 2E + e`` (y) and ``cell * 2E + E + e`` (x) in the displacements.
    """

    def __init__(self, scores: np.ndarray, offsets: np.ndarray,
                 displacements_fwd: np.ndarray, displacements_bwd: np.ndarray,
                 stride_y: float, stride_x: float, refine_steps: int) -> None:
        self.height, self.width, self.k = scores.shape
        self.stride_y, self.stride_x = stride_y, stride_x
        self.refine_steps = refine_steps
        self.scores = np.asarray(scores, np.float64).ravel()
        offsets = np.asarray(offsets, np.float64)
        # Keypoint k's position from each cell (cell * stride + offset), and the cell
        # nearest to it.
        at_y = np.arange(self.height)[:, None, None] * stride_y + offsets[..., :self.k]
        at_x = np.arange(self.width)[None, :, None] * stride_x + offsets[..., self.k:]
        self.at_y, self.at_x = at_y.ravel(), at_x.ravel()
        self.nearest = self.nearest_cell(self.at_y, self.at_x)
        self.edges = len(POSENET_TREE)
        # Indexed by ``forward``; ``item`` reads any float dtype as a Python float exactly.
        self.moves = (np.ravel(displacements_bwd), np.ravel(displacements_fwd))

    def nearest_cell(self, y: np.ndarray, x: np.ndarray) -> np.ndarray:
        """(N,) flat indices of the cells nearest to pixels (y, x) (N,): halves round up (as
        JavaScript's ``Math.round``), clipped to the grid."""
        row = np.minimum(np.maximum(np.floor(y / self.stride_y + 0.5), 0), self.height - 1)
        col = np.minimum(np.maximum(np.floor(x / self.stride_x + 0.5), 0), self.width - 1)
        return (row * self.width + col).astype(np.intp)

    def decode_pose(self, root: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(K,) y, (K,) x and (K,) scores of the pose grown from flat index ``root``."""
        k, edges, width = self.k, self.edges, self.width
        last_row, last_col = self.height - 1, width - 1
        stride_y, stride_x, refine_steps = self.stride_y, self.stride_x, self.refine_steps
        # Bound ``item`` methods: the fastest scalar reads of numpy arrays.
        score_at, y_at, x_at, nearest_at = (
            a.item for a in (self.scores, self.at_y, self.at_x, self.nearest))
        moves = tuple(field.item for field in self.moves)
        root_k = root % k
        ys, xs, scores, cells = [0.0] * k, [0.0] * k, [0.0] * k, [0] * k
        ys[root_k], xs[root_k] = y_at(root), x_at(root)
        scores[root_k], cells[root_k] = score_at(root), nearest_at(root)
        for edge, source, target, forward in _traversal_plan(root_k):
            move = moves[forward]
            at = cells[source] * 2 * edges + edge
            y, x = ys[source] + move(at), xs[source] + move(at + edges)
            # nearest_cell(y, x) on Python floats:
            row, col = math.floor(y / stride_y + 0.5), math.floor(x / stride_x + 0.5)
            row = 0 if row < 0 else last_row if row > last_row else row
            col = 0 if col < 0 else last_col if col > last_col else col
            cell = row * width + col
            for _ in range(refine_steps):
                at = cell * k + target
                y, x, cell = y_at(at), x_at(at), nearest_at(at)
            ys[target], xs[target], cells[target] = y, x, cell
            scores[target] = score_at(cell * k + target)
        return np.array(ys), np.array(xs), np.array(scores)
