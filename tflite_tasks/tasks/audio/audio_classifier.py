"""AudioClassifier: what sounds a clip holds, window by window, from any TFLite audio classifier.

Example::

    from tflite_tasks import AudioClassifier

    classifier = AudioClassifier.create_from_file("yamnet.tflite", max_results=3)
    for result in classifier.classify("speech.wav"):
        top = result.classifications[0].categories[0]
        print(f"{result.timestamp_ms:8.0f} ms  {top.category_name}  {top.score:.2f}")

The clip is mixed to the model's channels, resampled to its rate and cut into windows of the
model's input length (hop ``hop_ms``, default one window; the last window zero-padded), as
MediaPipe's audio classifier does. A clip of exactly one window gives one result, the same as
the TFLite Task Library's. :meth:`AudioClassifier.stream` takes live audio in chunks.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tflite_tasks.core.audio import AudioLike
from tflite_tasks.core.classification import ClassifierMixin
from tflite_tasks.core.containers import ClassificationResult
from tflite_tasks.core.options import BaseOptions, ClassificationOptions
from tflite_tasks.tasks.audio.audio_input import AudioOptions
from tflite_tasks.tasks.audio.audio_task import AudioTask


@dataclass
class AudioClassifierOptions:
    """Options of :class:`AudioClassifier`.

    Attributes:
        base_options: the model, the number of threads, custom op kernels.
        classification_options: max results, threshold, allow/deny lists, labels.
        audio_options: sample rate and channels for models without AudioProperties
            metadata, the window of dynamic-length models, and the hop between windows.
    """

    base_options: BaseOptions
    classification_options: ClassificationOptions = field(default_factory=ClassificationOptions)
    audio_options: AudioOptions = field(default_factory=AudioOptions)


class AudioClassifier(ClassifierMixin, AudioTask[AudioClassifierOptions, ClassificationResult]):
    """Classifies audio with a TFLite audio classification model.

    The model has one input of float32 samples in [-1, 1] (``[W]``, ``[1, W]``, ...; frames
    interleaved when there are several channels) and one or more score outputs ``[1, N]``,
    one classification head each.
    """

    options_class = AudioClassifierOptions

    def _setup(self) -> None:
        options = self._options
        self._setup_audio_input(options.audio_options, "audio classifier")
        options.classification_options = self._setup_classification(
            options.classification_options)

    def classify(self, audio: AudioLike, sample_rate: int | None = None
                 ) -> list[ClassificationResult]:
        """Classifies a clip, window by window.

        Args:
            audio: a path or the bytes of an audio file (WAV, FLAC, OGG, ...), an array
                ``(frames,)`` or ``(frames, channels)`` of floats in [-1, 1] or integer PCM,
                or an :class:`~tflite_tasks.AudioData`.
            sample_rate: the array's rate in Hz (required for arrays).

        Returns:
            One result per window, in time order, each with its ``timestamp_ms`` and one
            :class:`Classifications` per output head, best category first.

        Raises:
            InputError: an unreadable file, an empty clip, NaN samples, a missing rate.
        """
        return self._run_clip(audio, sample_rate)
