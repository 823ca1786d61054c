"""ObjectDetector on tiny models with known boxes (each output family), options and errors."""

from __future__ import annotations

import math
import pickle

import numpy as np
import pytest
from testdata import data_path
from tiny_models import constant_outputs_model, with_metadata

from tflite_tasks import BoundingBox, InputError, OptionsError, ScoreCalibration
from tflite_tasks.core.boxes import SsdAnchorOptions
from tflite_tasks.metadata.schema import (
    AssociatedFile,
    AssociatedFileType,
    BoundingBoxProperties,
    BoundingBoxType,
    Content,
    CoordinateType,
    FeatureProperties,
    ProcessUnit,
    ScoreCalibrationOptions,
    ScoreThresholdingOptions,
    ScoreTransformationType,
    TensorMetadata,
)
from tflite_tasks.tasks.vision.object_detector import ObjectDetector

LABELS = ["cat", "dog", "bird"]
# Boxes as (ymin, xmin, ymax, xmax), exact binary fractions, so pixel values are exact.
SSD_BOXES = np.array([[0.25, 0.125, 0.75, 0.5], [0.0, 0.5, 0.5, 1.0], [0.5, 0.5, 1.0, 0.75],
                      [0.125, 0.0, 0.25, 0.25]], np.float32)
SSD_CLASSES = np.array([1, 0, 2, 1], np.float32)
SSD_SCORES = np.array([0.875, 0.75, 0.5, 0.25], np.float32)
IMAGE = np.zeros((80, 160, 3), np.uint8)  # width 160, height 80


def ssd_model(order: tuple[int, ...] = (0, 1, 2, 3), names: tuple[str, ...] | None = (
        "location", "category", "score", "number of detections"), labels: bool = True,
        threshold: float | None = None, calibration: str | None = None,
        box_properties: BoundingBoxProperties | None = None, locations: np.ndarray | None = None,
        count: float = 4.0) -> bytes:
    """An SSD-postprocess-like model: outputs (locations, classes, scores, count) put in
    ``order``, named in metadata by ``names`` (given in the unpermuted order; None: no
    metadata)."""
    values = [(SSD_BOXES if locations is None else locations)[None], SSD_CLASSES[None],
              SSD_SCORES[None], np.array([count], np.float32)]
    model = constant_outputs_model([values[i] for i in order],
                                   names=[f"out{i}" for i in order], input_shape=(1, 8, 8, 3),
                                   input_dtype=np.uint8)
    if names is None:
        return model
    files: dict[str, bytes] = {}
    tensors = [TensorMetadata(name=name, content=Content(content_properties=FeatureProperties()))
               for name in names]
    tensors[0].content = Content(content_properties=box_properties or BoundingBoxProperties(
        index=[1, 0, 3, 2], type=BoundingBoxType.BOUNDARIES))
    if labels:
        files["labels.txt"] = "\n".join(LABELS).encode()
        files["labels_fr.txt"] = "\n".join(["chat", "chien", "oiseau"]).encode()
        tensors[1].associated_files = [
            AssociatedFile(name="labels.txt", type=AssociatedFileType.TENSOR_VALUE_LABELS),
            AssociatedFile(name="labels_fr.txt", type=AssociatedFileType.TENSOR_VALUE_LABELS,
                           locale="fr")]
    units = []
    if threshold is not None:
        units.append(ProcessUnit(options=ScoreThresholdingOptions(
            global_score_threshold=threshold)))
    if calibration is not None:
        files["calibration.txt"] = calibration.encode()
        units.append(ProcessUnit(options=ScoreCalibrationOptions(
            score_transformation=ScoreTransformationType.IDENTITY, default_score=0.125)))
        tensors[2].associated_files = [AssociatedFile(
            name="calibration.txt", type=AssociatedFileType.TENSOR_AXIS_SCORE_CALIBRATION)]
    tensors[2].process_units = units or None
    return with_metadata(model, [tensors[i] for i in order], files)


def boxes_of(result):
    return [d.bounding_box for d in result.detections]


def test_ssd_boxes_labels_and_order_come_back_exactly():
    detector = ObjectDetector.create_from_buffer(ssd_model())
    result = detector.detect(IMAGE)
    assert detector.output_family == "ssd"
    assert boxes_of(result) == [BoundingBox(20, 20, 60, 40), BoundingBox(80, 0, 80, 40),
                                BoundingBox(80, 40, 40, 40), BoundingBox(0, 10, 40, 10)]
    cats = [d.categories[0] for d in result.detections]
    assert [(c.index, c.category_name, c.score) for c in cats] == [
        (1, "dog", 0.875), (0, "cat", 0.75), (2, "bird", 0.5), (1, "dog", 0.25)]
    assert result.image is not None and result.image.shape == IMAGE.shape


def test_ssd_outputs_mapped_by_metadata_names_in_any_order():
    reordered = ObjectDetector.create_from_buffer(ssd_model(order=(2, 0, 3, 1)))
    expected = ObjectDetector.create_from_buffer(ssd_model()).detect(IMAGE)
    assert reordered.detect(IMAGE).detections == expected.detections


def test_ssd_without_names_falls_back_to_order_and_standard_box_layout():
    unnamed = ObjectDetector.create_from_buffer(ssd_model(names=None), labels=LABELS)
    named = ObjectDetector.create_from_buffer(ssd_model())
    assert unnamed.detect(IMAGE).detections == named.detect(IMAGE).detections
    other_names = ("locations", "classes", "scores", "count")
    assert (ObjectDetector.create_from_buffer(ssd_model(names=other_names)).detect(IMAGE)
            .detections == named.detect(IMAGE).detections)


@pytest.mark.parametrize(("props", "locations"), [
    (BoundingBoxProperties(index=[0, 1, 2, 3], type=BoundingBoxType.BOUNDARIES),
     SSD_BOXES[:, [1, 0, 3, 2]]),
    (BoundingBoxProperties(index=[0, 1, 2, 3], type=BoundingBoxType.UPPER_LEFT),
     np.stack([SSD_BOXES[:, 1], SSD_BOXES[:, 0], SSD_BOXES[:, 3] - SSD_BOXES[:, 1],
               SSD_BOXES[:, 2] - SSD_BOXES[:, 0]], 1)),
    (BoundingBoxProperties(index=[0, 1, 2, 3], type=BoundingBoxType.CENTER),
     np.stack([(SSD_BOXES[:, 1] + SSD_BOXES[:, 3]) / 2, (SSD_BOXES[:, 0] + SSD_BOXES[:, 2]) / 2,
               SSD_BOXES[:, 3] - SSD_BOXES[:, 1], SSD_BOXES[:, 2] - SSD_BOXES[:, 0]], 1)),
    (BoundingBoxProperties(index=[1, 0, 3, 2], type=BoundingBoxType.BOUNDARIES,
                           coordinate_type=CoordinateType.PIXEL), SSD_BOXES * 8),
])
def test_box_properties_layouts(props, locations):
    model = ssd_model(box_properties=props, locations=locations.astype(np.float32))
    expected = ObjectDetector.create_from_buffer(ssd_model()).detect(IMAGE)
    assert ObjectDetector.create_from_buffer(model).detect(IMAGE).detections == \
        expected.detections


def test_count_output_limits_the_detections():
    result = ObjectDetector.create_from_buffer(ssd_model(count=2.0)).detect(IMAGE)
    assert len(result.detections) == 2


def test_max_results_threshold_and_display_names():
    detector = ObjectDetector.create_from_buffer(ssd_model(), max_results=2)
    assert len(detector.detect(IMAGE).detections) == 2
    # The detector drops score <= threshold (the classifier drops score < threshold).
    at = ObjectDetector.create_from_buffer(ssd_model(), score_threshold=0.5).detect(IMAGE)
    assert [d.categories[0].score for d in at.detections] == [0.875, 0.75]
    french = ObjectDetector.create_from_buffer(ssd_model(), display_names_locale="fr")
    assert [d.categories[0].display_name for d in french.detect(IMAGE).detections] == [
        "chien", "chat", "oiseau", "chien"]


def test_metadata_threshold_and_option_override():
    model = ssd_model(threshold=0.6)
    assert len(ObjectDetector.create_from_buffer(model).detect(IMAGE).detections) == 2
    assert len(ObjectDetector.create_from_buffer(model, score_threshold=0.0)
               .detect(IMAGE).detections) == 4


def test_allowlist_denylist_by_label():
    allow = ObjectDetector.create_from_buffer(ssd_model(), category_name_allowlist=["dog"])
    assert [d.categories[0].category_name for d in allow.detect(IMAGE).detections] == [
        "dog", "dog"]
    deny = ObjectDetector.create_from_buffer(ssd_model(), category_name_denylist=["dog"],
                                             max_results=1)
    assert [d.categories[0].category_name for d in deny.detect(IMAGE).detections] == ["cat"]
    with pytest.raises(OptionsError, match="match"):
        ObjectDetector.create_from_buffer(ssd_model(), category_name_allowlist=["zebra"])
    with pytest.raises(OptionsError, match="labels"):
        ObjectDetector.create_from_buffer(ssd_model(labels=False),
                                          category_name_allowlist=["dog"])


def test_score_calibration_by_class_from_metadata_and_options():
    # cat: no parameters (default 0.125); dog: scale 1, slope 0, offset 0 -> 0.5; bird: 2 * 0.5.
    text = "\n1.0,0.0,0.0\n2.0,0.0,0.0\n"
    result = ObjectDetector.create_from_buffer(ssd_model(calibration=text)).detect(IMAGE)
    assert [d.categories[0].score for d in result.detections] == [0.5, 0.125, 1.0, 0.5]
    calibration = ScoreCalibration.from_text("0.5,0,0\n\n\n", 3, "IDENTITY", 0.0)
    result = ObjectDetector.create_from_buffer(ssd_model(), score_calibration=calibration,
                                               score_threshold=0.1).detect(IMAGE)
    assert [(d.categories[0].category_name, d.categories[0].score)
            for d in result.detections] == [("cat", 0.25)]


@pytest.mark.parametrize(("rotation", "expected"), [
    # The box (x 20..80, y 20..60) of the upright 160x80 frame, turned back.
    (0, BoundingBox(20, 20, 60, 40)),
    (90, BoundingBox(20, 80, 40, 60)),
    (180, BoundingBox(80, 20, 60, 40)),
    (270, BoundingBox(20, 20, 40, 60)),
])
def test_rotation_maps_boxes_back(rotation, expected):
    # A 80x160 (w x h) region turned 90/270 becomes 160x80; boxes are normalized to that.
    image = np.zeros((80, 160, 3), np.uint8) if rotation in (0, 180) else np.zeros(
        (160, 80, 3), np.uint8)
    detector = ObjectDetector.create_from_buffer(ssd_model(), max_results=1)
    assert boxes_of(detector.detect(image, rotation=rotation)) == [expected]


def test_roi_offsets_boxes():
    image = np.zeros((200, 300, 3), np.uint8)
    detector = ObjectDetector.create_from_buffer(ssd_model(), max_results=1)
    result = detector.detect(image, roi=(100, 50, 160, 80))
    assert boxes_of(result) == [BoundingBox(120, 70, 60, 40)]


# -- raw SSD outputs with anchors --------------------------------------------------------

ANCHORS = np.array([[0.5, 0.25, 0.5, 0.25], [0.5, 0.3125, 0.5, 0.25], [0.25, 0.75, 0.5, 0.5]],
                   np.float32)  # y_center, x_center, h, w


def anchor_model(encodings: np.ndarray, logits: np.ndarray) -> bytes:
    return constant_outputs_model([encodings[None], logits[None]],
                                  names=["raw_outputs/box_encodings",
                                         "raw_outputs/class_predictions"],
                                  input_dtype=np.uint8)


def test_anchor_family_decodes_known_boxes_and_suppresses_overlaps():
    encodings = np.zeros((3, 4), np.float32)  # boxes equal to the anchors
    # Columns: background, cat, dog. Box 0 and 1 overlap (IoU 0.6) and are both cats.
    logits = np.array([[0, 3, -3], [0, 2, -3], [0, -3, 1]], np.float32)
    detector = ObjectDetector.create_from_buffer(anchor_model(encodings, logits),
                                                 anchors=ANCHORS, labels=["cat", "dog"])
    assert detector.output_family == "ssd_anchors"
    result = detector.detect(np.zeros((64, 128, 3), np.uint8))
    assert boxes_of(result) == [BoundingBox(16, 16, 32, 32), BoundingBox(64, 0, 64, 32)]
    cats = [d.categories[0] for d in result.detections]
    assert [c.category_name for c in cats] == ["cat", "dog"]
    np.testing.assert_allclose([c.score for c in cats], [1 / (1 + math.exp(-3)),
                                                         1 / (1 + math.exp(-1))], rtol=1e-6)
    loose = ObjectDetector.create_from_buffer(anchor_model(encodings, logits), anchors=ANCHORS,
                                              labels=["cat", "dog"], iou_threshold=0.7)
    assert len(loose.detect(np.zeros((64, 128, 3), np.uint8)).detections) == 3


def test_anchor_family_non_zero_encodings():
    # ty = 1 moves the centre by ty / 10 * anchor height; th = 5 ln 2 doubles the height.
    encodings = np.array([[1.0, 0.0, 5 * math.log(2), 0.0]], np.float32)
    anchors = np.array([[0.5, 0.5, 0.25, 0.25]], np.float32)
    logits = np.array([[0.0, 5.0]], np.float32)
    detector = ObjectDetector.create_from_buffer(
        anchor_model(encodings, logits), anchors=anchors, background_class=False,
        score_threshold=0.5)
    (box,) = boxes_of(detector.detect(np.zeros((100, 100, 3), np.uint8)))
    # y centre 0.5 + 1/10 * 0.25 = 0.525, height 0.5: rows 27.5..77.5; x 37.5..62.5.
    assert box == BoundingBox(37, 27, 25, 50)


def test_anchor_generation_checked_against_the_model():
    encodings = np.zeros((3, 4), np.float32)
    logits = np.zeros((3, 2), np.float32)
    with pytest.raises(OptionsError, match="anchors"):
        ObjectDetector.create_from_buffer(anchor_model(encodings, logits))
    with pytest.raises(OptionsError, match="anchors"):
        ObjectDetector.create_from_buffer(anchor_model(encodings, logits),
                                          anchor_options=SsdAnchorOptions())


def test_class_agnostic_nms():
    encodings = np.zeros((3, 4), np.float32)
    logits = np.array([[0, 3, -3], [0, -3, 2], [0, -3, 1]], np.float32)  # box 1 is a dog
    aware = ObjectDetector.create_from_buffer(anchor_model(encodings, logits), anchors=ANCHORS,
                                              labels=["cat", "dog"], class_aware_nms=True)
    agnostic = ObjectDetector.create_from_buffer(anchor_model(encodings, logits),
                                                 anchors=ANCHORS, labels=["cat", "dog"])
    image = np.zeros((64, 128, 3), np.uint8)
    assert len(aware.detect(image).detections) == 3
    assert len(agnostic.detect(image).detections) == 2  # the in-graph op's default


def test_scores_already_probabilities_are_not_squashed_again():
    encodings = np.zeros((3, 4), np.float32)
    probabilities = np.array([[0.1, 0.75, 0.0], [0.2, 0.0, 0.125], [0.3, 0.0, 0.5]],
                             np.float32)
    detector = ObjectDetector.create_from_buffer(anchor_model(encodings, probabilities),
                                                 anchors=ANCHORS, labels=["cat", "dog"])
    image = np.zeros((64, 128, 3), np.uint8)
    assert [d.categories[0].score for d in detector.detect(image).detections] == [0.75, 0.5]
    forced = ObjectDetector.create_from_buffer(anchor_model(encodings, probabilities),
                                               anchors=ANCHORS, labels=["cat", "dog"],
                                               score_activation="sigmoid")
    np.testing.assert_allclose([d.categories[0].score for d in forced.detect(image).detections],
                               [1 / (1 + math.exp(-0.75)), 1 / (1 + math.exp(-0.5))], rtol=1e-6)


# -- YOLO outputs ---------------------------------------------------------------------------

YOLO_BOXES = np.array([[32, 16, 32, 16], [96, 48, 32, 32], [34, 16, 32, 16]], np.float32)


@pytest.mark.parametrize("transposed", [False, True])
@pytest.mark.parametrize("objectness", [False, True])
@pytest.mark.parametrize("pixels", [False, True])
def test_yolo_family_layouts(transposed, objectness, pixels):
    scores = np.array([[0.9, 0.1], [0.2, 0.8], [0.7, 0.0]], np.float32)
    centres = YOLO_BOXES if pixels else YOLO_BOXES / 128
    parts = [centres] + ([np.ones((3, 1), np.float32)] if objectness else []) + [scores]
    rows = np.concatenate(parts, axis=1)
    output = rows.T[None] if transposed else rows[None]
    model = constant_outputs_model([output], names=["output0"], input_shape=(1, 128, 128, 3),
                                   input_dtype=np.uint8)
    detector = ObjectDetector.create_from_buffer(model, labels=["a", "b"])
    assert detector.output_family == "yolo"
    result = detector.detect(np.zeros((256, 256, 3), np.uint8))
    # Box 2 overlaps box 0 (same class a, lower score) and is suppressed.
    assert boxes_of(result) == [BoundingBox(32, 16, 64, 32), BoundingBox(160, 64, 64, 64)]
    assert [d.categories[0].category_name for d in result.detections] == ["a", "b"]
    np.testing.assert_allclose([d.categories[0].score for d in result.detections], [0.9, 0.8],
                               rtol=1e-6)


def test_yolo_label_count_checked_at_creation():
    output = np.zeros((1, 10, 4 + 3), np.float32)
    model = constant_outputs_model([output], names=["output0"], input_shape=(1, 16, 16, 3),
                                   input_dtype=np.uint8)
    with pytest.raises(OptionsError):
        ObjectDetector.create_from_buffer(model, labels=["a"] * 7)
    assert ObjectDetector.create_from_buffer(model, labels=["a", "b", "c"]).labels == [
        "a", "b", "c"]


def test_clipped_box_is_usable_as_a_region_of_interest():
    box = BoundingBox(150, 60, 30, 40)
    assert box.clipped(160, 80) == BoundingBox(150, 60, 10, 20)
    assert BoundingBox(-5, -5, 3, 3).clipped(160, 80) == BoundingBox(0, 0, 0, 0)
    detector = ObjectDetector.create_from_buffer(ssd_model(), max_results=1)
    assert detector.detect(IMAGE, roi=box.clipped(160, 80)).detections


def test_output_family_forced_and_unrecognized():
    with pytest.raises(OptionsError, match="output_family"):
        ObjectDetector.create_from_buffer(ssd_model(), output_family="yolo")
    with pytest.raises(OptionsError, match="output_family"):
        ObjectDetector.create_from_buffer(ssd_model(), output_family="nonsense")


def test_a_classifier_is_not_a_detector():
    with pytest.raises(OptionsError, match="detector"):
        ObjectDetector.create_from_file(
            data_path("vision/mobilenet_v1_0.25_224_1_metadata_1.tflite"))


def test_bad_options_and_inputs():
    with pytest.raises(OptionsError, match="max_results"):
        ObjectDetector.create_from_buffer(ssd_model(), max_results=0)
    with pytest.raises(OptionsError, match="iou_threshold"):
        ObjectDetector.create_from_buffer(ssd_model(), iou_threshold=1.5)
    with pytest.raises(OptionsError, match="per output"):
        ObjectDetector.create_from_buffer(ssd_model(), labels={0: ["a"]})
    detector = ObjectDetector.create_from_buffer(ssd_model())
    with pytest.raises(InputError):
        detector.detect(b"not an image")
    with pytest.raises(InputError):
        detector.detect(IMAGE, roi=(150, 0, 20, 20))


def test_pickle_and_to_dict():
    detector = ObjectDetector.create_from_buffer(ssd_model(), max_results=2)
    clone = pickle.loads(pickle.dumps(detector))
    assert clone.detect(IMAGE).detections == detector.detect(IMAGE).detections
    as_dict = detector.detect(IMAGE).to_dict()
    assert as_dict == {"detections": [
        {"bounding_box": {"origin_x": 20, "origin_y": 20, "width": 60, "height": 40},
         "categories": [{"index": 1, "score": 0.875, "category_name": "dog",
                         "display_name": ""}]},
        {"bounding_box": {"origin_x": 80, "origin_y": 0, "width": 80, "height": 40},
         "categories": [{"index": 0, "score": 0.75, "category_name": "cat",
                         "display_name": ""}]}]}


def test_detect_batch_equals_detect_loop():
    detector = ObjectDetector.create_from_buffer(ssd_model())
    images = [IMAGE, np.zeros((40, 80, 3), np.uint8), np.full((80, 40, 3), 7, np.uint8)]
    batch = detector.detect_batch(images, max_workers=2)
    assert [r.detections for r in batch] == [detector.detect(i).detections for i in images]
    with pytest.raises(OptionsError, match="detect_batch"):
        detector.detect_batch(IMAGE)
