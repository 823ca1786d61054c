"""AudioStream: window timing, padding and hops with a fake model; streaming a real model in
random chunks gives exactly the whole-clip results."""

from __future__ import annotations

import math

import numpy as np
import pytest
import soundfile
from audio_models import YAMNET, chunks, mean_model, with_audio_metadata
from testdata import data_path

from tflite_tasks import (
    AudioClassifier,
    AudioData,
    AudioEmbedder,
    AudioFormat,
    AudioStream,
    InputError,
    TaskClosedError,
)
from tflite_tasks.core.audio import resample


class Recorder:
    """A fake model: records a copy of every window it is given and its start time."""

    def __init__(self) -> None:
        self.windows: list[np.ndarray] = []
        self.times: list[float] = []

    def forward(self, window: np.ndarray) -> int:
        self.windows.append(window.copy())
        return len(self.windows) - 1

    def postprocess(self, index: int, timestamp_ms: float) -> int:
        self.times.append(timestamp_ms)
        return index

    def stream(self, audio_format: AudioFormat, sample_rate: int | None = None
               ) -> AudioStream[int, int]:
        """A stream whose results are the windows' numbers."""
        return AudioStream(self.forward, self.postprocess, audio_format, sample_rate)


def expected_windows(samples: np.ndarray, window: int, hop: int) -> list[np.ndarray]:
    """Windows at 0, hop, 2 hop, ... each starting before the end, zero-padded."""
    padded = np.concatenate([samples, np.zeros((window + hop, samples.shape[1]), np.float32)])
    return [padded[start:start + window] for start in range(0, len(samples), hop)]


def run(stream: AudioStream, pieces: list[np.ndarray]) -> list:
    results = []
    for piece in pieces:
        results += stream.push(piece)
    return results + stream.flush()


@pytest.mark.parametrize("window", [1, 4, 5])
@pytest.mark.parametrize("hop", [1, 2, 3, 4, 5, 7, 11])
def test_windows_start_every_hop_and_the_last_ones_are_padded(window: int, hop: int) -> None:
    rate = 1000
    for frames in [1, 2, 3, 4, 5, 9, 10, 23]:
        samples = (np.arange(1, frames + 1, dtype=np.float32) / 32)[:, None]
        for seed in range(3):
            recorder = Recorder()
            stream = recorder.stream(AudioFormat(rate, 1, window, hop))
            results = run(stream, chunks(samples, seed, largest=6))
            expected = expected_windows(samples, window, hop)
            assert results == list(range(math.ceil(frames / hop))) == list(range(len(expected)))
            assert recorder.times == [start * 1000.0 / rate for start in range(0, frames, hop)]
            for got, want in zip(recorder.windows, expected, strict=True):
                np.testing.assert_array_equal(got, want)  # the padding is zeros


def test_results_come_as_soon_as_their_window_completes() -> None:
    recorder = Recorder()
    stream = recorder.stream(AudioFormat(8000, 1, 4, 2))
    assert stream.push(np.ones(3, np.float32)) == []
    assert stream.push(np.ones(1, np.float32)) == [0]  # frames 0-3
    assert stream.push(np.ones(4, np.float32)) == [1, 2]  # frames 2-5, 4-7
    assert recorder.times == [0.0, 0.25, 0.5]
    assert stream.flush() == [3]  # frames 6-9, half of it padding
    np.testing.assert_array_equal(recorder.windows[-1][:, 0], [1, 1, 0, 0])


def test_a_hop_longer_than_the_window_skips_audio() -> None:
    recorder = Recorder()
    stream = recorder.stream(AudioFormat(1000, 1, 2, 5))
    samples = np.arange(12, dtype=np.float32) / 16
    assert run(stream, [samples[:3], samples[3:6], samples[6:]]) == [0, 1, 2]
    assert [list(w[:, 0] * 16) for w in recorder.windows] == [[0, 1], [5, 6], [10, 11]]
    assert recorder.times == [0.0, 5.0, 10.0]
    # a window starting right at the end of the audio is not run
    recorder = Recorder()
    stream = recorder.stream(AudioFormat(1000, 1, 2, 5))
    assert run(stream, [samples[:10]]) == [0, 1]


def test_flush_ends_the_stream_and_time_starts_again() -> None:
    recorder = Recorder()
    stream = recorder.stream(AudioFormat(1000, 2, 3, 3))
    assert stream.flush() == []  # nothing pushed: no window
    assert stream.push(np.zeros((0, 2), np.float32)) == []
    assert stream.flush() == []  # only empty chunks: no window either
    stereo = np.arange(10, dtype=np.float32).reshape(5, 2) / 16
    assert run(stream, [stereo]) == [0, 1]
    assert run(stream, [stereo]) == [2, 3]
    assert recorder.times == [0.0, 3.0, 0.0, 3.0]
    for first, again in zip(recorder.windows[:2], recorder.windows[2:], strict=True):
        np.testing.assert_array_equal(first, again)
    np.testing.assert_array_equal(recorder.windows[1], [[6 / 16, 7 / 16], [8 / 16, 9 / 16],
                                                        [0, 0]])


def test_audio_shorter_than_one_model_frame_still_gives_a_window() -> None:
    recorder = Recorder()
    stream = recorder.stream(AudioFormat(16000, 1, 4, 4), sample_rate=44100)
    assert stream.push(np.full(1, 0.5, np.float32)) == []
    assert stream.flush() == [0]
    assert recorder.times == [0.0]
    assert recorder.windows[0].shape == (4, 1)


def test_chunks_are_mixed_to_the_model_channels() -> None:
    recorder = Recorder()
    stream = recorder.stream(AudioFormat(1000, 1, 2, 2))
    stream.push(np.array([[0.25, 0.75], [-1.0, 0.5]], np.float32))
    np.testing.assert_array_equal(recorder.windows[0][:, 0], [0.5, -0.25])
    recorder = Recorder()
    stream = recorder.stream(AudioFormat(1000, 2, 2, 2))
    stream.push(np.array([0.25, -0.5], np.float32))
    np.testing.assert_array_equal(recorder.windows[0], [[0.25, 0.25], [-0.5, -0.5]])
    with pytest.raises(InputError, match="3 channels and the model takes 2"):
        stream.push(np.zeros((4, 3), np.float32))
    assert stream.flush() == []  # the refused chunk added no window
    recorder = Recorder()
    stream = recorder.stream(AudioFormat(16000, 2, 4, 4), sample_rate=44100)
    with pytest.raises(InputError, match="3 channels"):
        stream.push(np.zeros((1, 3), np.float32))
    assert stream.flush() == []


def test_chunks_are_checked() -> None:
    stream = Recorder().stream(AudioFormat(16000, 1, 4, 4))
    with pytest.raises(InputError, match="stream takes 16000 Hz"):
        stream.push(AudioData.from_array(np.zeros(8, np.float32), 8000))
    assert stream.push(AudioData.from_array(np.zeros(8, np.float32), 16000)) == [0, 1]
    with pytest.raises(InputError, match="NaN"):
        stream.push(np.array([0.0, np.nan], np.float32))
    with pytest.raises(InputError, match="dtype"):
        stream.push(np.zeros(4, np.int64))
    with pytest.raises(InputError, match="numpy array"):
        stream.push([0.0, 0.1])
    for bad in (0, 1.5, "16000"):
        with pytest.raises(InputError, match="whole number of Hz"):
            Recorder().stream(AudioFormat(16000, 1, 4, 4), sample_rate=bad)


# --- a real model: streaming in any chunks is the whole-clip call ---------------------------


@pytest.fixture(scope="module")
def speech() -> np.ndarray:
    """speech.wav as float32 (frames, 1) at 16 kHz."""
    return soundfile.read(data_path("audio/speech.wav"), dtype="float32", always_2d=True)[0]


@pytest.fixture(scope="module")
def speech_44k_stereo(speech: np.ndarray) -> np.ndarray:
    return np.repeat(resample(speech, 16000, 44100), 2, axis=1)


HOPS = [None, 250.0, 1500.0]  # one window (975 ms), overlapping, skipping


@pytest.mark.parametrize("hop_ms", HOPS)
@pytest.mark.parametrize("rate", [16000, 44100])
def test_classifier_stream_equals_the_whole_clip(hop_ms: float | None, rate: int, speech,
                                                 speech_44k_stereo) -> None:
    samples = speech if rate == 16000 else speech_44k_stereo
    classifier = AudioClassifier.create_from_file(data_path(YAMNET), max_results=3,
                                                  hop_ms=hop_ms)
    whole = classifier.classify(samples, sample_rate=rate)
    hop = classifier.audio_format.hop
    assert len(whole) == math.ceil(len(speech) / hop)
    assert [r.timestamp_ms for r in whole] == [i * hop / 16 for i in range(len(whole))]
    stream = classifier.stream(sample_rate=rate)
    for seed in range(3):
        assert run(stream, chunks(samples, seed)) == whole  # the stream reused after flush
    assert run(classifier.stream(rate), [samples]) == whole


@pytest.mark.parametrize("hop_ms", HOPS)
@pytest.mark.parametrize("rate", [16000, 44100])
def test_embedder_stream_equals_the_whole_clip(hop_ms: float | None, rate: int, speech,
                                               speech_44k_stereo) -> None:
    samples = speech if rate == 16000 else speech_44k_stereo
    embedder = AudioEmbedder.create_from_file(data_path(YAMNET), hop_ms=hop_ms,
                                              l2_normalize=True)
    whole = embedder.embed(samples, sample_rate=rate)
    assert len(whole) == math.ceil(len(speech) / embedder.audio_format.hop)
    stream = embedder.stream(sample_rate=rate)
    for seed in range(3, 6):
        results = run(stream, chunks(samples, seed))
        assert results == whole
        assert [r.timestamp_ms for r in results] == [r.timestamp_ms for r in whole]


def test_integer_chunks_stream_like_the_whole_clip(speech: np.ndarray) -> None:
    pcm = np.round(speech[:, 0] * 32768).astype(np.int16)
    classifier = AudioClassifier.create_from_file(data_path(YAMNET), max_results=2)
    whole = classifier.classify(pcm, sample_rate=16000)
    assert run(classifier.stream(), chunks(pcm, 7)) == whole
    assert whole == classifier.classify(data_path("audio/speech.wav"))


def test_tiny_model_stream_with_overlap_and_padding() -> None:
    classifier = AudioClassifier.create_from_buffer(
        with_audio_metadata(mean_model(4), 1000, 1), hop_ms=2)
    samples = np.arange(1, 8, dtype=np.float32) / 8  # windows at 0, 2, 4, 6 ms
    expected = expected_windows(samples[:, None], 4, 2)
    results = run(classifier.stream(), chunks(samples, 1, largest=3))
    assert [r.timestamp_ms for r in results] == [0.0, 2.0, 4.0, 6.0]
    for result, window in zip(results, expected, strict=True):
        scores = {c.index: c.score for c in result.classifications[0].categories}
        assert scores[0] == pytest.approx(window.mean(), abs=1e-6)
        assert scores[1] == window.max()


def test_a_closed_task_stops_its_stream() -> None:
    classifier = AudioClassifier.create_from_buffer(with_audio_metadata(mean_model(4), 1000, 1))
    stream = classifier.stream()
    assert len(stream.push(np.zeros(4, np.float32))) == 1
    classifier.close()
    assert stream.push(np.zeros(3, np.float32)) == []  # no window completed yet
    with pytest.raises(TaskClosedError):
        stream.push(np.zeros(1, np.float32))


def test_the_windows_of_a_chunk_run_before_their_postprocessing() -> None:
    events: list[str] = []
    stream = AudioStream(lambda window: events.append("model") or len(events),
                         lambda raw, ms: events.append("post") or ms, AudioFormat(1000, 1, 2, 2))
    assert stream.push(np.zeros(6, np.float32)) == [0.0, 2.0, 4.0]
    assert events == ["model"] * 3 + ["post"] * 3
