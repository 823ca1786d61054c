"""ImageClassifier: what is in this image, from any TFLite image classification model.

Example::

    from tflite_tasks import ImageClassifier

    with ImageClassifier.create_from_file("mobilenet.tflite", max_results=3) as classifier:
        result = classifier.classify("burger.jpg")
    print(result.classifications[0].categories[0].category_name)

The model's TFLite Metadata gives the normalization, labels, display names, score
threshold and score calibration; options override each of them, and give them to models
without metadata.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from tflite_tasks.core.classification import ClassifierMixin
from tflite_tasks.core.containers import ClassificationResult
from tflite_tasks.core.image import ImageLike, RegionOfInterest
from tflite_tasks.core.options import BaseOptions, ClassificationOptions, ImageOptions
from tflite_tasks.tasks.vision.image_task import ImageTask


@dataclass
class ImageClassifierOptions:
    """Options of :class:`ImageClassifier`.

    Attributes:
        base_options: the model and the number of threads.
        classification_options: max results, threshold, allow/deny lists, labels.
        image_options: normalization for models whose metadata lacks it.
    """

    base_options: BaseOptions
    classification_options: ClassificationOptions = field(default_factory=ClassificationOptions)
    image_options: ImageOptions = field(default_factory=ImageOptions)


class ImageClassifier(ClassifierMixin, ImageTask[ImageClassifierOptions]):
    """Classifies images with a TFLite image classification model.

    The model has one image input ``[1, H, W, 3]`` (uint8, int8 or float32) and one or more
    score outputs ``[1, N]``, one classification head each.
    """

    options_class = ImageClassifierOptions

    def _setup(self) -> None:
        options = self._options
        self._setup_image_input(options.image_options, "image classifier")
        options.classification_options = self._setup_classification(
            options.classification_options)

    def classify(
        self,
        image: ImageLike,
        roi: RegionOfInterest | None = None,
        rotation: int = 0,
    ) -> ClassificationResult:
        """Classifies one image.

        Args:
            image: a path, encoded bytes, an HxW / HxWx3 / HxWx4 uint8 array or a PIL image.
            roi: the region to classify, ``(x, y, width, height)`` in pixels of ``image``.
            rotation: degrees clockwise (multiple of 90) to rotate the region before
                classifying, for images captured sideways.

        Returns:
            One :class:`Classifications` per output head, best category first.
        """
        return self.postprocess(self._infer(image, roi, rotation).outputs)

    def classify_batch(
        self, images: Iterable[ImageLike], max_workers: int | None = None
    ) -> list[ClassificationResult]:
        """Classifies many images: decoding and preprocessing run in worker threads,
        overlapped with inference, a few images ahead.

        Args:
            images: any of the inputs ``classify`` takes.
            max_workers: preprocessing threads (default: the CPUs available).

        Returns:
            One result per image, in order.
        """
        return [self.postprocess(inference.outputs)
                for inference in self._infer_batch(images, max_workers, "classify_batch")]
