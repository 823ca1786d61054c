"""``tflite-tasks metadata SUBCOMMAND``: show, export and extract a model's TFLite Metadata.

Each subcommand is an entry of :data:`SUBCOMMANDS`: its name, a function adding its parser to
the ``metadata`` subparsers, and the function running it; adding one means adding an entry.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path

from tflite_tasks.cli.metadata_write import add_write_arguments, run_write
from tflite_tasks.cli.output import dump_json, files_table
from tflite_tasks.core.errors import InputError, MetadataError
from tflite_tasks.core.model_file import read_model_bytes
from tflite_tasks.metadata import Metadata, read_metadata
from tflite_tasks.metadata.populator import file_name_problem

NAME = "metadata"
HELP = ("show a model's TFLite Metadata, export it as JSON, extract its packed files, or "
        "write task metadata into a model")

AddParser = Callable[[argparse._SubParsersAction], None]
"""Adds one subcommand's parser to the ``metadata`` subparsers."""
Run = Callable[[argparse.Namespace], int]
"""Runs one subcommand; returns the exit status."""


def _read(model: str) -> tuple[Metadata, bytes, str]:
    """The metadata of a model file, its bytes and its name for messages."""
    model_bytes, source = read_model_bytes(model)
    return read_metadata(model_bytes), model_bytes, source


def metadata_document(metadata: Metadata) -> dict[str, object]:
    """The metadata (its JSON as an object, None without) and the packed files, for --json
    output (``metadata show``, ``inspect``)."""
    return {"metadata": json.loads(metadata.to_json()) if metadata.has_metadata else None,
            "associated_files": metadata.file_summaries()}


def metadata_text(metadata: Metadata) -> str:
    """The metadata JSON and the packed files table, ``(none)`` for either missing."""
    text = metadata.to_json().rstrip() if metadata.has_metadata else "  (none)"
    return (f"metadata:\n{text}\n\nassociated files:\n"
            f"{files_table(metadata.file_summaries())}")


def add_show_arguments(subparsers: argparse._SubParsersAction) -> None:
    """``metadata show MODEL [--json]``."""
    text = "print a model's metadata JSON and its packed files"
    parser = subparsers.add_parser("show", help=text, description=text)
    parser.add_argument("model", metavar="MODEL", help="a .tflite file")
    parser.add_argument("--json", action="store_true", help="print one JSON document")


def run_show(args: argparse.Namespace) -> int:
    """Prints the metadata (``(none)`` without) and the packed files."""
    metadata, model_bytes, source = _read(args.model)
    if args.json:
        print(dump_json({"model": source, "bytes": len(model_bytes),
                         **metadata_document(metadata)}))
        return 0
    print(f"model: {source} ({len(model_bytes)} bytes)\n")
    print(metadata_text(metadata))
    return 0


def add_export_arguments(subparsers: argparse._SubParsersAction) -> None:
    """``metadata export-json MODEL [--output FILE]``."""
    text = "write a model's metadata as JSON, as the reference MetadataDisplayer prints it"
    parser = subparsers.add_parser("export-json", help=text, description=text)
    parser.add_argument("model", metavar="MODEL", help="a .tflite file")
    parser.add_argument("--output", "-o", metavar="FILE", default=None,
                        help="JSON file (default: stdout)")


def run_export(args: argparse.Namespace) -> int:
    """Writes ``Metadata.to_json()`` to the file or stdout; an error without metadata."""
    metadata, _, source = _read(args.model)
    if not metadata.has_metadata:
        raise MetadataError(f"{source} has no TFLite Metadata; add some with "
                            "`tflite-tasks metadata write ...`")
    text = metadata.to_json()
    if args.output is None:
        sys.stdout.write(text)
        return 0
    try:
        Path(args.output).write_text(text, encoding="utf-8", newline="")
    except OSError as exc:
        raise InputError(f"cannot write {args.output!r}: {exc.strerror or exc}") from exc
    print(f"wrote {args.output}")
    return 0


def add_extract_arguments(subparsers: argparse._SubParsersAction) -> None:
    """``metadata extract-files MODEL [--output-dir DIR] [--force] [FILE ...]``."""
    text = "write the files packed in a model (labels, vocabularies...) into a folder"
    parser = subparsers.add_parser("extract-files", help=text, description=text)
    parser.add_argument("model", metavar="MODEL", help="a .tflite file")
    parser.add_argument("files", nargs="*", metavar="FILE",
                        help="names of the packed files to extract (default: all)")
    parser.add_argument("--output-dir", "-d", metavar="DIR", default=".",
                        help="folder to write them into, created if needed (default: .)")
    parser.add_argument("--force", action="store_true", help="overwrite existing files")


def _target(directory: Path, name: str) -> Path:
    """Where packed file ``name`` goes; MetadataError when it would land outside ``directory``
    (names come from the model, which may be hostile)."""
    problem = file_name_problem(name)
    if problem is not None:
        raise MetadataError(f"refusing to extract packed file {name!r}: {problem}, so it could "
                            f"be written outside {str(directory)!r}")
    return directory / name


def run_extract(args: argparse.Namespace) -> int:
    """Writes the packed files (all, or those named) into the folder; prints each path."""
    metadata, _, source = _read(args.model)
    names = list(dict.fromkeys(args.files or metadata.file_names))
    if not names:
        print(f"{source} has no packed files")
        return 0
    directory = Path(args.output_dir)
    targets = {name: _target(directory, name) for name in names}
    contents = {name: metadata.file(name) for name in names}  # MetadataError if not packed
    existing = [str(p) for p in targets.values() if os.path.lexists(p)]
    if existing and not args.force:
        verb = "exists" if len(existing) == 1 else "exist"
        raise InputError(f"{', '.join(map(repr, existing))} already {verb}; pass --force to "
                         "overwrite")
    try:
        directory.mkdir(parents=True, exist_ok=True)
        for name, path in targets.items():
            if args.force and os.path.lexists(path):
                path.unlink()  # a symbolic link is replaced, not written through
            with open(path, "xb") as f:
                f.write(contents[name])
            print(f"wrote {path} ({len(contents[name])} bytes)")
    except OSError as exc:
        raise InputError(f"cannot write into {str(directory)!r}: {exc}") from exc
    return 0


SUBCOMMANDS: dict[str, tuple[AddParser, Run]] = {
    "show": (add_show_arguments, run_show),
    "export-json": (add_export_arguments, run_export),
    "extract-files": (add_extract_arguments, run_extract),
    "write": (add_write_arguments, run_write),
}
"""The ``metadata`` subcommands: name -> (add its parser, run it)."""


class _IntermixedParser(argparse.ArgumentParser):
    """A parser taking options between positionals (``MODEL --output-dir D FILE``), which
    plain argparse refuses once a ``nargs="*"`` positional matched nothing."""

    _intermixing = False

    def parse_known_args(  # type: ignore[override]
        self, args: list[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        if self._intermixing:  # parse_known_intermixed_args calls back here
            return super().parse_known_args(args, namespace)
        self._intermixing = True
        try:
            return self.parse_known_intermixed_args(args, namespace)
        finally:
            self._intermixing = False


def add_arguments(parser: argparse.ArgumentParser) -> None:
    subparsers = parser.add_subparsers(dest="metadata_command", metavar="SUBCOMMAND",
                                       required=True, parser_class=_IntermixedParser)
    for add_parser, _ in SUBCOMMANDS.values():
        add_parser(subparsers)


def run(args: argparse.Namespace) -> int:
    """Runs the chosen subcommand."""
    return SUBCOMMANDS[args.metadata_command][1](args)
