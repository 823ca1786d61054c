"""TextEmbedder: feature vectors of texts, for similarity and search.

Example::

    from tflite_tasks import TextEmbedder

    embedder = TextEmbedder.create_from_file("text_embedder.tflite", l2_normalize=True)
    a = embedder.embed("What a great movie").embeddings[0]
    b = embedder.embed("I loved this film").embeddings[0]
    print(TextEmbedder.cosine_similarity(a, b))
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from tflite_tasks.core.containers import EmbeddingResult
from tflite_tasks.core.embedding import EmbeddingOptions, EmbeddingPostprocessor, cosine_similarity
from tflite_tasks.core.options import BaseOptions
from tflite_tasks.tasks.text.text_input import TextOptions
from tflite_tasks.tasks.text.text_task import TextTask


@dataclass
class TextEmbedderOptions:
    """Options of :class:`TextEmbedder`.

    Attributes:
        base_options: the model, the number of threads, custom op kernels.
        embedding_options: L2 normalization and scalar quantization of the vectors.
        text_options: tokenizer and input selection for models whose metadata lacks them.
    """

    base_options: BaseOptions
    embedding_options: EmbeddingOptions = field(default_factory=EmbeddingOptions)
    text_options: TextOptions = field(default_factory=TextOptions)


class TextEmbedder(TextTask[TextEmbedderOptions]):
    """Computes feature vectors of texts with a TFLite model.

    The model takes text like a :class:`~tflite_tasks.TextClassifier` (string, regex token
    ids or BERT) and has one or more vector outputs ``[1, D]`` (float32, uint8 or int8),
    one embedding head each.
    """

    options_class = TextEmbedderOptions

    cosine_similarity = staticmethod(cosine_similarity)
    """``TextEmbedder.cosine_similarity(a, b)``: see
    :func:`tflite_tasks.core.embedding.cosine_similarity`."""

    def _setup(self) -> None:
        options = self._options
        self._setup_text_input(options.text_options, "text embedder")
        self._postprocessor = EmbeddingPostprocessor(self.engine, options.embedding_options)
        self._output_positions = [head.spec.position for head in self._postprocessor.heads]

    @property
    def dimensions(self) -> list[int]:
        """The length ``D`` of each head's vector."""
        return [head.dimension for head in self._postprocessor.heads]

    def postprocess(self, raw_outputs: Sequence[np.ndarray]) -> EmbeddingResult:
        """Turns the raw output tensors into embeddings (dequantized, normalized, quantized)."""
        return self._postprocessor(raw_outputs)

    def embed(self, text: str) -> EmbeddingResult:
        """Computes the embeddings of one text.

        Returns:
            One :class:`Embedding` per output head: float32 ``(D,)``, or int8 ``(D,)`` with
            ``quantize=True``.

        Raises:
            InputError: ``text`` is not a str (bytes must be decoded first).
        """
        return self.postprocess(self._forward(self.preprocess(text)))

    def embed_batch(self, texts: Iterable[str]) -> list[EmbeddingResult]:
        """Embeds many texts (every one is checked first); one result per text, in order."""
        return [self.embed(text) for text in self._texts(texts)]
