"""Helpers the task writers share: reading the model's tensors, checking the files given,
the vision writers' image input block (as the reference's ``writer_utils``)."""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence
from pathlib import Path

from ...core.errors import InputError, MetadataError
from ...core.input_file import read_input_file
from ...core.model_file import ModelSource, read_model_bytes
from ...core.options import split_lines
from ...tasks.text.tokenizers import RegexTokenizer
from ..model_schema import TensorInfo, graph_io
from ..populator import as_path, regular_file
from ..schema import ColorSpaceType
from .metadata_info import (
    FilePath,
    InputImageTensorMd,
    LabelFileMd,
    RegexTokenizerMd,
    ScoreCalibrationMd,
)


def load_file(file_path: FilePath, mode: str = "rb") -> bytes | str:
    """A file's content (``mode`` "rb" or "r"), as the reference's ``writer_utils.load_file``
    reads a model to give a writer. InputFileNotFoundError / InputError when it is no file."""
    if mode not in ("rb", "r"):
        raise MetadataError(f"load_file reads with mode 'rb' or 'r', not {mode!r}")
    name = as_path(file_path, "file")
    content = read_input_file(name, "model", hint="")
    if mode == "rb":
        return content
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"file {name!r} is not UTF-8 text ({exc}): read it with mode 'rb'"
                         ) from None


def save_file(file_content: bytes | str, save_to_path: FilePath, mode: str = "wb") -> None:
    """Writes ``file_content`` (a populated model, say), as the reference's ``save_file``."""
    if mode not in ("wb", "w"):
        raise MetadataError(f"save_file writes with mode 'wb' or 'w', not {mode!r}")
    try:
        with open(save_to_path, mode, **({} if mode == "wb" else {"encoding": "utf-8"})) as f:
            f.write(file_content)
    except OSError as exc:
        raise InputError(f"cannot write {os.fspath(save_to_path)!r}: {exc.strerror or exc}"
                         ) from exc


def check_files_exist(paths: Sequence[FilePath], what: str, argument: str) -> None:
    """Checks that ``paths`` (a list) name regular files: MetadataError for what is no list
    or no path, InputFileNotFoundError for a missing file, InputError for a folder or pipe;
    the messages name the file's role."""
    if isinstance(paths, str | os.PathLike) or not isinstance(paths, Sequence):
        wrap = (f": wrap the single path in a list ([{os.fspath(paths)!r}])"
                if isinstance(paths, str | os.PathLike) else "")
        raise MetadataError(f"{argument} is a list of paths ([] for none), not "
                            f"{type(paths).__name__}{wrap}")
    for path in paths:
        regular_file(path, what, f": {argument} must name existing files, which are packed "
                                 "into the model")


def check_tokenizer_fits(inputs: Sequence[TensorInfo], tokenizer_md: object) -> None:
    """MetadataError when the one input of a text model does not fit ``tokenizer_md``: a
    string input is tokenized by the model itself, token ids (int32) need a tokenizer."""
    if len(inputs) != 1:
        return
    name, dtype = inputs[0].name, inputs[0].dtype
    if dtype == "string" and tokenizer_md is not None:
        raise MetadataError(f"the model's input {name!r} is text (string): the model tokenizes "
                            "it, so it takes no tokenizer; pass tokenizer_md=None (on the "
                            "command line, leave out --vocab)")
    if dtype == "int32" and tokenizer_md is None:
        raise MetadataError(f"the model's input {name!r} takes token ids (int32), so the task "
                            "needs a tokenizer: pass tokenizer_md=RegexTokenizerMd(pattern, "
                            "vocab_file) (on the command line, --vocab FILE)")


def check_regex_tokenizer(tokenizer_md: object) -> None:
    """MetadataError when a regex tokenizer's pattern or vocabulary is one the text tasks
    refuse (checked as they read it): a model carrying it would fail in every task."""
    if not isinstance(tokenizer_md, RegexTokenizerMd):
        return
    path = os.fspath(tokenizer_md.vocab_file_path)
    try:
        vocab = Path(path).read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise MetadataError(f"vocabulary file {path!r} is not UTF-8 text ({exc})") from None
    try:
        RegexTokenizer.from_vocab_file(tokenizer_md.delim_regex_pattern, vocab)
    except MetadataError as exc:
        raise MetadataError(f"{exc} (tokenizer_md, vocabulary file {path!r})") from None


# Shared by the vision writers (image_classifier, object_detector, image_segmenter,
# image_embedder, pose_estimator).

IMAGE_INPUT_NAME = "image"


def image_input_md(description: str, norm_mean: Sequence[float] | None = None,
                   norm_std: Sequence[float] | None = None,
                   tensor: TensorInfo | None = None) -> InputImageTensorMd:
    """The RGB input image block of the vision writers, named "image"; with the model's
    input ``tensor``, its element type sets the stats, and the normalization must have one
    value or one per channel (MetadataError otherwise)."""
    block = InputImageTensorMd(
        name=IMAGE_INPUT_NAME, description=description, norm_mean=norm_mean,  # type: ignore
        norm_std=norm_std, color_space_type=ColorSpaceType.RGB,  # type: ignore[arg-type]
        tensor_type=tensor.dtype if tensor else None)
    channels = tensor.shape[-1] if tensor else 0
    if tensor and block.norm_mean and len(block.norm_mean) not in (1, channels):
        raise MetadataError(f"the normalization has {len(block.norm_mean)} values but the "
                            f"image input has {channels} channel(s): give 1 or {channels}")
    return block


def _is_image(tensor: TensorInfo) -> bool:
    """Whether an input tensor is an image the vision tasks take."""
    return (len(tensor.shape) == 4 and tensor.shape[3] in (1, 3)
            and tensor.dtype in ("uint8", "int8", "float32"))


def image_model_io(model: ModelSource, writer: str, outputs: Sequence[int] = ()
                   ) -> tuple[bytes, list[TensorInfo], list[TensorInfo]]:
    """The model's bytes, inputs and outputs, checked for a vision writer: one input, and
    one of the ``outputs`` counts when given (MetadataError otherwise)."""
    data = read_model_bytes(model)[0]
    inputs, model_outputs = graph_io(data)
    counts = " or ".join(map(str, outputs)) + (" output" if outputs == (1,) else " outputs")
    if len(inputs) == 1 and not _is_image(inputs[0]):
        raise MetadataError(
            f"the {writer} writer describes image models, but the model's input "
            f"{inputs[0].name!r} is {inputs[0].dtype} {list(inputs[0].shape)}, not an image "
            f"[1, height, width, 1 or 3] of uint8, int8 or float32: use the writer of the "
            "model's task")
    if len(inputs) != 1 or (outputs and len(model_outputs) not in outputs):
        raise MetadataError(
            f"the {writer} writer describes models of one image input"
            f"{f' and {counts}' if outputs else ''}; this model has {len(inputs)} "
            f"input(s) {[t.name for t in inputs]} and {len(model_outputs)} output(s) "
            f"{[t.name for t in model_outputs]}. Use the writer of the model's task, or "
            "metadata_writer.MetadataWriter.create_from_metadata_info with one TensorMd per "
            "tensor")
    return data, inputs, model_outputs


def _check_labels(path: FilePath, tensor: TensorInfo) -> None:
    """MetadataError unless the label file is UTF-8 text; a warning when its label count is
    not the class count of ``tensor`` (its last dimension)."""
    try:
        count = len(split_lines(Path(path).read_bytes().decode("utf-8-sig")))
    except UnicodeDecodeError as exc:
        raise MetadataError(f"label file {os.fspath(path)!r} is not UTF-8 text ({exc}): the "
                            "tasks read labels as UTF-8, one per line") from None
    classes = tensor.shape[-1] if tensor.shape else 0
    if classes > 0 and count != classes:
        warnings.warn(f"label file {os.fspath(path)!r} has {count} labels but output "
                      f"{tensor.name!r} has {classes} classes: the tasks refuse the model "
                      "unless given labels=...; give one label per line, in class order",
                      stacklevel=4)


def label_file_mds(paths: Sequence[FilePath],
                   score_calibration_md: ScoreCalibrationMd | None = None,
                   outputs: Sequence[TensorInfo] = ()) -> list[LabelFileMd]:
    """Label file blocks of ``label_file_paths``, checked to exist, as is the score
    calibration file if any (InputFileNotFoundError otherwise). With ``outputs`` (the one
    output every file labels, or one per file) the files must be UTF-8 text (MetadataError),
    and a file of another label count than its output's classes is written with a warning,
    as the reference writes it."""
    check_files_exist(paths, "label file", "label_file_paths")
    if score_calibration_md is not None:
        check_files_exist([score_calibration_md.file_path], "score calibration file",
                          "score_calibration_md.file_path")
    for path, tensor in zip(paths, [*outputs] * len(paths) if len(outputs) == 1 else outputs,
                            strict=False):
        _check_labels(path, tensor)
    return [LabelFileMd(path) for path in paths]
