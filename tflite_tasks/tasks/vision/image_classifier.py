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

from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial

import numpy as np

from tflite_tasks.core.classification import ClassificationPostprocessor, build_heads
from tflite_tasks.core.containers import ClassificationResult
from tflite_tasks.core.engine import default_num_threads
from tflite_tasks.core.errors import OptionsError
from tflite_tasks.core.image import ImageLike, RegionOfInterest, load_image
from tflite_tasks.core.image_preprocessor import ImagePreprocessor
from tflite_tasks.core.options import BaseOptions, ClassificationOptions, ImageOptions, is_int
from tflite_tasks.core.task import BaseTask, prefetch


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


class ImageClassifier(BaseTask[ImageClassifierOptions]):
    """Classifies images with a TFLite image classification model.

    The model has one image input ``[1, H, W, 3]`` (uint8, int8 or float32) and one or more
    score outputs ``[1, N]``, one classification head each.
    """

    options_class = ImageClassifierOptions

    def _setup(self) -> None:
        engine = self.engine
        options = self._options
        options.image_options.validate()
        options.classification_options = options.classification_options.resolved()
        if len(engine.inputs) != 1:
            raise OptionsError(
                f"an image classifier has one image input; this model has {len(engine.inputs)} "
                f"inputs ({', '.join(s.name for s in engine.inputs)})"
            )
        self._preprocessor = ImagePreprocessor(engine, options.image_options)
        heads = build_heads(engine, options.classification_options)
        self._postprocessor = ClassificationPostprocessor(heads, options.classification_options)

    @property
    def labels(self) -> list[list[str] | None]:
        """The labels of each head (``None`` for a head without labels)."""
        return [head.labels for head in self._postprocessor.heads]

    def preprocess(self, image: ImageLike) -> np.ndarray:
        """Decodes ``image`` (path, bytes, array, PIL image) into an HxWx3 uint8 RGB array."""
        return load_image(image)

    def _forward(self, write_input: Callable[[], None]) -> list[np.ndarray]:
        """Writes the input, invokes and reads the heads' raw outputs, holding the lock."""
        engine = self.engine
        with engine.lock:
            write_input()
            engine.invoke()
            return [engine.output(h.spec.position) for h in self._postprocessor.heads]

    def postprocess(self, raw_outputs: Sequence[np.ndarray]) -> ClassificationResult:
        """Turns the raw output tensors into categories."""
        return self._postprocessor(raw_outputs)

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
        rgb = self.preprocess(image)
        return self.postprocess(
            self._forward(lambda: self._preprocessor.write(rgb, roi, rotation)))

    def _prepare(self, image: ImageLike) -> np.ndarray:
        return self._preprocessor.prepare(self.preprocess(image))

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
        if isinstance(images, str | bytes | bytearray | memoryview | np.ndarray) or not isinstance(
            images, Iterable
        ):
            raise OptionsError(
                "classify_batch takes a list (or any iterable) of images; for one image call "
                "classify"
            )
        if max_workers is not None and not (is_int(max_workers) and max_workers > 0):
            raise OptionsError(f"max_workers must be a positive integer, not {max_workers!r}")
        workers = max_workers or default_num_threads()
        with ThreadPoolExecutor(max_workers=workers) as pool:
            return [self.postprocess(self._forward(partial(self._preprocessor.load, tensor)))
                    for tensor in prefetch(pool, self._prepare, images, ahead=2 * workers)]
