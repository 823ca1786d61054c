"""Classification options and postprocessing, on tiny models whose scores are known exactly."""

from __future__ import annotations

import numpy as np
import pytest
from tiny_models import constant_scores_model, with_classifier_metadata

from tflite_tasks import ImageClassifier, OptionsError, ScoreCalibration
from tflite_tasks.metadata.schema import ScoreTransformationType

SCORES = [0.1, 0.5, -0.2, 0.3, 0.05, 0.0]
LABELS = ["a", "b", "c", "d", "e", "f"]
IMAGE = np.zeros((4, 4, 3), np.uint8)


def _classify(model: bytes, **options) -> list[tuple[int, float, str, str]]:
    with ImageClassifier.create_from_buffer(model, **options) as classifier:
        result = classifier.classify(IMAGE)
    return [(c.index, round(c.score, 6), c.category_name, c.display_name)
            for c in result.classifications[0].categories]


def _model(**metadata) -> bytes:
    return with_classifier_metadata(constant_scores_model(SCORES), **metadata)


def test_sorted_by_score_with_real_indices_and_default_threshold_zero() -> None:
    got = _classify(_model(labels=LABELS))
    # score < 0 is dropped by the default threshold 0; 0.0 itself is kept (reject is '<').
    assert [i for i, *_ in got] == [1, 3, 0, 4, 5]
    assert [name for _, _, name, _ in got] == ["b", "d", "a", "e", "f"]
    assert got[0][1] == pytest.approx(0.5)


@pytest.mark.parametrize(("max_results", "expected"), [(-1, 5), (2, 2), (100, 5)])
def test_max_results(max_results: int, expected: int) -> None:
    assert len(_classify(_model(labels=LABELS), max_results=max_results)) == expected


def test_max_results_zero_is_an_error() -> None:
    with pytest.raises(OptionsError, match="max_results"):
        _classify(_model(labels=LABELS), max_results=0)


def test_threshold_option_beats_metadata_threshold() -> None:
    assert [i for i, *_ in _classify(_model(labels=LABELS, threshold=0.2))] == [1, 3]
    got = _classify(_model(labels=LABELS, threshold=0.2), score_threshold=-1.0)
    assert [i for i, *_ in got] == [1, 3, 0, 4, 5, 2]


def test_allowlist_and_denylist() -> None:
    assert [n for *_, n, _ in _classify(_model(labels=LABELS),
                                         category_name_allowlist=["a", "e", "zz"])] == ["a", "e"]
    got = _classify(_model(labels=LABELS), category_name_denylist=["b"], max_results=2)
    assert [n for *_, n, _ in got] == ["d", "a"]


def test_allowlist_errors() -> None:
    with pytest.raises(OptionsError, match="mutually exclusive"):
        _classify(_model(labels=LABELS), category_name_allowlist=["a"],
                  category_name_denylist=["b"])
    with pytest.raises(OptionsError, match="match"):
        _classify(_model(labels=LABELS), category_name_allowlist=["nothing"])
    with pytest.raises(OptionsError, match="labels"):
        _classify(_model(), category_name_allowlist=["a"])


def test_display_names_by_locale() -> None:
    model = _model(labels=LABELS, display_names={"fr": [x.upper() for x in LABELS]})
    assert _classify(model, max_results=1)[0][3] == ""
    assert _classify(model, max_results=1, display_names_locale="fr")[0][2:] == ("b", "B")


def test_labels_from_options_replace_or_supply() -> None:
    names = [f"class{i}" for i in range(len(SCORES))]
    assert _classify(_model(), labels=names, max_results=1)[0][2] == "class1"
    assert _classify(_model(labels=LABELS), labels=names, max_results=1)[0][2] == "class1"
    assert _classify(_model(), max_results=1)[0][2] == ""
    with pytest.raises(OptionsError, match="6 classes but 2 labels"):
        _classify(_model(), labels=["x", "y"])


def test_labels_file_option(tmp_path) -> None:
    path = tmp_path / "labels.txt"
    path.write_text("\n".join(f"L{i}" for i in range(len(SCORES))) + "\n")
    assert _classify(_model(), labels=path, max_results=1)[0][2] == "L1"
    with pytest.raises(OptionsError, match="not found"):
        _classify(_model(), labels=tmp_path / "missing.txt")


def test_score_calibration_from_metadata() -> None:
    lines = ["2.0,1.0,0.0", "", "1.0,10.0,-1.0,0.4", "1.0,1.0,0.0", "1.0,1.0,0.0", "1.0,1.0,0.0"]
    model = _model(labels=LABELS,
                   calibration=("\n".join(lines) + "\n", ScoreTransformationType.IDENTITY, 0.25))
    got = {i: s for i, s, *_ in _classify(model, score_threshold=-10)}
    sigmoid = lambda x: 1 / (1 + np.exp(-x))  # noqa: E731
    assert got[0] == pytest.approx(2 * sigmoid(0.1), abs=1e-6)
    assert got[1] == pytest.approx(0.25)  # empty line: default score
    assert got[2] == pytest.approx(0.25)  # below min_score 0.4: default score
    assert got[3] == pytest.approx(sigmoid(0.3), abs=1e-6)


@pytest.mark.parametrize(
    ("transformation", "function"),
    [(ScoreTransformationType.LOG, np.log),
     (ScoreTransformationType.INVERSE_LOGISTIC, lambda x: np.log(x) - np.log(1 - x))],
)
def test_score_calibration_transformations(transformation, function) -> None:
    calibration = ScoreCalibration.from_text("1.5,2.0,0.5\n", 1, transformation, 0.0)
    got = calibration.apply(np.array([0.3], np.float32))
    assert got[0] == pytest.approx(1.5 / (1 + np.exp(-(2.0 * function(0.3) + 0.5))), rel=1e-5)
    # Scores at or below 0 do not produce NaN or infinities (clamped log).
    assert np.all(np.isfinite(calibration.apply(np.array([0.0, -1.0], np.float32))))


def test_quantized_outputs_are_dequantized() -> None:
    scale, zero_point = 1 / 256, 0
    model = with_classifier_metadata(
        constant_scores_model([0.25, 0.75, 0.5], output_quantization=(scale, zero_point)),
        labels=["x", "y", "z"])
    got = _classify(model)
    assert [(n, s) for _, s, n, _ in got] == [("y", 0.75), ("z", 0.5), ("x", 0.25)]


def test_several_heads() -> None:
    model = with_classifier_metadata(constant_scores_model([0.2, 0.1], heads=2),
                                     labels=["p", "q"], heads=2)
    with ImageClassifier.create_from_buffer(model, max_results=1) as classifier:
        result = classifier.classify(IMAGE)
    assert [c.head_index for c in result.classifications] == [0, 1]
    assert [c.head_name for c in result.classifications] == ["head0", "head1"]
    assert [c.categories[0].score for c in result.classifications] == pytest.approx([0.2, 1.2])
    with ImageClassifier.create_from_buffer(model, labels={1: ["P", "Q"]}) as classifier:
        result = classifier.classify(IMAGE)
    assert result.classifications[1].categories[0].category_name == "P"
    assert result.classifications[0].categories[0].category_name == "p"


def test_unknown_option_names_the_valid_ones() -> None:
    with pytest.raises(OptionsError, match="max_results"):
        ImageClassifier.create_from_buffer(_model(), max_result=3)


def test_score_calibration_option_replaces_metadata() -> None:
    calibration = ScoreCalibration.from_text("\n".join(["1.0,0.0,0.0"] * len(SCORES)),
                                             len(SCORES))
    got = _classify(_model(labels=LABELS), score_calibration=calibration)
    assert {s for _, s, *_ in got} == {0.5}  # sigmoid(0) for every class
    by_name = ScoreCalibration.from_text("1,1,0\n", 1, "inverse_logistic")
    assert by_name.transformation == ScoreTransformationType.INVERSE_LOGISTIC
    with pytest.raises(OptionsError, match="unknown score transformation"):
        ScoreCalibration.from_text("1,1,0\n", 1, "cubic")
    with pytest.raises(OptionsError, match="score calibration parameters"):
        _classify(_model(labels=LABELS),
                  score_calibration=ScoreCalibration.from_text("1.0,0.0,0.0\n", 1))


@pytest.mark.parametrize(
    "options",
    [{"score_threshold": "0.5"}, {"score_threshold": float("nan")}, {"max_results": 2.0},
     {"max_results": True}, {"category_name_allowlist": "a"}, {"display_names_locale": 5},
     {"labels": {"0": LABELS}}, {"labels": {5: LABELS}}, {"score_calibration": "x"},
     {"normalization_mean": "a"}, {"normalization_std": {"a": 1}},
     {"normalization_mean": [1.0, 2.0]}, {"num_threads": 0}, {"num_threads": True},
     {"labels": 42}],
)
def test_bad_option_values_raise_options_error(options) -> None:
    with pytest.raises(OptionsError):
        _classify(_model(labels=LABELS), **options)


def test_labels_file_that_is_not_utf8(tmp_path) -> None:
    path = tmp_path / "latin1.txt"
    path.write_bytes("caf\xe9\n".encode("latin-1") * len(SCORES))
    with pytest.raises(OptionsError, match="UTF-8"):
        _classify(_model(), labels=path)


def test_threshold_compares_in_float32_like_the_reference() -> None:
    model = with_classifier_metadata(constant_scores_model([0.7, 0.2]), labels=["x", "y"])
    # 0.7 as float32 is below 0.7 as float64: the float64 threshold must not drop it.
    assert [n for *_, n, _ in _classify(model, score_threshold=np.float64(0.7))] == ["x"]
    calibration = ScoreCalibration.from_text("1.0,1.0,0.0,0.7\n1.0,1.0,0.0\n", 2, "IDENTITY", 0.25)
    got = {n: s for _, s, n, _ in _classify(model, score_calibration=calibration)}
    assert got["x"] == pytest.approx(1 / (1 + np.exp(-0.7)), abs=1e-6)  # not the default 0.25


def test_allowlist_is_checked_against_the_labels_of_every_head() -> None:
    model = with_classifier_metadata(constant_scores_model([0.2, 0.1], heads=2),
                                     labels=["p", "q"], heads=2)
    with ImageClassifier.create_from_buffer(
        model, labels={0: ["a", "b"], 1: ["x", "y"]}, category_name_allowlist=["a"]
    ) as classifier:
        result = classifier.classify(IMAGE)
    assert [c.category_name for c in result.classifications[0].categories] == ["a"]
    assert result.classifications[1].categories == []
    with pytest.raises(OptionsError, match="match"):
        _classify(_model(labels=LABELS), category_name_allowlist=[""])


def test_empty_locale_uses_the_first_label_file() -> None:
    model = _model(labels=LABELS, display_names={"fr": [x.upper() for x in LABELS]})
    assert _classify(model, max_results=1, display_names_locale="")[0][2:] == ("b", "b")


def test_whitespace_calibration_line_is_an_error() -> None:
    from tflite_tasks import MetadataError

    with pytest.raises(MetadataError, match="line 2"):
        ScoreCalibration.from_text("1,1,0\n \n", 2)


def test_minus_infinity_threshold_keeps_everything() -> None:
    assert len(_classify(_model(labels=LABELS), score_threshold=float("-inf"))) == len(SCORES)
