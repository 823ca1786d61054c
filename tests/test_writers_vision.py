"""The vision metadata writers against the reference: the JSON of what they write equals, as
text, the reference's JSON in metadata/<task>/ (inputs as in the reference's tests), the
populated models read back the same, and the tasks give the same results as on the models
that came with metadata. Pose writer: tests/test_pose_metadata.py."""

from __future__ import annotations

from pathlib import Path

import flatbuffers
import numpy as np
import pytest
from ai_edge_litert import schema_py_generated as tfl
from testdata import data_path
from tiny_models import channel_mean_model, constant_scores_model

from tflite_tasks import (
    ImageClassifier,
    ImageEmbedder,
    ImageSegmenter,
    InputError,
    InputFileNotFoundError,
    MetadataError,
    ModelLoadError,
    ObjectDetector,
)
from tflite_tasks.core.model_builder import GraphBuilder
from tflite_tasks.metadata import (
    AssociatedFile,
    AssociatedFileType,
    ColorSpaceType,
    ModelMetadata,
    ScoreTransformationType,
    SubGraphMetadata,
    TensorMetadata,
    populate,
    read_metadata,
)
from tflite_tasks.metadata.writers import (
    image_classifier,
    image_embedder,
    image_segmenter,
    metadata_info,
    metadata_writer,
    object_detector,
)

IC, OD, IS = "metadata/image_classifier/", "metadata/object_detector/", "metadata/image_segmenter/"
MEAN, STD = [127.5], [127.5]
IMAGES = ["burger.jpg", "cats_and_dogs.jpg", "fox.jpeg", "sparrow.png", "table.jpg",
          "multi_objects.jpg"]


# The reference's cases pair some stand-ins with label files of other lengths; the writer
# warns (tests/test_writers_text_audio.py::test_label_files_are_checked_against_the_output).
LABEL_COUNT_WARNING = "ignore:label file .* labels but output:UserWarning"

def model(relative: str) -> bytes:
    return data_path(relative).read_bytes()


def golden(relative: str) -> str:
    return data_path(relative).read_text()


def calibration(relative: str, default: float, kind: ScoreTransformationType =
                ScoreTransformationType.INVERSE_LOGISTIC) -> metadata_info.ScoreCalibrationMd:
    return metadata_info.ScoreCalibrationMd(kind, default, data_path(relative))


def float_classifier() -> bytes:
    """A float32-in, float32-out stand-in for the float MobileNetV2 the reference used (not in
    the shared data): the classifier's JSON depends only on these two element types."""
    return channel_mean_model()


def postprocess_model(outputs: tuple[int, ...], custom_op: bool = True) -> bytes:
    """A uint8 image in; 4 outputs (tensor indices ascending in the op's order: location,
    category, score, number) listed as the model's outputs in ``outputs`` order, made by a
    TFLite_Detection_PostProcess op (never run) or by builtin ops."""
    g = GraphBuilder()
    image = g.input("image", (1, 8, 8, 3), np.uint8)
    shapes = [((1, 10, 4), np.float32), ((1, 10), np.float32), ((1, 10), np.float32),
              ((1,), np.float32)]
    if custom_op:
        tensors = g.add_custom_op(object_detector.POSTPROCESS_OP, [image], shapes)
    else:
        tensors = [g.add_op("CAST", [image], shape, dtype) for shape, dtype in shapes]
    return g.build([image], [tensors[i] for i in outputs])


EFFICIENTDET_ORDER = (2, 0, 3, 1)
"""EfficientDet-Lite0's outputs: score, location, number, category (its JSON's order). No
EfficientDet model is in the shared data: stand-ins with a uint8 input and these outputs."""


def for_inference(writer, model_bytes: bytes, labels: str, *calibration_md):
    return writer.MetadataWriter.create_for_inference(model_bytes, MEAN, STD,
                                                      [data_path(labels)], *calibration_md)


def by_default(writer, model_bytes: bytes):
    return writer.MetadataWriter.create_from_metadata_info(model_bytes)


def quant_classifier() -> bytes:
    return model(IC + "mobilenet_v2_1.0_224_quant.tflite")


def ssd() -> bytes:
    return model(OD + "ssd_mobilenet_v1.tflite")


def deeplab() -> bytes:
    return model(IS + "deeplabv3.tflite")


def log_calibration() -> metadata_info.ScoreCalibrationMd:
    return calibration(IC + "score_calibration.txt", 0.2, ScoreTransformationType.LOG)


CASES = {  # case: (the reference's JSON, the writer as the reference's tests make it)
    "classifier_float": (IC + "mobilenet_v2_1.0_224.json", lambda: for_inference(
        image_classifier, float_classifier(), IC + "labels.txt", log_calibration())),
    "classifier_float_default": (IC + "mobilenet_v2_1.0_224_default.json", lambda: by_default(
        image_classifier, float_classifier())),
    "classifier_quant": (IC + "mobilenet_v2_1.0_224_quant.json", lambda: for_inference(
        image_classifier, quant_classifier(), IC + "labels.txt", log_calibration())),
    "classifier_quant_default": (IC + "mobilenet_v2_1.0_224_default.json", lambda: by_default(
        image_classifier, quant_classifier())),
    "classifier_quant_uncalibrated": ("metadata/general/mobilenet_v2_1.0_224_quant.json",
                                      lambda: for_inference(image_classifier, quant_classifier(),
                                                            "metadata/general/labels.txt")),
    "ssd": (OD + "ssd_mobilenet_v1.json", lambda: for_inference(
        object_detector, ssd(), OD + "labelmap.txt")),
    "ssd_default": (OD + "ssd_mobilenet_v1_default.json", lambda: by_default(
        object_detector, ssd())),
    "ssd_calibration": (OD + "coco_ssd_mobilenet_v1_score_calibration.json", lambda: for_inference(
        object_detector, ssd(), OD + "labelmap.txt", calibration(OD + "score_calibration.csv",
                                                                 0.2))),
    "ssd_calibration_dummy": (OD + "coco_ssd_mobilenet_v1_score_calibration_dummy.json", lambda:
                              for_inference(object_detector, ssd(), OD + "labelmap.txt",
                                            calibration(OD + "score_calibration_dummy.csv", 0.0))),
    "efficientdet": (OD + "efficientdet_lite0_v1.json", lambda: for_inference(
        object_detector, postprocess_model(EFFICIENTDET_ORDER), OD + "labelmap.txt")),
    "efficientdet_default": (OD + "efficientdet_lite0_v1_default.json", lambda: by_default(
        object_detector, postprocess_model(EFFICIENTDET_ORDER))),
    "efficientdet_without_op": (OD + "efficientdet_lite0_v1.json", lambda: for_inference(
        object_detector, postprocess_model(EFFICIENTDET_ORDER, custom_op=False),
        OD + "labelmap.txt")),
    "deeplab": (IS + "deeplabv3.json", lambda: for_inference(
        image_segmenter, deeplab(), IS + "labelmap.txt")),
    "deeplab_default": (IS + "deeplabv3_default.json", lambda: by_default(
        image_segmenter, deeplab())),
}
PARSER_VERSION = {"classifier": "1.0.0", "ssd": "1.2.0", "efficientdet": "1.2.0",
                  "deeplab": "1.0.0"}
"""min_parser_version the reference computes: tensor groups need 1.2.0."""


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.filterwarnings(LABEL_COUNT_WARNING)
def test_metadata_json_equals_the_reference_text(case):
    expected, writer = CASES[case]
    assert writer().get_metadata_json() == golden(expected)


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.filterwarnings(LABEL_COUNT_WARNING)
def test_populated_model_reads_back_the_same_metadata_and_files(case):
    expected, make = CASES[case]
    writer = make()
    read = read_metadata(writer.populate())
    assert read.to_json() == writer.get_populated_metadata_json()
    assert read.model_metadata.min_parser_version == PARSER_VERSION[case.split("_")[0]]
    unversioned = ModelMetadata.from_json(read.to_json())
    unversioned.min_parser_version = None
    assert unversioned.to_json() == golden(expected)
    files = [Path(path) for path in writer.associated_files]
    assert sorted(read.file_names) == sorted(path.name for path in files)
    for path in files:
        assert read.file(path.name) == path.read_bytes()


# The blocks, as the reference's metadata_info_test writes them (its files need not exist).
GENERAL = "metadata/general/"
NORM_MEAN, NORM_STD = [0, 127.5, 255], [127.5, 127.5, 127.5]
LABELS_EN_CN = [metadata_info.LabelFileMd("labels.txt", locale="en"),
                metadata_info.LabelFileMd("labels_cn.txt", locale="cn")]


def tensor_json(tensor: metadata_info.TensorMd) -> str:
    """A ModelMetadata with ``tensor`` as its only input, as JSON."""
    return ModelMetadata(subgraph_metadata=[SubGraphMetadata(
        input_tensor_metadata=[tensor.create_metadata()])]).to_json()


BLOCKS = {
    "general_meta.json": lambda: metadata_info.GeneralMd(
        name="model", version="v1", description="A ML model.", author="TensorFlow",
        licenses="Apache").create_metadata().to_json(),
    "associated_file_meta.json": lambda: ModelMetadata(associated_files=[
        metadata_info.AssociatedFileMd("label.txt", "The label file.",
                                       AssociatedFileType.TENSOR_AXIS_LABELS, "en")
        .create_metadata()]).to_json(),
    "score_calibration_file_meta.json": lambda: ModelMetadata(associated_files=[
        log_calibration().create_score_calibration_file_md().create_metadata()]).to_json(),
    "score_calibration_tensor_meta.json": lambda: ModelMetadata(subgraph_metadata=[
        SubGraphMetadata(input_process_units=[log_calibration().create_metadata()])])
    .to_json(),
    **{f"{kind}_tensor_meta.json": lambda kind=kind: tensor_json(metadata_info.TensorMd(
        name="input", description="The input tensor.", min_values=[0], max_values=[1],
        content_type=kind, associated_files=[
            metadata_info.AssociatedFileMd("labels.txt", locale="en"),
            metadata_info.AssociatedFileMd("labels_cn.txt", locale="cn")]))
       for kind in ("feature", "image", "bounding_box")},
    **{f"input_image_tensor_{name}_meta.json": lambda dtype=dtype: tensor_json(
        metadata_info.InputImageTensorMd(
            name="image", description="The input image.", norm_mean=NORM_MEAN,
            norm_std=NORM_STD, color_space_type=ColorSpaceType.RGB, tensor_type=dtype))
       for name, dtype in (("float", "float32"), ("uint8", "uint8"), ("unsupported", "int16"))},
    **{f"classification_tensor_{name}_meta.json": lambda dtype=dtype: tensor_json(
        metadata_info.ClassificationTensorMd(
            name="probability", description="The classification result tensor.",
            label_files=LABELS_EN_CN, tensor_type=dtype,
            score_calibration_md=calibration(IC + "score_calibration.txt", 0.2,
                                             ScoreTransformationType.IDENTITY)))
       for name, dtype in (("float", "float32"), ("uint8", "uint8"), ("unsupported", "int16"))},
    "category_tensor_float_meta.json": lambda: tensor_json(metadata_info.CategoryTensorMd(
        name="category", description="The category tensor.", label_files=LABELS_EN_CN)),
}


@pytest.mark.parametrize("name", list(BLOCKS))
def test_blocks_equal_the_reference_text(name):
    assert BLOCKS[name]() == golden(GENERAL + name)


# The base writer, as the reference's metadata_writer_test and metadata_test use it.


def io_model(inputs: list[str], outputs: list[str]) -> bytes:
    """A stand-in with these input and output names (the JSON depends only on them)."""
    g = GraphBuilder()
    tensors = [g.input(name, (1, 4), np.float32) for name in inputs]
    total = tensors[0]
    for tensor in tensors[1:]:
        total = g.add_op("ADD", [total, tensor], (1, 4), np.float32)
    return g.build(tensors, [g.add_op("RELU", [total], (1, 4), np.float32, name=name)
                             for name in outputs])


def dummy_writer() -> metadata_writer.MetadataWriter:
    return metadata_writer.MetadataWriter.create_from_metadata(
        quant_classifier(), ModelMetadata(name="mobilenet_v2_1.0_224_quant"),
        [TensorMetadata(name="image")], [TensorMetadata(name="probability")],
        [data_path(GENERAL + "labels.txt")])


BASE = {
    "mobilenet_v2_1.0_224_quant_dummy.json": lambda: dummy_writer().populate(),
    "mobilenet_v2_1.0_224_quant_default.json": lambda: metadata_writer.MetadataWriter
    .create_from_metadata(quant_classifier()).populate(),
    "mobilenet_v2_1.0_224_quant_meta_info_.json": lambda: metadata_writer.MetadataWriter
    .create_from_metadata_info(
        quant_classifier(), metadata_info.GeneralMd(name="mobilenet_v2_1.0_224_quant"),
        [metadata_info.TensorMd(name="image")], [metadata_info.TensorMd(name="probability")],
        [data_path(GENERAL + "labels.txt")]).populate(),
    # Stand-ins for mobilebert_float.tflite and two_heads.tflite (not in the shared data),
    # blocks given out of order and put in order by tensor_name.
    "multi_inputs.json": lambda: metadata_writer.MetadataWriter.create_from_metadata_info(
        io_model(["input_ids", "input_mask", "segment_ids"], ["end_logits", "start_logits"]),
        input_md=[metadata_info.TensorMd(name=name, tensor_name=tensor) for name, tensor in
                  (("mask", "input_mask"), ("segment", "segment_ids"), ("ids", "input_ids"))])
    .populate(),
    "multi_outputs.json": lambda: metadata_writer.MetadataWriter.create_from_metadata_info(
        io_model(["audio"], ["Identity", "Identity_1"]),
        output_md=[metadata_info.TensorMd(name="Identity 1", tensor_name="Identity_1"),
                   metadata_info.TensorMd(name="Identity", tensor_name="Identity")]).populate(),
    # metadata_test: the populator with two model files, one of them on the output.
    "golden_json.json": lambda: populate(
        io_model(["a", "b"], ["c"]),
        ModelMetadata(name="Mobilenet_quantized", associated_files=[AssociatedFile(name="file1")],
                      subgraph_metadata=[SubGraphMetadata(
                          input_tensor_metadata=[TensorMetadata(), TensorMetadata()],
                          output_tensor_metadata=[TensorMetadata(
                              associated_files=[AssociatedFile(name="file2")])])]),
        {"file1": b"1", "file2": b"2"}),
}


@pytest.mark.filterwarnings("ignore:associated file 'labels.txt' is not recorded")
@pytest.mark.parametrize("name", list(BASE))
def test_base_writer_populates_the_reference_metadata(name):
    assert read_metadata(BASE[name]()).to_json() == golden(GENERAL + name)


def test_base_writer_json_before_and_after_populating():
    writer = dummy_writer()
    assert writer.get_metadata_json() == golden(
        GENERAL + "mobilenet_v2_1.0_224_quant_dummy_no_version.json")
    with pytest.warns(UserWarning, match="'labels.txt' is not recorded in the metadata"):
        assert writer.get_populated_metadata_json() == golden(
            GENERAL + "mobilenet_v2_1.0_224_quant_dummy.json")
    assert read_metadata(writer.populate()).file_names == ["labels.txt"]


# The tasks on models written here give the results of the models that came with metadata.


@pytest.fixture(scope="module")
def classifiers(tmp_path_factory):
    """ImageClassifier on the float MobileNetV1 without metadata plus ours (mean/std 127.5,
    the labels packed in its twin with metadata), and on that twin."""
    reference = data_path("vision/mobilenet_v1_0.25_224_1_metadata_1.tflite")
    labels = tmp_path_factory.mktemp("labels") / "labels.txt"
    labels.write_bytes(read_metadata(reference).file("labels.txt"))
    written = image_classifier.MetadataWriter.create_for_inference(
        model("vision/mobilenet_v1_0.25_224_1_default_1.tflite"), MEAN, STD, [labels])
    return (ImageClassifier.create_from_buffer(written.populate(), max_results=5),
            ImageClassifier.create_from_file(reference, max_results=5))


@pytest.mark.parametrize("image", IMAGES)
def test_written_classifier_gives_the_reference_models_top5(classifiers, image):
    ours, reference = (c.classify(data_path("vision/" + image)).classifications[0].categories
                       for c in classifiers)
    assert [(c.category_name, c.score) for c in ours] == \
        [(c.category_name, c.score) for c in reference]
    if image == "burger.jpg":
        assert [c.category_name for c in ours[:3]] == ["cheeseburger", "mushroom", "bagel"]
        assert ours[0].score == pytest.approx(0.9884, abs=2e-4)


def test_written_detector_gives_the_detections_of_the_model_with_metadata():
    written = for_inference(object_detector, ssd(), OD + "labelmap.txt")
    image = data_path("vision/cats_and_dogs.jpg")
    ours = ObjectDetector.create_from_buffer(written.populate(), max_results=3).detect(image)
    reference = ObjectDetector.create_from_file(
        data_path("vision/coco_ssd_mobilenet_v1_1.0_quant_2018_06_29.tflite"),
        max_results=3).detect(image)
    assert ours.detections == reference.detections
    assert [d.categories[0].category_name for d in ours.detections] == ["cat"] * 3
    assert [round(d.categories[0].score, 4) for d in ours.detections] == [0.6445, 0.6094, 0.5625]


def test_written_segmenter_gives_the_mask_of_the_model_with_metadata():
    written = for_inference(image_segmenter, deeplab(), IS + "labelmap.txt")
    image = data_path("vision/segmentation_input_rotation0.jpg")
    ours = ImageSegmenter.create_from_buffer(written.populate()).segment(image)
    reference = ImageSegmenter.create_from_file(data_path("vision/deeplabv3.tflite")).segment(image)
    np.testing.assert_array_equal(ours.category_mask, reference.category_mask)
    assert ours.colored_labels == reference.colored_labels
    assert set(np.unique(ours.category_mask).tolist()) == {0, 13, 15}


def test_embedder_metadata_names_each_output_and_normalizes_as_the_options_would():
    data = model("vision/mobilenet_v1_0.25_224_1_default_1.tflite")
    writer = image_embedder.MetadataWriter.create_for_inference(data, MEAN, STD)
    outputs = writer.metadata.subgraph_metadata[0].output_tensor_metadata
    assert [(t.name, t.description) for t in outputs] == [("embedding",
                                                           "Embedding vector of the image.")]
    image = data_path("vision/burger.jpg")
    ours = ImageEmbedder.create_from_buffer(writer.populate()).embed(image).embeddings[0]
    plain = ImageEmbedder.create_from_buffer(
        data, normalization_mean=127.5, normalization_std=127.5).embed(image).embeddings[0]
    np.testing.assert_array_equal(ours.embedding, plain.embedding)
    assert ours.head_name == "embedding"
    heads = image_embedder.MetadataWriter.create_from_metadata_info(
        constant_scores_model([0.5, 0.25], heads=2))
    assert [t.name for t in heads.metadata.subgraph_metadata[0].output_tensor_metadata] == [
        "embedding_0", "embedding_1"]


def test_detector_roles_follow_the_postprocess_op_not_the_tensor_indices():
    """Outputs in the op's order whose tensor indices do not ascend: the reference's rule
    would call output 1 the location; the op's outputs say output 0 is."""
    packed = tfl.ModelT.InitFromPackedBuf(postprocess_model((0, 1, 2, 3)), 0)
    graph = packed.subgraphs[0]
    swapped = [graph.outputs[1], graph.outputs[0], *graph.outputs[2:]]
    graph.operators[0].outputs = graph.outputs = np.array(swapped, np.int32)
    builder = flatbuffers.Builder(1024)
    builder.Finish(packed.Pack(builder), file_identifier=b"TFL3")
    writer = object_detector.MetadataWriter.create_from_metadata_info(bytes(builder.Output()))
    assert [t.name for t in writer.metadata.subgraph_metadata[0].output_tensor_metadata] == [
        name for name, _ in object_detector.OUTPUTS]


# Errors say what to do.


def test_mean_and_std_of_different_lengths_are_refused():
    with pytest.raises(MetadataError, match="same length"):
        image_classifier.MetadataWriter.create_for_inference(
            float_classifier(), [127.5, 127.5, 127.5], [127.5, 127.5], [])


def test_missing_label_and_calibration_files_are_refused(tmp_path):
    with pytest.raises(InputFileNotFoundError, match="label_file_paths must name existing"):
        object_detector.MetadataWriter.create_for_inference(
            model(OD + "ssd_mobilenet_v1.tflite"), MEAN, STD, [tmp_path / "labelmap.txt"])
    with pytest.raises(MetadataError, match=r"wrap the single path in a list"):
        image_segmenter.MetadataWriter.create_for_inference(
            model(IS + "deeplabv3.tflite"), MEAN, STD, str(data_path(IS + "labelmap.txt")))
    missing = metadata_info.ScoreCalibrationMd(ScoreTransformationType.LOG, 0.2,
                                               tmp_path / "calibration.txt")
    with pytest.raises(InputFileNotFoundError, match="score calibration file"):
        image_classifier.MetadataWriter.create_for_inference(float_classifier(), MEAN, STD, [],
                                                             missing)


@pytest.mark.parametrize("writer", [image_classifier, object_detector, image_segmenter,
                                    image_embedder])
def test_a_non_model_is_refused(writer):
    with pytest.raises(ModelLoadError, match="not a TFLite model"):
        writer.MetadataWriter.create_from_metadata_info(b"this is not a model at all")


@pytest.mark.parametrize(("writer", "data", "message"), [
    (object_detector, float_classifier, "one image input and 4 outputs; this model has 1 "
                                        "input"),
    (image_classifier, lambda: postprocess_model((0, 1, 2, 3)), "and 1 output; this model "
                                                                "has 1 input"),
    (image_segmenter, lambda: constant_scores_model([0.5], heads=2), "and 1 output;"),
    (image_embedder, lambda: io_model(["a", "b"], ["c"]), "one image input; this model has 2"),
])
def test_models_of_other_shapes_are_refused_with_the_way_out(writer, data, message):
    with pytest.raises(MetadataError, match=message) as error:
        writer.MetadataWriter.create_from_metadata_info(data())
    assert "create_from_metadata_info with one TensorMd per tensor" in str(error.value)


def test_detector_outputs_named_otherwise_are_written_with_a_warning():
    with pytest.warns(UserWarning, match="'scores' is not named 'score'"):
        writer = object_detector.MetadataWriter.create_from_metadata_info(
            model(OD + "ssd_mobilenet_v1.tflite"),
            output_score_md=metadata_info.TensorMd(name="scores"))
    group = writer.metadata.subgraph_metadata[0].output_tensor_groups[0]
    assert group.tensor_names == ["location", "category", "scores"]


@pytest.mark.parametrize(("mean", "std", "message"), [
    ("127.5", [127.5], r"norm_mean is a list of numbers .* not '127\.5'"),
    (127.5, 127.5, r"wrap it in a list \(\[127\.5\]\)"),
    ([float("nan")], [127.5], "each value of norm_mean must be a finite number, not nan"),
    ([0.0], [float("inf")], "each value of norm_std must be a finite number, not inf"),
    (["0"], [1.0], "must be a finite number, not '0'"),
    ([0.0], None, "must be given together"),
    ([0.0, 1.0], [1.0, 1.0], "2 values but the image input has 3 channel"),
])
def test_normalization_values_the_tasks_would_refuse_are_refused(mean, std, message):
    with pytest.raises(MetadataError, match=message):
        image_classifier.MetadataWriter.create_for_inference(float_classifier(), mean, std, [])


def test_normalization_may_be_numpy_values():
    arrays = image_classifier.MetadataWriter.create_for_inference(
        float_classifier(), np.array([127.5], np.float32), np.array([127.5]), [])
    lists = image_classifier.MetadataWriter.create_for_inference(float_classifier(), MEAN, STD,
                                                                 [])
    assert arrays.get_metadata_json() == lists.get_metadata_json()
    assert arrays.populate() == lists.populate()


@pytest.mark.parametrize("writer", [image_classifier, image_segmenter, image_embedder])
def test_a_model_whose_input_is_no_image_is_refused(writer):
    assert writer.MetadataWriter.create_from_metadata_info(constant_scores_model([0.5]))
    text = GraphBuilder()
    tokens = text.input("input_ids", (1, 8), np.int32)
    scores = text.add_op("CAST", [tokens], (1, 8), np.float32, name="scores")
    with pytest.raises(MetadataError, match=r"input 'input_ids' is int32 \[1, 8\], not an image"):
        writer.MetadataWriter.create_from_metadata_info(text.build([tokens], [scores]))


def test_label_file_paths_that_are_no_paths_or_no_files_are_refused(tmp_path):
    def write(paths):
        return image_classifier.MetadataWriter.create_for_inference(float_classifier(), MEAN,
                                                                    STD, paths)

    with pytest.raises(MetadataError, match="label file 3 is not a path"):
        write([3])
    with pytest.raises(MetadataError, match=r"label_file_paths is a list of paths \(\[\] for "
                                            "none\\), not NoneType"):
        write(None)
    with pytest.raises(InputError, match="is not a regular file"):
        write([tmp_path])
    with pytest.raises(MetadataError, match="file 3 is not a path"):
        metadata_info.LabelFileMd(3).create_metadata()
