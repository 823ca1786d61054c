"""The ``tflite-tasks metadata write`` commands the doctor gives as fixes.

A writer replaces the model's metadata, so each command also carries the flags that keep
what the metadata already gives the task (normalization, audio properties, tokenizer,
labels, score threshold and calibration); the files these name are packed in the model, and
the command extracts them first.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from pathlib import Path

from tflite_tasks import metadata as md
from tflite_tasks.metadata.writers.bert_nl_classifier import (
    DEFAULT_ID_NAME,
    DEFAULT_MASK_NAME,
    DEFAULT_SEGMENT_ID_NAME,
)
from tflite_tasks.metadata.writers.flags import FLAGS

_LABELS = (md.AssociatedFileType.TENSOR_AXIS_LABELS, md.AssociatedFileType.TENSOR_VALUE_LABELS)


def bert_name_flags(names: Sequence[str]) -> tuple[str, ...]:
    """The writer's BERT tensor-name flags, unless the inputs have Model Maker's names: the
    input named like a mask, the one named like segment or type ids, and the other."""
    flags = {"--mask-name": [n for n in names if "mask" in n.lower()],
             "--segment-name": [n for n in names if any(
                 word in n.lower() for word in ("segment", "type"))]}
    ids = [n for n in names if n not in flags["--mask-name"] + flags["--segment-name"]]
    guess = {**flags, "--ids-name": ids}
    if set(names) == {DEFAULT_ID_NAME, DEFAULT_MASK_NAME, DEFAULT_SEGMENT_ID_NAME}:
        return ()
    if any(len(found) != 1 for found in guess.values()):
        return ("--ids-name", "IDS", "--mask-name", "MASK", "--segment-name", "SEGMENT_IDS")
    return tuple(a for flag in ("--ids-name", "--mask-name", "--segment-name")
                 for a in (flag, shlex.quote(guess[flag][0])))


def _numbers(values: Sequence[float]) -> list[str]:
    return [f"{value:g}" for value in values]


Kept = list[tuple[str, list[str], list[str]]]
"""What a command keeps: (flag destination, arguments, packed files they name)."""


def _tokenizer(options: object, input_names: Sequence[str]) -> Kept:
    """The flags of a tokenizer of the metadata."""
    vocab = [f.name for f in getattr(options, "vocab_file", None) or [] if f.name][:1]
    if isinstance(options, md.RegexTokenizerOptions) and vocab:
        pattern = shlex.quote(options.delim_regex_pattern or "")
        return [("vocab", ["--vocab", *vocab], vocab),
                ("delim_regex", ["--delim-regex", pattern], [])]
    bert: Kept = [("ids_name", list(bert_name_flags(input_names)), [])]
    names = bert if len(input_names) == 3 else []
    if isinstance(options, md.BertTokenizerOptions) and vocab:
        return [("vocab", ["--vocab", *vocab], vocab), *names]
    model = [f.name for f in getattr(options, "sentencePiece_model", None) or [] if f.name][:1]
    if isinstance(options, md.SentencePieceTokenizerOptions) and model:
        return [("sentencepiece", ["--sentencepiece", *model], model),
                *([("vocab", ["--vocab", *vocab], vocab)] if vocab else []), *names]
    return []


def _outputs(metadata: md.Metadata, heads: bool) -> Kept:
    """The flags of the label files, threshold and calibration of the outputs: each
    output's for ``heads``, else the first labelled output's. With ``heads`` and a head
    without labels, no labels are kept: ``--labels`` goes once per head, all from the gap."""
    found: Kept = []
    tensors = metadata.tensors("output") or []
    labelled = [any(f.type in _LABELS and f.name and not f.locale
                    for f in t.associated_files or []) for t in tensors]
    for tensor in tensors:
        files = [f for f in tensor.associated_files or [] if f.type in _LABELS and f.name
                 and (all(labelled) or not heads)]  # else the labels gap names every head's
        found += [("labels", ["--labels", f.name], [f.name]) for f in files if not f.locale][:1]
        found += [("localized_labels", ["--localized-labels", f.locale, f.name], [f.name])
                  for f in files if f.locale]
        threshold = md.process_unit_options(tensor, md.ScoreThresholdingOptions)
        if threshold is not None:
            found.append(("score_threshold", ["--score-threshold",
                                              f"{threshold.global_score_threshold:g}"], []))
        calibration = md.process_unit_options(tensor, md.ScoreCalibrationOptions)
        parameters = [f.name for f in tensor.associated_files or [] if f.name and f.type ==
                      md.AssociatedFileType.TENSOR_AXIS_SCORE_CALIBRATION][:1]
        if calibration is not None and parameters:
            found.append(("score_calibration", [
                "--score-calibration", *parameters, "--score-transformation",
                md.ScoreTransformationType(calibration.score_transformation).name,
                "--default-score", f"{calibration.default_score:g}"], parameters))
        if found and not heads:
            break
    return found


def kept_flags(metadata: md.Metadata | None, writer: str, input_names: Sequence[str],
               heads: bool) -> tuple[list[str], list[str]]:
    """The flags of ``metadata write WRITER`` that keep what ``metadata`` gives the task
    (labels of every output for ``heads``), and the packed files they name."""
    if metadata is None or not metadata.has_metadata:
        return [], []
    tensor = metadata.input_tensor(0)
    kept: Kept = []
    norm = md.process_unit_options(tensor, md.NormalizationOptions)
    if norm is not None and norm.mean and norm.std:
        kept.append(("mean", ["--mean", *_numbers(norm.mean), "--std", *_numbers(norm.std)],
                     []))
    props = tensor.content.content_properties if tensor and tensor.content else None
    if isinstance(props, md.AudioProperties) and props.sample_rate and props.channels:
        kept.append(("sample_rate", ["--sample-rate", str(props.sample_rate), "--channels",
                                     str(props.channels)], []))
    root = metadata.model_metadata
    graphs = (root.subgraph_metadata if root else None) or []
    units = [*((tensor.process_units or []) if tensor else []),
             *((graphs[0].input_process_units or []) if graphs else [])]
    tokenizers = [found for unit in units if (found := _tokenizer(unit.options, input_names))]
    kept += tokenizers[0] if tokenizers else []
    kept += _outputs(metadata, heads)
    taken = [(arguments, files) for dest, arguments, files in kept if dest in FLAGS[writer]]
    return ([a for arguments, _ in taken for a in arguments],
            [name for _, files in taken for name in files])


def write_command(source: str, writer: str, flags: Sequence[str],
                  packed: Sequence[str] = ()) -> str:
    """The ``tflite-tasks metadata write`` command with ``flags``, after the extraction of
    the ``packed`` files it names. The new model goes into the current folder (the model's
    own folder may be read-only or shared)."""
    model = Path("MODEL.tflite" if source.startswith("<") else source)
    output = Path(model.stem + "_metadata.tflite")
    write = " ".join(["tflite-tasks metadata write", writer, shlex.quote(str(model)),
                      "--output", shlex.quote(str(output)), *flags])
    if not packed:
        return write
    names = " ".join(shlex.quote(name) for name in dict.fromkeys(packed))
    return f"tflite-tasks metadata extract-files {shlex.quote(str(model))} {names} && {write}"
