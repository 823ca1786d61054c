"""TextEmbedder on the regex embedding model: reference values, options, edge inputs."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from testdata import data_path

from tflite_tasks import InputError, OptionsError, TextEmbedder

MODEL = "text/regex_one_embedding_with_metadata.tflite"
FIRST = "it's a charming and often affecting journey"
SECOND = "what a great and fantastic trip"


def test_reference_values_and_similarity() -> None:
    # tflite-support text_embedder_test.cc, SucceedsWithRegexModel
    embedder = TextEmbedder.create_from_file(data_path(MODEL))
    assert embedder.dimensions == [16]
    (a,) = embedder.embed(FIRST).embeddings
    (b,) = embedder.embed(SECOND).embeddings
    assert a.embedding.shape == (16,) and a.embedding.dtype == np.float32
    assert a.embedding[0] == pytest.approx(0.0309356, abs=1e-4)
    assert b.embedding[0] == pytest.approx(0.0312863, abs=1e-4)
    assert TextEmbedder.cosine_similarity(a, b) == pytest.approx(0.999937, abs=1e-6)


def test_normalize_and_quantize() -> None:
    path = data_path(MODEL)
    raw = TextEmbedder.create_from_file(path).embed(FIRST).embeddings[0].embedding
    unit = TextEmbedder.create_from_file(path, l2_normalize=True).embed(FIRST)
    assert unit.embeddings[0].embedding == pytest.approx(raw / np.linalg.norm(raw), abs=1e-6)
    quantized = TextEmbedder.create_from_file(path, l2_normalize=True, quantize=True)
    vector = quantized.embed(FIRST).embeddings[0].embedding
    assert vector.dtype == np.int8
    expected = np.clip(np.round(raw / np.linalg.norm(raw) * 128), -128, 127)
    assert np.abs(vector.astype(int) - expected).max() <= 1
    with pytest.raises(OptionsError, match="l2_normalize"):
        TextEmbedder.create_from_file(path, l2_normalize="yes")


def test_edge_inputs_batch_and_pickle() -> None:
    embedder = TextEmbedder.create_from_file(data_path(MODEL))
    texts = ["", "!!!", "日本語のテキスト", "word " * 10_000, FIRST]
    results = embedder.embed_batch(texts)
    assert all(np.isfinite(r.embeddings[0].embedding).all() for r in results)
    clone = pickle.loads(pickle.dumps(embedder))
    assert clone.embed(FIRST) == results[-1]
    with pytest.raises(InputError, match="decode it first"):
        embedder.embed(FIRST.encode())
