"""Microphone, with a fake ``sounddevice`` whose callback the tests call: blocks in order,
the queue bound, stopping, errors; and a microphone feeding a classifier's stream."""

from __future__ import annotations

import sys
import threading
import types
from typing import ClassVar

import numpy as np
import pytest
from audio_models import mean_model, probe_model, with_audio_metadata

from tflite_tasks import (
    AudioClassifier,
    InputError,
    Microphone,
    MissingDependencyError,
    OptionsError,
)


class Status:
    """sounddevice.CallbackFlags as the callback sees it."""

    def __init__(self, input_overflow: bool = False) -> None:
        self.input_overflow = input_overflow

    def __bool__(self) -> bool:
        return self.input_overflow


class FakeInputStream:
    """Records how it was opened; ``feed`` calls the callback as the audio thread would."""

    streams: ClassVar[list[FakeInputStream]] = []
    fail_open: ClassVar[Exception | None] = None
    fail_start: ClassVar[Exception | None] = None

    def __init__(self, **kwargs: object) -> None:
        if FakeInputStream.fail_open is not None:
            raise FakeInputStream.fail_open
        self.kwargs = kwargs
        self.events: list[str] = []
        FakeInputStream.streams.append(self)

    def start(self) -> None:
        if FakeInputStream.fail_start is not None:
            raise FakeInputStream.fail_start
        self.events.append("start")

    def stop(self) -> None:
        self.events.append("stop")

    def close(self) -> None:
        self.events.append("close")

    def feed(self, block: np.ndarray, status: Status | None = None) -> None:
        self.kwargs["callback"](block, block.shape[0], None, status or Status())


@pytest.fixture
def device(monkeypatch: pytest.MonkeyPatch) -> type[FakeInputStream]:
    monkeypatch.setattr(FakeInputStream, "streams", [])
    monkeypatch.setattr(FakeInputStream, "fail_open", None)
    monkeypatch.setattr(FakeInputStream, "fail_start", None)
    fake = types.ModuleType("sounddevice")
    fake.InputStream = FakeInputStream  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "sounddevice", fake)
    return FakeInputStream


def blocks(count: int, frames: int = 160, channels: int = 1, seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.uniform(-1, 1, (frames, channels)).astype(np.float32) for _ in range(count)]


def test_blocks_come_out_in_order_as_copies(device) -> None:
    with Microphone(16000, channels=2, block_ms=10, device="USB") as microphone:
        (stream,) = device.streams
        assert stream.kwargs["samplerate"] == 16000 and stream.kwargs["channels"] == 2
        assert stream.kwargs["dtype"] == "float32" and stream.kwargs["device"] == "USB"
        assert stream.kwargs["blocksize"] == microphone.block_frames == 160
        assert stream.events == ["start"]
        assert microphone.start() is microphone and len(device.streams) == 1  # already on
        sent = blocks(3, channels=2)
        buffer = np.empty((160, 2), np.float32)
        for block in sent:
            buffer[:] = block
            stream.feed(buffer)  # the device reuses its buffer
            buffer[:] = 9.0
        first = microphone.read(timeout=1)
        assert first.dtype == np.float32
        np.testing.assert_array_equal(first, sent[0])
    assert stream.events == ["start", "stop", "close"]
    rest = list(microphone)
    assert len(rest) == 2
    for got, want in zip(rest, sent[1:], strict=True):
        np.testing.assert_array_equal(got, want)
    assert microphone.read(timeout=60) is None  # stays ended (a timeout, not a hang, if not)
    assert list(microphone) == []
    assert microphone.dropped_frames == 0


def test_a_full_queue_drops_the_oldest_blocks(device) -> None:
    microphone = Microphone(16000, block_ms=10, max_queued_s=0.03).start()  # 3 blocks
    (stream,) = device.streams
    sent = blocks(5)
    for block in sent:
        stream.feed(block)
    assert microphone.dropped_frames == 2 * 160
    stream.feed(sent[0][:40], Status(input_overflow=True))  # the device lost audio too
    assert microphone.dropped_frames == 2 * 160 + 40 + 160
    np.testing.assert_array_equal(microphone.read(timeout=60), sent[3])
    microphone.stop()
    assert microphone.dropped_frames == 2 * 160 + 40 + 160
    rest = list(microphone)
    assert len(rest) == 2
    np.testing.assert_array_equal(rest[0], sent[4])
    np.testing.assert_array_equal(rest[1], sent[0][:40])


def test_the_queue_holds_max_queued_s_of_audio_whatever_the_block_length(device) -> None:
    """Blocks shorter than a frame are a frame long: the bound counts audio, not block_ms."""
    microphone = Microphone(16000, block_ms=0.001, max_queued_s=0.001).start()  # 16 frames
    assert microphone.block_frames == 1
    for block in blocks(20, frames=1):
        device.streams[0].feed(block)
    assert microphone.dropped_frames == 4


def test_a_device_that_stops_by_itself_ends_the_iteration(device) -> None:
    """PortAudio ends a stream on its own (a device unplugged, an error in the callback):
    reading then ends instead of waiting forever for blocks that never come."""
    microphone = Microphone(16000, block_ms=10).start()
    (stream,) = device.streams
    sent = blocks(2)
    for block in sent:
        stream.feed(block)
    stream.kwargs["finished_callback"]()  # PortAudio's thread, the stream inactive
    got: list[np.ndarray] = []
    reader = threading.Thread(target=lambda: got.extend(microphone), daemon=True)
    reader.start()
    reader.join(60)  # a deadlock guard, not a speed check: the iteration ends at once
    assert not reader.is_alive(), "iterating a microphone whose stream ended blocked"
    assert len(got) == 2
    microphone.stop()
    assert microphone.read(timeout=60) is None


def test_stopping_with_a_full_queue_does_not_wait_for_a_reader(device) -> None:
    microphone = Microphone(8000, block_ms=100, max_queued_s=0.1).start()  # 1 block
    device.streams[0].feed(blocks(1, frames=800)[0])
    stopper = threading.Thread(target=microphone.stop, daemon=True)
    stopper.start()
    stopper.join(60)  # a deadlock guard, not a speed check: stop() returns at once when right
    assert not stopper.is_alive(), "stop() blocked on the full queue"
    assert microphone.read(timeout=60) is None  # the end mark took the oldest block's place
    assert microphone.dropped_frames == 800


def test_read_timeout_restart_and_bad_arguments(device) -> None:
    microphone = Microphone(8000, block_ms=100)
    assert microphone.read() is None  # never started: nothing will come, so no waiting
    microphone.stop()  # not started: nothing to do
    with microphone, pytest.raises(TimeoutError,
                                   match=r"no audio from the microphone within 0\.01 s"):
        microphone.read(timeout=0.01)
    assert microphone.read() is None
    with microphone:
        device.streams[1].feed(blocks(1, frames=800)[0])
    with microphone:  # another recording: the unread block stays, the old end mark goes
        device.streams[2].feed(blocks(1, frames=800, seed=1)[0])
    assert [b.shape for b in microphone] == [(800, 1), (800, 1)]
    for bad in ({"channels": 0}, {"channels": 65}, {"channels": 1.5}, {"block_ms": 0},
                {"block_ms": float("nan")}, {"max_queued_s": -1}, {"block_ms": 1e306},
                {"max_queued_s": 1e306}):
        with pytest.raises(OptionsError):
            Microphone(8000, **bad)
    with pytest.raises(InputError, match="whole number of Hz"):
        Microphone(0)


def test_device_errors_become_input_errors(device) -> None:
    device.fail_open = ValueError("No input device matching 'USB'")
    microphone = Microphone(16000, device="USB")
    with pytest.raises(InputError, match=r"cannot record from the microphone \(16000 Hz, 1 "
                                         r"channel, device 'USB'\): No input device"):
        microphone.start()
    device.fail_open = None
    device.fail_start = RuntimeError("Error opening InputStream: Device unavailable")
    with pytest.raises(InputError, match="Device unavailable"):
        microphone.start()
    assert device.streams[0].events == ["close"]  # the half-opened stream is released
    device.fail_start = None
    microphone.start()
    assert device.streams[1].events == ["start"]
    microphone.stop()


def test_sounddevice_or_portaudio_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "sounddevice", None)
    microphone = Microphone(16000)  # creating needs no device
    with pytest.raises(MissingDependencyError, match=r"tflite-tasks\[microphone\]"):
        microphone.start()

    class NoPortAudio:
        def find_spec(self, name: str, *args: object) -> None:
            if name == "sounddevice":
                raise OSError("PortAudio library not found")

    monkeypatch.delitem(sys.modules, "sounddevice")
    monkeypatch.setattr(sys, "meta_path", [NoPortAudio(), *sys.meta_path])
    with pytest.raises(MissingDependencyError, match=r"libportaudio2.*PortAudio library not"):
        microphone.start()


def test_for_task_records_at_the_model_format(device) -> None:
    classifier = AudioClassifier.create_from_buffer(with_audio_metadata(probe_model(4, 2), 8000,
                                                                        2))
    microphone = Microphone.for_task(classifier, block_ms=50, device=3)
    assert (microphone.sample_rate, microphone.channels, microphone.block_frames) == (8000, 2, 400)
    microphone.start()
    assert device.streams[0].kwargs["samplerate"] == 8000
    assert device.streams[0].kwargs["channels"] == 2 and device.streams[0].kwargs["device"] == 3
    microphone.stop()
    assert Microphone.for_task(classifier, channels=1).channels == 1  # options replace them


def test_a_microphone_feeding_a_stream_classifies_like_the_whole_recording(device) -> None:
    classifier = AudioClassifier.create_from_buffer(
        with_audio_metadata(mean_model(400), 8000, 1), hop_ms=30)
    sent = blocks(7, frames=320, channels=2, seed=5)  # 40 ms stereo blocks at 8 kHz
    results = []
    stream = classifier.stream()
    with Microphone(8000, channels=2, block_ms=40) as microphone:  # stereo for a mono model
        feeder = threading.Thread(target=lambda: [device.streams[0].feed(b) for b in sent])
        feeder.start()
        for _ in sent:
            results += stream.push(microphone.read(timeout=60))
        feeder.join()
    assert microphone.read(timeout=60) is None
    results += stream.flush()
    expected = classifier.classify(np.concatenate(sent), sample_rate=8000)
    assert len(expected) == -(-7 * 320 // 240)
    assert results == expected
