"""Embedding postprocessing (reference semantics) and cosine similarity, on tiny models."""

from __future__ import annotations

import math

import numpy as np
import pytest
from tiny_models import constant_outputs_model, constant_scores_model, with_classifier_metadata

from tflite_tasks import Engine, InputError, OptionsError
from tflite_tasks.core.containers import Embedding, EmbeddingResult
from tflite_tasks.core.embedding import (
    EmbeddingOptions,
    EmbeddingPostprocessor,
    cosine_similarity,
    l2_normalize,
)

IMAGE = np.zeros((1, 4, 4, 3), np.float32)


def _embed(model: bytes, positions=None, **options) -> EmbeddingResult:
    engine = Engine(model, num_threads=1)
    postprocessor = EmbeddingPostprocessor(engine, EmbeddingOptions(**options), positions)
    raw = engine.run(IMAGE)
    return postprocessor([raw[h.spec.position] for h in postprocessor.heads])


def _vector(values, **options) -> np.ndarray:
    model = constant_outputs_model([np.asarray([values], np.float32)])
    return _embed(model, **options).embeddings[0].embedding


def test_raw_vector_is_float32_and_flat() -> None:
    vector = _vector([0.5, -2.0, 3.25])
    assert vector.dtype == np.float32 and vector.shape == (3,)
    np.testing.assert_array_equal(vector, [0.5, -2.0, 3.25])


def test_l2_normalize_gives_unit_vectors() -> None:
    np.testing.assert_array_equal(_vector([3.0, 4.0], l2_normalize=True),
                                  np.float32([0.6, 0.8]))
    np.testing.assert_array_equal(_vector([0.0, -2.0, 0.0], l2_normalize=True), [0, -1, 0])
    vector = _vector([1.0, 2.0, 3.0, 4.0], l2_normalize=True)
    assert float(np.linalg.norm(vector)) == pytest.approx(1.0, abs=1e-7)
    np.testing.assert_allclose(vector, np.array([1, 2, 3, 4]) / math.sqrt(30), rtol=1e-7)


def test_l2_normalize_keeps_a_zero_vector_and_handles_extreme_values() -> None:
    np.testing.assert_array_equal(_vector([0.0, 0.0], l2_normalize=True), [0.0, 0.0])
    # Squares overflow (1e30) or underflow (1e-30) in float32; the norm is taken in float64.
    np.testing.assert_allclose(_vector([3e30, 4e30], l2_normalize=True), [0.6, 0.8], rtol=1e-6)
    np.testing.assert_allclose(_vector([3e-30, 4e-30], l2_normalize=True), [0.6, 0.8],
                               rtol=1e-6)
    subnormal = np.array([3e-40, 4e-40], np.float32)  # the interpreter flushes these to 0
    np.testing.assert_allclose(l2_normalize(subnormal), [0.6, 0.8], rtol=1e-4)


def test_quantize_rounds_half_away_from_zero_and_clamps() -> None:
    values = [1.0, -1.0, 0.5, -0.5, 0.5 / 128, -0.5 / 128, 2.0, -3.0, 0.1, -0.1, 0.0,
              1.5 / 128, 2.5 / 128, 127.49 / 128]
    vector = _vector(values, quantize=True)
    assert vector.dtype == np.int8
    assert vector.tolist() == [127, -128, 64, -64, 1, -1, 127, -128, 13, -13, 0, 2, 3, 127]


def test_quantize_after_l2_normalize() -> None:
    vector = _vector([3.0, 4.0], l2_normalize=True, quantize=True)
    assert vector.dtype == np.int8
    assert vector.tolist() == [77, 102]  # round(0.6 * 128 = 76.8), round(0.8 * 128 = 102.4)
    assert _vector([0.0, -5.0], l2_normalize=True, quantize=True).tolist() == [0, -128]


def test_several_outputs_give_several_heads_named_by_tensor_or_metadata() -> None:
    outputs = [np.array([[1.0, 2.0]], np.float32), np.array([[[[0.0, 0.0, 5.0]]]], np.float32)]
    model = constant_outputs_model(outputs, names=["first", "second"])
    result = _embed(model)
    assert [(e.head_index, e.head_name) for e in result.embeddings] == [(0, "first"),
                                                                       (1, "second")]
    assert [e.embedding.tolist() for e in result.embeddings] == [[1.0, 2.0], [0.0, 0.0, 5.0]]
    with_metadata = with_classifier_metadata(model, heads=2)
    assert [e.head_name for e in _embed(with_metadata).embeddings] == ["head0", "head1"]
    only_second = _embed(model, positions=[1]).embeddings
    assert [(e.head_index, e.head_name) for e in only_second] == [(1, "second")]
    as_dict = result.to_dict()
    assert as_dict["embeddings"][1] == {"embedding": [0.0, 0.0, 5.0], "head_index": 1,
                                        "head_name": "second"}


def test_uint8_outputs_are_dequantized() -> None:
    model = constant_scores_model([0.0, 1.0, 2.5], output_quantization=(0.5, 10))
    engine = Engine(model, num_threads=1)
    assert engine.outputs[0].dtype == np.uint8
    assert engine.run(IMAGE)[0].tolist() == [[10, 12, 15]]
    vector = _embed(model).embeddings[0].embedding
    assert vector.dtype == np.float32
    assert vector.tolist() == [0.0, 1.0, 2.5]
    assert _embed(model, quantize=True).embeddings[0].embedding.tolist() == [0, 127, 127]


def test_int8_outputs_are_dequantized() -> None:
    model = constant_scores_model([-1.0, 0.0, 0.25], output_quantization=(0.25, -3),
                                  output_dtype=np.int8)
    assert Engine(model).run(IMAGE)[0].tolist() == [[-7, -3, -2]]
    assert _embed(model).embeddings[0].embedding.tolist() == [-1.0, 0.0, 0.25]


@pytest.mark.parametrize("value", [np.zeros((1, 2, 3), np.float32),
                                   np.zeros((1, 7, 7, 4), np.float32),
                                   np.zeros((2, 3), np.float32),
                                   np.zeros((3,), np.float32),
                                   np.zeros((1, 3), np.int32)])
def test_outputs_that_are_not_vectors_are_refused(value: np.ndarray) -> None:
    model = constant_outputs_model([np.ones((1, 2), np.float32), value], names=["ok", "bad"])
    shape = ", ".join(str(d) for d in value.shape)
    with pytest.raises(OptionsError, match=rf"output 1 'bad' is {value.dtype} \[{shape}\].*"
                                           "not a vector"):
        _embed(model)
    assert len(_embed(model, positions=[0]).embeddings) == 1


@pytest.mark.parametrize("field", ["l2_normalize", "quantize"])
@pytest.mark.parametrize("value", ["yes", 1, None])
def test_options_must_be_booleans(field: str, value: object) -> None:
    with pytest.raises(OptionsError, match=f"{field} must be True or False"):
        EmbeddingOptions(**{field: value}).validate()
    EmbeddingOptions(**{field: np.bool_(True)}).validate()


def test_cosine_similarity_exact_values() -> None:
    assert cosine_similarity([1.0, 0.0], [0.0, 1.0]) == 0.0
    assert cosine_similarity([1.0, 2.0, 3.0], [2.0, 4.0, 6.0]) == 1.0
    assert cosine_similarity([1.0, 2.0, 3.0], [-1.0, -2.0, -3.0]) == -1.0
    assert cosine_similarity([1.0, 0.0], [1.0, 1.0]) == pytest.approx(1 / math.sqrt(2), abs=0)
    assert isinstance(cosine_similarity([1.0], [2.0]), float)


def test_cosine_similarity_of_quantized_vectors_uses_their_int_values() -> None:
    a = np.array([-128, -128], np.int8)
    b = np.array([127, 127], np.int8)
    assert cosine_similarity(a, b) == -1.0
    c = np.array([100, 0, -100], np.int8)
    d = np.array([0, 50, 0], np.int8)
    assert cosine_similarity(c, d) == 0.0
    # Products exceed int8 and int16: computed in float64, not in the arrays' type.
    assert cosine_similarity(np.array([127, 127], np.int8),
                             np.array([127, 0], np.int8)) == pytest.approx(1 / math.sqrt(2))


def test_cosine_similarity_accepts_embeddings_and_arrays() -> None:
    u = Embedding(np.array([1.0, 1.0], np.float32), 0, "head")
    v = np.array([1.0, 0.0], np.float64)
    assert cosine_similarity(u, v) == pytest.approx(1 / math.sqrt(2))
    assert cosine_similarity(v, u) == cosine_similarity(u, v)
    assert cosine_similarity(u, u) == pytest.approx(1.0)
    q = _embed(constant_outputs_model([np.array([[3.0, 4.0]], np.float32)]), quantize=True,
               l2_normalize=True).embeddings[0]
    assert cosine_similarity(q, q) == pytest.approx(1.0)


def test_cosine_similarity_errors() -> None:
    floats = np.array([1.0, 2.0], np.float32)
    with pytest.raises(InputError, match=r"quantized .*float"):
        cosine_similarity(floats, np.array([1, 2], np.int8))
    with pytest.raises(InputError, match=r"quantized .*float"):
        cosine_similarity(Embedding(np.array([1, 2], np.int8)), Embedding(floats))
    with pytest.raises(InputError, match=r"different lengths \(2 vs 3\)"):
        cosine_similarity(floats, [1.0, 2.0, 3.0])
    with pytest.raises(InputError, match="zero vector"):
        cosine_similarity(floats, [0.0, 0.0])
    with pytest.raises(InputError, match="zero vector"):
        cosine_similarity(np.zeros(2, np.int8), np.ones(2, np.int8))
    with pytest.raises(InputError, match="empty"):
        cosine_similarity([], [])
    with pytest.raises(InputError, match=r"1-D .*shape \[1, 2\]"):
        cosine_similarity(floats[None], floats)
    with pytest.raises(InputError, match=r"uint8 .*view\(np.int8\)"):
        cosine_similarity(np.array([1, 2], np.uint8), np.array([1, 2], np.uint8))
