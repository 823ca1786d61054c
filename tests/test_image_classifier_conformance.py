"""ImageClassifier against the reference Task Library's outputs on the real models."""

from __future__ import annotations

import pytest
from testdata import data_path, reference_case, reference_case_ids

from tflite_tasks import ImageClassifier


@pytest.mark.parametrize("case_id", reference_case_ids("classify"))
def test_matches_reference_task_library(case_id: str) -> None:
    case, reference = reference_case(case_id)
    options = dict(case["options"].get("classification", {}))
    classifier = ImageClassifier.create_from_file(data_path(case["model"]), num_threads=1,
                                                  **options)
    roi = tuple(case["options"]["roi"]) if "roi" in case["options"] else None
    result = classifier.classify(data_path(case["input"]), roi=roi)
    ours = result.classifications[0].categories
    theirs = reference[0]["categories"]
    # The top category is the same, with the score within 0.01 (resizers differ slightly).
    # A region of interest is resized by a factor near 1, where a one-pixel change of the
    # crop moves this score by 0.1 (0.67 at 239x161, 0.51 at 241x163): 0.03 there.
    assert ours[0].category_name == theirs[0]["category_name"]
    assert ours[0].index == theirs[0]["index"]
    tolerance = 0.03 if "roi" in case["options"] else 0.01
    assert ours[0].score == pytest.approx(theirs[0]["score"], abs=tolerance)
    # Every reference category scoring 0.05 or more is among ours, with a close score.
    by_name = {c.category_name: c.score for c in ours}
    for ref in theirs:
        if ref["score"] >= 0.05:
            assert by_name[ref["category_name"]] == pytest.approx(ref["score"], abs=0.03)
    # Options shape the list as in the reference: same length when limited by max_results.
    if "max_results" in options:
        assert len(ours) == len(theirs)
    if "category_name_allowlist" in options:
        assert {c.category_name for c in ours} == {c["category_name"] for c in theirs}
    if "score_threshold" in options:
        assert all(c.score >= options["score_threshold"] for c in ours)
        assert [c.category_name for c in ours] == [c["category_name"] for c in theirs]


def test_burger_cheeseburger_within_001_of_reference() -> None:
    classifier = ImageClassifier.create_from_file(
        data_path("vision/mobilenet_v1_0.25_224_1_metadata_1.tflite"), max_results=3)
    top = classifier.classify(data_path("vision/burger.jpg")).classifications[0].categories[0]
    assert top.category_name == "cheeseburger"
    assert abs(top.score - 0.9884) <= 0.01


def test_quantized_model_gives_cheeseburger_near_0969() -> None:
    classifier = ImageClassifier.create_from_file(
        data_path("vision/mobilenet_v1_0.25_224_quant.tflite"), max_results=1)
    top = classifier.classify(data_path("vision/burger.jpg")).classifications[0].categories[0]
    assert top.category_name == "cheeseburger"
    assert top.score == pytest.approx(0.969, abs=0.02)


def test_efficientnet_lite0_fox() -> None:
    classifier = ImageClassifier.create_from_file(data_path("vision/efficientnet_lite0.tflite"),
                                                  max_results=3)
    top = classifier.classify(data_path("vision/fox.jpeg")).classifications[0].categories
    assert top[0].category_name == "red fox"
    assert top[0].score > 0.6


def test_model_without_metadata_with_options_matches_model_with_metadata() -> None:
    labels = data_path("metadata/image_classifier/labels.txt")
    image = data_path("vision/burger.jpg")
    plain = ImageClassifier.create_from_file(
        data_path("vision/mobilenet_v1_0.25_224_1_default_1.tflite"), max_results=3,
        normalization_mean=127.5, normalization_std=127.5, labels=labels)
    with_metadata = ImageClassifier.create_from_file(
        data_path("vision/mobilenet_v1_0.25_224_1_metadata_1.tflite"), max_results=3)
    ours = plain.classify(image).classifications[0].categories
    theirs = with_metadata.classify(image).classifications[0].categories
    assert [c.category_name for c in ours] == [c.category_name for c in theirs]
    assert [c.score for c in ours] == pytest.approx([c.score for c in theirs], abs=1e-4)
