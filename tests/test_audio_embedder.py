"""AudioEmbedder: YAMNet's scores as embeddings, normalization, quantization, similarity, and
tiny models with known vectors."""

from __future__ import annotations

import io
import pickle

import numpy as np
import pytest
import soundfile
from audio_models import YAMNET, YAMNET_WINDOW, linear_model, probe_model, with_audio_metadata
from testdata import data_path

from tflite_tasks import AudioClassifier, AudioEmbedder, InputError, OptionsError

SPEECH = "audio/speech.wav"


def vector(result: object, head: int = 0) -> np.ndarray:
    return result.embeddings[head].embedding  # type: ignore[attr-defined]


def test_yamnet_scores_are_its_embedding() -> None:
    embedder = AudioEmbedder.create_from_file(data_path(YAMNET))
    assert embedder.dimensions == [521]
    assert embedder.audio_format.window == YAMNET_WINDOW
    results = embedder.embed(data_path(SPEECH))
    assert [r.timestamp_ms for r in results] == [0.0, 975.0, 1950.0, 2925.0, 3900.0]
    first = results[0].embeddings[0]
    assert first.embedding.dtype == np.float32 and first.embedding.shape == (521,)
    assert first.head_index == 0 and first.head_name == "scores"
    classifier = AudioClassifier.create_from_file(data_path(YAMNET))
    for embedded, classified in zip(results, classifier.classify(data_path(SPEECH)),
                                    strict=True):
        categories = classified.classifications[0].categories
        assert len(categories) == 521
        scores = np.zeros(521, np.float32)
        scores[[c.index for c in categories]] = [c.score for c in categories]
        np.testing.assert_array_equal(vector(embedded), scores)
    assert int(np.argmax(vector(results[0]))) == classifier.labels[0].index("Speech")


def test_normalized_and_quantized_vectors() -> None:
    path, clip = data_path(YAMNET), data_path(SPEECH)
    raw = [vector(r) for r in AudioEmbedder.create_from_file(path).embed(clip)]
    unit = [vector(r) for r in AudioEmbedder.create_from_file(path, l2_normalize=True).embed(clip)]
    for plain, normalized in zip(raw, unit, strict=True):
        assert np.linalg.norm(normalized.astype(np.float64)) == pytest.approx(1.0, abs=1e-6)
        np.testing.assert_allclose(normalized, plain / np.linalg.norm(plain), atol=1e-7)
    quantized = AudioEmbedder.create_from_file(path, l2_normalize=True, quantize=True)
    for result, normalized in zip(quantized.embed(clip), unit, strict=True):
        assert vector(result).dtype == np.int8
        expected = np.clip(np.round(normalized.astype(np.float64) * 128), -128, 127)
        assert np.abs(vector(result).astype(int) - expected).max() <= 1
    with pytest.raises(OptionsError, match="quantize must be True or False"):
        AudioEmbedder.create_from_file(path, quantize=1)


def test_speech_windows_are_alike_and_unlike_silence() -> None:
    embedder = AudioEmbedder.create_from_file(data_path(YAMNET), l2_normalize=True)
    speech = embedder.embed(data_path(SPEECH))[:4]  # the last window is mostly padding
    (silence,) = embedder.embed(np.zeros(YAMNET_WINDOW, np.int16), sample_rate=16000)
    similarity = AudioEmbedder.cosine_similarity
    for a in speech:
        assert similarity(a.embeddings[0], a.embeddings[0]) == pytest.approx(1.0, abs=1e-6)
        assert similarity(a.embeddings[0], silence.embeddings[0]) < 0.2
        for b in speech:
            assert similarity(a.embeddings[0], b.embeddings[0]) > 0.9
    quantized = AudioEmbedder.create_from_file(data_path(YAMNET), quantize=True)
    (q_silence,) = quantized.embed(np.zeros(YAMNET_WINDOW, np.float32), sample_rate=16000)
    with pytest.raises(InputError, match="quantized"):
        similarity(q_silence.embeddings[0], silence.embeddings[0])


def test_tiny_models_give_their_known_vectors() -> None:
    rate = 4000
    weights = np.array([[1, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 1], [0.5, 0.5, 0, 0, 0, 0]])
    model = with_audio_metadata(linear_model([weights, np.ones((1, 6))], (6,),
                                             biases=[[0.0, 0.0, 0.25], [-1.0]]),
                                rate, 2, labels=[None, None], head_names=["picks", "total"])
    # windows of 3 stereo frames every 2 frames
    task = AudioEmbedder.create_from_buffer(model, hop_ms=0.5)
    assert task.dimensions == [3, 1]
    assert (task.audio_format.window, task.audio_format.hop) == (3, 2)
    clip = np.array([[0.5, -0.5], [0.25, 0.75], [1.0, 0.0], [-0.25, 0.125]], np.float32)
    first, second = task.embed(clip, sample_rate=rate)
    assert (first.timestamp_ms, second.timestamp_ms) == (0.0, 0.5)
    np.testing.assert_allclose(vector(first, 0), [0.5, 0.0, 0.25], atol=1e-7)
    np.testing.assert_allclose(vector(first, 1), [clip[:3].sum() - 1.0], atol=1e-6)
    np.testing.assert_allclose(vector(second, 0), [1.0, 0.0, 0.75], atol=1e-7)  # padded
    np.testing.assert_allclose(vector(second, 1), [clip[2:].sum() - 1.0], atol=1e-6)
    assert [(e.head_index, e.head_name) for e in first.embeddings] == [(0, "picks"),
                                                                      (1, "total")]
    clone = pickle.loads(pickle.dumps(task))
    assert clone.embed(clip, sample_rate=rate) == [first, second]


def test_probe_embedding_is_the_window() -> None:
    task = AudioEmbedder.create_from_buffer(with_audio_metadata(probe_model(5), 16000, 1))
    pcm = np.array([-32768, -8192, 0, 8192, 16384, 32767], np.int16)
    first, second = task.embed(pcm, sample_rate=16000)
    np.testing.assert_array_equal(vector(first), [-1.0, -0.25, 0.0, 0.25, 0.5])
    np.testing.assert_array_equal(vector(second), [1 - 2**-15, 0, 0, 0, 0])
    assert second.timestamp_ms == 5 * 1000 / 16000
    assert first.to_dict()["timestamp_ms"] == 0.0
    with pytest.raises(InputError, match="needs its rate"):
        task.embed(pcm)
    wav = io.BytesIO()
    soundfile.write(wav, pcm, 16000, format="WAV", subtype="PCM_16")
    assert task.embed(wav.getvalue()) == [first, second]  # encoded bytes: the same vectors
