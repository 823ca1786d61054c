"""The ``tflite-tasks`` command: one subcommand per task, plus model inspection, metadata
and the doctor.

Each subcommand lives in its own module with ``NAME``, ``HELP``, ``add_arguments(parser)``
and ``run(args) -> int``; adding a task's command means adding its module to ``COMMANDS``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from tflite_tasks import __version__
from tflite_tasks.cli import (
    classify_audio_cmd,
    classify_cmd,
    classify_text_cmd,
    detect_cmd,
    doctor_cmd,
    embed_cmd,
    inspect_cmd,
    metadata_cmd,
    pose_cmd,
    reply_cmd,
    segment_cmd,
)
from tflite_tasks.core.errors import TfliteTasksError

COMMANDS = (classify_cmd, detect_cmd, segment_cmd, embed_cmd, pose_cmd, classify_text_cmd,
            reply_cmd, classify_audio_cmd, inspect_cmd, metadata_cmd, doctor_cmd)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tflite-tasks",
        description="Run TensorFlow Lite models on images, text and audio, and inspect "
                    "their metadata.",
    )
    parser.add_argument("--version", action="version", version=f"tflite-tasks {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command in COMMANDS:
        sub = commands.add_parser(command.NAME, help=command.HELP, description=command.HELP)
        command.add_arguments(sub)
        sub.set_defaults(run=command.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the command line; returns the exit status (0 ok, 1 error, 2 usage; the doctor
    also returns 3 for a file that is no loadable model)."""
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except TfliteTasksError as e:
        print(f"tflite-tasks {args.command}: error: {e}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        return 0
