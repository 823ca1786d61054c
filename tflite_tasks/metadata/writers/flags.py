"""The flags each writer takes in ``tflite-tasks metadata write WRITER`` (as argparse
destinations): the command line defines them, the doctor writes such commands."""

from __future__ import annotations

_IMAGE = ("mean", "std")
_LABELS = ("labels", "localized_labels", "score_threshold")
_CALIBRATION = ("score_calibration", "score_transformation", "default_score")
_BERT = ("vocab", "sentencepiece", "ids_name", "mask_name", "segment_name")
FLAGS: dict[str, tuple[str, ...]] = {
    "image_classifier": (*_IMAGE, *_LABELS, *_CALIBRATION),
    "object_detector": (*_IMAGE, *_LABELS, *_CALIBRATION),
    "image_segmenter": (*_IMAGE, "labels", "localized_labels"),
    "image_embedder": _IMAGE,
    "pose_estimator": (*_IMAGE, "keypoints", "family"),
    "nl_classifier": ("vocab", "delim_regex", *_LABELS),
    "bert_nl_classifier": (*_BERT, *_LABELS),
    "text_embedder": (*_BERT, "delim_regex", "tokenizer"),
    "audio_classifier": ("sample_rate", "channels", *_LABELS, *_CALIBRATION),
}
"""The task-specific flags (as argparse destinations) each writer takes."""
