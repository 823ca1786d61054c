"""The metadata_info blocks take the reference's positional arguments, so ported scripts that
call ``LabelFileMd(path, locale)`` or ``ClassificationTensorMd(name, description, labels)``
keep their meaning."""

from __future__ import annotations

import numpy as np
import pytest

from tflite_tasks.core.errors import InputFileNotFoundError, MetadataError
from tflite_tasks.metadata import AssociatedFileType, ColorSpaceType, ScoreTransformationType
from tflite_tasks.metadata.writers import metadata_info as mi
from tflite_tasks.metadata.writers import writer_utils


def test_label_file_takes_path_then_locale() -> None:
    label = mi.LabelFileMd("labels_de.txt", "de")
    assert (label.locale, label.file_type) == ("de", AssociatedFileType.TENSOR_AXIS_LABELS)
    assert label.description == "Labels for categories that the model can recognize."


def test_tensor_blocks_take_the_reference_positional_order() -> None:
    labels = [mi.LabelFileMd("labels.txt")]
    calibration = mi.ScoreCalibrationMd(ScoreTransformationType.LOG, 0.2, "calibration.txt")
    scores = mi.ClassificationTensorMd("probability", "scores", labels, "uint8", calibration)
    assert (scores.min_values, scores.max_values) == ([0.0], [255.0])
    assert [f.create_metadata().name for f in scores.associated_files] == [
        "labels.txt", "calibration.txt"]
    image = mi.InputImageTensorMd("image", "pixels", [127.5], [127.5], ColorSpaceType.RGB,
                                  "float32")
    assert (image.min_values, image.max_values) == ([-1.0], [1.0])
    assert image.content_type == "image"
    audio = mi.InputAudioTensorMd("audio", "samples", 16000, 1).create_metadata()
    assert (audio.content.content_properties.sample_rate,
            audio.content.content_properties.channels) == (16000, 1)
    text = mi.InputTextTensorMd("text", "ids", mi.RegexTokenizerMd(" ", "vocab.txt"))
    assert text.file_paths() == ["vocab.txt"]
    category = mi.CategoryTensorMd("category", "classes", labels)
    assert category.associated_files[0].file_type == AssociatedFileType.TENSOR_VALUE_LABELS


def test_tensor_type_given_as_the_reference_gives_it() -> None:
    """A schema TensorType number (UINT8 = 3), a numpy type or an upper-case name set the
    stats as "uint8" does; anything else is an error, not silently no stats."""

    for tensor_type in (3, np.uint8, np.dtype("uint8"), "UINT8", "uint8"):
        scores = mi.ClassificationTensorMd("p", "d", None, tensor_type)
        assert (scores.min_values, scores.max_values) == ([0.0], [255.0]), tensor_type
    assert mi.ClassificationTensorMd("p", "d", None, 0).max_values == [1.0]  # FLOAT32
    for wrong in ("uint9", 99, object()):
        with pytest.raises(MetadataError, match="no tensor type"):
            mi.ClassificationTensorMd("p", "d", None, wrong)


def test_load_and_save_file_as_in_the_reference(tmp_path) -> None:

    path = tmp_path / "model.tflite"
    writer_utils.save_file(b"\x00bytes", path)
    assert writer_utils.load_file(path) == b"\x00bytes"
    with pytest.raises(InputFileNotFoundError):
        writer_utils.load_file(tmp_path / "missing.tflite")
