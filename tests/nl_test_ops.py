"""Python kernels for the test ops of tflite-support's NL classifier test models.

The original C++ ops (``nl_classifier_test_utils.cc``) accept only "hello" and return fixed
values; ours parse the input string as comma-separated numbers, so results depend on it.
"""

from __future__ import annotations

import numpy as np


def _numbers(inputs: list[np.ndarray]) -> list[float]:
    """The test models' ops parse their input string: "0.25,0.75" -> [0.25, 0.75]."""
    text = inputs[0].reshape(-1)[0].decode("utf-8")
    return [float(x) for x in text.split(",")]


def string_to_floats(inputs: list[np.ndarray], options: bytes) -> list[np.ndarray]:
    return [np.array(_numbers(inputs), np.float32)]


def string_to_doubles(inputs: list[np.ndarray], options: bytes) -> list[np.ndarray]:
    return [np.array(_numbers(inputs), np.float64)]


def string_to_bools(inputs: list[np.ndarray], options: bytes) -> list[np.ndarray]:
    return [np.array(_numbers(inputs)) != 0]


def generate_labels(inputs: list[np.ndarray], options: bytes) -> list[list[str]]:
    return [[f"label{i}" for i in range(len(_numbers(inputs)))]]


NL_OPS = {"CUSTOM_OP_STRING_TO_FLOATS": string_to_floats,
          "CUSTOM_OP_STRING_TO_DOUBLES": string_to_doubles,
          "CUSTOM_OP_GENERATE_LABELS": generate_labels}
