"""Audio input: loading files, bytes and arrays, sample conversions, and every refusal."""

from __future__ import annotations

import base64
import io
import os
import re
import sys
import threading
import warnings

import numpy as np
import pytest
import soundfile
from audio_models import probe_model, with_audio_metadata
from testdata import data_path

from tflite_tasks import (
    AudioClassifier,
    AudioData,
    InputError,
    InputFileNotFoundError,
    MissingDependencyError,
    load_audio,
)
from tflite_tasks.core import audio
from tflite_tasks.core.audio import Resampler, as_samples, check_sample_rate, mix_channels, resample

SPEECH = "audio/speech.wav"


@pytest.mark.parametrize(("dtype", "values", "expected"), [
    (np.int16, [-32768, -16384, 0, 1, 16384, 32767], [-1, -0.5, 0, 2**-15, 0.5, 1 - 2**-15]),
    (np.int8, [-128, -64, 0, 1, 64, 127], [-1, -0.5, 0, 2**-7, 0.5, 1 - 2**-7]),
    (np.int32, [-2**31, -2**30, 0, 2**16, 2**30], [-1, -0.5, 0, 2**-15, 0.5]),
    (np.uint8, [0, 64, 128, 129, 192, 255], [-1, -0.5, 0, 2**-7, 0.5, 1 - 2**-7]),
    (np.dtype(">i2"), [-32768, 16384, 32767], [-1, 0.5, 1 - 2**-15]),  # big-endian PCM
    (np.float64, [-1.0, 0.125, 1.0], [-1.0, 0.125, 1.0]),
    (np.float16, [-0.5, 0.25], [-0.5, 0.25]),
    (np.float32, [15.5, -16.0], [15.5, -16.0]),  # up to MAX_FLOAT_PEAK
])
def test_sample_types_are_scaled_as_documented(dtype: object, values: list, expected: list
                                               ) -> None:
    data = load_audio(np.array(values, dtype), sample_rate=8000)
    assert data.samples.dtype == np.float32 and data.samples.flags.c_contiguous
    assert data.samples.shape == (len(values), 1)
    np.testing.assert_array_equal(data.samples[:, 0], np.array(expected, np.float32))


def test_arrays_shapes_and_audio_data() -> None:
    mono = np.linspace(-1, 1, 50, dtype=np.float32)
    flat = AudioData.from_array(mono, 8000)
    column = AudioData.from_array(mono[:, None], 8000.0)
    np.testing.assert_array_equal(flat.samples, column.samples)
    assert (flat.frames, flat.channels, flat.sample_rate, flat.duration_ms) == (50, 1, 8000, 6.25)
    assert column.sample_rate == 8000 and type(column.sample_rate) is int
    stereo = AudioData.from_array(np.zeros((40, 2), np.int16)[::2], 22050)  # strided
    assert stereo.samples.shape == (20, 2) and stereo.samples.flags.c_contiguous
    assert "20 frames x 2 channels at 22050 Hz" in repr(stereo)
    assert load_audio(flat) is flat
    assert load_audio(flat, sample_rate=8000) is flat
    with pytest.raises(InputError, match="sample_rate=16000 was given, but the audio is at 8000"):
        load_audio(flat, sample_rate=16000)


def test_files_bytes_and_paths_decode_the_same(tmp_path) -> None:
    path = data_path(SPEECH)
    pcm, rate = soundfile.read(path, dtype="int16")
    expected = (pcm.astype(np.float32) / 32768)[:, None]
    for source in (path, str(path), path.read_bytes(), bytearray(path.read_bytes()),
                   memoryview(path.read_bytes())):
        data = load_audio(source)
        assert data.sample_rate == rate == 16000
        np.testing.assert_array_equal(data.samples, expected)
    np.testing.assert_array_equal(AudioData.from_file(path).samples, expected)
    assert load_audio(path, sample_rate=16000).frames == len(pcm)
    with pytest.raises(InputError, match="sample_rate=44100 was given, but the audio is at 16000"):
        load_audio(path, sample_rate=44100)
    stereo = np.stack([pcm, -pcm // 2], axis=1)
    flac = tmp_path / "stereo.flac"
    soundfile.write(flac, stereo, 16000, subtype="PCM_16")
    data = load_audio(flac)
    assert data.channels == 2
    np.testing.assert_array_equal(data.samples * 32768, stereo.astype(np.float32))


def test_jupyter_player_holds_the_audio_as_16_bit_wav() -> None:
    clip = AudioData.from_array(np.array([[0.5, -0.5], [1.0, -2.0]], np.float32), 8000)
    html = clip._repr_html_()
    encoded = re.search(r"base64,([A-Za-z0-9+/=]+)'", html).group(1)
    samples, rate = soundfile.read(io.BytesIO(base64.b64decode(encoded)), dtype="int16")
    assert rate == 8000
    np.testing.assert_array_equal(samples, [[16384, -16384], [32767, -32767]])  # clipped
    assert "(first 30 s)" not in html
    long = AudioData.from_array(np.zeros(8000 * 31, np.float32), 8000)
    assert "(first 30 s)" in long._repr_html_()


@pytest.mark.parametrize(("array", "phrase"), [
    (np.zeros(0, np.float32), "empty"),
    (np.zeros((0, 2), np.float32), "empty"),
    (np.array([0.0, np.nan]), "NaN or infinite"),
    (np.array([0.0, np.inf], np.float32), "NaN or infinite"),
    (np.array([-np.inf, 0.0]), "NaN or infinite"),
    (np.zeros(8, np.int64), "dtype int64"),
    (np.zeros(8, bool), "dtype bool"),
    (np.zeros(8, np.complex64), "dtype complex64"),
    (np.zeros(8, np.uint16), "dtype uint16"),
    (np.zeros(8, object), "dtype object"),
    (np.zeros((4, 2, 2), np.float32), r"shape \[4, 2, 2\]"),
    (np.array(0.5, np.float32), r"shape \[\]"),
    (np.zeros((2, 16000), np.float32), r"16000 channels \(is it \(channels, frames\)\? pass"),
    (np.zeros((16, 0), np.float32), "0 channels"),
    (np.array([0.0, 1200.0, -32768.0], np.float32), r"up to 32768.*x / 32768"),
])
def test_bad_arrays_are_refused_with_the_reason(array: np.ndarray, phrase: str) -> None:
    with pytest.raises(InputError, match=phrase):
        load_audio(array, sample_rate=16000)


def test_arrays_need_their_rate_and_rates_are_checked() -> None:
    samples = np.zeros(16, np.float32)
    with pytest.raises(InputError, match=r"needs its rate: pass sample_rate="):
        load_audio(samples)
    for bad in (0, -1, 1.5, "16000", True, None, float("nan"), float("inf"), 10**7 + 1):
        with pytest.raises(InputError, match="whole number of Hz"):
            check_sample_rate(bad)
    for bad in (0, -1, 1.5, "16000", True):
        with pytest.raises(InputError, match="whole number of Hz"):
            load_audio(samples, sample_rate=bad)
    with pytest.raises(InputError, match=r"not 1e\+300$"):  # as given, not 301 digits
        check_sample_rate(1e300)
    assert check_sample_rate(np.int64(48000)) == 48000
    assert check_sample_rate(np.float64(22050.0)) == 22050
    assert check_sample_rate(np.float32(16000.0)) == 16000
    with pytest.raises(InputError, match=r"type 'list'.*numpy array of samples"):
        load_audio([0.0, 0.1], sample_rate=8000)
    with pytest.raises(InputError, match="must be a numpy array, not list"):
        as_samples([0.0], "the audio chunk")


def test_missing_directory_and_special_files(tmp_path) -> None:
    with pytest.raises(InputFileNotFoundError, match="does not exist"):
        load_audio(tmp_path / "absent.wav")
    with pytest.raises(InputError, match="is a directory"):
        load_audio(tmp_path)
    with pytest.raises(InputError, match="empty string"):
        load_audio("")
    fifo = tmp_path / "pipe.wav"
    os.mkfifo(fifo)
    outcome: list[BaseException] = []

    def load() -> None:
        try:
            load_audio(fifo)
        except BaseException as exc:  # kept for the assertion
            outcome.append(exc)

    reader = threading.Thread(target=load, daemon=True)
    reader.start()
    reader.join(60)  # a deadlock guard, not a speed check: it returns at once when right
    assert not reader.is_alive(), "reading a FIFO blocked"
    assert isinstance(outcome[0], InputError) and "not a regular file" in str(outcome[0])


def test_undecodable_files_and_bytes(tmp_path) -> None:
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    with pytest.raises(InputError, match=r"is empty \(0 bytes\)"):
        load_audio(empty)
    with pytest.raises(InputError, match=r"is empty \(0 bytes\)"):
        load_audio(b"")
    text = tmp_path / "notes.wav"
    text.write_text("this is not audio\n" * 20)
    with pytest.raises(InputError, match=r"cannot decode audio file .*notes\.wav.*Formats read"):
        load_audio(text)
    with pytest.raises(InputError, match=r"cannot decode the encoded audio \(512 bytes\)"):
        load_audio(np.random.default_rng(0).integers(0, 256, 512, np.uint8).tobytes())
    truncated = tmp_path / "truncated.wav"
    truncated.write_bytes(data_path(SPEECH).read_bytes()[:30])
    with pytest.raises(InputError, match="cannot decode"):
        load_audio(truncated)
    header_only = io.BytesIO()
    soundfile.write(header_only, np.zeros(0, np.int16), 16000, format="WAV")
    with pytest.raises(InputError, match="0 frames"):
        load_audio(header_only.getvalue())


def test_long_files_are_refused_before_decoding(monkeypatch) -> None:
    path = data_path(SPEECH)
    monkeypatch.setattr(audio, "MAX_AUDIO_SAMPLES", 68359)
    with pytest.raises(InputError, match=r"too long: 68360 frames x 1 channel,.*MAX_AUDIO_SAMPLES"):
        load_audio(path)
    monkeypatch.setattr(audio, "MAX_AUDIO_SAMPLES", 68360)
    assert load_audio(path).frames == 68360


def test_missing_soundfile_and_soxr(monkeypatch) -> None:
    samples = np.zeros((100, 1), np.float32)
    monkeypatch.setitem(sys.modules, "soundfile", None)
    with pytest.raises(MissingDependencyError, match=r"soundfile.*tflite-tasks\[audio\]"):
        load_audio(data_path(SPEECH))
    assert load_audio(samples, sample_rate=8000).frames == 100  # arrays need no soundfile
    monkeypatch.setitem(sys.modules, "soxr", None)
    with pytest.raises(MissingDependencyError, match=r"44100 Hz .* 16000 Hz needs soxr"):
        Resampler(44100, 16000, 1)
    np.testing.assert_array_equal(resample(samples, 8000, 8000), samples)  # no soxr needed
    classifier = AudioClassifier.create_from_buffer(with_audio_metadata(probe_model(4), 8000, 1))
    assert len(classifier.classify(samples, sample_rate=8000)) == 25
    with pytest.raises(MissingDependencyError, match=r"resampling 16000 Hz .* soxr"):
        classifier.classify(samples, sample_rate=16000)
    with pytest.raises(MissingDependencyError, match="soxr"):
        classifier.stream(sample_rate=44100)


def test_mixing_channels() -> None:
    stereo = np.array([[0.5, -0.25], [1.0, 0.0]], np.float32)
    np.testing.assert_array_equal(mix_channels(stereo, 1), [[0.125], [0.5]])
    np.testing.assert_array_equal(mix_channels(stereo[:, :1], 3), [[0.5] * 3, [1.0] * 3])
    assert mix_channels(stereo, 2) is stereo
    with pytest.raises(InputError, match="6 channels and the model takes 2"):
        mix_channels(np.zeros((4, 6), np.float32), 2)


def test_resampling_keeps_a_tone_and_the_length() -> None:
    rate, frequency = 44100, 440.0
    time = np.arange(rate, dtype=np.float64) / rate
    tone = np.sin(2 * np.pi * frequency * time).astype(np.float32)[:, None]
    out = resample(tone, rate, 16000)
    assert out.dtype == np.float32 and out.shape == (16000, 1)
    expected = np.sin(2 * np.pi * frequency * np.arange(16000) / 16000)
    # away from the edges the resampled tone is the tone sampled at 16 kHz
    assert np.abs(out[500:-500, 0] - expected[500:-500]).max() < 1e-3
    resampler = Resampler(rate, 16000, 1)
    pieces = [resampler.push(tone[i:i + 777]) for i in range(0, rate, 777)]
    np.testing.assert_array_equal(np.concatenate([*pieces, resampler.flush()]), out)
    again = np.concatenate([resampler.push(tone), resampler.flush()])  # reusable after flush
    np.testing.assert_array_equal(again, out)


def test_errors_about_a_decoded_file_name_the_file(tmp_path) -> None:
    path = tmp_path / "broken.wav"
    soundfile.write(path, np.array([0.0, np.nan, 0.5], np.float32), 8000, subtype="FLOAT")
    with pytest.raises(InputError, match=r"audio file '.*broken\.wav' has NaN or infinite"):
        load_audio(path)


def test_undecodable_bytes_say_why_without_object_addresses() -> None:
    with pytest.raises(InputError) as caught:
        load_audio(b"not audio at all")
    message = str(caught.value)
    assert message.startswith("cannot decode the encoded audio (16 bytes): Format not recognised. "
                              "Formats read: WAV")
    assert "0x" not in message and ".." not in message
    assert repr(load_audio(np.zeros((3, 1)), sample_rate=8000)) == (
        "AudioData(3 frames x 1 channel at 8000 Hz, 0.000 s)")


def test_files_that_cannot_seek_or_do_not_give_their_length(monkeypatch) -> None:
    """A GSM 6.10 WAV cannot seek: read block by block, still refused beyond
    MAX_AUDIO_SAMPLES. A FLAC written to a pipe has no length in its header (STREAMINFO total
    0), which libsndfile cannot read: refused as such, not as a decompression bomb."""
    tone = (0.5 * np.sin(np.arange(16000) * 2 * np.pi * 1000 / 16000)).astype(np.float32)
    gsm = io.BytesIO()
    soundfile.write(gsm, tone, 16000, format="WAV", subtype="GSM610")
    data = load_audio(gsm.getvalue())
    assert (data.frames, data.sample_rate) == (16000, 16000)
    assert abs(np.abs(data.samples).max() - 0.5) < 0.1
    encoded = io.BytesIO()
    soundfile.write(encoded, tone, 16000, format="FLAC")
    flac = bytearray(encoded.getvalue())
    flac[8 + 13] &= 0xF0  # STREAMINFO total samples (36 bits) = 0: unknown
    flac[8 + 14:8 + 18] = bytes(4)
    with pytest.raises(InputError) as caught:
        load_audio(bytes(flac))
    assert "does not give its length" in str(caught.value)
    assert "too long" not in str(caught.value)
    monkeypatch.setattr(audio, "MAX_AUDIO_SAMPLES", 15999)
    with pytest.raises(InputError, match=r"too long: more than 15999 frames x 1 channel"):
        load_audio(gsm.getvalue())


def test_files_with_too_many_channels_are_refused_before_decoding() -> None:
    encoded = io.BytesIO()
    soundfile.write(encoded, np.zeros((10, 65), np.int16), 8000, format="WAV")
    with pytest.raises(InputError) as caught:
        load_audio(encoded.getvalue())
    message = str(caught.value)
    assert "has 65 channels" in message and "at most 64" in message
    assert "array.T" not in message  # a file is not a transposed array


def test_floats_beyond_float32_are_too_loud_not_infinite() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow warning from the cast to float32
        for values in ([1e39, 0.0], [0.0, -1e300]):
            with pytest.raises(InputError, match="float samples up to"):
                load_audio(np.array(values), sample_rate=8000)


def test_upsampling_beyond_the_resampler_limit_is_refused_not_a_hang() -> None:
    """soxr never returns when upsampling more than about 2**19 times."""
    with pytest.raises(InputError, match=r"1 Hz .* 1000000 Hz"):
        Resampler(1, 10**6, 1)
    classifier = AudioClassifier.create_from_buffer(with_audio_metadata(probe_model(4), 10**6, 1))
    with pytest.raises(InputError, match="sample_rate"):
        classifier.classify(np.zeros(3, np.float32), sample_rate=1)
    assert resample(np.ones((2, 1), np.float32), 1, audio.MAX_UPSAMPLING).shape == (
        2 * audio.MAX_UPSAMPLING, 1)
