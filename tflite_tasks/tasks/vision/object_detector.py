"""ObjectDetector: what is where in an image, from TFLite object detection models.

Example::

    from tflite_tasks import ObjectDetector

    with ObjectDetector.create_from_file("ssd_mobilenet.tflite", max_results=5) as detector:
        result = detector.detect("street.jpg")
    for detection in result.detections:
        box, best = detection.bounding_box, detection.categories[0]
        print(best.category_name, best.score, box.origin_x, box.origin_y, box.width, box.height)

SSD models with the in-graph postprocess (4 outputs) follow the reference Task Library
exactly; models whose outputs are raw (SSD box encodings and scores with anchors, or one
YOLO output) are decoded here and go through non-maximum suppression
(:mod:`~tflite_tasks.tasks.vision.detection_decoders`). Boxes are in pixels of the caller's
image, after undoing the region of interest and the rotation.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from tflite_tasks.core import boxes
from tflite_tasks.core.classification import (
    ScoreCalibration,
    metadata_calibration,
    metadata_labels,
    metadata_threshold,
)
from tflite_tasks.core.containers import Category
from tflite_tasks.core.errors import OptionsError
from tflite_tasks.core.image import ImageLike, RegionOfInterest
from tflite_tasks.core.options import BaseOptions, ClassificationOptions, ImageOptions
from tflite_tasks.core.region import Region
from tflite_tasks.metadata import Metadata
from tflite_tasks.metadata.schema import AssociatedFileType
from tflite_tasks.tasks.vision.detection_decoders import Candidates, DecoderOptions, recognize
from tflite_tasks.tasks.vision.image_task import ImageTask
from tflite_tasks.tasks.vision.results import Detection, DetectionResult

RAW_DEFAULT_THRESHOLD = 0.25
"""The score threshold of models decoded here ("ssd_anchors", "yolo") when neither the
options nor the metadata give one; "ssd" models keep every box their op returns."""


@dataclass
class DetectionOptions(ClassificationOptions):
    """Which detections to keep (semantics of the TFLite Task Library's detector).

    Attributes:
        max_results: keep at most this many detections; -1 keeps all; 0 is invalid.
        score_threshold: drop detections scoring at or below this (``score <= t``, as the
            reference detector); overrides the metadata's ScoreThresholdingOptions. Default:
            none for "ssd" models, 0.25 for the raw families.
        category_name_allowlist: keep only these labels (exclusive with the denylist).
        category_name_denylist: drop these labels.
        display_names_locale: locale of the display-name label file ("en").
        labels: labels when the model has none (or to replace them): a list or a file.
        display_names: display names, given like ``labels``.
        score_calibration: a :class:`~tflite_tasks.ScoreCalibration` (one line per label)
            replacing the metadata's.
    """

    def validate(self) -> None:
        super().validate()
        for name in ("labels", "display_names", "score_calibration"):
            if isinstance(getattr(self, name), Mapping):
                raise OptionsError(f"a detector has one set of {name.replace('_', ' ')}: pass "
                                   "it directly, not per output")


@dataclass
class ObjectDetectorOptions:
    """Options of :class:`ObjectDetector`.

    Attributes:
        base_options: the model and the number of threads.
        detection_options: max results, threshold, allow/deny lists, labels.
        decoder_options: output family, NMS and anchors for models with raw outputs.
        image_options: normalization for models whose metadata lacks it.
    """

    base_options: BaseOptions
    detection_options: DetectionOptions = field(default_factory=DetectionOptions)
    decoder_options: DecoderOptions = field(default_factory=DecoderOptions)
    image_options: ImageOptions = field(default_factory=ImageOptions)


def _metadata_labels(metadata: Metadata, count: int, locale: str
                     ) -> tuple[list[str] | None, list[str] | None]:
    """Labels of the first output with label files: TENSOR_VALUE_LABELS (SSD's classes
    tensor) first, else TENSOR_AXIS_LABELS (a score tensor's columns)."""
    for file_type in (AssociatedFileType.TENSOR_VALUE_LABELS,
                      AssociatedFileType.TENSOR_AXIS_LABELS):
        for position in range(count):
            labels, names = metadata_labels(metadata, metadata.output_tensor(position), locale,
                                            file_type)
            if labels is not None:
                return labels, names
    return None, None


def _name_array(names: Sequence[str] | None, count: int) -> np.ndarray:
    """Names as an object array with one extra "" for classes outside the labels."""
    array = np.full(count + 1, "", dtype=object)
    if names is not None:
        array[: len(names)] = list(names)
    return array


class ObjectDetector(ImageTask[ObjectDetectorOptions]):
    """Detects objects with a TFLite object detection model (one image input)."""

    options_class = ObjectDetectorOptions

    def _setup(self) -> None:
        engine, options = self.engine, self._options
        self._setup_image_input(options.image_options, "object detector")
        options.decoder_options.validate()
        det = options.detection_options = options.detection_options.resolved()
        metadata = engine.metadata
        labels, display_names = _metadata_labels(metadata, len(engine.outputs),
                                                 det.display_names_locale)
        labels = det.labels if det.labels is not None else labels
        display_names = det.display_names if det.display_names is not None else display_names
        if labels is not None and display_names is not None and len(display_names) != len(
                labels):
            raise OptionsError(f"{len(labels)} labels but {len(display_names)} display names")
        num_labels = len(labels) if labels is not None else None
        self.decoder = recognize(engine, options.decoder_options, num_labels)
        self._output_positions = self.decoder.positions
        score_md = metadata.output_tensor(self.decoder.score_position)
        self._calibration = det.score_calibration or metadata_calibration(
            metadata, score_md, num_labels, "score")
        if self._calibration is not None and not isinstance(self._calibration, ScoreCalibration):
            raise OptionsError("score_calibration must be a ScoreCalibration (see "
                               "ScoreCalibration.from_text)")
        threshold = det.score_threshold
        if threshold is None:
            threshold = metadata_threshold(score_md)
        if threshold is None:
            threshold = -math.inf if self.decoder.family == "ssd" else RAW_DEFAULT_THRESHOLD
        self._threshold = np.float32(threshold)
        self._labels = labels
        count = len(labels) if labels is not None else 0
        self._names, self._display_names = (_name_array(labels, count),
                                            _name_array(display_names, count))
        self._allowed = self._allowed_lookup(det, labels)

    @staticmethod
    def _allowed_lookup(det: DetectionOptions, labels: list[str] | None) -> np.ndarray | None:
        """Per label index (plus one slot for unknown classes), whether the allow/deny list
        keeps it; ``None`` without a list."""
        allow, deny = det.category_name_allowlist, det.category_name_denylist
        if not (allow or deny):
            return None
        kind = "allowlist" if allow else "denylist"
        if labels is None:
            raise OptionsError(f"category_name_{kind} needs labels and this model has none: "
                               "pass labels=...")
        wanted = [name for name in (allow or deny) if name]
        listed = np.isin(np.array([*labels, ""], dtype=object), wanted)
        listed[-1] = False
        if not listed.any():
            raise OptionsError(f"none of the category_name_{kind} names {sorted(wanted)[:5]!r} "
                               "match the model's labels")
        return listed if allow else ~listed

    @property
    def labels(self) -> list[str] | None:
        """The class labels (``None`` when the model has none and none were given)."""
        return self._labels

    @property
    def output_family(self) -> str:
        """The decoder used: "ssd", "ssd_anchors" or "yolo"."""
        return self.decoder.family

    def postprocess(self, raw_outputs: Sequence[np.ndarray], region: Region,
                    image: np.ndarray | None = None) -> DetectionResult:
        """Turns the raw outputs into detections in pixels of the image ``region`` is of."""
        found = self._select(self.decoder(raw_outputs))
        slot = self._label_slots(found.classes)
        categories = map(Category, found.classes.tolist(), found.scores.tolist(),
                         self._names[slot].tolist(), self._display_names[slot].tolist())
        detections = [Detection(box, [category]) for box, category in
                      zip(region.bounding_boxes(found.boxes), categories, strict=True)]
        return DetectionResult(detections, image=image)

    def _label_slots(self, classes: np.ndarray) -> np.ndarray:
        """Indices into the per-label arrays (names, allow/deny): the class itself, or the
        last slot (one past the labels) for a class the labels don't cover."""
        unknown = self._names.size - 1
        return np.where((classes >= 0) & (classes < unknown), classes, unknown)

    def _select(self, found: Candidates) -> Candidates:
        """Calibrates, thresholds, filters by label, suppresses and caps the candidates."""
        scores = found.scores
        if self._calibration is not None:
            scores = self._calibration.apply(scores, found.classes)
        keep = scores > self._threshold
        if self._allowed is not None:
            keep &= self._allowed[self._label_slots(found.classes)]
        index = np.flatnonzero(keep)
        limit = self._options.detection_options.max_results
        if self.decoder.needs_nms:
            kept = boxes.non_max_suppression(
                found.boxes[index], scores[index], self._options.decoder_options.iou_threshold,
                limit, found.classes[index] if self.decoder.class_aware else None)
            index = index[kept]
        elif limit > 0:
            index = index[:limit]
        return Candidates(found.boxes[index], found.classes[index], scores[index])

    def detect(self, image: ImageLike, roi: RegionOfInterest | None = None,
               rotation: int = 0) -> DetectionResult:
        """Detects the objects in one image.

        Args:
            image: a path, encoded bytes, an HxW / HxWx3 / HxWx4 uint8 array or a PIL image.
            roi: the region to look in, ``(x, y, width, height)`` in pixels of ``image``.
            rotation: degrees clockwise (multiple of 90) to turn the region before detecting,
                for images captured sideways.

        Returns:
            The detections, boxes in pixels of ``image``; in the model's order for "ssd"
            models (by raw score; calibration may change the order), by score for the
            others.
        """
        inference = self._infer(image, roi, rotation)
        return self.postprocess(inference.outputs, inference.region, inference.image)

    def detect_batch(self, images: Iterable[ImageLike],
                     max_workers: int | None = None) -> list[DetectionResult]:
        """Detects objects in many whole images: decoding and preprocessing run in worker
        threads, overlapped with inference, a few images ahead.

        Args:
            images: any of the inputs ``detect`` takes.
            max_workers: preprocessing threads (default: the CPUs available).

        Returns:
            One result per image, in order.
        """
        return [self.postprocess(inference.outputs, inference.region, inference.image)
                for inference in self._infer_batch(images, max_workers, "detect_batch")]
