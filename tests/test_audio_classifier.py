"""AudioClassifier: the reference cases on YAMNet, other rates and channels, what tiny models
are fed, heads and options, the model checks, pickling and threads."""

from __future__ import annotations

import math
import pickle
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import soundfile
from audio_models import (
    YAMNET,
    YAMNET_WINDOW,
    linear_model,
    mean_model,
    probe_model,
    scores,
    string_input_model,
    two_input_model,
    uint8_input_model,
    with_audio_metadata,
)
from testdata import data_path, reference_case, reference_case_ids

from tflite_tasks import AudioClassifier, InputError, OptionsError, TaskClosedError
from tflite_tasks.core.audio import resample

SPEECH = "audio/speech.wav"


def every_score(model: bytes, **options: object) -> AudioClassifier:
    """A classifier of ``model`` keeping every category, negative scores too."""
    return AudioClassifier.create_from_buffer(model, **{"score_threshold": -math.inf, **options})


def top_name(result: object, head: int = 0) -> str:
    return result.classifications[head].categories[0].category_name  # type: ignore[attr-defined]


@pytest.mark.parametrize("case_id", reference_case_ids("audio"))
def test_reference_cases_first_window(case_id: str) -> None:
    case, reference = reference_case(case_id)
    model, clip = data_path(case["model"]), data_path(case["input"])
    max_results = case["options"]["classification"]["max_results"]
    classifier = AudioClassifier.create_from_file(model, max_results=max_results)
    first = classifier.classify(clip)[0]  # the reference classified the first window only
    everything = scores(AudioClassifier.create_from_file(model).classify(clip)[0])
    (expected,) = reference
    (head,) = first.classifications
    assert first.timestamp_ms == 0.0
    assert (head.head_index, head.head_name) == (expected["head_index"], expected["head_name"])
    for category in expected["categories"]:
        assert everything[category["index"]] == pytest.approx(category["score"], abs=1e-3)
        assert classifier.labels[0][category["index"]] == category["category_name"]
    assert [c.score for c in head.categories] == pytest.approx(
        [c["score"] for c in expected["categories"]], abs=1e-3)
    for ours, theirs in zip(head.categories, expected["categories"], strict=True):
        if np.count_nonzero(everything == ours.score) == 1:  # untied: the same category
            assert (ours.index, ours.category_name) == (theirs["index"], theirs["category_name"])


def test_one_window_gives_one_result_like_the_start_of_the_file() -> None:
    classifier = AudioClassifier.create_from_file(data_path(YAMNET), max_results=5)
    pcm, _ = soundfile.read(data_path(SPEECH), dtype="int16")
    whole = classifier.classify(data_path(SPEECH))
    assert [r.timestamp_ms for r in whole] == [0.0, 975.0, 1950.0, 2925.0, 3900.0]
    (single,) = classifier.classify(pcm[:YAMNET_WINDOW], sample_rate=16000)
    assert single == whole[0] and single.timestamp_ms == 0.0
    assert "window at 975 ms" in whole[1]._repr_html_() and "Speech" in whole[1]._repr_html_()
    assert top_name(single) == "Speech"
    (shorter,) = classifier.classify(pcm[:YAMNET_WINDOW - 1], sample_rate=16000)
    assert top_name(shorter) == "Speech"


def test_44k_stereo_arrays_and_files_classify_like_16k_mono(tmp_path) -> None:
    mono, _ = soundfile.read(data_path(SPEECH), dtype="float32", always_2d=True)
    stereo = np.repeat(resample(mono, 16000, 44100), 2, axis=1)
    assert stereo.shape[1] == 2 and abs(len(stereo) - len(mono) * 44100 / 16000) < 2
    classifier = AudioClassifier.create_from_file(data_path(YAMNET), max_results=1)
    reference = classifier.classify(data_path(SPEECH))
    assert [top_name(r) for r in reference].count("Speech") == 4
    soundfile.write(tmp_path / "speech.wav", stereo, 44100)
    soundfile.write(tmp_path / "speech.flac", stereo, 44100)
    for source, rate in [(stereo, 44100), (tmp_path / "speech.wav", None),
                         (tmp_path / "speech.flac", None)]:
        results = classifier.classify(source, sample_rate=rate)
        assert [r.timestamp_ms for r in results] == [r.timestamp_ms for r in reference]
        for ours, expected in zip(results, reference, strict=True):
            if top_name(expected) == "Speech":
                assert top_name(ours) == "Speech"
                assert ours.classifications[0].categories[0].score > 0.8


# --- what a model is fed ----------------------------------------------------------------------


def test_mono_models_get_the_channel_average() -> None:
    classifier = every_score(with_audio_metadata(probe_model(4), 8000, 1))
    stereo = np.array([[0.5, -0.25], [1.0, 0.0], [-1.0, -0.5], [0.25, 0.25]], np.float32)
    (result,) = classifier.classify(stereo, sample_rate=8000)
    np.testing.assert_array_equal(scores(result), [0.125, 0.5, -0.75, 0.25])
    mean_classifier = every_score(with_audio_metadata(mean_model(4), 8000, 1))
    (result,) = mean_classifier.classify(stereo, sample_rate=8000)
    np.testing.assert_allclose(scores(result), [0.03125, 0.5], atol=1e-7)


def test_stereo_models_get_interleaved_frames() -> None:
    classifier = every_score(with_audio_metadata(probe_model(3, 2), 8000, 2))
    stereo = np.array([[0.5, -0.5], [0.25, -0.25], [1.0, 0.0]], np.float32)
    (result,) = classifier.classify(stereo, sample_rate=8000)
    np.testing.assert_array_equal(scores(result), [0.5, -0.5, 0.25, -0.25, 1.0, 0.0])
    (result,) = classifier.classify(stereo[:, 0], sample_rate=8000)  # mono: both channels
    np.testing.assert_array_equal(scores(result), [0.5, 0.5, 0.25, 0.25, 1.0, 1.0])
    with pytest.raises(InputError, match="3 channels and the model takes 2"):
        classifier.classify(np.zeros((3, 3), np.float32), sample_rate=8000)


@pytest.mark.parametrize("shape", [(4,), (1, 4), (1, 1, 4)])
def test_input_shapes_and_int16_inputs(shape: tuple[int, ...]) -> None:
    samples = np.array([-1.0, -0.5, 0.25, 2.0, -3.0, 0.0], np.float32)
    floats = every_score(with_audio_metadata(probe_model(4, input_shape=shape), 8000, 1))
    first, second = floats.classify(samples, sample_rate=8000)
    np.testing.assert_array_equal(scores(first), samples[:4])
    np.testing.assert_array_equal(scores(second), [-3.0, 0.0, 0.0, 0.0])
    pcm = every_score(with_audio_metadata(
        probe_model(4, input_shape=shape, input_dtype=np.int16), 8000, 1))
    first, second = pcm.classify(samples, sample_rate=8000)
    # round(x * 32767), half to even, clipped to int16
    np.testing.assert_array_equal(scores(first), [-32767, -16384, 8192, 32767])
    np.testing.assert_array_equal(scores(second), [-32768, 0, 0, 0])


# --- heads and classification options, per window -------------------------------------------


def two_head_classifier(**options: object) -> AudioClassifier:
    """8-frame mono windows at 1 kHz; head "level": mean, -mean, first sample; head "parts":
    the means of the first and the second half."""
    level = np.stack([np.full(8, 1 / 8), np.full(8, -1 / 8), np.eye(8)[0]])
    parts = np.stack([np.repeat([1 / 4, 0.0], 4), np.repeat([0.0, 1 / 4], 4)])
    model = linear_model([level, parts], (1, 8))
    return every_score(with_audio_metadata(
        model, 1000, 1, labels=[["mean", "negative", "first"], ["early", "late"]],
        head_names=["level", "parts"]), **options)


CLIP = np.concatenate([np.linspace(-0.5, 1.0, 8), np.linspace(0.5, -0.9, 8), [0.75, 0.5]])


def expected_head_scores(window: np.ndarray) -> list[dict[str, float]]:
    return [{"mean": window.mean(), "negative": -window.mean(), "first": window[0]},
            {"early": window[:4].mean(), "late": window[4:].mean()}]


def test_two_heads_per_window() -> None:
    classifier = two_head_classifier()
    assert classifier.labels == [["mean", "negative", "first"], ["early", "late"]]
    results = classifier.classify(CLIP, sample_rate=1000)
    assert [r.timestamp_ms for r in results] == [0.0, 8.0, 16.0]
    padded = np.concatenate([CLIP, np.zeros(6)])
    for start, result in zip((0, 8, 16), results, strict=True):
        heads = result.classifications
        assert [(h.head_index, h.head_name) for h in heads] == [(0, "level"), (1, "parts")]
        for head, expected in zip(heads, expected_head_scores(padded[start:start + 8]),
                                  strict=True):
            got = {c.category_name: c.score for c in head.categories}
            assert got == pytest.approx(expected, abs=1e-6)
            assert [c.score for c in head.categories] == sorted(got.values(), reverse=True)


@pytest.mark.parametrize(("options", "keep"), [
    ({"max_results": 1}, lambda scores: sorted(scores, key=scores.get, reverse=True)[:1]),
    ({"score_threshold": 0.1}, lambda scores: [n for n, s in scores.items() if s >= 0.1]),
    ({"category_name_allowlist": ["first", "late"]},
     lambda scores: [n for n in scores if n in ("first", "late")]),
    ({"category_name_denylist": ["mean"]}, lambda scores: [n for n in scores if n != "mean"]),
])
def test_classification_options_apply_per_window_and_head(options: dict, keep) -> None:
    results = two_head_classifier(**options).classify(CLIP, sample_rate=1000)
    padded = np.concatenate([CLIP, np.zeros(6)])
    for start, result in zip((0, 8, 16), results, strict=True):
        for head, expected in zip(result.classifications,
                                  expected_head_scores(padded[start:start + 8]), strict=True):
            assert sorted(c.category_name for c in head.categories) == sorted(keep(expected))


# --- what the model needs, from metadata or options -------------------------------------------


def test_models_without_audio_properties_take_them_from_options() -> None:
    bare = probe_model(4)
    with pytest.raises(OptionsError, match=r"no AudioProperties.*sample_rate=\.\.\. and "
                                           r"channels=\.\.\."):
        AudioClassifier.create_from_buffer(bare)
    with pytest.raises(OptionsError, match=r"pass channels=\.\.\."):
        AudioClassifier.create_from_buffer(bare, sample_rate=8000)
    classifier = AudioClassifier.create_from_buffer(bare, sample_rate=8000, channels=1)
    (result,) = classifier.classify(np.full(4, 0.5), sample_rate=8000)
    assert result.classifications[0].categories[0].category_name == ""  # no labels
    with pytest.raises(OptionsError, match=r"AudioProperties lack sample_rate: pass sample_rate"):
        AudioClassifier.create_from_buffer(with_audio_metadata(bare, None, 1))
    half = with_audio_metadata(bare, 16000, None)
    with pytest.raises(OptionsError, match=r"AudioProperties lack channels: pass channels"):
        AudioClassifier.create_from_buffer(half)
    overridden = AudioClassifier.create_from_buffer(half, sample_rate=8000, channels=2,
                                                    hop_ms=0.5)
    assert (overridden.audio_format.sample_rate, overridden.audio_format.channels,
            overridden.audio_format.window, overridden.audio_format.hop) == (8000, 2, 2, 4)
    with pytest.raises(OptionsError, match=r"metadata gives channels 100, more than 64: pass "
                                           r"channels=\.\.\."):
        AudioClassifier.create_from_buffer(with_audio_metadata(probe_model(100), 16000, 100))
    assert AudioClassifier.create_from_buffer(with_audio_metadata(probe_model(100), 16000, 100),
                                              channels=1).audio_format.window == 100


def test_dynamic_inputs_need_window_samples() -> None:
    model = with_audio_metadata(probe_model(4, dynamic=True), 1000, 1)
    with pytest.raises(OptionsError, match=r"dynamic length.*pass window_samples="):
        AudioClassifier.create_from_buffer(model)
    classifier = AudioClassifier.create_from_buffer(model, window_samples=6)
    assert classifier.audio_format.window == 6
    first, second = classifier.classify(np.arange(1, 9) / 8, sample_rate=1000)
    np.testing.assert_array_equal(scores(first), np.arange(1, 7) / 8)
    np.testing.assert_array_equal(scores(second), [7 / 8, 1, 0, 0, 0, 0])
    stereo = AudioClassifier.create_from_buffer(
        with_audio_metadata(mean_model(4, dynamic=True), 1000, 2), window_samples=3)
    assert stereo.engine.inputs[0].shape == (1, 6)
    (result,) = stereo.classify(np.array([[1.0, 0.0]] * 3), sample_rate=1000)
    np.testing.assert_allclose(scores(result), [0.5, 1.0], atol=1e-7)


def test_a_dynamic_batch_is_one_window_at_a_time() -> None:
    fixed_length = with_audio_metadata(probe_model(4, dynamic_batch=True), 1000, 1)
    classifier = every_score(fixed_length)  # [-1, 4]: the window is 4 frames
    assert classifier.audio_format.window == 4 and classifier.engine.inputs[0].shape == (1, 4)
    first, second = classifier.classify(np.arange(1, 6) / 8, sample_rate=1000)
    np.testing.assert_array_equal(scores(first), np.arange(1, 5) / 8)
    np.testing.assert_array_equal(scores(second), [5 / 8, 0, 0, 0])
    with pytest.raises(OptionsError, match="window_samples=5, but the model's input holds 4"):
        every_score(fixed_length, window_samples=5)
    both = with_audio_metadata(probe_model(4, dynamic=True, dynamic_batch=True), 1000, 1)
    with pytest.raises(OptionsError, match=r"dynamic length \[-1, -1\]: pass window_samples"):
        every_score(both)
    classifier = every_score(both, window_samples=6)
    assert classifier.engine.inputs[0].shape == (1, 6)
    (result,) = classifier.classify(np.arange(1, 7) / 8, sample_rate=1000)
    np.testing.assert_array_equal(scores(result), np.arange(1, 7) / 8)


@pytest.mark.parametrize(("options", "phrase"), [
    ({"hop_ms": 0}, "hop_ms must be a positive number"),
    ({"hop_ms": -10.0}, "hop_ms must be a positive number"),
    ({"hop_ms": float("nan")}, "hop_ms must be a positive number"),
    ({"hop_ms": float("inf")}, "hop_ms must be a positive number"),
    ({"hop_ms": True}, "hop_ms must be a positive number"),
    ({"hop_ms": 1e306}, r"hop_ms must be a positive number of milliseconds up to 1e\+09"),
    ({"hop_ms": "100"}, "hop_ms must be a positive number"),
    ({"hop_ms": 0.01}, "less than one sample at 8000 Hz"),
    ({"channels": 0}, "channels must be a whole number from 1 to 64"),
    ({"channels": 65}, "channels must be a whole number from 1 to 64"),
    ({"channels": 3}, "not a whole number of frames of 3 channels"),
    ({"sample_rate": 0}, "sample_rate must be a whole number"),
    ({"sample_rate": 1.5}, "sample_rate must be a whole number"),
    ({"window_samples": 7}, "window_samples=7, but the model's input holds 8 frames"),
    ({"window_samples": 0}, "window_samples must be a whole number"),
])
def test_bad_audio_options(options: dict, phrase: str) -> None:
    model = with_audio_metadata(probe_model(8), 8000, 1)
    with pytest.raises(OptionsError, match=phrase):
        AudioClassifier.create_from_buffer(model, **options)
    assert AudioClassifier.create_from_buffer(model, window_samples=8).audio_format.window == 8


@pytest.mark.parametrize(("model", "phrase"), [
    (two_input_model(8), "takes one input, audio samples; this model has 2"),
    (uint8_input_model(8), "input 'audio' is uint8: audio inputs are float32"),
    (string_input_model(), "input 'text' is .*: audio inputs are float32"),
])
def test_non_audio_models_are_refused(model: bytes, phrase: str) -> None:
    with pytest.raises(OptionsError, match=phrase):
        AudioClassifier.create_from_buffer(model, sample_rate=8000, channels=1)


# --- pickling, threads, closing ------------------------------------------------------------


def test_pickle_threads_and_close() -> None:
    classifier = AudioClassifier.create_from_file(data_path(YAMNET), max_results=3, hop_ms=500)
    clips = [data_path(SPEECH), data_path("audio/two_heads.wav")] * 4
    serial = [classifier.classify(clip) for clip in clips]
    clone = pickle.loads(pickle.dumps(classifier))
    assert clone.audio_format == classifier.audio_format
    assert [clone.classify(clip) for clip in clips[:2]] == serial[:2]
    with ThreadPoolExecutor(4) as pool:
        assert list(pool.map(classifier.classify, clips)) == serial
    dynamic = AudioClassifier.create_from_buffer(
        with_audio_metadata(probe_model(4, dynamic=True), 1000, 1), window_samples=5)
    clone = pickle.loads(pickle.dumps(dynamic))
    assert clone.audio_format.window == 5
    assert clone.classify(np.ones(7), sample_rate=1000) == dynamic.classify(np.ones(7),
                                                                              sample_rate=1000)
    with AudioClassifier.create_from_file(data_path(YAMNET)) as closing:
        closing.classify(np.zeros(100), sample_rate=16000)
    with pytest.raises(TaskClosedError, match="closed"):
        closing.classify(np.zeros(100), sample_rate=16000)


def test_image_models_are_refused_even_with_audio_options() -> None:
    image_model = data_path("vision/mobilenet_v1_0.25_224_1_metadata_1.tflite")
    for options in ({}, {"sample_rate": 16000, "channels": 1}):
        with pytest.raises(OptionsError, match=r"holds an image or a spectrogram, not audio "
                                               r"samples.*not an audio classifier model"):
            AudioClassifier.create_from_file(image_model, **options)
