"""The one way tests reach the shared real models (``../shared/models`` by default).

``TFLITE_TASKS_TEST_DATA`` points elsewhere. Where the data is absent the tests that need it
skip with the reason, unless ``TFLITE_TASKS_REQUIRE_TEST_DATA=1`` (set by ``.ci/run``), where a
missing file fails the test instead.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

MODELS_WITH_METADATA = [
    "vision/mobilenet_v1_0.25_224_1_metadata_1",
    "vision/mobilenet_v1_0.25_224_quant",
    "vision/efficientnet_lite0",
    "vision/coco_ssd_mobilenet_v1_1.0_quant_2018_06_29",
    "vision/deeplabv3",
    "text/test_model_nl_classifier_with_regex_tokenizer",
    "text/text_classification_v2",
    "text/regex_one_embedding_with_metadata",
    "audio/yamnet_audio_classifier_with_metadata",
]
"""The shared models that carry metadata, each with ``<model>.metadata.json`` beside it."""

_DEFAULT = Path(__file__).resolve().parent.parent.parent / "shared" / "models"


def data_root() -> Path:
    """Returns the folder of the shared test models."""
    return Path(os.environ.get("TFLITE_TASKS_TEST_DATA", _DEFAULT))


def data_path(relative: str) -> Path:
    """Returns the path of a shared test file, skipping (or failing in CI) when it is absent."""
    path = data_root() / relative
    if not path.exists():
        reason = (f"test data {relative!r} not found under {data_root()} "
                  "(set TFLITE_TASKS_TEST_DATA)")
        if os.environ.get("TFLITE_TASKS_REQUIRE_TEST_DATA") == "1":
            pytest.fail(reason + "; TFLITE_TASKS_REQUIRE_TEST_DATA=1 makes this a failure")
        pytest.skip(reason)
    return path


def reference_case_ids(task: str) -> list[str]:
    """The ids of the reference Task Library cases of ``task`` ("classify", "detect", ...).

    Without the data, one placeholder id whose test then skips (or fails in CI).
    """
    path = data_root() / "reference_cases.json"
    if not path.exists():
        return ["missing-reference-cases"]
    return [c["id"] for c in json.loads(path.read_text()) if c["task"] == task]


def reference_case(case_id: str) -> tuple[dict, object]:
    """(case, reference result) of a reference case: model, input and options, and what the
    reference Task Library 0.4.4 returned."""
    outputs = json.loads(data_path("reference_outputs/task_library_0.4.4.json").read_text())
    if case_id not in outputs:
        pytest.fail(f"no reference output for case {case_id!r}")
    entry = outputs[case_id]
    return entry["case"], entry["result"]
