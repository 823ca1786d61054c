"""``tflite-tasks doctor MODEL [--task TASK] [--json]``: which tasks a model can serve, what
is missing for the others, and the option or command that fixes it."""

from __future__ import annotations

import argparse
import textwrap

from tflite_tasks.cli.inspect_cmd import tensor_table
from tflite_tasks.cli.output import dump_json, files_table, format_table
from tflite_tasks.doctor import (
    EXIT_NOT_A_MODEL,
    EXIT_NOT_READY,
    EXIT_READY,
    NOT_READY,
    TASKS,
    Finding,
    Report,
    TaskReport,
    diagnose,
)

NAME = "doctor"
HELP = ("check which tasks a model can serve, and what is missing (with the option or "
        "command that fixes it)")
EPILOG = f"""exit status:
  {EXIT_READY}  the task (without --task: at least one task) is ready, warnings allowed
  {EXIT_NOT_READY}  the model loads, but the task is not ready (without --task: no task is)
  2  usage error
  {EXIT_NOT_A_MODEL}  the file is missing, or is not a model LiteRT can load
"""
_WIDTH = 100
_RESOLVED = {"litert": "LiteRT", "python": "Python kernel", "unresolved": "UNRESOLVED"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = EPILOG
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("model", help="a .tflite file")
    parser.add_argument("--task", choices=list(TASKS), default=None, metavar="TASK",
                        help=f"diagnose only this task, in detail: {', '.join(TASKS)}")
    parser.add_argument("--json", action="store_true", help="print one JSON document")


def _wrap(text: str, first: str, indent: int) -> str:
    return textwrap.fill(text, _WIDTH, initial_indent=first, subsequent_indent=" " * indent,
                         break_long_words=False, break_on_hyphens=False)


def _finding_lines(finding: Finding) -> list[str]:
    """A finding: severity and message, wrapped, then its fixes (not wrapped: copy them)."""
    lines = [_wrap(f"{finding.message} [{finding.code}]", f"  {finding.severity.upper():8}", 10)]
    lines += [f"{'':10}{fix.kind}: {fix.text}" for fix in finding.fixes]
    return lines


def _note(task: TaskReport) -> str:
    """The tasks table's last column."""
    if task.status != NOT_READY:
        count = sum(f.severity == "warning" for f in task.findings)
        return f"{count} warning(s)" if count else ""
    if not task.fixable:
        return "creation fails (see --task)"
    return "fixable: " + ", ".join(dict.fromkeys(f.code for f in task.findings
                                                 if f.severity == "error"))


def _task_lines(task: TaskReport) -> list[str]:
    """The block of a task with findings."""
    lines = [f"{task.task} ({task.task_class}): {task.status}"]
    if task.error and task.fixable:
        lines.append(_wrap(task.error, f"  {task.task_class} with default options: ", 4))
    for finding in task.findings:
        lines += _finding_lines(finding)
    commands = {fix.text for finding in task.findings for fix in finding.fixes}
    if task.metadata_command and task.metadata_command not in commands:
        lines += ["  all the metadata at once (the writer replaces any metadata of the model):",
                  f"{'':10}command: {task.metadata_command}"]
    return lines


def _metadata_lines(report: Report) -> list[str]:
    md = report.metadata
    if md.error:
        return [_wrap(md.error, "metadata: corrupt: ", 4)]
    if not md.present:
        return ["metadata: none"]
    lines = [f"metadata: {md.name!r}, version {md.version}, min parser version "
             f"{md.min_parser_version}"]
    if md.associated_files:
        lines += ["associated files:", files_table(md.associated_files)]
    return lines


def render(report: Report) -> str:
    """The report as text: model, tensors, metadata, ops, then the tasks and findings."""
    size = f" ({report.bytes} bytes)" if report.bytes and report.model[0] != "<" else ""
    lines = [f"model: {report.model}{size}"]
    litert = report.litert
    error = (litert["error"] or "").splitlines()[0] if litert["error"] else ""
    if litert["prepares"]:
        lines.append("LiteRT: loads and prepares the model")
    elif litert["loads"]:
        lines.append(_wrap(f"loads the model, cannot prepare it by itself: {error}", "LiteRT: ",
                           8))
    elif error:
        lines.append(_wrap(f"cannot load the model: {error}", "LiteRT: ", 8))
    if report.tensors:
        lines += ["", tensor_table(report.tensors)]
    if report.loadable or report.ops:
        lines += ["", *_metadata_lines(report)]
    if report.ops:
        nodes = sum(op.count for op in report.ops)
        lines += ["", f"ops ({nodes} nodes):", format_table(
            ["op", "kind", "count", "resolved by"],
            [[op.name, op.kind, op.count, _RESOLVED[op.resolved_by]
              + (f" ({op.kernel})" if op.kernel else "")] for op in report.ops])]
    if report.findings:
        lines += ["", "problems with the model:"]
        for finding in report.findings:
            lines += _finding_lines(finding)
    if report.tasks:
        lines += ["", format_table(["task", "status", "note"],
                                   [[t.task, t.status, _note(t)] for t in report.tasks])]
    for task in report.tasks:  # why a task does not fit: with --task only (JSON: always)
        if task.findings and (task.fixable or len(report.tasks) == 1):
            lines += ["", *_task_lines(task)]
    if len(report.tasks) > 1 and not all(t.fixable for t in report.tasks):
        lines += ["", "(why creating a task fails: tflite-tasks doctor MODEL --task TASK)"]
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Prints the diagnosis; the exit status says whether the model can serve the task(s)."""
    report = diagnose(args.model, args.task)
    print(dump_json(report.to_dict()) if args.json else render(report))
    return report.exit_status
