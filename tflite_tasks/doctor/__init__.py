"""The model doctor: which tasks a model can serve, what is missing, and how to fix it.

``diagnose(model, task=None)`` reads the model once, lists its tensors, metadata and ops (and
whether this LiteRT, or a Python kernel, runs each op), then creates each task from the bytes
with default options: a task that creates is ready. When creation fails, the metadata tells
what is missing (normalization, audio properties, a tokenizer, kernels for custom ops) and the
task is created again with stand-ins for those: if that works the task is *fixable*, and each
gap comes with its fixes, the Python option and the ``tflite-tasks metadata write`` command;
if not, the task's own error says why the model does not fit it.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from ai_edge_litert import schema_py_generated as schema

import tflite_tasks as tt
from tflite_tasks import metadata as md
from tflite_tasks.core.custom_ops import CustomOpError, Kernel, registered_custom_ops
from tflite_tasks.core.engine import TensorSpec, io_specs
from tflite_tasks.core.errors import ModelFileNotFoundError, OptionsError, TfliteTasksError
from tflite_tasks.core.model_file import ModelSource, check_model_identifier, read_model_bytes
from tflite_tasks.core.task import BaseTask
from tflite_tasks.doctor.commands import bert_name_flags, kept_flags, write_command
from tflite_tasks.doctor.ops import (
    OP_NAMES,
    UNRESOLVED,
    litert_crash,
    litert_interpreter,
    litert_resolves,
    op_finding,
)
from tflite_tasks.doctor.report import (
    EXIT_NOT_A_MODEL,
    EXIT_NOT_READY,
    EXIT_READY,
    NOT_READY,
    READY,
    WARNINGS,
    Finding,
    Fix,
    MetadataSummary,
    Op,
    Report,
    TaskReport,
    tensor_dict,
)
from tflite_tasks.metadata.model_schema import CUSTOM, operator_codes


@dataclass(frozen=True)
class _Kind:
    cls: type[BaseTask]
    modality: str  # what the input needs from the metadata: "image", "text", "audio" or ""
    writer: str | None  # its ``metadata write`` writer
    labels: str | None  # "heads" (a label list per output), "one", or None (no labels)


TASKS: dict[str, _Kind] = {
    "image_classifier": _Kind(tt.ImageClassifier, "image", "image_classifier", "heads"),
    "object_detector": _Kind(tt.ObjectDetector, "image", "object_detector", "one"),
    "image_segmenter": _Kind(tt.ImageSegmenter, "image", "image_segmenter", "one"),
    "image_embedder": _Kind(tt.ImageEmbedder, "image", "image_embedder", None),
    "pose_estimator": _Kind(tt.PoseEstimator, "image", "pose_estimator", None),
    "text_classifier": _Kind(tt.TextClassifier, "text", "nl_classifier", "one"),
    "text_embedder": _Kind(tt.TextEmbedder, "text", "text_embedder", None),
    "smart_reply": _Kind(tt.SmartReply, "", None, None),
    "audio_classifier": _Kind(tt.AudioClassifier, "audio", "audio_classifier", "heads"),
    "audio_embedder": _Kind(tt.AudioEmbedder, "audio", "audio_classifier", None),
}
"""The tasks by their snake_case name (``--task``)."""


_REGEX_VOCAB, _BERT_VOCAB = "<PAD> 0\n<START> 1\n<UNKNOWN> 2\n", "[PAD]\n[UNK]\n[CLS]\n[SEP]\n"


class _Doctor:
    """What one diagnosis shares: the bytes, input specs, metadata, ops, scratch folder."""

    def __init__(self, model: ModelSource, custom_ops: Mapping[str, Kernel],
                 report: Report, scratch: Path) -> None:
        self.custom_ops, self.report, self.scratch = dict(custom_ops), report, scratch
        self.model_bytes, self.source = read_model_bytes(model)
        report.model, report.bytes = self.source, len(self.model_bytes)
        self.metadata: md.Metadata | None = None
        self.inputs: tuple[TensorSpec, ...] = ()
        self.unresolved: set[str] = set()  # ops LiteRT cannot run

    def named(self, message: str) -> str:
        """A task's message with the model's path instead of ``<N bytes>``."""
        return message.replace(f"<{len(self.model_bytes)} bytes>", self.source)

    def load(self) -> None:
        """Fills the LiteRT status, tensors, ops and metadata of the report; TfliteTasksError
        when the bytes are no model."""
        report, litert = self.report, self.report.litert
        if not self.model_bytes:
            raise TfliteTasksError(f"{self.source} is empty (0 bytes): not a TFLite model")
        check_model_identifier(self.model_bytes, self.source)
        try:
            interpreter = litert_interpreter(self.model_bytes)
        except ValueError as e:
            litert["error"] = str(e).strip()
            if not UNRESOLVED.search(litert["error"]):
                raise TfliteTasksError(f"{self.source} is not a valid TFLite model (truncated "
                                       f"or corrupt): {litert['error']}") from None
        else:
            self.inputs, outputs = io_specs(interpreter, self.source)
            crash = litert_crash(self.model_bytes)
            if crash is not None:
                raise TfliteTasksError(f"{self.source} crashes LiteRT ({crash}) when a task "
                                       "prepares it: the model is corrupt; convert it again")
            litert["loads"] = report.loadable = True
            try:
                interpreter.allocate_tensors()
                litert["prepares"] = True
            except RuntimeError as e:
                litert["error"] = self.named(str(e).strip())
            report.tensors = [tensor_dict("input", s) for s in self.inputs] + [
                tensor_dict("output", s) for s in outputs]
        self._inventory()
        self._read_metadata()

    def _inventory(self) -> None:
        """Counts the nodes of each op and finds out who runs it."""
        try:
            codes = operator_codes(self.model_bytes)
            model = schema.ModelT.InitFromPackedBuf(self.model_bytes, 0)
            model.subgraphs = model.subgraphs or []
            for graph in model.subgraphs:
                graph.operators = graph.operators or []
        except Exception:  # the generated reader is not hardened: no inventory then
            return
        nodes = [o.opcodeIndex for g in model.subgraphs for o in g.operators]
        kernels = [("custom_ops", self.custom_ops), ("registered", registered_custom_ops()),
                   *((k.cls.__name__, k.cls.kernels) for k in TASKS.values())]
        litert = self.report.litert
        ops: dict[str, Op] = {}
        for index, (code, custom_code) in enumerate(codes):
            custom, count = code == CUSTOM, nodes.count(index)
            name = (custom_code or "?") if custom else OP_NAMES.get(code, f"BUILTIN_{code}")
            if name in ops:
                ops[name].count += count
                continue
            kind = "builtin" if not custom else "select-TF" if name.startswith("Flex") else "custom"
            if not (litert["prepares"] or count == 0 or (litert["loads"] and not custom)
                    or litert_resolves(model, index, custom)):
                self.unresolved.add(name)
            source = next((s for s, k in kernels if custom and name in k), None)
            ops[name] = Op(name, kind, count, "python" if source else "unresolved"
                           if name in self.unresolved else "litert", source)
        self.report.ops = sorted(ops.values(), key=lambda o: (o.kind != "builtin", o.name))
        self.report.findings += [op_finding(op) for op in self.report.ops
                                 if op.resolved_by == "unresolved"]

    def _read_metadata(self) -> None:
        summary = self.report.metadata
        try:
            metadata = md.read_metadata(self.model_bytes)
            root = metadata.model_metadata
            if root is not None:
                summary.present, summary.name, summary.version = True, root.name, root.version
                summary.min_parser_version = root.min_parser_version
            summary.associated_files = metadata.file_summaries()
            self.metadata = metadata
        except TfliteTasksError as e:
            summary.present, summary.error = True, self.named(str(e))
            self.report.findings.append(Finding(
                "error", "corrupt_metadata", f"the model's TFLite Metadata is corrupt: "
                f"{summary.error}", [Fix("command", write_command(self.source, "WRITER",
                                                                   ["[flags]"]))]))

    def units(self, position: int) -> list[object]:
        """The options of input ``position``'s process units and of the subgraph's."""
        metadata = self.metadata
        tensor = metadata.input_tensor(position) if metadata else None
        root = metadata.model_metadata if metadata else None
        graphs = (root.subgraph_metadata if root else None) or []
        units = [*((tensor.process_units or []) if tensor else []),
                 *((graphs[0].input_process_units or []) if graphs else [])]
        return [unit.options for unit in units]

    def vocab(self, name: str, text: str) -> str:
        """A stand-in vocabulary file for probing a task."""
        path = self.scratch / name
        path.write_text(text, encoding="utf-8")
        return str(path)

    def is_bert(self) -> bool:
        return len(self.inputs) == 3 and all(s.dtype == np.int32 for s in self.inputs)

    def writer(self, kind: _Kind) -> str | None:
        """The metadata writer of the task for this model."""
        if self.is_bert() and kind.modality == "text" and kind.labels:
            return "bert_nl_classifier"
        return kind.writer

    def call(self, kind: _Kind, arguments: str) -> str:
        """The Python call creating the task with ``arguments``."""
        if self.source.startswith("<"):
            return f"{kind.cls.__name__}.create_from_buffer(model_bytes, {arguments})"
        return f"{kind.cls.__name__}.create_from_file({self.source!r}, {arguments})"

    def command(self, kind: _Kind, flags: Sequence[str]) -> str | None:
        """The ``tflite-tasks metadata write`` command of the task's writer with ``flags``,
        keeping what the metadata already gives the task (None without a writer)."""
        writer = self.writer(kind)
        if writer is None:
            return None
        kept, packed = kept_flags(self.metadata, writer, [s.name for s in self.inputs],
                                  kind.labels == "heads")
        return write_command(self.source, writer, [*kept, *flags], packed)


@dataclass
class _Gap:
    """What a task needs and the model lacks: stand-in values to probe with, the task
    arguments and metadata writer flags that fix it, and other fixes."""

    code: str
    message: str
    probe: dict[str, Any]
    arguments: str | None = None
    flags: tuple[str, ...] = ()
    fixes: tuple[Fix, ...] = ()


def _absent_kernel(inputs: Sequence[np.ndarray | None], custom_options: bytes) -> list[object]:
    """The stand-in for a missing kernel (creating a task never runs it)."""
    raise CustomOpError("the doctor's stand-in kernel: register the op's real kernel")


def _op_gaps(doctor: _Doctor, kind: _Kind) -> list[_Gap]:
    """Ops that neither LiteRT nor a kernel the task gets can run."""
    kernels = {**registered_custom_ops(), **kind.cls.kernels, **doctor.custom_ops}
    return [_Gap(f.code, f.message, {"custom_ops": {op.name: _absent_kernel}}, fixes=(*f.fixes,))
            for op in doctor.report.ops if op.name in doctor.unresolved
            and op.name not in kernels for f in [op_finding(op)]]


def _input_gaps(doctor: _Doctor, kind: _Kind) -> list[_Gap]:
    """What the task's input needs from the metadata and the model's metadata lacks."""
    specs = doctor.inputs
    if not specs:
        return []
    spec, units = specs[0], doctor.units(0)
    if kind.modality == "image" and len(spec.shape) == 4 and spec.dtype in (
            np.float32, np.int8) and not any(isinstance(u, md.NormalizationOptions) for u in units):
        return [_Gap("no_normalization", f"input 0 '{spec.name}' is {spec.dtype} and the "
                     "metadata has no NormalizationOptions, so the task cannot tell which "
                     "values the model expects: it feeds (pixel - mean) / std, with mean "
                     "127.5 and std 127.5 for inputs in [-1, 1], 0 and 255 for [0, 1], 0 and "
                     "1 for pixel values [0, 255]",
                     {"normalization_mean": 127.5, "normalization_std": 127.5},
                     "normalization_mean=127.5, normalization_std=127.5",
                     ("--mean", "127.5", "--std", "127.5"))]
    if kind.modality == "audio" and len(specs) == 1:
        tensor = doctor.metadata.input_tensor(0) if doctor.metadata else None
        props = tensor.content.content_properties if tensor and tensor.content else None
        if not (isinstance(props, md.AudioProperties) and props.sample_rate and props.channels):
            return [_Gap("no_audio_properties", f"input 0 '{spec.name}' has no AudioProperties "
                         "(sample rate and channels) in the metadata, so the task cannot tell "
                         "the rate and channel count the model was trained on",
                         {"sample_rate": 16000, "channels": 1}, "sample_rate=16000, channels=1",
                         ("--sample-rate", "16000", "--channels", "1"))]
    if kind.modality == "text" and doctor.is_bert() and not any(
            isinstance(u, md.BertTokenizerOptions | md.SentencePieceTokenizerOptions)
            for p in range(3) for u in doctor.units(p)):
        return [_Gap("no_tokenizer", "the model takes BERT inputs (ids, mask, segment ids) and "
                     "its metadata has no BertTokenizerOptions or SentencePieceTokenizerOptions, "
                     "so the task cannot tokenize text (the fixes give a WordPiece vocabulary; "
                     "for SentencePiece: tokenizer='sentencepiece', sentencepiece_model=FILE, "
                     "or --sentencepiece FILE)",
                     {"tokenizer": "bert", "vocab_file": doctor.vocab("vocab.txt", _BERT_VOCAB)},
                     "tokenizer='bert', vocab_file='vocab.txt'",
                     ("--vocab", "vocab.txt", *bert_name_flags([s.name for s in specs])))]
    if kind.modality == "text" and len(specs) == 1 and spec.dtype == np.int32 and not any(
            isinstance(u, md.RegexTokenizerOptions) for u in units):
        return [_Gap("no_tokenizer", f"input 0 '{spec.name}' takes token ids and the metadata "
                     "has no RegexTokenizerOptions, so the task cannot tokenize text",
                     {"vocab_file": doctor.vocab("regex_vocab.txt", _REGEX_VOCAB)},
                     "vocab_file='vocab.txt', delim_regex_pattern=r\"[^\\w\\']+\"",
                     ("--vocab", "vocab.txt", "--delim-regex", "\"[^\\w\\']+\""))]
    return []


def _labels_gap(kind: _Kind, task: BaseTask) -> _Gap | None:
    """A warning when the created task has no labels for some output."""
    labels = task.labels  # type: ignore[attr-defined]
    heads = list(labels) if kind.labels == "heads" else [labels]
    missing = [str(i) for i, names in enumerate(heads) if names is None]
    if not missing or any(s.dtype.kind in "SOU" for s in task.engine.outputs):
        return None  # (a text classifier with a label output names its classes at run time)
    files = [f"labels_{i}.txt" for i in range(len(heads))] if len(heads) > 1 else ["labels.txt"]
    value = ("{" + ", ".join(f"{i}: {f!r}" for i, f in enumerate(files)) + "}"
             if len(heads) > 1 else repr(files[0]))
    types = ("TENSOR_VALUE_LABELS or TENSOR_AXIS_LABELS" if kind.cls is tt.ObjectDetector
             else "TENSOR_AXIS_LABELS")
    what = f"output(s) {', '.join(missing)}" if len(heads) > 1 else "the model"
    flag_files = files if kind.writer == "audio_classifier" else files[:1]
    return _Gap("no_labels", f"{what} has no labels (no {types} file in the metadata): the task "
                "works, but categories carry only their class index, no name", {},
                f"labels={value}", tuple(a for f in flag_files for a in ("--labels", f)))


def _finding(doctor: _Doctor, kind: _Kind, gap: _Gap, severity: str,
             required: Sequence[str] = ()) -> Finding:
    """The finding of a gap: ``info`` when the task created anyway (no command then). Its
    command also carries the ``required`` flags (of the task's errors), so it runs alone."""
    fixes = [Fix("option", doctor.call(kind, gap.arguments))] if gap.arguments else []
    if severity == "info":
        return Finding(severity, gap.code, gap.message + "; the task creates anyway, with its "
                       "own default: pass the option if the model expects otherwise", fixes)
    flags = [*gap.flags, *(f for f in required if severity != "error")]
    command = doctor.command(kind, flags) if gap.flags else None
    if command:
        fixes.append(Fix("command", command))
    return Finding(severity, gap.code, gap.message, fixes + list(gap.fixes))


def _create(doctor: _Doctor, kind: _Kind, probe: Mapping[str, Any]
            ) -> tuple[BaseTask | None, str | None]:
    """The task created from the bytes (defaults, or ``probe`` values), else its error."""
    options = dict(probe)
    custom_ops = {**doctor.custom_ops, **options.pop("custom_ops", {})}
    try:
        return kind.cls.create_from_buffer(doctor.model_bytes, num_threads=1,
                                           custom_ops=custom_ops or None, **options), None
    except TfliteTasksError as e:
        return None, doctor.named(str(e))
    except Exception as e:  # a bug in a task must not stop the diagnosis
        return None, doctor.named(f"{kind.cls.__name__} failed with {type(e).__name__} (a bug "
                                  f"in tflite-tasks, please report it): {e}")


def _diagnose_task(doctor: _Doctor, name: str) -> TaskReport:
    kind = TASKS[name]
    report = TaskReport(name, kind.cls.__name__)
    task, report.error = _create(doctor, kind, {})
    gaps, blocker = _op_gaps(doctor, kind) + _input_gaps(doctor, kind), report.error
    if task is None and gaps:
        probe: dict[str, Any] = {"custom_ops": {}}
        for gap in gaps:
            probe["custom_ops"].update(gap.probe.get("custom_ops", {}))
            probe.update({k: v for k, v in gap.probe.items() if k != "custom_ops"})
        task, blocker = _create(doctor, kind, probe)
    if task is None:
        report.fixable = False
        report.findings = [Finding("error", "creation_failed", blocker or "")]
        return report
    try:
        labels = _labels_gap(kind, task) if kind.labels else None
    finally:
        task.close()
    pairs = [(gap, "error" if report.error else "info") for gap in gaps]
    pairs += [(labels, "warning")] if labels is not None else []
    required = [flag for gap, severity in pairs if severity == "error" for flag in gap.flags]
    report.findings = [_finding(doctor, kind, gap, severity, required)
                       for gap, severity in pairs]
    flags = [flag for gap, severity in pairs if severity != "info" for flag in gap.flags]
    report.metadata_command = doctor.command(kind, flags) if flags else None
    if report.error is None:
        report.status = WARNINGS if labels is not None else READY
    return report


def diagnose(model: ModelSource, task: str | None = None, *,
             custom_ops: Mapping[str, Kernel] | None = None) -> Report:
    """Diagnoses ``model`` (a path or the model's bytes) for every task, or only ``task``
    (a key of :data:`TASKS`); ``custom_ops``: Python kernels, as in ``BaseOptions``.

    A missing file, garbage or a truncated model raise nothing: the report says so in its
    findings, with ``loadable`` False (exit status 3).
    """
    if task is not None and task not in TASKS:
        raise OptionsError(f"unknown task {task!r}; the tasks are: {', '.join(TASKS)}")
    report = Report(model=f"<{len(model)} bytes>" if isinstance(
        model, bytes | bytearray | memoryview) else str(model), task=task)
    with tempfile.TemporaryDirectory(prefix="tflite_tasks_doctor_") as scratch:
        try:
            doctor = _Doctor(model, custom_ops or {}, report, Path(scratch))
            doctor.load()
        except TfliteTasksError as e:
            code = "file_not_found" if isinstance(e, ModelFileNotFoundError) else "not_a_model"
            report.findings.append(Finding("error", code, str(e)))
            return report
        if report.loadable:
            report.tasks = [_diagnose_task(doctor, name) for name in TASKS
                            if task in (None, name)]
    return report


__all__ = ["EXIT_NOT_A_MODEL", "EXIT_NOT_READY", "EXIT_READY", "NOT_READY", "READY", "TASKS",
           "WARNINGS", "Finding", "Fix", "MetadataSummary", "Op", "Report", "TaskReport",
           "diagnose", "tensor_dict"]
