"""TextEmbedder: feature vectors of texts, for similarity and search.

Example::

    from tflite_tasks import TextEmbedder

    embedder = TextEmbedder.create_from_file("text_embedder.tflite", l2_normalize=True)
    a = embedder.embed("What a great movie").embeddings[0]
    b = embedder.embed("I loved this film").embeddings[0]
    print(TextEmbedder.cosine_similarity(a, b))
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from tflite_tasks.core.containers import EmbeddingResult
from tflite_tasks.core.embedding import EmbedderMixin, EmbeddingOptions
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


class TextEmbedder(EmbedderMixin, TextTask[TextEmbedderOptions]):
    """Computes feature vectors of texts with a TFLite model.

    The model takes text like a :class:`~tflite_tasks.TextClassifier` (string, regex token
    ids or BERT) and has one or more vector outputs ``[1, D]`` (float32, uint8 or int8),
    one embedding head each.
    """

    options_class = TextEmbedderOptions

    def _setup(self) -> None:
        options = self._options
        self._setup_text_input(options.text_options, "text embedder")
        self._setup_embedding(options.embedding_options)

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
