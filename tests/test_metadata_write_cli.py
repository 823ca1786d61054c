"""``tflite-tasks metadata write WRITER MODEL --output OUT``: the writers on the command line."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from testdata import data_path

from tflite_tasks import (
    AudioClassifier,
    ImageClassifier,
    ObjectDetector,
    TextClassifier,
)
from tflite_tasks.cli import main
from tflite_tasks.core.model_builder import GraphBuilder
from tflite_tasks.metadata import ScoreThresholdingOptions, read_metadata

BARE = "vision/mobilenet_v1_0.25_224_1_default_1.tflite"
WITH_METADATA = "vision/mobilenet_v1_0.25_224_1_metadata_1.tflite"


@pytest.fixture
def labels(tmp_path: Path) -> Path:
    """ImageNet's labels, taken from the model that packs them."""
    path = tmp_path / "labels.txt"
    path.write_bytes(read_metadata(data_path(WITH_METADATA)).file("labels.txt"))
    return path


def _write(capsys, *args: str) -> tuple[int, str, str]:
    status = main(["metadata", "write", *args])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_image_classifier_gives_the_official_models_results(capsys, tmp_path, labels) -> None:
    out = tmp_path / "out.tflite"
    status, stdout, _ = _write(capsys, "image_classifier", str(data_path(BARE)), "--mean",
                               "127.5", "--std", "127.5", "--labels", str(labels),
                               "--output", str(out), "--name", "MobileNet V1 0.25")
    assert status == 0
    assert f"wrote {out}" in stdout and "packed files: labels.txt" in stdout
    metadata = read_metadata(out)
    assert metadata.model_metadata.name == "MobileNet V1 0.25"
    assert metadata.file("labels.txt") == labels.read_bytes()
    image = data_path("vision/burger.jpg")
    with ImageClassifier.create_from_file(out, max_results=5) as ours, \
            ImageClassifier.create_from_file(data_path(WITH_METADATA), max_results=5) as official:
        got = ours.classify(image).classifications[0].categories
        want = official.classify(image).classifications[0].categories
    assert [c.category_name for c in got] == [c.category_name for c in want]
    np.testing.assert_allclose([c.score for c in got], [c.score for c in want], atol=1e-6)


def test_localized_labels_and_threshold(capsys, tmp_path, labels) -> None:
    german = tmp_path / "labels_de.txt"
    german.write_text("\n".join(f"de_{line}" for line in labels.read_text().splitlines()))
    out = tmp_path / "out.tflite"
    status, _, _ = _write(capsys, "image_classifier", str(data_path(BARE)), "--mean", "127.5",
                          "--std", "127.5", "--labels", str(labels), "--localized-labels",
                          "de", str(german), "--score-threshold", "0.5", "-o", str(out))
    assert status == 0
    probability = read_metadata(out).output_tensor(0)
    assert [(f.name, f.locale) for f in probability.associated_files] == [
        ("labels.txt", None), ("labels_de.txt", "de")]
    assert [u.options for u in probability.process_units] == [
        ScoreThresholdingOptions(global_score_threshold=0.5)]  # exact in float32
    with ImageClassifier.create_from_file(out, display_names_locale="de") as classifier:
        result = classifier.classify(data_path("vision/burger.jpg"))
    categories = result.classifications[0].categories
    assert [(c.category_name, c.display_name) for c in categories] == [
        ("cheeseburger", "de_cheeseburger")]  # 0.5 from the metadata keeps the top one only


def test_object_detector_threshold_on_the_score_tensor(capsys, tmp_path) -> None:
    out = tmp_path / "ssd.tflite"
    labelmap = data_path("metadata/object_detector/labelmap.txt")
    status, _, _ = _write(capsys, "object_detector",
                          str(data_path("metadata/object_detector/ssd_mobilenet_v1.tflite")),
                          "--mean", "127.5", "--std", "127.5", "--labels", str(labelmap),
                          "--score-threshold", "0.6", "-o", str(out))
    assert status == 0
    tensors = {t.name: t for t in read_metadata(out).model_metadata.subgraph_metadata[0]
               .output_tensor_metadata}
    [unit] = tensors["score"].process_units
    assert unit.options.global_score_threshold == pytest.approx(0.6)  # a float32
    with ObjectDetector.create_from_file(out) as detector:
        result = detector.detect(data_path("vision/cats_and_dogs.jpg"))
    assert result.detections
    assert all(d.categories[0].score >= 0.6 for d in result.detections)
    assert {d.categories[0].category_name for d in result.detections} <= set(
        labelmap.read_text().split())


def test_float_input_needs_normalization(capsys, tmp_path) -> None:
    status, _, err = _write(capsys, "image_classifier", str(data_path(BARE)),
                            "-o", str(tmp_path / "out.tflite"))
    assert status == 1
    assert "float32" in err and "--mean and --std" in err
    assert not (tmp_path / "out.tflite").exists()


def test_flags_a_writer_does_not_take(capsys, tmp_path) -> None:
    status, _, err = _write(capsys, "image_classifier", str(data_path(BARE)), "--mean", "0",
                            "--std", "255", "--sample-rate", "16000", "--vocab", "v.txt",
                            "-o", str(tmp_path / "out.tflite"))
    assert status == 1
    assert "image_classifier does not take --sample-rate, --vocab" in err
    assert "--mean --std --labels" in err


def test_existing_output_needs_force(capsys, tmp_path) -> None:
    out = tmp_path / "out.tflite"
    out.write_bytes(b"keep me")
    args = ["image_embedder", str(data_path(BARE)), "--mean", "127.5", "--std", "127.5",
            "-o", str(out)]
    status, _, err = _write(capsys, *args)
    assert status == 1 and "--force" in err
    assert out.read_bytes() == b"keep me"
    assert _write(capsys, *args, "--force")[0] == 0
    assert read_metadata(out).model_metadata.subgraph_metadata[0].output_tensor_metadata[
        0].name == "embedding"


def test_missing_label_file(capsys, tmp_path) -> None:
    status, _, err = _write(capsys, "image_classifier", str(data_path(BARE)), "--mean", "0",
                            "--std", "1", "--labels", str(tmp_path / "nope.txt"),
                            "-o", str(tmp_path / "out.tflite"))
    assert status == 1 and "nope.txt" in err


def test_audio_classifier(capsys, tmp_path) -> None:
    out = tmp_path / "yamnet.tflite"
    model = data_path("metadata/audio_classifier/yamnet_wavin_quantized_mel_relu6.tflite")
    labels = data_path("metadata/audio_classifier/yamnet_521_labels.txt")
    status, _, err = _write(capsys, "audio_classifier", str(model), "--labels", str(labels),
                            "-o", str(out))
    assert status == 1 and "--sample-rate and --channels" in err
    assert _write(capsys, "audio_classifier", str(model), "--labels", str(labels),
                  "--sample-rate", "16000", "--channels", "1", "-o", str(out))[0] == 0
    with AudioClassifier.create_from_file(out) as classifier:
        first = classifier.classify(data_path("audio/speech.wav"))[0]
    assert first.classifications[0].categories[0].category_name == "Speech"


def test_nl_classifier(capsys, tmp_path) -> None:
    folder = "metadata/nl_classifier/"
    out = tmp_path / "movies.tflite"
    status, _, _ = _write(capsys, "nl_classifier", str(data_path(folder + "movie_review.tflite")),
                          "--vocab", str(data_path(folder + "vocab.txt")),
                          "--labels", str(data_path(folder + "labels.txt")), "-o", str(out))
    assert status == 0
    tokenizer = read_metadata(out).input_tensor(0).process_units[0].options
    assert tokenizer.delim_regex_pattern == r"[^\w\']+"
    with TextClassifier.create_from_file(out) as classifier:
        result = classifier.classify("What a waste of my time.")
    assert result.classifications[0].categories[0].category_name == "Negative"


def test_nl_classifier_refuses_bert_flags(capsys, tmp_path) -> None:
    status, _, err = _write(capsys, "nl_classifier",
                            str(data_path("metadata/nl_classifier/movie_review.tflite")),
                            "--sentencepiece", "sp.model", "-o", str(tmp_path / "o.tflite"))
    assert status == 1 and "does not take --sentencepiece" in err


@pytest.mark.parametrize(("flags", "message"), [
    (["--default-score", "0.5"], "--default-score needs --score-calibration"),
    (["--score-transformation", "LOG"], "--score-transformation needs --score-calibration"),
    (["--score-threshold", "nan"], "global_score_threshold must be a number"),
    (["--mean", "nan", "--std", "1"], "must be a finite number, not nan"),
    (["--mean", "1", "2", "--std", "1", "2"], "2 values but the image input has 3 channel"),
])
def test_flags_that_would_be_ignored_or_break_the_model_are_refused(capsys, tmp_path, labels,
                                                                    flags, message) -> None:
    out = tmp_path / "out.tflite"
    base = ["--mean", "127.5", "--std", "127.5"] if "--mean" not in flags else []
    status, _, err = _write(capsys, "image_classifier", str(data_path(BARE)), *base, *flags,
                            "--labels", str(labels), "-o", str(out))
    assert status == 1 and message in err and "Traceback" not in err
    assert not out.exists()


def test_delim_regex_without_a_vocabulary_is_refused(capsys, tmp_path) -> None:
    status, _, err = _write(capsys, "nl_classifier",
                            str(data_path("metadata/nl_classifier/movie_review.tflite")),
                            "--delim-regex", "[ ]+", "-o", str(tmp_path / "o.tflite"))
    assert status == 1 and "--delim-regex needs --vocab" in err


def test_nl_classifier_without_vocab_on_token_ids_is_refused(capsys, tmp_path) -> None:
    status, _, err = _write(capsys, "nl_classifier",
                            str(data_path("metadata/nl_classifier/movie_review.tflite")),
                            "-o", str(tmp_path / "o.tflite"))
    assert status == 1 and "takes token ids (int32)" in err and "--vocab FILE" in err


def test_a_model_without_inputs_is_refused_not_a_crash(capsys, tmp_path) -> None:
    g = GraphBuilder()
    scores = g.add_op("RELU", [g.constant("c", np.zeros((1, 3), np.float32))], (1, 3),
                      np.float32, name="scores")
    model = tmp_path / "no_input.tflite"
    model.write_bytes(g.build([], [scores]))
    for writer in ("image_classifier", "pose_estimator"):
        status, _, err = _write(capsys, writer, str(model), "-o", str(tmp_path / "o.tflite"))
        assert status == 1 and "0 input(s)" in err


def test_audio_labels_once_per_head(capsys, tmp_path) -> None:
    g = GraphBuilder()
    audio = g.input("audio", (1, 4), np.float32)
    heads = [g.add_op("FULLY_CONNECTED", [audio, g.constant(f"w{k}", np.ones((k, 4), np.float32)),
                                          g.constant(f"b{k}", np.zeros(k, np.float32))],
                      (1, k), np.float32, name=f"head{k}") for k in (3, 2)]
    two_heads = tmp_path / "two_heads.tflite"
    two_heads.write_bytes(g.build([audio], heads))
    first, second = tmp_path / "first.txt", tmp_path / "second.txt"
    first.write_text("a\nb\nc\n")
    second.write_text("x\ny\n")
    out = tmp_path / "out.tflite"
    rate = ["--sample-rate", "16000", "--channels", "1"]
    assert _write(capsys, "audio_classifier", str(two_heads), *rate, "--labels", str(first),
                  "--labels", str(second), "-o", str(out))[0] == 0
    with AudioClassifier.create_from_file(out) as classifier:
        assert classifier.labels == [["a", "b", "c"], ["x", "y"]]
    status, _, err = _write(capsys, "audio_classifier", str(two_heads), *rate, "--labels",
                            str(first), "-o", str(tmp_path / "one.tflite"))
    assert status == 1 and "give one label file per head" in err
    status, _, err = _write(capsys, "audio_classifier", str(two_heads), *rate, "--labels",
                            str(first), "--labels", str(second), "--localized-labels", "de",
                            str(first), "-o", str(tmp_path / "de.tflite"))
    assert status == 1 and "this model has 2 labelled heads" in err
    yamnet = data_path("metadata/audio_classifier/yamnet_wavin_quantized_mel_relu6.tflite")
    status, _, err = _write(capsys, "audio_classifier", str(yamnet), *rate, "--labels",
                            str(first), "--labels", str(second), "-o", str(tmp_path / "y.tflite"))
    assert status == 1 and "one --labels file per head; the model has 1" in err


def test_a_failed_write_leaves_nothing_behind(capsys, tmp_path, monkeypatch) -> None:
    args = ["image_embedder", str(data_path(BARE)), "--mean", "127.5", "--std", "127.5"]
    folder = tmp_path / "models"
    folder.mkdir()
    status, _, err = _write(capsys, *args, "-o", str(folder), "--force")
    assert status == 1 and "is a folder" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["models"]

    def full_disk(source: object, target: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("tflite_tasks.cli.metadata_write.os.replace", full_disk)
    status, _, err = _write(capsys, *args, "-o", str(tmp_path / "out.tflite"))
    assert status == 1 and "No space left on device" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["models"]  # no out.tflite.part


def test_a_label_count_mismatch_is_a_warning_of_the_command(capsys, tmp_path) -> None:
    labels = tmp_path / "two.txt"
    labels.write_text("a\nb\n")
    status, _, err = _write(capsys, "image_classifier", str(data_path(BARE)), "--mean", "127.5",
                            "--std", "127.5", "--labels", str(labels),
                            "-o", str(tmp_path / "out.tflite"))
    assert status == 0
    assert err.startswith(f"tflite-tasks metadata write: warning: label file '{labels}' has 2 "
                          "labels but output")
    assert "UserWarning" not in err
