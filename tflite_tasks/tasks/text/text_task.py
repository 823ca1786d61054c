"""The part every text task shares: text in, tensors through the engine, outputs back."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

import numpy as np

from tflite_tasks.core.errors import InputError
from tflite_tasks.core.task import BaseTask
from tflite_tasks.tasks.text.text_input import TextOptions, TextPreprocessor
from tflite_tasks.tasks.text.tokenizers import check_text

OptionsT = TypeVar("OptionsT")


class TextTask(BaseTask[OptionsT]):
    """A task whose input is text: ``preprocess`` -> ``_forward`` -> ``postprocess``."""

    _preprocessor: TextPreprocessor
    _output_positions: list[int]

    def _setup_text_input(self, options: TextOptions, task: str) -> None:
        self._preprocessor = TextPreprocessor(self.engine, options, task)

    def preprocess(self, text: str) -> dict[int, np.ndarray]:
        """Returns the model's input arrays for ``text``, by input position."""
        return self._preprocessor(text)

    def _forward(self, inputs: dict[int, np.ndarray]) -> list[np.ndarray]:
        """Writes the inputs (resizing dynamic ones), invokes, returns the used outputs."""
        engine = self.engine
        with engine.lock:
            engine.resize_inputs({position: values.shape for position, values in inputs.items()
                                  if values.dtype != object})
            for position, values in inputs.items():
                engine.set_input(position, values)
            engine.invoke()
            return [engine.output(position) for position in self._output_positions]

    def _texts(self, texts: Iterable[str]) -> list[str]:
        """Checks every text of a batch before any runs."""
        if isinstance(texts, str | bytes):
            raise InputError("pass a list of texts to a *_batch method, or one text to the "
                            "single-text method")
        return [check_text(text) for text in texts]
