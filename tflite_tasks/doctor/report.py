"""What the doctor reports: findings with their fixes, ops, the metadata summary, one report
per task, and the whole report with its exit status."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from tflite_tasks.core.engine import TensorSpec

READY, WARNINGS, NOT_READY = "ready", "ready with warnings", "not ready"
EXIT_READY, EXIT_NOT_READY, EXIT_NOT_A_MODEL = 0, 1, 3


@dataclass
class Fix:
    """One way to fix a finding: ``kind`` "option" (Python), "command" (shell) or "convert"."""

    kind: str
    text: str


@dataclass
class Finding:
    """A problem or remark: ``severity`` "error", "warning" or "info"; ``code`` is stable."""

    severity: str
    code: str
    message: str
    fixes: list[Fix] = field(default_factory=list)


@dataclass
class Op:
    """An op of the model: ``kind`` "builtin", "custom" or "select-TF"; ``count`` nodes (all
    subgraphs); ``resolved_by`` "litert", "python" or "unresolved"; ``kernel`` where its
    Python kernel comes from ("custom_ops", "registered" or a task class)."""

    name: str
    kind: str
    count: int
    resolved_by: str
    kernel: str | None = None


@dataclass
class MetadataSummary:
    """Whether the model has TFLite Metadata (or corrupt metadata: ``error``), its name,
    versions and packed files."""

    present: bool = False
    name: str | None = None
    version: str | None = None
    min_parser_version: str | None = None
    associated_files: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None


@dataclass
class TaskReport:
    """One task: its status, its own error with default options, whether the findings' fixes
    make it creatable (checked with stand-ins), and all its metadata in one command."""

    task: str
    task_class: str
    status: str = NOT_READY
    error: str | None = None
    fixable: bool = True
    findings: list[Finding] = field(default_factory=list)
    metadata_command: str | None = None


@dataclass
class Report:
    """The diagnosis of one model (``docs/doctor.md`` describes the keys of :meth:`to_dict`)."""

    model: str
    task: str | None = None
    bytes: int | None = None
    loadable: bool = False
    litert: dict[str, Any] = field(
        default_factory=lambda: {"loads": False, "prepares": False, "error": None})
    tensors: list[dict[str, Any]] = field(default_factory=list)
    metadata: MetadataSummary = field(default_factory=MetadataSummary)
    ops: list[Op] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    tasks: list[TaskReport] = field(default_factory=list)

    @property
    def exit_status(self) -> int:
        """0: a task (the one asked for) is ready; 1: none is; 3: not a loadable model."""
        if not self.loadable:
            return EXIT_NOT_A_MODEL
        return EXIT_READY if any(t.status != NOT_READY for t in self.tasks) else EXIT_NOT_READY

    def to_dict(self) -> dict[str, Any]:
        return {**dataclasses.asdict(self), "exit_status": self.exit_status}


def tensor_dict(kind: str, spec: TensorSpec) -> dict[str, Any]:
    """An input or output tensor as plain data (``kind`` "input" or "output")."""
    return {"kind": kind, "position": spec.position, "name": spec.name,
            "shape": list(spec.shape), "shape_signature": list(spec.shape_signature),
            "dtype": spec.dtype.name,
            "quantization": {"scale": spec.scale, "zero_point": spec.zero_point}
            if spec.is_quantized else None}
