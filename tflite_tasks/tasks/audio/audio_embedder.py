"""AudioEmbedder: a feature vector per window of audio, for similarity and search.

Example::

    from tflite_tasks import AudioEmbedder

    embedder = AudioEmbedder.create_from_file("yamnet.tflite", l2_normalize=True)
    a = embedder.embed("dog.wav")[0].embeddings[0]
    b = embedder.embed("bark.flac")[0].embeddings[0]
    print(AudioEmbedder.cosine_similarity(a, b))

Windows are cut as for :class:`~tflite_tasks.AudioClassifier`; each output ``[1, D]``
(float32, uint8 or int8) gives one :class:`Embedding` per window (a classifier's embedding is
its score vector).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tflite_tasks.core.audio import AudioLike
from tflite_tasks.core.containers import EmbeddingResult
from tflite_tasks.core.embedding import EmbedderMixin, EmbeddingOptions
from tflite_tasks.core.options import BaseOptions
from tflite_tasks.tasks.audio.audio_input import AudioOptions
from tflite_tasks.tasks.audio.audio_task import AudioTask


@dataclass
class AudioEmbedderOptions:
    """Options of :class:`AudioEmbedder`.

    Attributes:
        base_options: the model, the number of threads, custom op kernels.
        embedding_options: L2 normalization and scalar quantization of the vectors.
        audio_options: sample rate, channels, window and hop, as for the classifier.
    """

    base_options: BaseOptions
    embedding_options: EmbeddingOptions = field(default_factory=EmbeddingOptions)
    audio_options: AudioOptions = field(default_factory=AudioOptions)


class AudioEmbedder(EmbedderMixin, AudioTask[AudioEmbedderOptions, EmbeddingResult]):
    """Computes feature vectors of audio with a TFLite model, one per window."""

    options_class = AudioEmbedderOptions

    def _setup(self) -> None:
        options = self._options
        self._setup_audio_input(options.audio_options, "audio embedder")
        self._setup_embedding(options.embedding_options)

    def embed(self, audio: AudioLike, sample_rate: int | None = None) -> list[EmbeddingResult]:
        """Computes the embeddings of a clip, window by window.

        Args:
            audio: a path or bytes of an audio file, an array with ``sample_rate``, or an
                :class:`~tflite_tasks.AudioData` (as for ``AudioClassifier.classify``).
            sample_rate: the array's rate in Hz (required for arrays).

        Returns:
            One result per window, in time order, each with its ``timestamp_ms`` and one
            :class:`Embedding` per output head: float32 ``(D,)``, or int8 with ``quantize``.
        """
        return self._run_clip(audio, sample_rate)
