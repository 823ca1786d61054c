"""ImageSegmenter on tiny models whose outputs are known exactly, and on deeplabv3."""

from __future__ import annotations

import pickle
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import cv2
import numpy as np
import pytest
from testdata import data_path
from tiny_models import constant_outputs_model

from tflite_tasks import InputError, OptionsError, load_image
from tflite_tasks.core.model_builder import GraphBuilder
from tflite_tasks.metadata import populate
from tflite_tasks.metadata.schema import (
    AssociatedFile,
    AssociatedFileType,
    ColorSpaceType,
    Content,
    ImageProperties,
    ModelMetadata,
    SubGraphMetadata,
    TensorMetadata,
)
from tflite_tasks.tasks.vision.image_segmenter import (
    ImageSegmenter,
    ImageSegmenterOptions,
    SegmentationOptions,
    resized_argmax,
)
from tflite_tasks.tasks.vision.results import ColoredLabel

IMAGE = np.zeros((4, 4, 3), np.uint8)
RNG = np.random.default_rng(7)

# One pixel per rule of the reference's argmax: a clear winner; every score <= 0 (class 0,
# although class 1 is the largest); a tie (the lowest index); all zero; a best score of
# exactly 0 (class 0); class 0 tied with another at a positive score.
SCORES = np.array([[[0.1, 0.9, 0.3], [-1.0, -0.5, -2.0], [0.5, 0.9, 0.9]],
                   [[0.0, 0.0, 0.0], [-1.0, 0.0, -3.0], [0.1, -1.0, 0.1]]], np.float32)
REFERENCE_CLASSES = [[1, 0, 1], [0, 0, 0]]


def _model(scores: np.ndarray) -> bytes:
    """A model whose one output is ``scores`` with a batch axis, whatever the image."""
    return constant_outputs_model([scores[None]], names=["masks"], input_dtype=np.uint8)


def _segmenter(model: bytes, **options) -> ImageSegmenter:
    return ImageSegmenter.create_from_buffer(model, num_threads=1, **options)


def _quantized_model(q: np.ndarray, scale: float, zero_point: int, dtype: type) -> bytes:
    """A model whose one output is the quantized ``q`` [1, H, W, C] (any image)."""
    real = ((q.astype(np.float32) - zero_point) * scale).reshape(-1)
    g = GraphBuilder()
    image = g.input("image", (1, 4, 4, 3), np.uint8)
    x = g.add_op("CAST", [image], (1, 4, 4, 3), np.float32)
    axes = g.constant("axes", np.array([1, 2], np.int32))
    pooled = g.add_op("MEAN", [x, axes], (1, 3), np.float32,
                      ("ReducerOptions", {"keepDims": False}))
    flat = g.add_op("FULLY_CONNECTED", [pooled, g.constant("w", np.zeros((real.size, 3),
                                                                          np.float32)),
                                        g.constant("b", real)], (1, real.size), np.float32)
    shaped = g.add_op("RESHAPE", [flat, g.constant("shape", np.array(q.shape, np.int32))],
                      q.shape, np.float32)
    out = g.add_op("QUANTIZE", [shaped], q.shape, dtype, quantization=(scale, zero_point),
                   name="masks")
    return g.build([image], [out])


def _with_labels(model: bytes, labels: Sequence[str] | None = None,
                 display_names: dict[str, Sequence[str]] | None = None) -> bytes:
    """Adds segmenter metadata: TENSOR_AXIS_LABELS files (per locale too) on the output."""
    files: dict[str, bytes] = {}
    associated = []
    named = ([("labels.txt", None, labels)] if labels is not None else []) + [
        (f"labels_{locale}.txt", locale, names) for locale, names in (display_names or {}).items()]
    for name, locale, values in named:
        files[name] = ("\n".join(values) + "\n").encode()
        associated.append(AssociatedFile(name=name, type=AssociatedFileType.TENSOR_AXIS_LABELS,
                                         locale=locale))
    image = TensorMetadata(name="image", content=Content(
        content_properties=ImageProperties(color_space=ColorSpaceType.RGB)))
    masks = TensorMetadata(name="masks", associated_files=associated or None, content=Content(
        content_properties=ImageProperties(color_space=ColorSpaceType.GRAYSCALE)))
    metadata = ModelMetadata(name="tiny segmenter", subgraph_metadata=[SubGraphMetadata(
        input_tensor_metadata=[image], output_tensor_metadata=[masks])])
    return populate(model, metadata, files)


def _opencv_argmax(scores: np.ndarray, width: int, height: int) -> tuple[np.ndarray, np.ndarray]:
    """argmax of cv2.resize INTER_LINEAR (channel by channel), and the resized scores."""
    resized = np.stack([cv2.resize(np.ascontiguousarray(scores[..., c]), (width, height),
                                   interpolation=cv2.INTER_LINEAR)
                        for c in range(scores.shape[2])], axis=2)
    return resized.argmax(axis=2), resized


def _assert_same_classes(ours: np.ndarray, scores: np.ndarray) -> None:
    """``ours`` equals argmax(cv2.resize(scores)) except where the top two are within 1e-4."""
    expected, resized = _opencv_argmax(scores, ours.shape[1], ours.shape[0])
    differ = ours != expected
    top_two = np.sort(resized[differ], axis=1)[:, -2:]
    assert np.all(top_two[:, 1] - top_two[:, 0] <= 1e-4), f"{differ.sum()} pixels differ"


def test_model_size_uses_the_reference_argmax() -> None:
    segmenter = _segmenter(_model(SCORES), mask_size="model", output_confidence_masks=True)
    result = segmenter.segment(IMAGE)
    assert result.category_mask.dtype == np.uint8
    assert result.category_mask.tolist() == REFERENCE_CLASSES
    assert result.confidence_masks.dtype == np.float32
    np.testing.assert_array_equal(result.confidence_masks, np.moveaxis(SCORES, 2, 0))
    assert result.image is not None and result.image.shape == (4, 4, 3)


def test_image_size_is_the_argmax_of_the_bilinear_resize() -> None:
    scores = RNG.normal(size=(5, 7, 4)).astype(np.float32)
    image = np.zeros((13, 11, 3), np.uint8)
    result = _segmenter(_model(scores), output_confidence_masks=True).segment(image)
    assert result.category_mask.shape == (13, 11)
    _assert_same_classes(result.category_mask, scores)
    _, resized = _opencv_argmax(scores, 11, 13)
    np.testing.assert_allclose(result.confidence_masks, np.moveaxis(resized, 2, 0), atol=1e-5)


@pytest.mark.parametrize("classes", [2, 3, 21, 200, 300])
def test_resized_argmax_equals_opencv_on_random_scores(classes: int) -> None:
    for _ in range(20):
        h, w = RNG.integers(1, 30, 2)
        height, width = RNG.integers(1, 70, 2)
        scores = RNG.normal(size=(h, w, classes)).astype(np.float32)
        if RNG.random() < 0.5:
            scores = np.round(scores, 1)  # many ties
        ours = resized_argmax(scores, int(width), int(height))
        assert ours.dtype == (np.uint8 if classes <= 256 else np.uint16)
        _assert_same_classes(ours, scores)


def test_resized_argmax_equals_opencv_on_deeplab_scores() -> None:
    segmenter = ImageSegmenter.create_from_file(
        data_path("vision/deeplabv3.tflite"), num_threads=1, mask_size="model",
        output_category_mask=False, output_confidence_masks=True)
    for name in ("burger.jpg", "segmentation_input_rotation0.jpg"):
        scores = np.ascontiguousarray(np.moveaxis(
            segmenter.segment(data_path(f"vision/{name}")).confidence_masks, 0, 2))
        for width, height in ((480, 325), (100, 300), (257, 257), (1000, 700)):
            _assert_same_classes(resized_argmax(scores, width, height), scores)


@pytest.mark.parametrize(("dtype", "scale", "zero_point"), [(np.uint8, 0.5, 10),
                                                            (np.int8, 0.25, -3)])
def test_quantized_scores_are_dequantized(dtype: type, scale: float, zero_point: int) -> None:
    info = np.iinfo(dtype)
    q = RNG.integers(info.min, info.max, (1, 3, 2, 4), endpoint=True).astype(dtype)
    segmenter = _segmenter(_quantized_model(q, scale, zero_point, dtype), mask_size="model",
                           output_confidence_masks=True)
    result = segmenter.segment(IMAGE)
    real = (q[0].astype(np.float32) - zero_point) * scale
    np.testing.assert_array_equal(result.confidence_masks, np.moveaxis(real, 2, 0))
    expected = np.where(real.max(axis=2) > 0, real.argmax(axis=2), 0)
    assert result.category_mask.tolist() == expected.tolist()


@pytest.mark.parametrize("dtype", [np.int32, np.int64])
@pytest.mark.parametrize("trailing_one", [False, True])
def test_class_maps_are_the_category_mask(dtype: type, trailing_one: bool) -> None:
    classes = np.array([[0, 1, 2], [2, 2, 0]], dtype)
    output = classes[None, ..., None] if trailing_one else classes[None]
    model = constant_outputs_model([output], names=["masks"], input_dtype=np.uint8)
    at_model = _segmenter(model, mask_size="model").segment(IMAGE)
    assert at_model.category_mask.dtype == np.uint8
    assert at_model.category_mask.tolist() == classes.tolist()
    assert at_model.confidence_masks is None and at_model.colored_labels == []
    # At image size, each pixel takes its nearest source (half-pixel centres).
    at_image = _segmenter(model).segment(np.zeros((4, 6, 3), np.uint8))
    assert at_image.category_mask.tolist() == np.repeat(np.repeat(classes, 2, 0), 2, 1).tolist()
    with pytest.raises(OptionsError, match=r"class map.*confidence masks"):
        _segmenter(model, output_confidence_masks=True)


def test_class_map_values_must_be_known_classes() -> None:
    model = _with_labels(constant_outputs_model(
        [np.array([[[0, 1], [5, 1]]], np.int32)], names=["masks"], input_dtype=np.uint8),
        labels=["a", "b", "c"])
    segmenter = _segmenter(model)
    assert segmenter.labels == ["a", "b", "c"]
    with pytest.raises(OptionsError, match=r"classes 0 to 5, outside 0 to 2.*labels"):
        segmenter.segment(IMAGE)


def test_binary_segmenter_thresholds_at_one_half() -> None:
    scores = np.array([[[0.2], [0.7]], [[0.5], [0.9]]], np.float32)
    result = _segmenter(_model(scores), mask_size="model").segment(IMAGE)
    assert result.category_mask.tolist() == [[0, 1], [0, 1]]
    image = np.zeros((6, 8, 3), np.uint8)
    result = _segmenter(_model(scores), output_confidence_masks=True).segment(image)
    expected = cv2.resize(scores[..., 0], (8, 6), interpolation=cv2.INTER_LINEAR)
    np.testing.assert_allclose(result.confidence_masks[0], expected, atol=1e-6)
    assert result.category_mask.tolist() == (expected > 0.5).astype(np.uint8).tolist()
    named = _segmenter(_model(scores), labels=["person"]).segment(image)
    assert [label.category_name for label in named.colored_labels] == ["", "person"]


def test_results_compare_by_their_masks() -> None:
    scores = np.array([[[0.2], [0.7]], [[0.5], [0.9]]], np.float32)
    segmenter = _segmenter(_model(scores), output_confidence_masks=True)
    first, second = segmenter.segment(IMAGE), segmenter.segment(IMAGE)
    assert first == second
    second.category_mask[0, 0] = 1
    assert first != second


def test_more_than_256_classes_give_uint16_masks() -> None:
    scores = np.zeros((2, 2, 300), np.float32)
    scores[0, 0, 299] = scores[0, 1, 256] = scores[1, 0, 3] = scores[1, 1, 0] = 1.0
    result = _segmenter(_model(scores), mask_size="model").segment(IMAGE)
    assert result.category_mask.dtype == np.uint16
    assert result.category_mask.tolist() == [[299, 256], [3, 0]]
    at_image = _segmenter(_model(scores)).segment(np.zeros((2, 2, 3), np.uint8))
    assert at_image.category_mask.tolist() == [[299, 256], [3, 0]]
    assert len(at_image.colored_labels) == 300


def test_labels_and_display_names_from_metadata() -> None:
    model = _with_labels(_model(SCORES), labels=["bg", "cat", "dog"],
                         display_names={"fr": ["fond", "chat", "chien"]})
    segmenter = _segmenter(model, display_names_locale="fr")
    assert segmenter.labels == ["bg", "cat", "dog"]
    assert segmenter.segment(IMAGE).colored_labels == [
        ColoredLabel((0, 0, 0), "bg", "fond"), ColoredLabel((128, 0, 0), "cat", "chat"),
        ColoredLabel((0, 128, 0), "dog", "chien")]
    assert all(type(v) is int for v in segmenter.segment(IMAGE).colored_labels[1].color)
    assert [c.display_name for c in _segmenter(model).segment(IMAGE).colored_labels] == [""] * 3


def test_labels_from_options_override_the_metadata(tmp_path) -> None:
    path = tmp_path / "labels.txt"
    path.write_text("x\ny\nz\n")
    model = _with_labels(_model(SCORES), labels=["bg", "cat", "dog"])
    segmenter = _segmenter(model, labels=path, display_names=["X", "Y", "Z"])
    assert segmenter.labels == ["x", "y", "z"]
    assert [(c.category_name, c.display_name) for c in segmenter.segment(IMAGE).colored_labels
            ] == [("x", "X"), ("y", "Y"), ("z", "Z")]
    unlabeled = _segmenter(_model(SCORES))
    assert unlabeled.labels is None
    assert [c.category_name for c in unlabeled.segment(IMAGE).colored_labels] == [""] * 3


def test_label_count_must_match_the_classes() -> None:
    with pytest.raises(OptionsError, match="3 classes but 2 labels"):
        _segmenter(_model(SCORES), labels=["a", "b"])
    with pytest.raises(OptionsError, match="3 classes but 4 labels"):
        _segmenter(_with_labels(_model(SCORES), labels=["a", "b", "c", "d"]))
    with pytest.raises(OptionsError, match="3 classes but 1 display names"):
        _segmenter(_model(SCORES), display_names=["a"])


def test_mask_options_are_checked() -> None:
    with pytest.raises(OptionsError, match="at least one"):
        _segmenter(_model(SCORES), output_category_mask=False)
    with pytest.raises(OptionsError, match="mask_size"):
        _segmenter(_model(SCORES), mask_size="original")
    with pytest.raises(OptionsError, match="True or False"):
        _segmenter(_model(SCORES), output_confidence_masks="yes")
    with pytest.raises(OptionsError, match="unknown option"):
        _segmenter(_model(SCORES), max_results=3)
    only_confidence = _segmenter(_model(SCORES), output_category_mask=False,
                                 output_confidence_masks=True).segment(IMAGE)
    assert only_confidence.category_mask is None
    assert only_confidence.confidence_masks.shape == (3, 4, 4)


def test_mask_size_image_and_model() -> None:
    image = np.zeros((10, 6, 3), np.uint8)
    at_image = _segmenter(_model(SCORES), output_confidence_masks=True).segment(image)
    assert at_image.category_mask.shape == (10, 6)
    assert at_image.confidence_masks.shape == (3, 10, 6)
    at_model = _segmenter(_model(SCORES), mask_size="model",
                          output_confidence_masks=True).segment(image)
    assert at_model.category_mask.shape == (2, 3)
    assert at_model.confidence_masks.shape == (3, 2, 3)


@pytest.mark.parametrize("rotation", [90, 180, 270, -90])
def test_rotation_turns_the_masks_back(rotation: int) -> None:
    scores = RNG.normal(size=(3, 5, 4)).astype(np.float32) + 5.0
    turns = (rotation % 360) // 90
    turned_back = np.ascontiguousarray(np.rot90(scores, k=turns))  # counterclockwise
    at_model = _segmenter(_model(scores), mask_size="model", output_confidence_masks=True)
    result = at_model.segment(np.zeros((7, 9, 3), np.uint8), rotation=rotation)
    assert result.category_mask.tolist() == turned_back.argmax(axis=2).tolist()
    np.testing.assert_array_equal(result.confidence_masks, np.moveaxis(turned_back, 2, 0))
    image = np.zeros((11, 8, 3), np.uint8)
    at_image = _segmenter(_model(scores), output_confidence_masks=True).segment(
        image, rotation=rotation)
    assert at_image.category_mask.shape == (11, 8)
    _assert_same_classes(at_image.category_mask, turned_back)
    _, resized = _opencv_argmax(turned_back, 8, 11)
    np.testing.assert_allclose(at_image.confidence_masks, np.moveaxis(resized, 2, 0), atol=1e-5)


@pytest.mark.parametrize("rotation", [0, 90])
def test_roi_at_image_size_is_zero_outside(rotation: int) -> None:
    scores = RNG.normal(size=(3, 4, 5)).astype(np.float32)
    scores[..., 0] -= 100.0  # class 0 never wins inside the region
    image = np.zeros((12, 15, 3), np.uint8)
    x, y, w, h = 3, 2, 9, 7
    result = _segmenter(_model(scores), output_confidence_masks=True).segment(
        image, roi=(x, y, w, h), rotation=rotation)
    category, confidence = result.category_mask, result.confidence_masks
    assert category.shape == (12, 15) and confidence.shape == (5, 12, 15)
    inside = np.zeros((12, 15), bool)
    inside[y:y + h, x:x + w] = True
    assert not category[~inside].any() and not confidence[:, ~inside].any()
    assert category[inside].all()
    turned_back = np.ascontiguousarray(np.rot90(scores, k=rotation // 90))
    _assert_same_classes(category[y:y + h, x:x + w], turned_back)
    at_model = _segmenter(_model(scores), mask_size="model").segment(
        image, roi=(x, y, w, h), rotation=rotation)
    assert at_model.category_mask.shape == turned_back.shape[:2]


def test_deeplab_rotated_input_gives_the_rotated_back_mask() -> None:
    burger = load_image(data_path("vision/burger.jpg"))
    sideways = np.ascontiguousarray(np.rot90(burger))  # as if captured turned 90 degrees left
    for mask_size in ("image", "model"):
        segmenter = ImageSegmenter.create_from_file(data_path("vision/deeplabv3.tflite"),
                                                    num_threads=1, mask_size=mask_size)
        upright = segmenter.segment(burger).category_mask
        turned = segmenter.segment(sideways, rotation=90).category_mask
        assert turned.shape == upright.shape[::-1]
        assert np.mean(turned == np.rot90(upright)) >= 0.99


def test_classifiers_and_models_with_several_outputs_are_refused() -> None:
    with pytest.raises(OptionsError, match=r"not a segmenter.*ImageClassifier"):
        ImageSegmenter.create_from_file(
            data_path("vision/mobilenet_v1_0.25_224_1_metadata_1.tflite"))
    two = constant_outputs_model([SCORES[None], SCORES[None]], input_dtype=np.uint8)
    with pytest.raises(OptionsError, match="one mask output; this model has 2 outputs"):
        _segmenter(two)
    with pytest.raises(OptionsError, match="not a segmenter"):
        _segmenter(constant_outputs_model([np.zeros((1, 2, 2, 2, 2), np.float32)],
                                          input_dtype=np.uint8))


def test_corrupt_image_is_an_input_error() -> None:
    segmenter = _segmenter(_model(SCORES))
    with pytest.raises(InputError):
        segmenter.segment(b"\x89PNG\r\n\x1a\n this is not a picture")
    with pytest.raises(InputError, match="outside"):
        segmenter.segment(IMAGE, roi=(3, 3, 5, 5))


def test_every_construction_route_agrees(tmp_path) -> None:
    path = tmp_path / "segmenter.tflite"
    path.write_bytes(_model(SCORES))
    options = ImageSegmenterOptions(
        base_options=ImageSegmenter.create_from_file(path).options.base_options,
        segmentation_options=SegmentationOptions(output_confidence_masks=True,
                                                 mask_size="model"))
    for segmenter in (ImageSegmenter.create_from_file(path, output_confidence_masks=True,
                                                      mask_size="model"),
                      ImageSegmenter.create_from_options(options)):
        result = segmenter.segment(IMAGE)
        assert result.category_mask.tolist() == REFERENCE_CLASSES
        assert result.confidence_masks.shape == (3, 2, 3)


def test_pickle_round_trip_gives_the_same_mask() -> None:
    segmenter = _segmenter(_with_labels(_model(SCORES), labels=["a", "b", "c"]),
                           mask_size="model")
    clone = pickle.loads(pickle.dumps(segmenter))
    assert clone.labels == ["a", "b", "c"]
    np.testing.assert_array_equal(clone.segment(IMAGE).category_mask,
                                  segmenter.segment(IMAGE).category_mask)


def test_to_dict_is_plain_python() -> None:
    result = _segmenter(_with_labels(_model(SCORES), labels=["a", "b", "c"]),
                        mask_size="model").segment(IMAGE)
    as_dict = result.to_dict()
    assert as_dict["category_mask"] == REFERENCE_CLASSES
    assert as_dict["confidence_masks"] is None and "image" not in as_dict
    assert as_dict["colored_labels"][1] == {"color": [128, 0, 0], "category_name": "b",
                                            "display_name": ""}


def test_batch_equals_one_by_one() -> None:
    segmenter = ImageSegmenter.create_from_file(data_path("vision/deeplabv3.tflite"))
    images = [data_path(f"vision/{n}") for n in ("burger.jpg", "cats_and_dogs.jpg")]
    for batched, image in zip(segmenter.segment_batch(images), images, strict=True):
        single = segmenter.segment(image)
        np.testing.assert_array_equal(batched.category_mask, single.category_mask)
        np.testing.assert_array_equal(batched.image, single.image)


def test_batch_arguments_are_checked() -> None:
    segmenter = _segmenter(_model(SCORES))
    with pytest.raises(OptionsError, match="list"):
        segmenter.segment_batch("burger.jpg")  # type: ignore[arg-type]
    with pytest.raises(OptionsError, match="max_workers"):
        segmenter.segment_batch([IMAGE], max_workers=0)
    assert segmenter.segment_batch([]) == []


def test_threads_share_one_segmenter() -> None:
    segmenter = _segmenter(_model(SCORES), output_confidence_masks=True)
    images = [np.full((8 + k, 9 + 2 * k, 3), 10 * k, np.uint8) for k in range(6)] * 5
    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(segmenter.segment, images))
    for image, result in zip(images, got, strict=True):
        expected = segmenter.segment(image)
        np.testing.assert_array_equal(result.category_mask, expected.category_mask)
        np.testing.assert_array_equal(result.confidence_masks, expected.confidence_masks)
