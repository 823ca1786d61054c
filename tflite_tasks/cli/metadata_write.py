"""``tflite-tasks metadata write WRITER MODEL --output OUT [flags]``: the task writers on the
command line, e.g. ``metadata write image_classifier m.tflite --mean 127.5 --std 127.5
--labels labels.txt --output m_meta.tflite``.

Each writer takes the flags its ``create_for_inference`` takes; the general flags (name,
description, ...), localized labels and a score threshold apply to every writer's metadata
afterwards. A flag a writer does not take is an error naming the flags it does take.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import os
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tflite_tasks.core.errors import InputError, OptionsError
from tflite_tasks.core.model_file import read_model_bytes
from tflite_tasks.metadata.model_schema import graph_io
from tflite_tasks.metadata.schema import AssociatedFileType, ScoreTransformationType
from tflite_tasks.metadata.writers import (
    audio_classifier,
    bert_nl_classifier,
    image_classifier,
    image_embedder,
    image_segmenter,
    nl_classifier,
    object_detector,
    pose_estimator,
    text_embedder,
)
from tflite_tasks.metadata.writers.flags import FLAGS
from tflite_tasks.metadata.writers.metadata_info import (
    BertTokenizerMd,
    FilePath,
    RegexTokenizerMd,
    ScoreCalibrationMd,
    ScoreThresholdingMd,
    SentencePieceTokenizerMd,
    TokenizerMd,
    file_name,
)
from tflite_tasks.metadata.writers.metadata_writer import MetadataWriter

DEFAULT_DELIM_REGEX = r"[^\w\']+"
"""The regex of the reference's text classifier examples: split on anything but word
characters and apostrophes."""


_GENERAL = ("name", "description", "version", "author", "license")


def _flag(dest: str) -> str:
    return "--" + dest.replace("_", "-")


def add_write_arguments(subparsers: argparse._SubParsersAction) -> None:
    """``metadata write WRITER MODEL --output OUT [flags]``."""
    text = "write task metadata and its files (labels, vocabularies...) into a model"
    parser = subparsers.add_parser("write", help=text, description=text, epilog=(
        "flags per writer: " + "; ".join(
            f"{w}: {' '.join(_flag(d) for d in dests)}" for w, dests in FLAGS.items())))
    parser.add_argument("writer", choices=list(FLAGS), metavar="WRITER",
                        help=f"the task: {', '.join(FLAGS)}")
    parser.add_argument("model", metavar="MODEL", help="the .tflite file to describe")
    parser.add_argument("--output", "-o", metavar="OUT", required=True,
                        help="the .tflite file to write (MODEL itself needs --force)")
    parser.add_argument("--force", action="store_true", help="overwrite OUT if it exists")
    general = parser.add_argument_group("model information")
    for dest in _GENERAL:
        general.add_argument(_flag(dest), metavar="TEXT", help=f"the model's {dest}")
    image = parser.add_argument_group("image input")
    image.add_argument("--mean", type=float, nargs="+", metavar="M",
                       help="normalization mean, 1 or 3 values: input = (pixel - mean) / std "
                            "(127.5 for inputs in [-1, 1], 0 for [0, 255]); needed for float "
                            "inputs")
    image.add_argument("--std", type=float, nargs="+", metavar="S",
                       help="normalization std, as many values as --mean (127.5 for [-1, 1], "
                            "255 for [0, 1])")
    labels = parser.add_argument_group("labels and scores")
    labels.add_argument("--labels", action="append", metavar="FILE",
                        help="label file, one label per line (audio_classifier: once per head)")
    labels.add_argument("--localized-labels", nargs=2, action="append",
                        metavar=("LOCALE", "FILE"),
                        help="labels in a language, e.g. --localized-labels de labels_de.txt "
                             "(the tasks' display_names_locale)")
    labels.add_argument("--score-threshold", type=float, metavar="F",
                        help="results scoring below F are dropped by default")
    labels.add_argument("--score-calibration", metavar="FILE",
                        help="sigmoid calibration parameters, one line per class")
    labels.add_argument("--score-transformation", default="IDENTITY",
                        choices=[t.name for t in ScoreTransformationType],
                        help="applied to scores before calibration (default IDENTITY)")
    labels.add_argument("--default-score", type=float, default=0.0, metavar="F",
                        help="calibrated score of classes without parameters (default 0)")
    text_group = parser.add_argument_group("text input")
    text_group.add_argument("--vocab", metavar="FILE", help="vocabulary file of the tokenizer")
    text_group.add_argument("--delim-regex", metavar="PATTERN",
                            help=f"regex tokenizer delimiter (default {DEFAULT_DELIM_REGEX!r})")
    text_group.add_argument("--sentencepiece", metavar="FILE",
                            help="SentencePiece model file (instead of a WordPiece --vocab)")
    text_group.add_argument("--tokenizer", choices=["regex", "bert", "sentencepiece"],
                            help="text_embedder: the tokenizer kind (default: regex with "
                                 "--delim-regex, else sentencepiece with --sentencepiece, "
                                 "else bert)")
    for dest, default in (("ids_name", bert_nl_classifier.DEFAULT_ID_NAME),
                          ("mask_name", bert_nl_classifier.DEFAULT_MASK_NAME),
                          ("segment_name", bert_nl_classifier.DEFAULT_SEGMENT_ID_NAME)):
        text_group.add_argument(_flag(dest), metavar="TENSOR",
                                help=f"BERT input tensor name (default {default!r})")
    audio = parser.add_argument_group("audio input")
    audio.add_argument("--sample-rate", type=int, metavar="HZ", help="sample rate, e.g. 16000")
    audio.add_argument("--channels", type=int, metavar="N", help="channels, e.g. 1")
    pose = parser.add_argument_group("pose")
    pose.add_argument("--keypoints", metavar="FILE",
                      help="keypoint names, one per line in the model's order")
    pose.add_argument("--family", choices=["movenet_single", "movenet_multi", "posenet"],
                      help="the model family (default: recognized from the outputs)")


_DEFAULTS = {"score_transformation": "IDENTITY", "default_score": 0.0}
_NEEDS = {"score_transformation": "score_calibration", "default_score": "score_calibration",
          "delim_regex": "vocab"}
"""Flags that mean nothing without another one: alone, they would be silently ignored."""


def _check_flags(args: argparse.Namespace) -> None:
    """OptionsError for a task flag the writer does not take, or one that would be ignored."""
    allowed = set(FLAGS[args.writer])
    given = {d for dests in FLAGS.values() for d in dests
             if getattr(args, d) not in (None, _DEFAULTS.get(d))}
    wrong = sorted({_flag(d) for d in given if d not in allowed})
    if wrong:
        raise OptionsError(f"{args.writer} does not take {', '.join(wrong)}; it takes "
                           f"{' '.join(_flag(d) for d in FLAGS[args.writer])}")
    for dest, needed in _NEEDS.items():
        if dest in given and needed not in given:
            raise OptionsError(f"{_flag(dest)} needs {_flag(needed)} (without it, it would be "
                               "ignored)")


def _normalization(args: argparse.Namespace, model: bytes) -> tuple[list[float] | None, ...]:
    """--mean/--std; required for a non-uint8 image input."""
    if (args.mean is None) != (args.std is None):
        raise OptionsError("give --mean and --std together")
    inputs = graph_io(model)[0]
    if args.mean is None and len(inputs) == 1 and inputs[0].dtype != "uint8":
        raise OptionsError(
            f"{args.writer}: the model's input is {inputs[0].dtype}, so it needs its "
            "normalization: --mean and --std (127.5 127.5 for inputs in [-1, 1], 0 255 for "
            "[0, 1])")
    return args.mean, args.std


def _calibration(args: argparse.Namespace) -> ScoreCalibrationMd | None:
    if args.score_calibration is None:
        return None
    return ScoreCalibrationMd(ScoreTransformationType[args.score_transformation],
                              args.default_score, args.score_calibration)


def _one_labels(args: argparse.Namespace, heads: int = 1) -> list[FilePath]:
    """The --labels files: at most one, or (``heads`` > 1) one per head."""
    labels = list(args.labels or [])
    if len(labels) > 1 and heads == 1:
        raise OptionsError(f"{args.writer} takes one --labels file per head; the model has 1")
    return labels


def _tokenizer(args: argparse.Namespace) -> TokenizerMd | None:
    """The tokenizer the flags describe (regex, WordPiece or SentencePiece)."""
    kind = args.tokenizer or ("regex" if args.writer == "nl_classifier" or args.delim_regex
                              else "sentencepiece" if args.sentencepiece else "bert")
    if kind == "sentencepiece":
        if args.sentencepiece is None:
            raise OptionsError("a SentencePiece tokenizer needs --sentencepiece FILE")
        return SentencePieceTokenizerMd(args.sentencepiece, args.vocab)
    if args.vocab is None:
        if kind == "regex" and args.writer == "nl_classifier":
            return None  # a string-input model tokenizes in the graph
        raise OptionsError(f"a {kind} tokenizer needs --vocab FILE")
    if kind == "regex":
        return RegexTokenizerMd(args.delim_regex or DEFAULT_DELIM_REGEX, args.vocab)
    return BertTokenizerMd(args.vocab)


def _bert_names(args: argparse.Namespace) -> dict[str, str]:
    return {d: getattr(args, d) for d in ("ids_name", "mask_name", "segment_name")
            if getattr(args, d) is not None}


def _image_writer(module: Any) -> Callable[[argparse.Namespace, bytes], MetadataWriter]:
    def create(args: argparse.Namespace, model: bytes) -> MetadataWriter:
        extra: list[Any] = []
        if "labels" in FLAGS[args.writer]:
            extra.append(_one_labels(args))
        if "score_calibration" in FLAGS[args.writer]:
            extra.append(_calibration(args))
        return module.MetadataWriter.create_for_inference(model, *_normalization(args, model),
                                                          *extra)
    return create


def _pose(args: argparse.Namespace, model: bytes) -> MetadataWriter:
    return pose_estimator.MetadataWriter.create_for_inference(
        model, *_normalization(args, model), args.keypoints, args.family)


def _nl(args: argparse.Namespace, model: bytes) -> MetadataWriter:
    tokenizer = _tokenizer(args)
    if not isinstance(tokenizer, RegexTokenizerMd | None):
        raise OptionsError("nl_classifier takes a regex tokenizer; for WordPiece or "
                           "SentencePiece use bert_nl_classifier")
    return nl_classifier.MetadataWriter.create_for_inference(model, tokenizer, _one_labels(args))


def _bert(args: argparse.Namespace, model: bytes) -> MetadataWriter:
    tokenizer = _tokenizer(args)
    assert not isinstance(tokenizer, RegexTokenizerMd | None)  # kind is never regex here
    return bert_nl_classifier.MetadataWriter.create_for_inference(
        model, tokenizer, _one_labels(args), **_bert_names(args))


def _text_embedder(args: argparse.Namespace, model: bytes) -> MetadataWriter:
    return text_embedder.MetadataWriter.create_for_inference(
        model, _tokenizer(args), **_bert_names(args))


def _audio(args: argparse.Namespace, model: bytes) -> MetadataWriter:
    if args.sample_rate is None or args.channels is None:
        raise OptionsError("audio_classifier needs --sample-rate and --channels (YAMNet: "
                           "--sample-rate 16000 --channels 1)")
    return audio_classifier.MetadataWriter.create_for_inference(
        model, args.sample_rate, args.channels, _one_labels(args, len(graph_io(model)[1])),
        _calibration(args))


CREATE: dict[str, Callable[[argparse.Namespace, bytes], MetadataWriter]] = {
    "image_classifier": _image_writer(image_classifier),
    "object_detector": _image_writer(object_detector),
    "image_segmenter": _image_writer(image_segmenter),
    "image_embedder": _image_writer(image_embedder),
    "pose_estimator": _pose,
    "nl_classifier": _nl,
    "bert_nl_classifier": _bert,
    "text_embedder": _text_embedder,
    "audio_classifier": _audio,
}
"""The writer of each WRITER name, from the parsed flags and the model's bytes."""


_LABEL_TYPES = (AssociatedFileType.TENSOR_AXIS_LABELS, AssociatedFileType.TENSOR_VALUE_LABELS)


def _label_outputs(writer: MetadataWriter) -> list[Any]:
    """The output tensor metadata carrying label files (the classification outputs)."""
    graph = (writer.metadata.subgraph_metadata or [None])[0]
    return [t for t in (graph.output_tensor_metadata if graph else None) or []
            if any(f.type in _LABEL_TYPES for f in t.associated_files or [])]


def _score_outputs(name: str, writer: MetadataWriter) -> list[Any]:
    """The outputs a score threshold applies to: a detector's scores, else the labelled
    (``name`` is the WRITER)."""
    graph = (writer.metadata.subgraph_metadata or [None])[0]
    scores = [t for t in (graph.output_tensor_metadata if graph else None) or []
              if t.name == "score"] if name == "object_detector" else []
    return scores or _label_outputs(writer)


def _add_extras(args: argparse.Namespace, writer: MetadataWriter) -> None:
    """General information, localized labels and the score threshold, on top of the writer's
    metadata."""
    for dest in _GENERAL:
        if getattr(args, dest) is not None:
            setattr(writer.metadata, dest, getattr(args, dest))
    for locale, path in args.localized_labels or []:
        outputs = _label_outputs(writer)
        if not outputs:
            raise OptionsError("--localized-labels needs --labels (the labels it translates)")
        if len(outputs) > 1:
            raise OptionsError(
                f"--localized-labels translates the labels of one output, and this model has "
                f"{len(outputs)} labelled heads: write it in Python, with "
                "metadata_info.LabelFileMd(path, locale) in each head's label_files")
        for tensor in outputs:
            first = next(f for f in tensor.associated_files if f.type in _LABEL_TYPES)
            tensor.associated_files.append(dataclasses.replace(
                first, name=file_name(path), locale=locale))
        writer.associated_files.append(path)
    if args.score_threshold is not None:
        threshold = ScoreThresholdingMd(args.score_threshold)
        outputs = _score_outputs(args.writer, writer)
        if not outputs:
            raise OptionsError("--score-threshold needs --labels (the classification output)")
        for tensor in outputs:
            tensor.process_units = [*(tensor.process_units or []), threshold.create_metadata()]


def run_write(args: argparse.Namespace) -> int:
    """Writes OUT: MODEL with the writer's metadata and files; prints a summary."""
    output = Path(args.output)
    if output.is_dir():
        raise InputError(f"--output {args.output!r} is a folder: give the .tflite file to write")
    if output.exists() and not args.force:
        raise InputError(f"{args.output!r} already exists; pass --force to overwrite it")
    with warnings.catch_warnings(record=True) as caught:  # shown as the command's own
        warnings.simplefilter("always")
        writer = writer_for(args)
        populated = writer.populate()
    for warning in caught:
        print(f"tflite-tasks metadata write: warning: {warning.message}", file=sys.stderr)
    tmp = output.with_name(output.name + ".part")
    try:  # written beside OUT, then renamed: OUT is never left half written
        tmp.write_bytes(populated)
        os.replace(tmp, output)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        raise InputError(f"cannot write {args.output!r}: {exc.strerror or exc}") from exc
    files = ", ".join(file_name(p) for p in writer.associated_files) or "none"
    print(f"wrote {args.output} ({len(populated)} bytes): {args.writer} metadata for "
          f"{args.model}; "
          f"packed files: {files}")
    print(f"check it with: tflite-tasks doctor {args.output}")
    return 0


def writer_for(args: argparse.Namespace) -> MetadataWriter:
    """The writer the parsed ``metadata write`` flags describe, extras applied (for tests and
    scripts that want the metadata without writing a file)."""
    _check_flags(args)
    writer = CREATE[args.writer](args, read_model_bytes(args.model)[0])
    _add_extras(args, writer)
    return writer

