"""Results of the vision tasks that locate things in the image: detections and masks.

Plain dataclasses with the Task Library's and MediaPipe's field names. Each keeps the
caller's image (``image``, left out of ``to_dict()``) so that Jupyter shows it annotated.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from tflite_tasks.core.containers import NOT_IN_DICT, BoundingBox, Category, _ToDict

KEYPOINT_NAMES = (
    "nose", "left_eye", "right_eye", "left_ear", "right_ear", "left_shoulder",
    "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_hip",
    "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle",
)
"""The 17 COCO keypoints, in the order MoveNet and PoseNet output them."""

SKELETON_EDGES = (
    (0, 1), (0, 2), (1, 3), (2, 4), (0, 5), (0, 6), (5, 7), (7, 9), (6, 8), (8, 10),
    (5, 6), (5, 11), (6, 12), (11, 12), (11, 13), (13, 15), (12, 14), (14, 16),
)
"""The bones drawn between :data:`KEYPOINT_NAMES` indices: face, arms, torso, legs."""


def pascal_voc_palette(count: int) -> np.ndarray:
    """Returns ``count`` RGB colours (count, 3) uint8: the Pascal VOC colour map, whose first
    entries are (0, 0, 0), (128, 0, 0), (0, 128, 0), (128, 128, 0), ... (the reference Task
    Library's ``colored_labels``); it repeats after 256 classes."""
    index = np.arange(count) % 256
    colors = np.zeros((count, 3), np.uint8)
    for bit in range(8):
        for channel in range(3):
            colors[:, channel] |= (((index >> (3 * bit + channel)) & 1) << (7 - bit)).astype(
                np.uint8)
    return colors


class _Picture:
    """Shows a result drawn over its image in Jupyter (nothing when the image is unknown)."""

    image: np.ndarray | None

    def _repr_png_(self) -> bytes | None:
        if self.image is None:
            return None
        from tflite_tasks.tasks.vision import drawing  # drawing imports this module

        return drawing.encode_png(drawing.draw(self.image, self))


@dataclass
class Detection(_ToDict):
    """One detected object: its box in pixels of the caller's image and its category.

    ``categories`` holds one category for SSD models (as in the reference Task Library).
    """

    bounding_box: BoundingBox
    categories: list[Category] = field(default_factory=list)


@dataclass
class DetectionResult(_ToDict, _Picture):
    """The detections of one image: by score for the models decoded here; in the model's
    own order for SSD models with the in-graph postprocess (by raw score, as the reference),
    which score calibration may change.

    Attributes:
        detections: the objects found.
        image: the caller's image (HxWx3 uint8 RGB) the boxes refer to; not in ``to_dict()``.
    """

    detections: list[Detection] = field(default_factory=list)
    image: np.ndarray | None = field(default=None, repr=False, compare=False,
                                     metadata=NOT_IN_DICT)


@dataclass
class ColoredLabel(_ToDict):
    """A segmentation class: its colour for drawing masks and its names."""

    color: tuple[int, int, int]
    category_name: str = ""
    display_name: str = ""


@dataclass
class SegmentationResult(_ToDict, _Picture):
    """Masks of one image.

    Attributes:
        category_mask: the class of each pixel, (H, W) uint8 (uint16 above 256 classes); or
            ``None`` when not asked for.
        confidence_masks: the score of each class at each pixel, (C, H, W) float32, as the
            model outputs them (no softmax); or ``None`` when not asked for.
        colored_labels: per class, a colour and its label and display name.
        image: the caller's image (HxWx3 uint8 RGB); not in ``to_dict()``.

    H x W is the caller's image size, or the model's output size with ``mask_size="model"``.
    """

    category_mask: np.ndarray | None = None
    confidence_masks: np.ndarray | None = None
    colored_labels: list[ColoredLabel] = field(default_factory=list)
    image: np.ndarray | None = field(default=None, repr=False, compare=False,
                                     metadata=NOT_IN_DICT)

    def class_name(self, index: int) -> str:
        """The display name of class ``index``, else its label; ``""`` when it has neither."""
        if 0 <= index < len(self.colored_labels):
            label = self.colored_labels[index]
            return label.display_name or label.category_name
        return ""

    def class_colors(self, count: int = 0) -> np.ndarray:
        """(K, 3) uint8 RGB colours of classes 0..K-1, K = max(``count``, labelled classes):
        the ``colored_labels``' colours, then the Pascal VOC palette's."""
        colors = pascal_voc_palette(max(count, len(self.colored_labels)))
        if self.colored_labels:
            colors[: len(self.colored_labels)] = [label.color for label in self.colored_labels]
        return colors

    def __eq__(self, other: object) -> bool:
        """Equal when the masks hold the same values and the labels are the same."""
        if not isinstance(other, SegmentationResult):
            return NotImplemented
        return self.colored_labels == other.colored_labels and all(
            (a is None and b is None) or (a is not None and b is not None
                                          and np.array_equal(a, b))
            for a, b in ((self.category_mask, other.category_mask),
                         (self.confidence_masks, other.confidence_masks)))

    __hash__ = None  # type: ignore[assignment]  # mutable, like any dataclass with eq


@dataclass
class Keypoint(_ToDict):
    """One body point of a pose.

    Attributes:
        name: the keypoint's name ("nose", "left_wrist", ...).
        x, y: position in pixels of the caller's image (continuous: the image spans
            ``[0, width] x [0, height]``; y down).
        score: the model's confidence in [0, 1].
        normalized_x, normalized_y: ``x / width`` and ``y / height`` of the image.
    """

    name: str
    x: float
    y: float
    score: float
    normalized_x: float = 0.0
    normalized_y: float = 0.0


@dataclass
class Pose(_ToDict):
    """One person: keypoints, an overall score and a box around them.

    Attributes:
        keypoints: the keypoints scoring at least ``min_keypoint_score``, in the model's
            keypoint order (COCO order by default: nose, left_eye, ..., right_ankle).
        score: the pose's confidence in [0, 1].
        bounding_box: pixels of the caller's image; the model's box for MoveNet MultiPose,
            else the box around ``keypoints``.
    """

    keypoints: list[Keypoint] = field(default_factory=list)
    score: float = 0.0
    bounding_box: BoundingBox = field(default_factory=lambda: BoundingBox(0, 0, 0, 0))

    def keypoint(self, name: str) -> Keypoint | None:
        """The keypoint called ``name``, or ``None`` when it is not in this pose."""
        return next((k for k in self.keypoints if k.name == name), None)

    def to_array(self) -> np.ndarray:
        """(K, 3) float64 rows ``(x, y, score)`` of :attr:`keypoints`."""
        return np.array([(k.x, k.y, k.score) for k in self.keypoints],
                        np.float64).reshape(-1, 3)


@dataclass
class PoseResult(_ToDict, _Picture):
    """The poses found in one image, by descending score.

    Attributes:
        poses: one :class:`Pose` per person.
        image: the caller's image (HxWx3 uint8 RGB); not in ``to_dict()``.
    """

    poses: list[Pose] = field(default_factory=list)
    image: np.ndarray | None = field(default=None, repr=False, compare=False,
                                     metadata=NOT_IN_DICT)
