"""TextClassifier: sentiment, topic or intent of a text, from any TFLite text classifier.

Example::

    from tflite_tasks import TextClassifier

    classifier = TextClassifier.create_from_file("movie_review.tflite")
    result = classifier.classify("This is the best movie I've seen in recent years.")
    print(result.classifications[0].categories[0].category_name)   # "Positive"

Three kinds of model (see :mod:`tflite_tasks.tasks.text.text_input`): string input, token
ids from a regex tokenizer, and BERT (WordPiece or SentencePiece). Categories come sorted by
score with their real indices (the TFLite Task Library returned them unsorted, all with
index 0); the classification options (max results, threshold, allow/deny lists, labels,
score calibration) work as for images.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from tflite_tasks.core.classification import ClassificationPostprocessor, build_heads
from tflite_tasks.core.containers import ClassificationResult
from tflite_tasks.core.options import BaseOptions, ClassificationOptions
from tflite_tasks.tasks.text.text_input import (
    TensorRef,
    TextOptions,
    find_tensor,
    metadata_names,
)
from tflite_tasks.tasks.text.text_task import TextTask


@dataclass
class TextClassifierOptions:
    """Options of :class:`TextClassifier`.

    Attributes:
        base_options: the model, the number of threads, custom op kernels.
        classification_options: max results, threshold, allow/deny lists, labels.
        text_options: tokenizer and tensor selection for models whose metadata lacks them.
    """

    base_options: BaseOptions
    classification_options: ClassificationOptions = field(default_factory=ClassificationOptions)
    text_options: TextOptions = field(default_factory=TextOptions)


class TextClassifier(TextTask[TextClassifierOptions]):
    """Classifies text with a TFLite text classification model.

    The scores output is ``[1, N]`` or ``[N]`` (float32, float64, uint8, int8, int16 or
    bool; quantized scores are dequantized, bools count 1.0 / 0.0). Labels come from the
    options, else the output's label file, else an output of label strings, else the index
    as a string.
    """

    options_class = TextClassifierOptions

    def _setup(self) -> None:
        options = self._options
        self._setup_text_input(options.text_options, "text classifier")
        engine = self.engine
        names = metadata_names(engine.metadata, "output", len(engine.outputs))
        text = options.text_options
        score = self._find_output(text.score_tensor, ("OUTPUT_SCORE", "probability"), names)
        label = self._find_output(text.label_tensor, ("OUTPUT_LABEL",), names)
        if score is None:
            score = 0
        options.classification_options = options.classification_options.resolved()
        (self._head,) = build_heads(engine, options.classification_options, [score])
        self._postprocessor = ClassificationPostprocessor([self._head],
                                                          options.classification_options)
        self._label_output = label if self._head.labels is None else None
        self._output_positions = [score] + ([label] if self._label_output is not None else [])
        self._index_names = np.empty(0, dtype=object)

    def _find_output(self, ref: TensorRef | None, defaults: tuple[str, ...],
                     names: list[str | None]) -> int | None:
        """The output the option names, else the first named one of ``defaults``, else None."""
        outputs = self.engine.outputs
        if ref is not None:
            return find_tensor(outputs, names, ref, "output")
        for default in defaults:
            for position, spec in enumerate(outputs):
                if default in (spec.name, names[position]):
                    return position
        return None

    @property
    def labels(self) -> list[str] | None:
        """The class names (``None`` when the model has none, or gives them at run time)."""
        return self._head.labels

    def _names_by_index(self, count: int) -> np.ndarray:
        """"0", "1", ... : the reference's names for classes without labels."""
        if self._index_names.size != count:  # the output's length may change between calls
            self._index_names = np.array([str(i) for i in range(count)], dtype=object)
        return self._index_names

    def postprocess(self, raw_outputs: Sequence[np.ndarray]) -> ClassificationResult:
        """Turns the scores output (and the labels output, if any) into categories."""
        labels = None
        if self._head.labels is None:
            if self._label_output is not None:
                raw = np.asarray(raw_outputs[1]).reshape(-1)
                labels = np.array([v.decode("utf-8", "replace") if isinstance(v, bytes)
                                   else str(v) for v in raw.tolist()], dtype=object)
            else:
                labels = self._names_by_index(np.asarray(raw_outputs[0]).size)
        return ClassificationResult([self._postprocessor.classify_head(0, raw_outputs[0],
                                                                       labels)])

    def classify(self, text: str) -> ClassificationResult:
        """Classifies one text.

        Args:
            text: any str: empty, long (truncated to the model's length), any language.

        Returns:
            One :class:`Classifications` with the categories, best first.

        Raises:
            InputError: ``text`` is not a str (bytes must be decoded first).
        """
        return self.postprocess(self._forward(self.preprocess(text)))

    def classify_batch(self, texts: Iterable[str]) -> list[ClassificationResult]:
        """Classifies many texts (every one is checked first); one result per text, in order."""
        return [self.classify(text) for text in self._texts(texts)]
