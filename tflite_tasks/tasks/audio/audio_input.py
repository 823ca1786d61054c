"""What an audio model takes: sample rate, channels and window, from metadata or options.

The model's input metadata gives ``AudioProperties(sample_rate, channels)``; the window (the
frames per channel of one model input) is the input tensor's size divided by the channels,
as in the TFLite Task Library (``cc/task/processor/audio_preprocessor.cc``). Options override
the metadata; a model without it needs ``sample_rate`` and ``channels``, and a model whose
input length is dynamic needs ``window_samples``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from tflite_tasks.core.audio import MAX_CHANNELS, MAX_SAMPLE_RATE, plural
from tflite_tasks.core.engine import Engine, TensorSpec
from tflite_tasks.core.errors import OptionsError
from tflite_tasks.core.options import is_int, is_real
from tflite_tasks.metadata.schema import AudioProperties, ImageProperties

MAX_WINDOW = 2**24
"""The most frames one model input may hold (17 minutes at 16 kHz)."""

MAX_HOP_MS = 1e9
"""The longest hop, in ms (11.6 days)."""


@dataclass
class AudioOptions:
    """Audio input values the model's metadata normally gives, and the windowing.

    Attributes:
        sample_rate: the rate the model expects, in Hz; overrides the metadata's
            ``AudioProperties.sample_rate``.
        channels: the channels the model expects; overrides ``AudioProperties.channels``.
        window_samples: frames per channel of one model input, for models whose input
            length is dynamic (a fixed input gives it).
        hop_ms: milliseconds between the starts of consecutive windows; default one window
            (no overlap). Smaller values overlap the windows, larger ones skip audio.
    """

    sample_rate: int | None = None
    channels: int | None = None
    window_samples: int | None = None
    hop_ms: float | None = None

    def validate(self) -> None:
        """Raises OptionsError for values of the wrong type or range."""
        for name, top in (("sample_rate", MAX_SAMPLE_RATE), ("channels", MAX_CHANNELS),
                          ("window_samples", MAX_WINDOW)):
            value = getattr(self, name)
            if value is not None and not (is_int(value) and 1 <= value <= top):
                raise OptionsError(f"{name} must be a whole number from 1 to {top}, not "
                                   f"{value!r}")
        if self.hop_ms is not None and not (is_real(self.hop_ms)
                                            and 0 < self.hop_ms <= MAX_HOP_MS):
            raise OptionsError(f"hop_ms must be a positive number of milliseconds up to "
                               f"{MAX_HOP_MS:g}, not {self.hop_ms!r}")


@dataclass(frozen=True)
class AudioFormat:
    """What one model input holds: ``window`` frames of ``channels`` channels at
    ``sample_rate`` Hz, and the frames between window starts (``hop``)."""

    sample_rate: int
    channels: int
    window: int
    hop: int

    @property
    def window_ms(self) -> float:
        return self.window * 1000.0 / self.sample_rate

    @property
    def hop_ms(self) -> float:
        return self.hop * 1000.0 / self.sample_rate


def _input_properties(engine: Engine) -> object | None:
    """The content properties in input 0's metadata (AudioProperties for audio), or None."""
    tensor_md = engine.metadata.input_tensor(0)
    content = tensor_md.content if tensor_md is not None else None
    return content.content_properties if content is not None else None


def audio_input_spec(engine: Engine, properties: object | None, task: str) -> TensorSpec:
    """The model's one audio input, after checking its type; ``properties``: its metadata's
    content properties.

    Raises:
        OptionsError: not exactly one input, or one that is not float32 or int16 samples
            (an image input, say).
    """
    if len(engine.inputs) != 1:
        raise OptionsError(f"an {task} model takes one input, audio samples; this model has "
                           f"{len(engine.inputs)}")
    spec = engine.inputs[0]
    if isinstance(properties, ImageProperties) or len(spec.shape) > 3:
        raise OptionsError(f"input '{spec.name}' {list(spec.shape_signature)} holds an image or "
                           "a spectrogram, not audio samples ([W], [1, W] or [1, W, C]): this is "
                           f"not an {task} model")
    if spec.dtype not in (np.float32, np.int16):
        raise OptionsError(f"input '{spec.name}' is {np.dtype(spec.dtype).name}: audio inputs "
                           "are float32 samples in [-1, 1] (or int16 PCM)")
    return spec


def resolve_format(engine: Engine, options: AudioOptions, task: str) -> AudioFormat:
    """Returns the model's audio format from its metadata and ``options``, resizing a dynamic
    input to the window.

    Raises:
        OptionsError: a value neither the metadata nor the options give (the message names
            the option), or an input size that is not a whole number of frames.
    """
    options.validate()
    properties = _input_properties(engine)
    spec = audio_input_spec(engine, properties, task)
    properties = properties if isinstance(properties, AudioProperties) else None
    rate = options.sample_rate or (properties.sample_rate if properties else None)
    channels = options.channels or (properties.channels if properties else None)
    missing = [name for name, value in (("sample_rate", rate), ("channels", channels))
               if not (is_int(value) and value > 0)]
    if missing:
        where = ("has no AudioProperties metadata" if properties is None
                 else "metadata's AudioProperties lack " + " and ".join(missing))
        raise OptionsError(
            f"the model {where}: pass {' and '.join(f'{m}=...' for m in missing)} (the rate in "
            f"Hz and channel count it was trained on, e.g. sample_rate=16000, channels=1)")
    for name, value, top in (("sample_rate", rate, MAX_SAMPLE_RATE),
                             ("channels", channels, MAX_CHANNELS)):
        if value > top:
            raise OptionsError(f"the model's metadata gives {name} {value}, more than "
                               f"{top}: pass {name}=...")
    window = _window(engine, spec, channels, options.window_samples)
    hop = window if options.hop_ms is None else round(options.hop_ms * rate / 1000.0)
    if hop < 1:
        raise OptionsError(f"hop_ms={options.hop_ms} is less than one sample at {rate} Hz")
    return AudioFormat(int(rate), int(channels), window, hop)


def _window(engine: Engine, spec: TensorSpec, channels: int, window_samples: int | None) -> int:
    """Frames per channel of one input; a dynamic input is resized to ``window_samples``."""
    signature = list(spec.shape_signature)
    if len(signature) > 1 and signature[0] < 0:
        signature[0] = 1  # a dynamic batch ([-1, W], Keras exports): one window at a time
    dynamic = [axis for axis, size in enumerate(signature) if size < 0]
    if not dynamic:
        size = math.prod(signature)
        if size % channels or size == 0:
            raise OptionsError(f"input '{spec.name}' has {size} values, not a whole number of "
                               f"frames of {plural(channels, 'channel')}: pass channels=...")
        if window_samples is not None and window_samples != size // channels:
            raise OptionsError(f"window_samples={window_samples}, but the model's input holds "
                               f"{size // channels} frames of {plural(channels, 'channel')}")
        engine.resize_input(spec.position, tuple(signature))  # batch 1 (no-op when it is)
        return size // channels
    if window_samples is None:
        raise OptionsError(f"input '{spec.name}' has a dynamic length "
                           f"{list(spec.shape_signature)}: pass "
                           "window_samples=... (frames per channel of one model input)")
    shape = [1 if size < 0 else size for size in signature]
    fixed = math.prod(shape)
    values = window_samples * channels
    if values % fixed:
        raise OptionsError(f"window_samples={window_samples} x {plural(channels, 'channel')} "
                           f"does not fit input '{spec.name}' {list(spec.shape_signature)}")
    shape[dynamic[-1]] = values // fixed
    engine.resize_input(spec.position, tuple(shape))
    return window_samples


def to_input(window: np.ndarray, spec: TensorSpec) -> np.ndarray:
    """Returns one window ``(frames, channels)`` float32 as the model's input array
    (interleaved frames; int16 inputs get ``round(x * 32767)`` clipped)."""
    if spec.dtype == np.int16:
        window = np.clip(np.rint(window * np.float32(32767)), -32768, 32767).astype(np.int16)
    return window.reshape(spec.shape)
