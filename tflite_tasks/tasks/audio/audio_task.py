"""The part every audio task shares: audio in, one model run per window, results with times."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Generic, TypeVar

import numpy as np

from tflite_tasks.core.audio import AudioLike, load_audio
from tflite_tasks.core.containers import ClassificationResult, EmbeddingResult
from tflite_tasks.core.task import BaseTask
from tflite_tasks.tasks.audio.audio_input import AudioFormat, AudioOptions, resolve_format, to_input
from tflite_tasks.tasks.audio.audio_stream import AudioStream

OptionsT = TypeVar("OptionsT")
ResultT = TypeVar("ResultT", ClassificationResult, EmbeddingResult)


class AudioTask(BaseTask[OptionsT], Generic[OptionsT, ResultT]):
    """A task whose input is audio: ``preprocess`` -> ``_forward`` -> ``postprocess`` per
    window, the windows cut by an :class:`AudioStream`."""

    _format: AudioFormat
    _output_positions: list[int]

    def _setup_audio_input(self, options: AudioOptions, task: str) -> None:
        self._format = resolve_format(self.engine, options, task)

    @property
    def audio_format(self) -> AudioFormat:
        """What the model takes: sample rate (Hz), channels, window and hop (frames)."""
        return self._format

    def preprocess(self, window: np.ndarray) -> np.ndarray:
        """Returns one window, float32 ``(window, channels)``, as the model's input array."""
        return to_input(window, self.engine.inputs[0])

    def _forward(self, model_input: np.ndarray) -> list[np.ndarray]:
        """Writes the input, invokes, returns the used outputs (raw)."""
        engine = self.engine
        with engine.lock:
            engine.set_input(0, model_input)
            engine.invoke()
            return [engine.output(position) for position in self._output_positions]

    def postprocess(self, raw_outputs: Sequence[np.ndarray]) -> ResultT:
        raise NotImplementedError

    def _run_model(self, window: np.ndarray) -> list[np.ndarray]:
        return self._forward(self.preprocess(window))

    def _result(self, raw_outputs: list[np.ndarray], timestamp_ms: float) -> ResultT:
        result = self.postprocess(raw_outputs)
        result.timestamp_ms = timestamp_ms
        return result

    def stream(self, sample_rate: int | None = None) -> AudioStream[list[np.ndarray], ResultT]:
        """Returns a stream that takes audio chunks as they arrive (a microphone, a network)
        and returns a result for each window they complete; see :class:`AudioStream`.

        Args:
            sample_rate: the chunks' rate in Hz (default: the model's); other rates are
                resampled as a stream, with the same output as for the whole clip.
        """
        return AudioStream(self._run_model, self._result, self._format, sample_rate)

    def _run_clip(self, audio: AudioLike, sample_rate: int | None) -> list[ResultT]:
        data = load_audio(audio, sample_rate)
        stream = self.stream(data.sample_rate)
        return stream.push(data) + stream.flush()
