"""ImageEmbedder: shared classifier models as embedders, tiny models, options, lifecycle."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from testdata import data_path
from tiny_models import channel_mean_model, constant_outputs_model, with_classifier_metadata

from tflite_tasks import (
    BaseOptions,
    Engine,
    ImageClassifier,
    InputError,
    ModelLoadError,
    OptionsError,
    TaskClosedError,
    load_image,
)
from tflite_tasks.core.containers import EmbeddingResult
from tflite_tasks.core.embedding import EmbeddingOptions, cosine_similarity
from tflite_tasks.tasks.vision.image_embedder import ImageEmbedder, ImageEmbedderOptions

FLOAT_MODEL = "vision/mobilenet_v1_0.25_224_1_metadata_1.tflite"
QUANT_MODEL = "vision/mobilenet_v1_0.25_224_quant.tflite"
IMAGES = ("burger.jpg", "sparrow.png", "fox.jpeg")


def _vector(embedder: ImageEmbedder, image, **kwargs) -> np.ndarray:
    return embedder.embed(image, **kwargs).embeddings[0].embedding


@pytest.mark.parametrize("model", [FLOAT_MODEL, QUANT_MODEL])
def test_vector_is_the_models_dequantized_output(model: str) -> None:
    path = data_path(model)
    burger = load_image(data_path("vision/burger.jpg"))
    embedder = ImageEmbedder.create_from_file(path, num_threads=1)
    result = embedder.embed(burger)
    assert isinstance(result, EmbeddingResult) and len(result.embeddings) == 1
    embedding = result.embeddings[0]
    assert embedding.embedding.dtype == np.float32 and embedding.embedding.shape == (1001,)
    assert (embedding.head_index, embedding.head_name) == (0, "probability")
    assert embedder.dimensions == [1001]
    engine = Engine(path, num_threads=1)
    raw = engine.run(embedder._preprocessor.prepare(burger))[0]
    assert raw.dtype == (np.uint8 if model == QUANT_MODEL else np.float32)
    np.testing.assert_array_equal(embedding.embedding,
                                  engine.outputs[0].dequantize(raw).reshape(-1))
    categories = ImageClassifier.create_from_file(path, num_threads=1).classify(
        burger).classifications[0].categories
    scores = np.zeros(1001, np.float32)
    scores[[c.index for c in categories]] = [c.score for c in categories]
    np.testing.assert_array_equal(embedding.embedding, scores)


def test_similarity_of_an_image_with_itself_and_with_others() -> None:
    embedder = ImageEmbedder.create_from_file(data_path(FLOAT_MODEL), l2_normalize=True)
    burger, sparrow, fox = (embedder.embed(data_path(f"vision/{n}")).embeddings[0]
                            for n in IMAGES)
    assert float(np.linalg.norm(burger.embedding)) == pytest.approx(1.0, abs=1e-6)
    assert ImageEmbedder.cosine_similarity(burger, burger) == pytest.approx(1.0)
    assert embedder.cosine_similarity(burger, fox) < 0.5
    assert ImageEmbedder.cosine_similarity(sparrow, fox) < 0.99
    assert ImageEmbedder.cosine_similarity is cosine_similarity
    # A crop of the burger is more like the burger than the fox is.
    crop = embedder.embed(data_path("vision/burger.jpg"), roi=(40, 20, 400, 280)).embeddings[0]
    assert (ImageEmbedder.cosine_similarity(burger, crop)
            > ImageEmbedder.cosine_similarity(burger, fox))


def test_quantized_embeddings_of_a_quantized_model() -> None:
    embedder = ImageEmbedder.create_from_file(data_path(QUANT_MODEL), l2_normalize=True,
                                              quantize=True)
    burger = embedder.embed(data_path("vision/burger.jpg")).embeddings[0]
    fox = embedder.embed(data_path("vision/fox.jpeg")).embeddings[0]
    assert burger.embedding.dtype == np.int8 and burger.embedding.shape == (1001,)
    assert burger.embedding.max() > 100  # ~one dominant class, near 128 after normalizing
    assert ImageEmbedder.cosine_similarity(burger, burger) == pytest.approx(1.0)
    assert ImageEmbedder.cosine_similarity(burger, fox) < 1.0
    floats = ImageEmbedder.create_from_file(data_path(QUANT_MODEL)).embed(
        data_path("vision/burger.jpg")).embeddings[0]
    with pytest.raises(InputError, match="quantized"):
        ImageEmbedder.cosine_similarity(burger, floats)


def test_roi_and_rotation_are_passed_through() -> None:
    embedder = ImageEmbedder.create_from_buffer(with_classifier_metadata(channel_mean_model(2)))
    image = np.zeros((4, 4, 3), np.uint8)
    image[:2, :2] = [10, 20, 30]
    image[:2, 2:] = [40, 50, 60]
    assert _vector(embedder, image, roi=(2, 0, 2, 2)).tolist() == [40, 50, 60]
    assert _vector(embedder, image, roi=(0, 0, 2, 2), rotation=90).tolist() == [10, 20, 30]
    assert _vector(embedder, image).tolist() == [12.5, 17.5, 22.5]
    with pytest.raises(InputError, match="outside"):
        embedder.embed(image, roi=(3, 3, 2, 2))
    with pytest.raises(InputError, match="multiple of 90"):
        embedder.embed(image, rotation=45)
    sideways = np.zeros((2, 2, 3), np.uint8)
    sideways[0, 0] = 200
    with embedder.engine.lock:  # 90 degrees clockwise moves top-left to top-right
        embedder._preprocessor.write(sideways, None, 90)
        assert embedder.engine.input_view(0)[0, 0, 1].tolist() == [200, 200, 200]


def test_options_from_every_route_and_flat_keywords(tmp_path) -> None:
    model = with_classifier_metadata(constant_outputs_model([np.array([[3.0, 4.0]], np.float32)]))
    path = tmp_path / "m.tflite"
    path.write_bytes(model)
    options = ImageEmbedderOptions(base_options=BaseOptions(model_file=path, num_threads=1),
                                   embedding_options=EmbeddingOptions(l2_normalize=True))
    image = np.zeros((3, 3, 3), np.uint8)
    for embedder in (ImageEmbedder.create_from_file(path, l2_normalize=True),
                     ImageEmbedder.create_from_buffer(model, l2_normalize=True),
                     ImageEmbedder.create_from_options(options)):
        np.testing.assert_array_equal(_vector(embedder, image), np.float32([0.6, 0.8]))
    both = ImageEmbedder.create_from_buffer(model, l2_normalize=True, quantize=True)
    assert _vector(both, image).tolist() == [77, 102]
    with pytest.raises(OptionsError, match="quantize must be True or False"):
        ImageEmbedder.create_from_buffer(model, quantize="yes")
    with pytest.raises(OptionsError, match="unknown option 'normalize'"):
        ImageEmbedder.create_from_buffer(model, normalize=True)
    with pytest.raises(OptionsError, match="embedding_options"):
        ImageEmbedder.create_from_options(ImageEmbedderOptions(
            base_options=BaseOptions(model_bytes=model),
            embedding_options={"quantize": True}))  # type: ignore[arg-type]


def test_several_heads() -> None:
    outputs = [np.array([[1.0, 0.0]], np.float32), np.array([[[[2.0, 3.0, 4.0]]]], np.float32)]
    model = constant_outputs_model(outputs, names=["a", "b"])
    embedder = ImageEmbedder.create_from_buffer(model, normalization_mean=0,
                                                normalization_std=1)
    result = embedder.embed(np.zeros((4, 4, 3), np.uint8))
    assert [(e.head_index, e.head_name, e.embedding.tolist()) for e in result.embeddings] == [
        (0, "a", [1.0, 0.0]), (1, "b", [2.0, 3.0, 4.0])]
    assert embedder.dimensions == [2, 3]


def test_embed_batch_equals_embed_in_a_loop() -> None:
    embedder = ImageEmbedder.create_from_file(data_path(QUANT_MODEL), l2_normalize=True)
    images = [data_path(f"vision/{n}") for n in IMAGES]
    batch = embedder.embed_batch(images, max_workers=2)
    loop = [embedder.embed(i) for i in images]
    assert len(batch) == len(loop) == 3
    for b, single in zip(batch, loop, strict=True):
        np.testing.assert_array_equal(b.embeddings[0].embedding, single.embeddings[0].embedding)
        assert b.embeddings[0].head_name == single.embeddings[0].head_name


def test_embed_batch_arguments_are_checked() -> None:
    embedder = ImageEmbedder.create_from_buffer(with_classifier_metadata(channel_mean_model()))
    for bad in (None, "a/b.jpg", b"bytes", np.zeros((4, 4, 3), np.uint8)):
        with pytest.raises(OptionsError, match="list"):
            embedder.embed_batch(bad)  # type: ignore[arg-type]
    with pytest.raises(OptionsError, match="max_workers"):
        embedder.embed_batch([np.zeros((4, 4, 3), np.uint8)], max_workers=0)
    assert embedder.embed_batch([]) == []
    results = embedder.embed_batch(np.full((4, 4, 3), v, np.uint8) for v in (1, 2, 3))
    assert [r.embeddings[0].embedding.tolist() for r in results] == [[1.0] * 3, [2.0] * 3,
                                                                    [3.0] * 3]
    with pytest.raises(InputError):
        embedder.embed_batch([np.zeros((4, 4, 3), np.uint8), np.zeros((4, 4), np.float32)])


def test_pickle_round_trip_keeps_model_and_options() -> None:
    embedder = ImageEmbedder.create_from_file(data_path(QUANT_MODEL), quantize=True,
                                              l2_normalize=True, num_threads=1)
    image = load_image(data_path("vision/fox.jpeg"))
    clone = pickle.loads(pickle.dumps(embedder))
    assert clone.options.embedding_options == EmbeddingOptions(l2_normalize=True, quantize=True)
    assert repr(clone) == repr(embedder)
    np.testing.assert_array_equal(_vector(clone, image), _vector(embedder, image))


@pytest.mark.parametrize("model", ["vision/coco_ssd_mobilenet_v1_1.0_quant_2018_06_29.tflite",
                                   "vision/deeplabv3.tflite"])
def test_detectors_and_segmenters_are_refused(model: str) -> None:
    with pytest.raises(OptionsError, match=r"output 0 '.*' is float32 \[1, .*not a vector"):
        ImageEmbedder.create_from_file(data_path(model))


def test_bad_models_are_refused() -> None:
    with pytest.raises(OptionsError, match="image input"):
        ImageEmbedder.create_from_file(
            data_path("text/test_model_nl_classifier_with_regex_tokenizer.tflite"))
    with pytest.raises(ModelLoadError):
        ImageEmbedder.create_from_buffer(b"not a model at all" * 10)
    with pytest.raises(OptionsError, match="normalization_mean and normalization_std"):
        ImageEmbedder.create_from_buffer(channel_mean_model())


def test_corrupt_images_are_input_errors(tmp_path) -> None:
    embedder = ImageEmbedder.create_from_buffer(with_classifier_metadata(channel_mean_model()))
    corrupt = tmp_path / "corrupt.jpg"
    corrupt.write_bytes(b"\xff\xd8\xff\xe0 this is not really a jpeg")
    for bad in (corrupt, b"garbage bytes", np.zeros((4, 4, 3), np.float32)):
        with pytest.raises(InputError):
            embedder.embed(bad)


def test_close_and_context_manager() -> None:
    with ImageEmbedder.create_from_buffer(with_classifier_metadata(channel_mean_model())) as e:
        e.embed(np.zeros((4, 4, 3), np.uint8))
    with pytest.raises(TaskClosedError):
        e.embed(np.zeros((4, 4, 3), np.uint8))
