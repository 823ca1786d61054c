"""ImageEmbedder: a feature vector per image, from any TFLite model whose outputs are vectors.

Example::

    from tflite_tasks import ImageEmbedder

    with ImageEmbedder.create_from_file("mobilenet_v1.tflite", l2_normalize=True) as embedder:
        burger = embedder.embed("burger.jpg").embeddings[0]
        fox = embedder.embed("fox.jpeg").embeddings[0]
    print(ImageEmbedder.cosine_similarity(burger, fox))

Image embedding models and image classifiers both work: each output ``[1, D]`` (or
``[1, 1, 1, D]``), float32 or quantized uint8/int8, gives one :class:`Embedding` (a
classifier's embedding is its dequantized score vector). Preprocessing comes from the model's
metadata, as for :class:`~tflite_tasks.tasks.vision.image_classifier.ImageClassifier`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from tflite_tasks.core.containers import EmbeddingResult
from tflite_tasks.core.embedding import EmbedderMixin, EmbeddingOptions
from tflite_tasks.core.image import ImageLike, RegionOfInterest
from tflite_tasks.core.options import BaseOptions, ImageOptions
from tflite_tasks.tasks.vision.image_task import ImageTask


@dataclass
class ImageEmbedderOptions:
    """Options of :class:`ImageEmbedder`.

    Attributes:
        base_options: the model and the number of threads.
        embedding_options: L2 normalization and scalar quantization of the vectors.
        image_options: normalization for models whose metadata lacks it.
    """

    base_options: BaseOptions
    embedding_options: EmbeddingOptions = field(default_factory=EmbeddingOptions)
    image_options: ImageOptions = field(default_factory=ImageOptions)


class ImageEmbedder(EmbedderMixin, ImageTask[ImageEmbedderOptions]):
    """Computes feature vectors of images with a TFLite model.

    The model has one image input ``[1, H, W, 3]`` (uint8, int8 or float32) and one or more
    vector outputs ``[1, D]`` or ``[1, 1, 1, D]`` (float32, uint8 or int8), one embedding
    head each.
    """

    options_class = ImageEmbedderOptions

    def _setup(self) -> None:
        options = self._options
        self._setup_image_input(options.image_options, "image embedder")
        options.embedding_options.validate()
        self._setup_embedding(options.embedding_options)

    def embed(
        self,
        image: ImageLike,
        roi: RegionOfInterest | None = None,
        rotation: int = 0,
    ) -> EmbeddingResult:
        """Computes the embeddings of one image.

        Args:
            image: a path, encoded bytes, an HxW / HxWx3 / HxWx4 uint8 array or a PIL image.
            roi: the region to embed, ``(x, y, width, height)`` in pixels of ``image``.
            rotation: degrees clockwise (multiple of 90) to rotate the region before
                embedding, for images captured sideways.

        Returns:
            One :class:`Embedding` per output head: float32 ``(D,)``, or int8 ``(D,)`` with
            ``quantize=True``.
        """
        return self.postprocess(self._infer(image, roi, rotation).outputs)

    def embed_batch(
        self, images: Iterable[ImageLike], max_workers: int | None = None
    ) -> list[EmbeddingResult]:
        """Embeds many images: decoding and preprocessing run in worker threads, overlapped
        with inference, a few images ahead.

        Args:
            images: any of the inputs ``embed`` takes.
            max_workers: preprocessing threads (default: the CPUs available).

        Returns:
            One result per image, in order.
        """
        return [self.postprocess(inference.outputs)
                for inference in self._infer_batch(images, max_workers, "embed_batch")]
