"""Audio input of the audio tasks: loading any audio-like value, mixing channels, resampling.

Every audio task passes its input through :func:`load_audio`, which returns an
:class:`AudioData`: float32 samples ``(frames, channels)`` in [-1, 1] and their sample rate.
:func:`mix_channels` fits the channels to the model's and :class:`Resampler` converts the
rate, in one piece or chunk by chunk with identical output (it is a stream either way).

Resampling uses `soxr <https://github.com/dofuuz/python-soxr>`_ (libsoxr, the SoX resampler)
at its "HQ" quality: a linear-phase filter with a flat passband and high stopband
attenuation, the default of librosa, and several hundred times faster than real time. Its
streaming resampler gives bit-identical output whatever the chunk sizes.
"""

from __future__ import annotations

import base64
import io
import numbers
import os
import re
import sys
import wave
from dataclasses import InitVar, dataclass
from typing import TYPE_CHECKING

import numpy as np

from tflite_tasks.core.errors import InputError, MissingDependencyError
from tflite_tasks.core.input_file import read_input_file
from tflite_tasks.core.options import is_int

if TYPE_CHECKING:
    import soundfile
    import soxr

_ACCEPTED_TYPES = (
    "a file path (str or os.PathLike), encoded file bytes (bytes, bytearray, memoryview), a "
    "numpy array of samples with its sample_rate, or an AudioData"
)
_FORMATS = "WAV, FLAC, OGG/Vorbis, Opus, MP3, AIFF and the other formats libsndfile reads"
_INSTALL = "pip install 'tflite-tasks[audio]'"

MAX_SAMPLE_RATE = 10**7
"""The highest sample rate accepted, in Hz (well above any audio model's)."""

MAX_CHANNELS = 64
"""The most channels an audio array may have; more means a transposed ``(channels, frames)``."""

MAX_FLOAT_PEAK = 16.0
"""The largest magnitude a float sample may have (24 dB over full scale): beyond it the
array is integer PCM stored as floats (say int16 values), which must be scaled first."""

MAX_AUDIO_SAMPLES = 2**28
"""The most samples (frames x channels, 1 GiB of float32) an encoded file may decode to.

A small file can hold hours of compressed silence; the size in its header is checked before
decoding. It is read at each call, so it may be raised for trusted files; longer recordings
can also be streamed in blocks (``soundfile.blocks``) through a task's ``stream()``.
"""

MAX_UPSAMPLING = 2**16
"""The highest ratio of the model's rate to the audio's that is resampled (soxr never returns
beyond about 2**19); more means a wrong ``sample_rate``, such as 1 Hz for a 16 kHz model."""

_INTEGER_SCALES = {np.dtype(np.int8): 2.0**7, np.dtype(np.int16): 2.0**15,
                   np.dtype(np.int32): 2.0**31}


@dataclass(frozen=True, eq=False)
class AudioData:
    """An audio clip: float32 samples ``(frames, channels)`` and their rate in Hz.

    ``AudioData(samples, sample_rate)`` checks and converts the samples as
    :meth:`from_array` does (C-contiguous float32 samples are kept, not copied);
    :meth:`from_file` decodes a file. ``source``, not kept, names where the samples come from
    in errors (a decoded file); by default they are an array and its ``sample_rate``.
    """

    samples: np.ndarray
    sample_rate: int
    source: InitVar[str | None] = None

    def __post_init__(self, source: str | None) -> None:
        object.__setattr__(self, "samples", as_samples(self.samples, source or "audio array"))
        object.__setattr__(self, "sample_rate", check_sample_rate(
            self.sample_rate, f"{source}'s rate" if source else "sample_rate"))

    @classmethod
    def from_file(cls, path: str | os.PathLike) -> AudioData:
        """Decodes an audio file (see :func:`load_audio`)."""
        return load_audio(path)

    @classmethod
    def from_array(cls, samples: np.ndarray, sample_rate: int) -> AudioData:
        """Checks and converts samples ``(frames,)`` or ``(frames, channels)``: floats in
        [-1, 1], or int8 / int16 / int32 / uint8 PCM (scaled to [-1, 1])."""
        return cls(samples, sample_rate)

    @property
    def frames(self) -> int:
        """The number of samples per channel."""
        return self.samples.shape[0]

    @property
    def channels(self) -> int:
        return self.samples.shape[1]

    @property
    def duration_ms(self) -> float:
        return self.frames * 1000.0 / self.sample_rate

    def __repr__(self) -> str:
        return (f"AudioData({plural(self.frames, 'frame')} x "
                f"{plural(self.channels, 'channel')} at "
                f"{self.sample_rate} Hz, {self.duration_ms / 1000:.3f} s)")

    def _repr_html_(self) -> str:
        """A player in Jupyter (the first 30 s, as 16-bit WAV)."""
        shown = self.samples[: 30 * self.sample_rate]
        pcm = (np.clip(shown, -1.0, 1.0) * 32767).round().astype("<i2")
        buffer = io.BytesIO()
        with wave.open(buffer, "wb") as out:
            out.setnchannels(self.channels)
            out.setsampwidth(2)
            out.setframerate(self.sample_rate)
            out.writeframes(pcm.tobytes())
        data = base64.b64encode(buffer.getvalue()).decode("ascii")
        note = " (first 30 s)" if shown.shape[0] < self.frames else ""
        return (f"<div>{self!r}{note}</div>"
                f"<audio controls src='data:audio/wav;base64,{data}'></audio>")


AudioLike = str | os.PathLike | bytes | bytearray | memoryview | np.ndarray | AudioData
"""What :func:`load_audio` accepts: a file path, encoded file bytes, an array or AudioData."""


def plural(count: int, noun: str) -> str:
    """``1 channel``, ``2 channels``."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def check_sample_rate(sample_rate: object, name: str = "sample_rate") -> int:
    """Returns ``sample_rate`` as an int after checking it is a whole number of Hz >= 1."""
    rate = sample_rate
    if (isinstance(rate, numbers.Real) and not isinstance(rate, bool)
            and float(rate).is_integer()):  # 16000.0, np.float32(16000) too
        rate = int(rate)
    if not is_int(rate) or not 1 <= rate <= MAX_SAMPLE_RATE:  # type: ignore[operator]
        raise InputError(f"{name} is a whole number of Hz from 1 to {MAX_SAMPLE_RATE}, such as "
                         f"16000, not {sample_rate!r}")
    return int(rate)  # type: ignore[call-overload]


def load_audio(audio: AudioLike, sample_rate: int | None = None) -> AudioData:
    """Returns ``audio`` as an :class:`AudioData` of float32 ``(frames, channels)`` samples.

    Args:
        audio: one of
            * a path to an audio file, or its bytes: WAV, FLAC, OGG and the other formats
              libsndfile reads (through ``soundfile``, the ``[audio]`` extra); integer PCM is
              scaled to [-1, 1] (int16 divided by 32768, as the TFLite Task Library does);
            * a numpy array ``(frames,)`` or ``(frames, channels)`` of floats in [-1, 1] or of
              int8 / int16 / int32 / uint8 PCM, with ``sample_rate``;
            * an :class:`AudioData` (returned as it is).
        sample_rate: the rate of an array's samples in Hz; required for arrays. For a file or
            an AudioData it may be left out, or must match.

    Raises:
        InputFileNotFoundError: the path does not exist.
        InputError: an unreadable or undecodable file, an empty clip, NaN or infinite samples,
            an unsupported dtype or shape, a missing or mismatched sample rate.
        MissingDependencyError: a file is given and ``soundfile`` is not installed.
    """
    if isinstance(audio, AudioData):
        data = audio
    elif isinstance(audio, np.ndarray):
        if sample_rate is None:
            raise InputError("an array of samples needs its rate: pass sample_rate=... (Hz), "
                             "e.g. classify(samples, sample_rate=16000)")
        return AudioData.from_array(audio, sample_rate)
    elif isinstance(audio, str | os.PathLike):
        path = os.fsdecode(audio)
        data = decode_audio(read_input_file(path, "audio"), f"audio file {path!r}")
    elif isinstance(audio, bytes | bytearray | memoryview):
        data = decode_audio(audio, f"the encoded audio ({memoryview(audio).nbytes} bytes)")
    else:
        raise InputError(f"cannot load audio from an object of type "
                         f"{type(audio).__qualname__!r}; pass {_ACCEPTED_TYPES}")
    if sample_rate is not None and check_sample_rate(sample_rate) != data.sample_rate:
        raise InputError(f"sample_rate={sample_rate} was given, but the audio is at "
                         f"{data.sample_rate} Hz: leave sample_rate out for files and AudioData")
    return data


def decode_audio(data: bytes | bytearray | memoryview, name: str) -> AudioData:
    """Decodes an encoded audio file with libsndfile; ``name`` describes it in errors."""
    try:
        import soundfile
    except ImportError as exc:
        raise MissingDependencyError(f"reading {name} needs soundfile: {_INSTALL}") from exc
    if memoryview(data).nbytes == 0:
        raise InputError(f"{name} is empty (0 bytes): there is no audio to decode")
    try:
        with soundfile.SoundFile(io.BytesIO(data)) as file:
            if file.channels > MAX_CHANNELS:
                raise InputError(f"{name} has {file.channels} channels; at most "
                                 f"{MAX_CHANNELS} are read: mix it down first")
            rate = file.samplerate
            samples = _read_frames(file, name)
    except InputError:
        raise
    except Exception as exc:  # libsndfile's errors, and whatever a malformed header causes
        reason = re.sub(r"^Error opening <[^>]*>: ", "", str(exc)).rstrip(".")
        raise InputError(f"cannot decode {name}: {reason}. Formats read: {_FORMATS}") from exc
    if samples.shape[0] == 0:
        raise InputError(f"{name} holds no audio (0 frames)")
    return AudioData(samples, rate, name)


def _read_frames(file: soundfile.SoundFile, name: str) -> np.ndarray:
    """Reads every frame of ``file`` as float32 ``(frames, channels)``, up to
    :data:`MAX_AUDIO_SAMPLES`: checked in the header, or block by block as they are decoded
    for files that cannot seek (GSM 6.10 WAV)."""
    limit = MAX_AUDIO_SAMPLES // file.channels
    channels = plural(file.channels, "channel")

    def too_long(frames: str) -> InputError:
        return InputError(
            f"{name} is too long: {frames} x {channels}, more than MAX_AUDIO_SAMPLES = "
            f"{MAX_AUDIO_SAMPLES} samples. Refused as a possible decompression bomb; if the "
            "file is trusted, raise tflite_tasks.core.audio.MAX_AUDIO_SAMPLES, or stream it in "
            "blocks (soundfile.blocks) through the task's stream()")

    if not file.seekable():
        blocks, frames = [], 0
        while (block := file.read(2**16, dtype="float32", always_2d=True)).shape[0]:
            frames += block.shape[0]
            if frames > limit:
                raise too_long(f"more than {plural(limit, 'frame')}")
            blocks.append(block)
        return np.concatenate(blocks) if blocks else np.zeros((0, file.channels), np.float32)
    if file.frames == sys.maxsize:  # libsndfile's "unknown": it cannot read past the start
        raise InputError(f"{name} does not give its length (a FLAC written to a pipe has a "
                         "total of 0 samples in its header), and libsndfile cannot read it: "
                         "re-encode it, e.g. ffmpeg -i in.flac out.flac, or convert it to WAV")
    if file.frames > limit:
        raise too_long(plural(file.frames, "frame"))
    return file.read(dtype="float32", always_2d=True)


def as_samples(array: np.ndarray, name: str, allow_empty: bool = False) -> np.ndarray:
    """Returns ``array`` as C-contiguous float32 ``(frames, channels)`` samples.

    Floats are kept (up to :data:`MAX_FLOAT_PEAK`); int8, int16 and int32 are divided by 2**7,
    2**15 and 2**31, uint8 is centred on 128 and divided by 128.

    Raises:
        InputError: another dtype, a shape other than ``(frames,)`` / ``(frames, channels)``,
            more than :data:`MAX_CHANNELS` channels, no frames (unless ``allow_empty``),
            NaN or infinite samples, or floats beyond :data:`MAX_FLOAT_PEAK`.
    """
    if not isinstance(array, np.ndarray):
        raise InputError(f"{name} must be a numpy array, not {type(array).__qualname__}")
    if array.ndim == 1:
        array = array[:, None]
    if array.ndim != 2:
        raise InputError(f"{name} has shape {list(array.shape)}; audio samples are (frames,) "
                         f"or (frames, channels)")
    frames, channels = array.shape
    if channels == 0 or channels > MAX_CHANNELS:
        hint = " (is it (channels, frames)? pass array.T)" if channels > MAX_CHANNELS else ""
        raise InputError(f"{name} has {plural(channels, 'channel')}{hint}; audio samples are "
                         f"(frames,) or (frames, channels) with 1 to {MAX_CHANNELS} channels")
    if frames == 0 and not allow_empty:
        raise InputError(f"{name} is empty (0 frames): there is no audio to classify")
    kind = array.dtype.newbyteorder("=")  # big-endian PCM (">i2") scales like native
    if kind.kind == "f":
        if array.size:  # checked before the cast, which turns float64 beyond float32 into inf
            low, high = float(array.min()), float(array.max())  # NaN propagates to both
            if not (np.isfinite(low) and np.isfinite(high)):
                raise InputError(f"{name} has NaN or infinite samples: clean the audio first "
                                 "(e.g. np.nan_to_num)")
            if max(-low, high) > MAX_FLOAT_PEAK:
                raise InputError(
                    f"{name} has float samples up to {max(-low, high):g}; float audio lies in "
                    "[-1, 1]. Integer PCM stored as floats must be scaled, e.g. x / 32768 for "
                    "16-bit values, or passed with its integer dtype")
        samples = np.ascontiguousarray(array, dtype=np.float32)
    elif kind in _INTEGER_SCALES:
        samples = np.ascontiguousarray(array, dtype=np.float32)
        samples *= np.float32(1.0 / _INTEGER_SCALES[kind])
    elif kind == np.uint8:
        samples = array.astype(np.float32)
        samples -= np.float32(128.0)
        samples *= np.float32(1.0 / 128.0)
    else:
        raise InputError(f"{name} has dtype {kind}; audio samples are floats in [-1, 1] or "
                         "int8, int16, int32 or uint8 PCM")
    return samples


def mix_channels(samples: np.ndarray, channels: int) -> np.ndarray:
    """Returns ``samples`` ``(frames, c)`` with ``channels`` channels: averaged to mono, mono
    repeated, or unchanged when the counts match.

    Raises:
        InputError: other counts differ (say 6 channels for a stereo model).
    """
    have = samples.shape[1]
    if have == channels:
        return samples
    if channels == 1:  # a matrix product: 60 times faster than mean(axis=1) on few channels
        return samples @ np.full((have, 1), 1.0 / have, np.float32)
    if have == 1:
        return np.repeat(samples, channels, axis=1)
    raise InputError(f"the audio has {have} channels and the model takes {channels}: mix them "
                     f"to {channels} (or to 1) first")


class Resampler:
    """Converts float32 ``(frames, channels)`` samples from one rate to another, as a stream.

    ``push`` takes chunks of any size and returns the output ready so far; ``flush`` ends the
    stream and returns the rest. The output is the same whatever the chunk sizes, and the
    same as resampling the whole clip at once. Equal rates pass samples through untouched.

    Raises:
        InputError: ``to_rate`` is more than :data:`MAX_UPSAMPLING` times ``from_rate``.
        MissingDependencyError: the rates differ and ``soxr`` is not installed.
    """

    def __init__(self, from_rate: int, to_rate: int, channels: int) -> None:
        self.from_rate, self.to_rate, self.channels = from_rate, to_rate, channels
        self._stream: soxr.ResampleStream | None = None
        if to_rate > from_rate * MAX_UPSAMPLING:
            raise InputError(f"audio at {from_rate} Hz cannot be resampled to the model's "
                             f"{to_rate} Hz (more than {MAX_UPSAMPLING} times its rate): is "
                             "its sample_rate right?")
        if from_rate != to_rate:
            try:
                import soxr
            except ImportError as exc:
                raise MissingDependencyError(
                    f"resampling {from_rate} Hz audio to the model's {to_rate} Hz needs soxr: "
                    f"{_INSTALL} (or resample it yourself)") from exc
            self._stream = soxr.ResampleStream(from_rate, to_rate, channels, dtype="float32",
                                               quality="HQ")

    def push(self, samples: np.ndarray) -> np.ndarray:
        """Returns the resampled frames that ``samples`` completes (possibly none)."""
        if self._stream is None:
            return samples
        return self._stream.resample_chunk(samples).reshape(-1, self.channels)

    def flush(self) -> np.ndarray:
        """Ends the stream: returns the last frames; the resampler is then ready for a new one."""
        if self._stream is None:
            return np.zeros((0, self.channels), np.float32)
        last = self._stream.resample_chunk(np.zeros((0, self.channels), np.float32), last=True)
        self._stream.clear()
        return last.reshape(-1, self.channels)


def resample(samples: np.ndarray, from_rate: int, to_rate: int) -> np.ndarray:
    """Returns float32 ``(frames, channels)`` samples resampled from ``from_rate`` to
    ``to_rate`` Hz (soxr HQ); the same samples when the rates are equal."""
    resampler = Resampler(from_rate, to_rate, samples.shape[1])
    return np.concatenate([resampler.push(samples), resampler.flush()])
