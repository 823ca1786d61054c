"""ImageSegmenter: the class of every pixel, from any TFLite image segmentation model.

Example::

    import numpy as np
    from tflite_tasks import ImageSegmenter

    with ImageSegmenter.create_from_file("deeplabv3.tflite") as segmenter:
        result = segmenter.segment("burger.jpg")
    mask = result.category_mask  # (height, width) uint8: the class of each pixel
    print([result.colored_labels[k].category_name for k in np.unique(mask)])

Masks cover the caller's image by default (``mask_size="image"``, as in MediaPipe Tasks and
Hugging Face): the model's scores are turned back, resized bilinearly onto the region of
interest (OpenCV ``INTER_LINEAR``), and each pixel takes the class of highest interpolated
score (ties: the lowest index); outside the region the class and confidences are 0.
``mask_size="model"`` gives the reference TFLite Task Library's masks: the model's output
size, covering the region, turned back (height and width swap for rotations of 90 and 270),
with the reference's argmax, whose running maximum starts at 0.0, so a pixel whose scores
are all <= 0 is class 0 (at image size the plain argmax applies, as in MediaPipe).

Models: one image input, and one output that is either per-pixel scores ``[1, H, W, C]``
(float32, or uint8/int8 dequantized; C <= 512) or a class map ``[1, H, W]`` /
``[1, H, W, 1]`` (int32 or int64; resized to the image by nearest pixel; without labels its
classes are 0 to 255 and ``colored_labels`` is empty). A one-channel score output is a
binary segmenter: class 1 where the score is above 0.5, else 0 (its one label names class 1;
``colored_labels`` has the two classes). Labels come from the output
tensor's TENSOR_AXIS_LABELS metadata unless options give them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import cv2
import numpy as np

from tflite_tasks.core.classification import metadata_labels
from tflite_tasks.core.engine import TensorSpec
from tflite_tasks.core.errors import OptionsError
from tflite_tasks.core.image import ImageLike, RegionOfInterest
from tflite_tasks.core.options import BaseOptions, ImageOptions, LabelsLike, read_labels
from tflite_tasks.core.region import Region
from tflite_tasks.tasks.vision.image_task import ImageTask
from tflite_tasks.tasks.vision.results import ColoredLabel, SegmentationResult, pascal_voc_palette

MAX_CLASSES = 512
"""The most classes a score output may have."""

_SCORE_DTYPES = (np.dtype(np.float32), np.dtype(np.uint8), np.dtype(np.int8))
_CLASS_MAP_DTYPES = (np.dtype(np.int32), np.dtype(np.int64))
_CV_CHANNELS = 128  # the most channels cv2.resize takes at once (OpenCV 5)


@dataclass
class SegmentationOptions:
    """Which masks to compute, at which size, with which names.

    Attributes:
        output_category_mask: compute the class of each pixel.
        output_confidence_masks: compute each class's score at each pixel (the model's raw
            values, dequantized: no softmax). At least one of the two must be true.
        mask_size: ``"image"`` (the caller's image size) or ``"model"`` (the model's output
            size, as the reference Task Library).
        labels: class names replacing the metadata's: a list or a file, one name per line.
        display_names: display names, given like ``labels``.
        display_names_locale: locale of the metadata's display-name file ("en").
    """

    output_category_mask: bool = True
    output_confidence_masks: bool = False
    mask_size: str = "image"
    labels: LabelsLike | None = None
    display_names: LabelsLike | None = None
    display_names_locale: str = "en"

    def validate(self) -> None:
        """Raises OptionsError for invalid values and combinations."""
        for name in ("output_category_mask", "output_confidence_masks"):
            if not isinstance(getattr(self, name), bool | np.bool_):
                raise OptionsError(f"{name} is True or False, not {getattr(self, name)!r}")
        if not (self.output_category_mask or self.output_confidence_masks):
            raise OptionsError("output_category_mask and output_confidence_masks are both "
                               "False: set at least one of them to True")
        if self.mask_size not in ("image", "model"):
            raise OptionsError(f"mask_size is 'image' (the caller's image size) or 'model' "
                               f"(the model's output size), not {self.mask_size!r}")
        if not isinstance(self.display_names_locale, str):
            raise OptionsError(f"display_names_locale is a locale string such as 'en', not "
                               f"{self.display_names_locale!r}")

    def resolved(self) -> SegmentationOptions:
        """A validated copy with label files read into lists (options travel without files)."""
        self.validate()
        return dataclasses.replace(
            self, labels=None if self.labels is None else read_labels(self.labels),
            display_names=None if self.display_names is None else read_labels(self.display_names))


@dataclass
class ImageSegmenterOptions:
    """Options of :class:`ImageSegmenter`.

    Attributes:
        base_options: the model and the number of threads.
        segmentation_options: which masks, their size, labels.
        image_options: normalization for models whose metadata lacks it.
    """

    base_options: BaseOptions
    segmentation_options: SegmentationOptions = field(default_factory=SegmentationOptions)
    image_options: ImageOptions = field(default_factory=ImageOptions)


def _is_class_map(spec: TensorSpec) -> bool:
    """True for a class map output, False for scores; OptionsError for anything else."""
    shape = spec.shape
    if spec.dtype in _SCORE_DTYPES and len(shape) == 4 and shape[0] == 1 and (
            1 <= shape[3] <= MAX_CLASSES):
        return False
    if spec.dtype in _CLASS_MAP_DTYPES and shape[:1] == (1,) and (
            len(shape) == 3 or (len(shape) == 4 and shape[3] == 1)):
        return True
    hint = " (scores [1, N] are a classifier's: use ImageClassifier)" if len(shape) == 2 else ""
    raise OptionsError(
        f"output 0 '{spec.name}' is {spec.dtype} {list(shape)}: an image segmenter's output is "
        f"per-pixel scores [1, height, width, classes] (float32, uint8 or int8, at most "
        f"{MAX_CLASSES} classes) or a class map [1, height, width] (int32 or int64), so this "
        f"model is not a segmenter{hint}")


def _mask_dtype(count: int) -> type:
    return np.uint8 if count <= 256 else np.uint16


@lru_cache(maxsize=64)
def _linear_taps(src: int, dst: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """cv2 INTER_LINEAR's sources for resizing ``src`` pixels to ``dst`` along one axis.

    Returns (first, second, weight): output pixel ``i`` is ``(1 - weight[i]) *
    in[first[i]] + weight[i] * in[second[i]]``, the source coordinate being ``(i + 0.5) *
    src / dst - 0.5`` clamped to the edges (weight 0 there), in float32 as OpenCV computes it.
    """
    position = ((np.arange(dst) + 0.5) * (1.0 / (dst / src)) - 0.5).astype(np.float32)
    floor = np.floor(position)
    first = np.clip(floor, 0, src - 1).astype(np.intp)
    second = np.clip(floor + 1, 0, src - 1).astype(np.intp)
    weight = np.where(first == second, np.float32(0), position - floor).astype(np.float32)
    for array in (first, second, weight):
        array.setflags(write=False)
    return first, second, weight


def _class_edges(classes: np.ndarray) -> np.ndarray:
    """True at (i, j) unless ``classes[i:i + 2, j:j + 2]`` holds a single class."""
    edges = np.zeros(classes.shape, bool)
    across = classes[:, :-1] != classes[:, 1:]
    edges[:, :-1] = across
    edges[:-1, :-1] |= across[1:]
    edges[:-1] |= classes[:-1] != classes[1:]
    return edges


def resized_argmax(scores: np.ndarray, width: int, height: int,
                   classes: np.ndarray | None = None) -> np.ndarray:
    """Returns ``argmax(cv2.resize(scores, (width, height), INTER_LINEAR), axis=2)`` without
    resizing every channel.

    An output pixel's value is a convex combination of its (up to) 2x2 source pixels, so
    where those all have the same argmax class that class stays the argmax; only pixels
    near class boundaries get their scores interpolated.

    Args:
        scores: (h, w, C) float32 scores, C >= 2.
        width, height: the output size.
        classes: ``scores.argmax(axis=2)`` if already computed.

    Returns:
        (height, width) uint8 classes (uint16 above 256 classes); ties go to the lowest index.
    """
    h, w, count = scores.shape
    if classes is None:
        classes = scores.argmax(axis=2)
    work = np.uint8 if count < 255 else np.uint16
    boundary = np.iinfo(work).max
    code = classes.astype(work)
    code[_class_edges(code)] = boundary
    rows, rows2, row_weight = _linear_taps(h, height)
    cols, cols2, col_weight = _linear_taps(w, width)
    mask = np.take(np.take(code, rows, axis=0), cols, axis=1)
    near = np.flatnonzero(mask == boundary)  # faster than a 2-D np.nonzero
    if near.size:
        ys, xs = np.divmod(near, width)
        y0, y1, fy = rows[ys], rows2[ys], row_weight[ys, None]
        x0, x1, fx = cols[xs], cols2[xs], col_weight[xs, None]
        top = scores[y0, x0] * (1 - fx) + scores[y0, x1] * fx
        bottom = scores[y1, x0] * (1 - fx) + scores[y1, x1] * fx
        mask.reshape(-1)[near] = (top * (1 - fy) + bottom * fy).argmax(axis=1)
    return mask.astype(_mask_dtype(count), copy=False)


def _resize_scores(scores: np.ndarray, width: int, height: int) -> np.ndarray:
    """cv2.resize INTER_LINEAR of (h, w, C) scores to (height, width, C)."""
    parts = [cv2.resize(np.ascontiguousarray(scores[..., start:start + _CV_CHANNELS]),
                        (width, height), interpolation=cv2.INTER_LINEAR)
             for start in range(0, scores.shape[2], _CV_CHANNELS)]
    return parts[0].reshape(height, width, -1) if len(parts) == 1 else np.dstack(parts)


def _place(mask: np.ndarray, region: Region) -> np.ndarray:
    """``mask`` (the region's size) placed in a zero array of the image's size."""
    if region.is_whole_image:
        return mask
    full = np.zeros((region.image_height, region.image_width, *mask.shape[2:]), mask.dtype)
    full[region.y:region.y + region.height, region.x:region.x + region.width] = mask
    return full


class ImageSegmenter(ImageTask[ImageSegmenterOptions]):
    """Segments images with a TFLite image segmentation model (see the module docstring)."""

    options_class = ImageSegmenterOptions

    def _setup(self) -> None:
        engine, options = self.engine, self._options
        self._setup_image_input(options.image_options, "image segmenter")
        seg = options.segmentation_options = options.segmentation_options.resolved()
        if len(engine.outputs) != 1:
            raise OptionsError(
                f"an image segmenter has one mask output; this model has {len(engine.outputs)} "
                f"outputs ({', '.join(s.name for s in engine.outputs)})")
        self._output_positions = [0]
        self._spec = spec = engine.outputs[0]
        self._class_map = _is_class_map(spec)
        if self._class_map and seg.output_confidence_masks:
            raise OptionsError(
                f"output '{spec.name}' is a class map ({spec.dtype}), which has no per-class "
                "scores: this model cannot give confidence masks; set "
                "output_confidence_masks=False")
        labels, names = metadata_labels(engine.metadata, engine.metadata.output_tensor(0),
                                        seg.display_names_locale)
        labels = seg.labels if seg.labels is not None else labels
        names = seg.display_names if seg.display_names is not None else names
        count = spec.shape[-1] if not self._class_map else len(labels or names or ())
        for what, values in (("labels", labels), ("display names", names)):
            if values is not None and len(values) != count:
                raise OptionsError(f"output '{spec.name}' has {count} classes but {len(values)} "
                                   f"{what} were given: give one per class")
        self._labels = labels
        self._count = count or 256  # a class map without labels: classes 0 to 255
        if count == 1:  # binary: the one score is class 1's; class 0 is the rest
            labels = None if labels is None else ["", *labels]
            names = None if names is None else ["", *names]
        classes = 2 if count == 1 else count
        self._colored_labels = [
            ColoredLabel(tuple(color), (labels or [""] * classes)[k],
                         (names or [""] * classes)[k])
            for k, color in enumerate(pascal_voc_palette(classes).tolist())]

    @property
    def labels(self) -> list[str] | None:
        """The class names (``None`` when neither the metadata nor the options give any)."""
        return self._labels

    def postprocess(self, raw_outputs: Sequence[np.ndarray], region: Region,
                    image: np.ndarray | None = None) -> SegmentationResult:
        """Turns the raw output tensor into masks.

        Args:
            raw_outputs: the model's one output, as read from the engine, in a list.
            region: where the model's input came from in ``image`` (``Region.of``).
            image: the caller's decoded image, kept in the result for display.
        """
        (raw_output,) = raw_outputs
        seg = self._options.segmentation_options
        model_size = seg.mask_size == "model"
        colored_labels = list(self._colored_labels)
        if self._class_map:
            category = self._class_map_mask(raw_output, region, model_size)
            return SegmentationResult(category, None, colored_labels, image)
        scores = self._spec.dequantize(raw_output[0])
        category = confidence = None
        if self._count == 1:  # binary: the category is the thresholded confidence
            confidence = self._confidence_masks(scores, region, model_size)
            category = (confidence[0] > 0.5).astype(np.uint8)
        else:
            if seg.output_category_mask:
                category = self._category_mask(scores, region, model_size)
            if seg.output_confidence_masks:
                confidence = self._confidence_masks(scores, region, model_size)
        return SegmentationResult(category if seg.output_category_mask else None,
                                  confidence if seg.output_confidence_masks else None,
                                  colored_labels, image)

    def _category_mask(self, scores: np.ndarray, region: Region, model_size: bool) -> np.ndarray:
        classes = scores.argmax(axis=2)
        if not model_size:
            mask = resized_argmax(region.unturn(scores), region.width, region.height,
                                  region.unturn(classes))
            return _place(mask, region)
        top = np.take_along_axis(scores, classes[..., None], axis=2)[..., 0]
        classes[top <= 0] = 0  # the reference's maximum starts at 0.0
        return np.ascontiguousarray(region.unturn(classes.astype(_mask_dtype(self._count))))

    def _confidence_masks(self, scores: np.ndarray, region: Region,
                          model_size: bool) -> np.ndarray:
        """(C, H, W) float32 scores, turned back (and resized and placed at image size)."""
        turned = region.unturn(scores)
        if not model_size:
            turned = _place(_resize_scores(turned, region.width, region.height), region)
        return np.moveaxis(turned, 2, 0)

    def _class_map_mask(self, raw: np.ndarray, region: Region, model_size: bool) -> np.ndarray:
        classes = raw.reshape(raw.shape[1:3])
        low, high = (int(classes.min()), int(classes.max())) if classes.size else (0, 0)
        if low < 0 or high >= self._count:
            raise OptionsError(
                f"the model's class map holds classes {low} to {high}, outside 0 to "
                f"{self._count - 1}: give one label per class with labels=...")
        mask = np.ascontiguousarray(region.unturn(classes.astype(_mask_dtype(self._count))))
        if model_size:
            return mask
        return _place(cv2.resize(mask, (region.width, region.height),
                                 interpolation=cv2.INTER_NEAREST_EXACT), region)

    def segment(
        self,
        image: ImageLike,
        roi: RegionOfInterest | None = None,
        rotation: int = 0,
    ) -> SegmentationResult:
        """Segments one image.

        Args:
            image: a path, encoded bytes, an HxW / HxWx3 / HxWx4 uint8 array or a PIL image.
            roi: the region to segment, ``(x, y, width, height)`` in pixels of ``image``.
            rotation: degrees clockwise (multiple of 90) to rotate the region before
                segmenting, for images captured sideways; masks are turned back.

        Returns:
            The masks, with ``image`` the decoded RGB image. At image size they cover the
            whole image (0 outside ``roi``); at model size, the region.
        """
        inference = self._infer(image, roi, rotation)
        return self.postprocess(inference.outputs, inference.region, inference.image)

    def segment_batch(
        self, images: Iterable[ImageLike], max_workers: int | None = None
    ) -> list[SegmentationResult]:
        """Segments many whole images: decoding and preprocessing run in worker threads,
        overlapped with inference, a few images ahead.

        Args:
            images: a list (or any iterable) of the inputs ``segment`` takes.
            max_workers: preprocessing threads (default: the CPUs available).

        Returns:
            One result per image, in order.
        """
        return [self.postprocess(inference.outputs, inference.region, inference.image)
                for inference in self._infer_batch(images, max_workers, "segment_batch")]
