"""The pose model families: which outputs they have and how each becomes keypoints.

* ``"movenet_single"``: one output ``[1, 1, K, 3]`` of ``(y, x, score)`` normalized to the
  input (MoveNet SinglePose Lightning and Thunder).
* ``"movenet_multi"``: one output ``[1, N, 3K + 5]``: K ``(y, x, score)``, then the box
  ``(ymin, xmin, ymax, xmax)`` and the pose score (MoveNet MultiPose, N = 6).
* ``"posenet"``: four outputs ``[1, H, W, *]``: heatmaps (K logits), offsets (2K),
  forward and backward displacements (2 x 16 each), decoded by
  :mod:`~tflite_tasks.tasks.vision.pose_decoders`.

Each family turns the raw outputs into :class:`RawPoses`: points normalized to the input
tensor, before the task maps them onto the caller's image.

A model's metadata may record its family (:func:`recorded_family`, written by
:mod:`tflite_tasks.metadata.writers.pose_estimator`); it then takes precedence over the
recognition from the outputs, and must fit them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from tflite_tasks.core.engine import Engine, TensorSpec
from tflite_tasks.core.errors import OptionsError
from tflite_tasks.metadata import Metadata
from tflite_tasks.tasks.vision import pose_decoders

FAMILIES = ("movenet_single", "movenet_multi", "posenet")
FAMILY_METADATA = "pose_family"
"""Name of the custom metadata entry of subgraph 0 that records the family (UTF-8 text)."""
POSENET_ROLES = ("heatmaps", "offsets", "displacements_fwd", "displacements_bwd")
_ROLE_WORDS = {"heatmaps": ("heatmap",), "offsets": ("offset",),
               "displacements_fwd": ("fwd", "forward"), "displacements_bwd": ("bwd", "backward")}
_SHAPES_HELP = ("a pose model has one output [1, 1, K, 3] (MoveNet SinglePose), one output "
                "[1, N, 3K + 5] (MoveNet MultiPose) or four [1, H, W, C] outputs: heatmaps "
                "(K), offsets (2K), forward and backward displacements (32 each) (PoseNet)")


class RawPoses(NamedTuple):
    """Poses in the model's frame, P poses of K keypoints.

    Attributes:
        points: (P, K, 2) float64 ``(x, y)`` normalized to the input tensor.
        keypoint_scores: (P, K) float64 in [0, 1].
        scores: (P,) float64 pose scores.
        boxes: (P, 4) float64 ``(left, top, right, bottom)`` normalized to the input
            tensor, or ``None`` when the model gives no boxes.
    """

    points: np.ndarray
    keypoint_scores: np.ndarray
    scores: np.ndarray
    boxes: np.ndarray | None = None


@dataclass(frozen=True)
class DecodeSettings:
    """The options decoding needs (PoseNet only; MoveNet decodes in the model).

    Attributes:
        multi: PoseNet multi-pose decoding (else the single-pose argmax).
        max_poses: at most this many poses (``None``: no limit).
        part_score_threshold: PoseNet multi-pose: the least heatmap score of a root part.
        nms_radius: PoseNet multi-pose: pixels of the model input within which a keypoint of
            a new pose counts as one of an earlier pose.
    """

    multi: bool
    max_poses: int | None
    part_score_threshold: float
    nms_radius: float


def _finite(values: np.ndarray) -> np.ndarray:
    """``values`` with a broken model's NaN and infinities replaced by 0."""
    if np.isfinite(values).all():
        return values
    return np.nan_to_num(values, nan=0.0, posinf=0.0, neginf=0.0)


def _yx_to_xy(yx: np.ndarray) -> np.ndarray:
    return yx[..., ::-1].astype(np.float64)


class PoseFamily:
    """A recognized pose model: the outputs to read and how to decode them."""

    family: str
    positions: list[int]
    """Model output positions, in the order :meth:`decode` takes them."""

    def __init__(self, specs: list[TensorSpec], positions: list[int]) -> None:
        self.specs = [specs[p] for p in positions]
        self.positions = positions

    @property
    def num_keypoints(self) -> int:
        raise NotImplementedError

    @property
    def keypoint_position(self) -> int:
        """The output whose metadata may name the keypoints (a label file)."""
        return self.positions[0]

    def decode(self, outputs: list[np.ndarray], input_size: tuple[int, int],
               settings: DecodeSettings) -> RawPoses:
        """Decodes the raw outputs of an input of ``input_size`` (width, height) pixels."""
        raise NotImplementedError

    def _real(self, outputs: list[np.ndarray]) -> list[np.ndarray]:
        return [spec.dequantize(value) for spec, value in zip(self.specs, outputs, strict=True)]


class MoveNetSingle(PoseFamily):
    family = "movenet_single"

    @property
    def num_keypoints(self) -> int:
        return self.specs[0].shape[2]

    def decode(self, outputs: list[np.ndarray], input_size: tuple[int, int],
               settings: DecodeSettings) -> RawPoses:
        rows = self._real(outputs)[0].reshape(1, -1, 3).astype(np.float64)
        scores = rows[..., 2]
        return RawPoses(_yx_to_xy(rows[..., :2]), scores, scores.mean(axis=1))


class MoveNetMulti(PoseFamily):
    family = "movenet_multi"

    @property
    def num_keypoints(self) -> int:
        return (self.specs[0].shape[2] - 5) // 3

    def decode(self, outputs: list[np.ndarray], input_size: tuple[int, int],
               settings: DecodeSettings) -> RawPoses:
        rows = self._real(outputs)[0][0].astype(np.float64)
        k = self.num_keypoints
        keypoints = rows[:, : 3 * k].reshape(-1, k, 3)
        boxes = rows[:, 3 * k: 3 * k + 4][:, [1, 0, 3, 2]]
        return RawPoses(_yx_to_xy(keypoints[..., :2]), keypoints[..., 2], rows[:, 3 * k + 4],
                        boxes)


class PoseNet(PoseFamily):
    family = "posenet"

    @property
    def num_keypoints(self) -> int:
        return self.specs[0].shape[3]

    def decode(self, outputs: list[np.ndarray], input_size: tuple[int, int],
               settings: DecodeSettings) -> RawPoses:
        heatmaps, offsets, forward, backward = (_finite(value[0]) for value in self._real(outputs))
        with np.errstate(over="ignore"):
            scores = 1.0 / (1.0 + np.exp(-heatmaps.astype(np.float64)))
        width, height = input_size
        stride_y = pose_decoders.output_stride(height, scores.shape[0])
        stride_x = pose_decoders.output_stride(width, scores.shape[1])
        if settings.multi:
            poses = pose_decoders.decode_multiple_poses(
                scores, offsets, forward, backward, stride_y, stride_x,
                max_poses=settings.max_poses, score_threshold=settings.part_score_threshold,
                nms_radius=settings.nms_radius)
        else:
            poses = [pose_decoders.decode_single_pose(scores, offsets, stride_y, stride_x)]
        k = self.num_keypoints
        if not poses:
            return RawPoses(np.zeros((0, k, 2)), np.zeros((0, k)), np.zeros(0))
        # Decoded positions are pixel indices (pixel centres at integers): +0.5 to continuous.
        points = (_yx_to_xy(np.stack([p.points for p in poses])) + 0.5) / (width, height)
        return RawPoses(points, np.stack([p.scores for p in poses]),
                        np.array([p.score for p in poses], np.float64))


def _posenet_positions(engine: Engine) -> list[int] | None:
    """The PoseNet outputs in :data:`POSENET_ROLES` order, or ``None`` if these aren't."""
    specs = engine.outputs
    if len(specs) != 4 or any(len(s.shape) != 4 or s.shape[0] != 1 for s in specs):
        return None
    if len({s.shape[1:3] for s in specs}) != 1:
        return None
    names = [engine.metadata.output_name(s.position, s.name).lower() for s in specs]
    by_name = [next((p for p, name in enumerate(names) if any(w in name for w in words)), None)
               for words in _ROLE_WORDS.values()]
    named = None not in by_name and len(set(by_name)) == 4
    # Without names, the hosted model's order: heatmaps, offsets, forward, backward.
    positions = by_name if named else [0, 1, 2, 3]
    heatmaps, offsets, forward, backward = (specs[p].shape[3] for p in positions)
    edges = 2 * len(pose_decoders.POSENET_TREE)
    if offsets != 2 * heatmaps or forward != edges or backward != edges:
        return None
    return [int(p) for p in positions]


def recorded_family(metadata: Metadata) -> str | None:
    """The family the model's metadata records (custom metadata :data:`FAMILY_METADATA` of
    subgraph 0), or None."""
    md = metadata.model_metadata
    subgraphs = (md.subgraph_metadata if md else None) or []
    entries = (subgraphs[0].custom_metadata or []) if subgraphs else []
    data = next((entry.data for entry in entries if entry.name == FAMILY_METADATA), None)
    return None if data is None else bytes(data).decode("utf-8", "replace").strip()


def recognize(engine: Engine, family: str | None = None) -> PoseFamily:
    """The family of ``engine``'s model: ``family`` when given, else the one its metadata
    records, else the one its outputs fit.

    Raises:
        OptionsError: the outputs fit no family (or not the one forced or recorded).
    """
    recorded = recorded_family(engine.metadata) if family is None else None
    if recorded is not None and recorded not in FAMILIES:
        raise OptionsError(f"the model's metadata records pose family {recorded!r}, not one "
                           f"of {FAMILIES}: pass pose_family=... to choose the family")
    if family is not None and family not in FAMILIES:
        raise OptionsError(f"pose_family must be one of {FAMILIES}, not {family!r}")
    family = family or recorded
    specs = list(engine.outputs)
    shape = specs[0].shape if len(specs) == 1 else ()
    candidates: list[PoseFamily] = []
    if len(shape) == 4 and shape[:2] == (1, 1) and shape[3] == 3:
        candidates.append(MoveNetSingle(specs, [0]))
    if len(shape) == 3 and shape[0] == 1 and shape[2] > 5 and (shape[2] - 5) % 3 == 0:
        candidates.append(MoveNetMulti(specs, [0]))
    positions = _posenet_positions(engine)
    if positions is not None:
        candidates.append(PoseNet(specs, positions))
    found = [c for c in candidates if family is None or c.family == family]
    if not found:
        outputs = ", ".join(f"{s.name} {list(s.shape)}" for s in specs)
        wanted = f"a {family} model" if family else "a pose model"
        if recorded is not None:
            fits = f"pose_family={candidates[0].family!r}" if candidates else "pose_family"
            wanted += f" (the family its metadata records; pass {fits} to override it)"
        raise OptionsError(f"this model is not {wanted}: its outputs are {outputs}; "
                           f"{_SHAPES_HELP}")
    return found[0]
