"""Live audio from a microphone, through ``sounddevice`` (the ``[microphone]`` extra).

Example::

    from tflite_tasks import AudioClassifier, Microphone

    classifier = AudioClassifier.create_from_file("yamnet.tflite", max_results=1)
    stream = classifier.stream()
    with Microphone.for_task(classifier) as microphone:
        for block in microphone:                 # Ctrl-C to stop
            for result in stream.push(block):
                print(result.classifications[0].categories[0].category_name)

The device's audio callback copies each block into a bounded queue; :meth:`Microphone.read`
and iteration take the blocks in order. When the reader falls behind by more than
``max_queued_s`` seconds, the oldest blocks are dropped and counted in ``dropped_frames``.
"""

from __future__ import annotations

import queue
from typing import TYPE_CHECKING, Any

import numpy as np

from tflite_tasks.core.audio import MAX_CHANNELS, check_sample_rate, plural
from tflite_tasks.core.errors import InputError, MissingDependencyError, OptionsError
from tflite_tasks.core.options import is_int, is_real

if TYPE_CHECKING:
    from collections.abc import Iterator

    from typing_extensions import Self

    from tflite_tasks.tasks.audio.audio_task import AudioTask

_INSTALL = ("pip install 'tflite-tasks[microphone]' (on Linux PortAudio too: "
            "apt install libportaudio2)")


def _sounddevice() -> Any:
    try:
        import sounddevice
    except (ImportError, OSError) as exc:  # OSError: the PortAudio library is missing
        raise MissingDependencyError(f"the microphone needs sounddevice and PortAudio: "
                                     f"{_INSTALL}; it said: {exc}") from exc
    return sounddevice


class Microphone:
    """Blocks of float32 samples ``(frames, channels)`` from an input device, as recorded.

    Args:
        sample_rate: the rate to record at, in Hz (the device may refuse rates it lacks;
            a task's stream resamples any rate).
        channels: channels to record.
        block_ms: the length of each block, in ms (up to 60000; at least one frame).
        device: the sounddevice device (index or name); default: the system's input.
        max_queued_s: seconds of unread audio kept before the oldest blocks are dropped (up
            to 3600).
    """

    def __init__(self, sample_rate: int, channels: int = 1, block_ms: float = 100.0,
                 device: int | str | None = None, max_queued_s: float = 10.0) -> None:
        self.sample_rate = check_sample_rate(sample_rate)
        if not (is_int(channels) and 1 <= channels <= MAX_CHANNELS):
            raise OptionsError(f"channels must be a whole number from 1 to {MAX_CHANNELS}, not "
                               f"{channels!r}")
        for name, value, top in (("block_ms", block_ms, 60_000), ("max_queued_s", max_queued_s,
                                                                  3600)):
            if not (is_real(value) and 0 < value <= top):
                raise OptionsError(f"{name} must be a positive number up to {top}, not "
                                   f"{value!r}")
        self.channels = int(channels)
        self.block_frames = max(1, round(block_ms * self.sample_rate / 1000.0))
        self.device = device
        self.dropped_frames = 0
        self._blocks: queue.Queue[np.ndarray | None] = queue.Queue(  # blocks of block_frames
            max(1, int(max_queued_s * self.sample_rate / self.block_frames)))
        self._stream: Any = None

    @classmethod
    def for_task(cls, task: AudioTask, **options: Any) -> Microphone:
        """A microphone recording at the task's model rate and channels (``options`` may
        replace them, and give the other arguments)."""
        audio_format = task.audio_format
        return cls(**{"sample_rate": audio_format.sample_rate,
                      "channels": audio_format.channels, **options})

    def _callback(self, data: np.ndarray, frames: int, time: Any, status: Any) -> None:
        """Runs in the audio thread: queues a copy of the block, dropping the oldest if full."""
        if status and getattr(status, "input_overflow", False):
            self.dropped_frames += frames  # the device lost audio before this block
        self._enqueue(np.array(data, dtype=np.float32))

    def _finished(self) -> None:
        """Runs when the stream stops. Stopped by itself (a device gone, an error in the
        callback), it marks the end, so readers do not wait for blocks that will never come;
        stop() marks it otherwise."""
        if self._stream is not None:
            self._enqueue(None)

    def _enqueue(self, block: np.ndarray | None) -> None:
        """Queues ``block`` (None: the end) without waiting, dropping the oldest if full."""
        while True:
            try:
                self._blocks.put_nowait(block)
                return
            except queue.Full:
                try:
                    dropped = self._blocks.get_nowait()
                except queue.Empty:
                    continue
                if dropped is not None:
                    self.dropped_frames += dropped.shape[0]

    def start(self) -> Self:
        """Opens the device and starts recording.

        Raises:
            MissingDependencyError: sounddevice or PortAudio is not installed.
            InputError: the device cannot be opened (none, busy, or the rate refused).
        """
        if self._stream is not None:
            return self
        sounddevice = _sounddevice()
        # a new recording: unread blocks stay, the end mark of the previous one goes
        queued = []
        while not self._blocks.empty():
            queued.append(self._blocks.get_nowait())
        for block in queued:
            if block is not None:
                self._blocks.put_nowait(block)
        stream = None
        try:
            stream = sounddevice.InputStream(
                samplerate=self.sample_rate, channels=self.channels, dtype="float32",
                blocksize=self.block_frames, device=self.device, callback=self._callback,
                finished_callback=self._finished)
            stream.start()
            self._stream = stream
        except Exception as exc:  # PortAudioError, ValueError for unknown devices
            if stream is not None:
                stream.close()
            raise InputError(f"cannot record from the microphone ({self.sample_rate} Hz, "
                             f"{plural(self.channels, 'channel')}, device {self.device!r}): "
                             f"{exc}") from exc
        return self

    def stop(self) -> None:
        """Stops recording; iteration ends after the blocks already queued (when the queue is
        full, the end mark takes the oldest block's place: stopping never waits)."""
        if self._stream is not None:
            stream, self._stream = self._stream, None
            try:
                stream.stop()
                stream.close()
            finally:
                self._enqueue(None)  # never waits: a full queue drops its oldest block

    def read(self, timeout: float | None = None) -> np.ndarray | None:
        """The next block, float32 ``(frames, channels)``, waiting up to ``timeout`` seconds
        (None: until one comes); None once stopped and drained, or never started.

        Raises:
            TimeoutError: no block came in time.
        """
        if self._stream is None and self._blocks.empty():
            return None
        try:
            block = self._blocks.get(timeout=timeout)
        except queue.Empty:
            raise TimeoutError(f"no audio from the microphone within {timeout} s") from None
        if block is None:  # the end stays marked for later reads and iterations
            self._enqueue(None)
        return block

    def __iter__(self) -> Iterator[np.ndarray]:
        while (block := self.read()) is not None:
            yield block

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
