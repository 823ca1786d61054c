"""ImageClassifier API: construction, preprocessing per input type, ROI, rotation, lifecycle."""

from __future__ import annotations

import pickle
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from testdata import data_path
from tiny_models import channel_mean_model, constant_scores_model, with_classifier_metadata

from tflite_tasks import (
    BaseOptions,
    ClassificationOptions,
    ImageClassifier,
    ImageClassifierOptions,
    InputError,
    ModelFileNotFoundError,
    ModelLoadError,
    OptionsError,
    TaskClosedError,
    load_image,
)
from tflite_tasks.default_model import default_model


def _means(classifier: ImageClassifier, image, **kwargs) -> np.ndarray:
    """The channel-mean model's output, in channel order."""
    result = classifier.classify(image, **kwargs).classifications[0]
    values = np.zeros(3)
    for c in result.categories:
        values[c.index] = c.score
    return values


def test_float_input_normalized_from_metadata_and_options() -> None:
    model = with_classifier_metadata(channel_mean_model(), normalization=([100.0], [2.0]))
    image = np.full((10, 12, 3), [110, 120, 130], np.uint8)
    with ImageClassifier.create_from_buffer(model, score_threshold=-1e9) as c:
        assert _means(c, image) == pytest.approx([5.0, 10.0, 15.0])
    # Per-channel options override the metadata.
    with ImageClassifier.create_from_buffer(model, score_threshold=-1e9,
                                            normalization_mean=[10, 20, 30],
                                            normalization_std=[1, 2, 4]) as c:
        assert _means(c, image) == pytest.approx([100.0, 50.0, 25.0])


def test_float_input_without_normalization_names_the_options() -> None:
    with pytest.raises(OptionsError, match="normalization_mean and normalization_std"):
        ImageClassifier.create_from_buffer(channel_mean_model())


def test_uint8_input_is_fed_raw() -> None:
    model = channel_mean_model(input_dtype=np.uint8, quantization=(1.0, 0))
    image = np.full((5, 5, 3), [7, 200, 33], np.uint8)
    with ImageClassifier.create_from_buffer(model) as c:
        assert _means(c, image) == pytest.approx([7, 200, 33])


def test_int8_input_is_normalized_then_quantized() -> None:
    scale, zero_point = 1 / 128, 0  # real values in [-1, 1)
    model = channel_mean_model(input_dtype=np.int8, quantization=(scale, zero_point))
    image = np.full((6, 6, 3), [0, 128, 255], np.uint8)
    with ImageClassifier.create_from_buffer(model, score_threshold=-9, normalization_mean=127.5,
                                            normalization_std=127.5) as c:
        got = _means(c, image)
    assert got == pytest.approx([-1.0, 0.0, 127 / 128], abs=1 / 128)


def test_dynamic_input_takes_the_image_size() -> None:
    model = with_classifier_metadata(channel_mean_model(dynamic=True))
    image = np.zeros((7, 9, 3), np.uint8)
    image[:, :3] = 90  # a third of the columns
    with ImageClassifier.create_from_buffer(model) as c:
        assert _means(c, image) == pytest.approx([30.0, 30.0, 30.0])
        assert c.engine.inputs[0].shape == (1, 7, 9, 3)


def test_roi_and_rotation() -> None:
    model = with_classifier_metadata(channel_mean_model(size=2))
    image = np.zeros((4, 4, 3), np.uint8)
    image[:2, :2] = [10, 20, 30]
    image[:2, 2:] = [40, 50, 60]
    with ImageClassifier.create_from_buffer(model) as c:
        assert _means(c, image, roi=(2, 0, 2, 2)) == pytest.approx([40, 50, 60])
        assert _means(c, image, roi=(0, 0, 2, 2), rotation=90) == pytest.approx([10, 20, 30])
        with pytest.raises(InputError, match="outside"):
            c.classify(image, roi=(3, 3, 2, 2))
        with pytest.raises(InputError, match="multiple of 90"):
            c.classify(image, rotation=45)


def test_rotation_moves_pixels_clockwise() -> None:
    model = with_classifier_metadata(channel_mean_model(size=2))
    image = np.zeros((2, 2, 3), np.uint8)
    image[0, 0] = 255  # top-left is white; after 90 clockwise it is top-right
    with ImageClassifier.create_from_buffer(model) as c:
        view = c._preprocessor
        with c.engine.lock:
            view.write(image, None, 90)
            tensor = c.engine.input_view(0)[0].copy()
    assert tensor[0, 1].tolist() == [255, 255, 255]
    assert tensor[0, 0].tolist() == [0, 0, 0]


def test_every_construction_route_agrees(tmp_path) -> None:
    model = with_classifier_metadata(constant_scores_model([0.3, 0.6]), labels=["x", "y"])
    path = tmp_path / "m.tflite"
    path.write_bytes(model)
    options = ImageClassifierOptions(base_options=BaseOptions(model_file=path, num_threads=1),
                                     classification_options=ClassificationOptions(max_results=1))
    image = np.zeros((3, 3, 3), np.uint8)
    for classifier in (ImageClassifier.create_from_file(path, max_results=1),
                       ImageClassifier.create_from_buffer(model, max_results=1),
                       ImageClassifier.create_from_options(options)):
        assert classifier.classify(image).classifications[0].categories[0].category_name == "y"
    assert ImageClassifier.create_from_options(options).engine.num_threads == 1


def test_model_errors(tmp_path) -> None:
    with pytest.raises(ModelFileNotFoundError, match=r"missing\.tflite") as e:
        ImageClassifier.create_from_file(tmp_path / "missing.tflite")
    assert isinstance(e.value, FileNotFoundError)
    with pytest.raises(ModelLoadError, match="TFL3"):
        ImageClassifier.create_from_buffer(b"definitely not a model" * 10)
    good = default_model()
    with pytest.raises(ModelLoadError, match="truncated or corrupt"):
        ImageClassifier.create_from_buffer(good[: len(good) // 2])
    with pytest.raises(OptionsError, match="exactly one"):
        ImageClassifier.create_from_options(ImageClassifierOptions(base_options=BaseOptions()))


def test_wrong_model_for_the_task() -> None:
    text_model = data_path("text/test_model_nl_classifier_with_regex_tokenizer.tflite")
    with pytest.raises(OptionsError, match="image input"):
        ImageClassifier.create_from_file(text_model)


def test_unresolved_custom_ops_are_named() -> None:
    with pytest.raises(ModelLoadError, match="CUSTOM_OP_STRING_TO_FLOATS"):
        ImageClassifier.create_from_file(data_path("text/test_model_nl_classifier.tflite"))


def test_pickle_round_trip_gives_the_same_answers() -> None:
    classifier = ImageClassifier.create_from_buffer(default_model(), max_results=2)
    image = np.full((20, 20, 3), [200, 30, 30], np.uint8)
    clone = pickle.loads(pickle.dumps(classifier))
    assert clone.classify(image) == classifier.classify(image)
    assert clone.options.classification_options.max_results == 2


def test_pickled_task_survives_its_file_being_deleted(tmp_path) -> None:
    path = tmp_path / "model.tflite"
    path.write_bytes(default_model())
    data = pickle.dumps(ImageClassifier.create_from_file(path, max_results=1))
    path.unlink()
    clone = pickle.loads(data)
    assert repr(clone) == f"ImageClassifier({path})"
    image = np.full((8, 8, 3), [220, 20, 20], np.uint8)
    assert clone.classify(image).classifications[0].categories[0].category_name == "red"


def test_threads_share_one_classifier() -> None:
    classifier = ImageClassifier.create_from_buffer(default_model(), max_results=1)
    colours = {"red": [220, 20, 20], "blue": [20, 60, 220], "green": [40, 165, 50]}
    images = {name: np.full((32, 32, 3), rgb, np.uint8) for name, rgb in colours.items()}
    jobs = [name for name in colours for _ in range(30)]
    with ThreadPoolExecutor(8) as pool:
        got = list(pool.map(
            lambda n: classifier.classify(images[n]).classifications[0].categories[0]
            .category_name, jobs))
    assert got == jobs


def test_close_and_context_manager() -> None:
    with ImageClassifier.create_from_buffer(default_model()) as classifier:
        classifier.classify(np.zeros((8, 8, 3), np.uint8))
    with pytest.raises(TaskClosedError):
        classifier.classify(np.zeros((8, 8, 3), np.uint8))


def test_batch_equals_one_by_one() -> None:
    classifier = ImageClassifier.create_from_file(
        data_path("vision/mobilenet_v1_0.25_224_quant.tflite"), max_results=3)
    images = [data_path(f"vision/{n}") for n in ("burger.jpg", "sparrow.png", "fox.jpeg")]
    assert classifier.classify_batch(images) == [classifier.classify(i) for i in images]


def test_default_model_finds_colours() -> None:
    classifier = ImageClassifier.create_from_buffer(default_model(), max_results=2,
                                                    display_names_locale="fr")
    image = np.zeros((40, 40, 3), np.uint8)
    image[:, :30] = [30, 60, 220]
    image[:, 30:] = [245, 230, 40]
    categories = classifier.classify(image).classifications[0].categories
    assert [(c.category_name, c.display_name) for c in categories] == [("blue", "bleu"),
                                                                      ("yellow", "jaune")]
    assert categories[0].score == pytest.approx(0.75, abs=0.02)


def test_results_as_dict_and_html() -> None:
    classifier = ImageClassifier.create_from_buffer(default_model(), max_results=1)
    result = classifier.classify(np.full((16, 16, 3), [220, 20, 20], np.uint8))
    as_dict = result.to_dict()
    assert as_dict["classifications"][0]["categories"][0]["category_name"] == "red"
    assert isinstance(as_dict["classifications"][0]["categories"][0]["score"], float)
    assert "red" in result._repr_html_() and "<table>" in result._repr_html_()


def test_batch_of_arrays_with_a_bad_item_raises_input_error() -> None:
    classifier = ImageClassifier.create_from_buffer(default_model(), max_results=1)
    good = np.full((16, 16, 3), [20, 60, 220], np.uint8)
    assert [r.classifications[0].categories[0].category_name
            for r in classifier.classify_batch([good, good])] == ["blue", "blue"]
    with pytest.raises(InputError):
        classifier.classify_batch([good, np.zeros((4, 4), np.float32)])


@pytest.mark.parametrize("model", ["vision/coco_ssd_mobilenet_v1_1.0_quant_2018_06_29.tflite",
                                   "vision/deeplabv3.tflite"])
def test_detectors_and_segmenters_are_refused(model: str) -> None:
    with pytest.raises(OptionsError, match="not a classifier"):
        ImageClassifier.create_from_file(data_path(model))


def test_metadata_with_the_wrong_number_of_outputs(monkeypatch) -> None:
    from tflite_tasks import MetadataError
    from tflite_tasks.metadata import populator

    # populate() refuses to write such metadata; other tools may not.
    monkeypatch.setattr(populator, "check_tensor_counts", lambda model, metadata: None)
    model = with_classifier_metadata(constant_scores_model([0.1, 0.2]), labels=["a", "b"],
                                     heads=2)
    with pytest.raises(MetadataError, match="describes 2 output tensors but the model has 1"):
        ImageClassifier.create_from_buffer(model)


def test_batch_arguments_are_checked() -> None:
    classifier = ImageClassifier.create_from_buffer(default_model())
    for bad in (None, "a/b.jpg", b"bytes"):
        with pytest.raises(OptionsError, match="list"):
            classifier.classify_batch(bad)  # type: ignore[arg-type]
    with pytest.raises(OptionsError, match="max_workers"):
        classifier.classify_batch([np.zeros((4, 4, 3), np.uint8)], max_workers=-1)
    assert classifier.classify_batch([]) == []
    assert len(classifier.classify_batch(np.zeros((4, 4, 3), np.uint8) for _ in range(3))) == 3


def test_option_groups_are_type_checked() -> None:
    with pytest.raises(OptionsError, match="classification_options"):
        ImageClassifier.create_from_options(ImageClassifierOptions(
            base_options=BaseOptions(model_bytes=default_model()),
            classification_options={"max_results": 1}))  # type: ignore[arg-type]
    with pytest.raises(OptionsError, match="base_options"):
        ImageClassifier.create_from_options(ImageClassifierOptions(base_options=None))  # type: ignore[arg-type]


def test_pickle_keeps_labels_read_from_files_and_unset_threads(tmp_path) -> None:
    labels = tmp_path / "labels.txt"
    labels.write_text("\n".join(f"colour{i}" for i in range(12)) + "\n")
    classifier = ImageClassifier.create_from_buffer(default_model(), labels=labels, max_results=1)
    data = pickle.dumps(classifier)
    labels.unlink()
    clone = pickle.loads(data)
    assert clone.options.base_options.num_threads is None
    image = np.full((8, 8, 3), [220, 20, 20], np.uint8)
    assert clone.classify(image).classifications[0].categories[0].category_name == "colour3"


def test_rotation_of_a_large_image_matches_rotating_first() -> None:
    model = with_classifier_metadata(channel_mean_model(size=8))
    rng = np.random.default_rng(1)
    image = rng.integers(0, 256, (40, 64, 3), dtype=np.uint8)
    with ImageClassifier.create_from_buffer(model, score_threshold=-1) as c:
        for turn in (90, 180, 270):
            rotated = np.ascontiguousarray(np.rot90(image, k=-turn // 90))
            assert _means(c, image, rotation=turn) == pytest.approx(_means(c, rotated), abs=1.0)


def test_task_library_resampling_feeds_libyuv_pixels() -> None:
    from tflite_tasks.core.resize import resize_like_libyuv

    model = data_path("vision/mobilenet_v1_0.25_224_quant.tflite")
    rgb = load_image(data_path("vision/burger.jpg"))
    exact = ImageClassifier.create_from_file(model, resampling="task_library")
    fast = ImageClassifier.create_from_file(model)
    expected = resize_like_libyuv(rgb, 224, 224)
    np.testing.assert_array_equal(exact._preprocessor.prepare(rgb)[0], expected)
    assert not np.array_equal(fast._preprocessor.prepare(rgb)[0], expected)
    with pytest.raises(OptionsError, match="resampling"):
        ImageClassifier.create_from_file(model, resampling="nearest")
