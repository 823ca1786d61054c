"""PoseEstimator: people's body keypoints, from MoveNet and PoseNet models.

Example::

    from tflite_tasks import PoseEstimator

    with PoseEstimator.create_from_file("movenet_lightning.tflite") as estimator:
        result = estimator.estimate("dancer.jpg")
    for pose in result.poses:
        wrist = pose.keypoint("left_wrist")
        print(pose.score, wrist.x, wrist.y, wrist.score)

The model's family (MoveNet SinglePose, MoveNet MultiPose, PoseNet) is the one its metadata
records (:mod:`tflite_tasks.metadata.writers.pose_estimator` writes it, with the keypoint
names), else recognized from its outputs (:mod:`~tflite_tasks.tasks.vision.pose_families`).
The image is scaled to fit the model's input and padded, keeping its aspect ratio, so
keypoints map back exactly onto the caller's image: they come in pixels of that image (and
normalized to it).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from tflite_tasks.core.classification import metadata_labels
from tflite_tasks.core.containers import BoundingBox
from tflite_tasks.core.errors import OptionsError
from tflite_tasks.core.image import ImageLike, RegionOfInterest
from tflite_tasks.core.image_preprocessor import Placement
from tflite_tasks.core.options import BaseOptions, ImageOptions, LabelsLike, is_int, is_real
from tflite_tasks.core.options import read_labels as read_names
from tflite_tasks.core.region import Region
from tflite_tasks.tasks.vision.image_task import ImageTask
from tflite_tasks.tasks.vision.pose_families import DecodeSettings, RawPoses, recognize
from tflite_tasks.tasks.vision.results import (
    KEYPOINT_NAMES,
    Keypoint,
    Pose,
    PoseResult,
)

_FLOAT_CONVENTION = {"movenet_single": (0.0, 1.0), "movenet_multi": (0.0, 1.0),
                     "posenet": (127.5, 127.5)}
"""(mean, std) of float inputs when neither the metadata nor the options give them: MoveNet
takes pixel values, PoseNet [-1, 1]."""


@dataclass
class PoseOptions:
    """Which poses and keypoints to keep, and how PoseNet outputs are decoded.

    Attributes:
        max_poses: at most this many poses, the best; ``None`` keeps all. PoseNet's
            multi-pose decoder stops after this many (as tfjs), in the order of their root
            part's score, before ``min_pose_score`` applies.
        min_pose_score: drop poses scoring below this.
        min_keypoint_score: leave out keypoints scoring below this (a pose left with no
            keypoint is dropped); 0 keeps all.
        nms_radius: PoseNet multi-pose: a root part within this many pixels (of the model
            input) of the same keypoint of a pose already found is skipped (tfjs: 20).
        part_score_threshold: PoseNet multi-pose: the least heatmap score of a root part.
        posenet_decoding: "single" (each keypoint's heatmap maximum: one person), "multi"
            (the greedy part-based decoder) or "auto": "single" when ``max_poses == 1``.
        pose_family: force "movenet_single", "movenet_multi" or "posenet" instead of the
            family the metadata records or recognizing it from the outputs.
        keypoint_names: names of the model's keypoints (a list or a file) when they are not
            the 17 COCO keypoints and the metadata doesn't name them.
        keep_aspect_ratio: fit the image into the input and pad it (True), or stretch it.
        input_size: for models of dynamic input size (MoveNet MultiPose): the longer side
            in pixels; both sides are rounded up to multiples of 32.
    """

    max_poses: int | None = None
    min_pose_score: float = 0.2
    min_keypoint_score: float = 0.0
    nms_radius: float = 20.0
    part_score_threshold: float = 0.5
    posenet_decoding: str = "auto"
    pose_family: str | None = None
    keypoint_names: LabelsLike | None = None
    keep_aspect_ratio: bool = True
    input_size: int = 256

    def validate(self) -> None:
        """Raises OptionsError for values out of range."""
        if self.max_poses is not None and not (is_int(self.max_poses) and self.max_poses > 0):
            raise OptionsError(f"max_poses must be a positive integer or None, not "
                               f"{self.max_poses!r}")
        for name in ("min_pose_score", "min_keypoint_score", "nms_radius",
                     "part_score_threshold"):
            value = getattr(self, name)
            if not is_real(value) or (name == "nms_radius" and value < 0):
                raise OptionsError(f"{name} must be a finite number"
                                   f"{' >= 0' if name == 'nms_radius' else ''}, not {value!r}")
        if self.posenet_decoding not in ("auto", "single", "multi"):
            raise OptionsError("posenet_decoding must be 'auto', 'single' or 'multi', not "
                               f"{self.posenet_decoding!r}")
        if not isinstance(self.keep_aspect_ratio, bool):
            raise OptionsError(f"keep_aspect_ratio must be True or False, not "
                               f"{self.keep_aspect_ratio!r}")
        if not (is_int(self.input_size) and 32 <= self.input_size <= 4096):
            raise OptionsError(f"input_size must be an integer in [32, 4096], not "
                               f"{self.input_size!r}")


@dataclass
class PoseEstimatorOptions:
    """Options of :class:`PoseEstimator`.

    Attributes:
        base_options: the model and the number of threads.
        pose_options: limits, thresholds, PoseNet decoding, keypoint names.
        image_options: normalization for float models whose metadata lacks it (default:
            the family's convention, pixel values for MoveNet and [-1, 1] for PoseNet).
    """

    base_options: BaseOptions
    pose_options: PoseOptions = field(default_factory=PoseOptions)
    image_options: ImageOptions = field(default_factory=ImageOptions)


def _dynamic_size(longer_side: int) -> Callable[[int, int], tuple[int, int]]:
    """The tensor size of a dynamic input: the image scaled to ``longer_side``, each side
    rounded up to a multiple of 32."""

    def size(width: int, height: int) -> tuple[int, int]:
        scale = longer_side / max(width, height)
        return (32 * max(1, math.ceil(width * scale / 32)),
                32 * max(1, math.ceil(height * scale / 32)))

    return size


class PoseEstimator(ImageTask[PoseEstimatorOptions]):
    """Estimates human poses with a MoveNet or PoseNet TFLite model (one image input)."""

    options_class = PoseEstimatorOptions

    def _setup(self) -> None:
        engine, options = self.engine, self._options
        pose = options.pose_options
        pose.validate()
        self.model = recognize(engine, pose.pose_family)
        self._output_positions = self.model.positions
        self._keypoint_names = self._names(pose.keypoint_names)
        if pose.keypoint_names is not None:  # read from their file once: pickles travel
            options.pose_options = replace(pose, keypoint_names=list(self._keypoint_names))
        self._setup_image_input(options.image_options, "pose estimator",
                                keep_aspect_ratio=pose.keep_aspect_ratio,
                                dynamic_size=_dynamic_size(pose.input_size),
                                default_normalization=_FLOAT_CONVENTION[self.model.family])
        multi = (pose.posenet_decoding == "multi"
                 or (pose.posenet_decoding == "auto" and pose.max_poses != 1))
        self._settings = DecodeSettings(multi, pose.max_poses, float(pose.part_score_threshold),
                                        float(pose.nms_radius))

    def _names(self, option: LabelsLike | None) -> tuple[str, ...]:
        """The keypoint names: the option's, the metadata's, or COCO's for 17 keypoints."""
        count = self.model.num_keypoints
        names: Sequence[str] | None = read_names(option) if option is not None else None
        source = "keypoint_names"
        if names is None:
            names, _ = metadata_labels(self.engine.metadata,
                                       self.engine.metadata.output_tensor(
                                           self.model.keypoint_position), "")
            source = "the metadata's keypoint label file"
        if names is None and count == len(KEYPOINT_NAMES):
            names = KEYPOINT_NAMES
        if names is None:
            raise OptionsError(f"the model has {count} keypoints, not the 17 COCO ones, and "
                               "its metadata doesn't name them: pass keypoint_names=[...]")
        if len(names) != count:
            raise OptionsError(f"{source} gives {len(names)} names for the model's {count} "
                               "keypoints")
        if self.model.family == "posenet" and count != len(KEYPOINT_NAMES):
            raise OptionsError(f"PoseNet decoding follows the 17 COCO keypoints; this model "
                               f"has {count}")
        return tuple(names)

    @property
    def pose_family(self) -> str:
        """The model's family: "movenet_single", "movenet_multi" or "posenet"."""
        return self.model.family

    @property
    def keypoint_names(self) -> tuple[str, ...]:
        """The names of the model's keypoints, in its order."""
        return self._keypoint_names

    def postprocess(self, raw_outputs: Sequence[np.ndarray], region: Region,
                    image: np.ndarray | None = None) -> PoseResult:
        """Turns the raw outputs into poses in pixels of the image ``region`` is of."""
        placement = self._preprocessor.placement(*region.upright_size)
        raw = self.model.decode(list(raw_outputs),
                                (placement.tensor_width, placement.tensor_height),
                                self._settings)
        return PoseResult(self._poses(raw, placement, region), image=image)

    def _poses(self, raw: RawPoses, placement: Placement, region: Region) -> list[Pose]:
        """Thresholds, sorts and caps the poses, mapping them onto the image."""
        pose_options = self._options.pose_options
        order = np.argsort(-raw.scores, kind="stable")
        order = order[raw.scores[order] >= pose_options.min_pose_score]
        count, k = len(order), len(self._keypoint_names)
        if count == 0:
            return []
        to_image = region.points_to_image
        pixels = to_image(placement.to_image(raw.points[order].reshape(-1, 2))).reshape(
            count, k, 2)
        normalized = pixels / (region.image_width, region.image_height)
        keep = raw.keypoint_scores[order] >= pose_options.min_keypoint_score
        boxes = None
        if raw.boxes is not None:
            corners = placement.to_image(raw.boxes[order].reshape(-1, 2))
            boxes = to_image(corners).reshape(count, 2, 2)
        poses = []
        for i, index in enumerate(order.tolist()):
            kept = np.flatnonzero(keep[i])
            if kept.size == 0:
                continue
            keypoints = [
                Keypoint(self._keypoint_names[j], x, y, score, nx, ny)
                for j, (x, y), score, (nx, ny) in zip(
                    kept.tolist(), pixels[i, kept].tolist(),
                    raw.keypoint_scores[index, kept].tolist(), normalized[i, kept].tolist(),
                    strict=True)]
            corners_xy = boxes[i] if boxes is not None else pixels[i, kept]
            poses.append(Pose(keypoints, float(raw.scores[index]), _box(corners_xy)))
            if len(poses) == pose_options.max_poses:
                break
        return poses

    def estimate(self, image: ImageLike, roi: RegionOfInterest | None = None,
                 rotation: int = 0) -> PoseResult:
        """Finds the poses of the people in one image.

        Args:
            image: a path, encoded bytes, an HxW / HxWx3 / HxWx4 uint8 array or a PIL image.
            roi: the region to look in, ``(x, y, width, height)`` in pixels of ``image``.
            rotation: degrees clockwise (multiple of 90) to turn the region before
                estimating, for images captured sideways.

        Returns:
            The poses by descending score, keypoints in pixels of ``image``.
        """
        inference = self._infer(image, roi, rotation)
        return self.postprocess(inference.outputs, inference.region, inference.image)

    def estimate_batch(self, images: Iterable[ImageLike],
                       max_workers: int | None = None) -> list[PoseResult]:
        """Estimates the poses in many whole images: decoding and preprocessing run in
        worker threads, overlapped with inference, a few images ahead.

        Args:
            images: any of the inputs ``estimate`` takes.
            max_workers: preprocessing threads (default: the CPUs available).

        Returns:
            One result per image, in order.
        """
        return [self.postprocess(inference.outputs, inference.region, inference.image)
                for inference in self._infer_batch(images, max_workers, "estimate_batch")]


def _box(points: np.ndarray) -> BoundingBox:
    """The pixel box (origin floored, far corner ceiled) around (N, 2) ``(x, y)`` points."""
    x0, y0 = np.floor(points.min(axis=0)).astype(int).tolist()
    x1, y1 = np.ceil(points.max(axis=0)).astype(int).tolist()
    return BoundingBox(x0, y0, x1 - x0, y1 - y0)
