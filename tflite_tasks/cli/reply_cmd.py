"""``tflite-tasks reply MODEL [MESSAGE...] [--json]``: Smart Reply suggestions for a
conversation, or an interactive chat (no MESSAGE) reading one message a line from stdin."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tflite_tasks.cli.common import add_threads_argument, model_options
from tflite_tasks.cli.output import dump_json, format_table
from tflite_tasks.core.errors import InputFileNotFoundError
from tflite_tasks.tasks.text.smart_reply import BACKOFF_FILE, SmartReply, SmartReplyResult

NAME = "reply"
HELP = "suggest short replies to a chat message with the Smart Reply model"

PROMPT = "you> "
QUIT = ("", "quit")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", help="the Smart Reply .tflite model")
    parser.add_argument("messages", nargs="*", metavar="MESSAGE",
                        help="one conversation, oldest message first (none: interactive chat "
                             "reading one message a line from stdin)")
    parser.add_argument("--max-replies", type=int, default=None,
                        help="suggestions per message (default: 10)")
    parser.add_argument("--backoff", default=None, metavar="FILE",
                        help="generic replies (one a line) that fill up the suggestions "
                             f"(default: {BACKOFF_FILE} beside the model, if any)")
    add_threads_argument(parser)
    parser.add_argument("--json", action="store_true", help="print JSON")


def _table(result: SmartReplyResult) -> str:
    rows = [[rank, reply.text, f"{reply.score:.4f}", "yes" if reply.backoff else "no"]
            for rank, reply in enumerate(result.replies, 1)]
    return format_table(["rank", "reply", "score", "backoff"], rows)


def _numbered(result: SmartReplyResult) -> str:
    return "\n".join(f"  {rank}. {reply.text}{'  (backoff)' if reply.backoff else ''}"
                     for rank, reply in enumerate(result.replies, 1))


def _read_message(tty: bool) -> str | None:
    """The next line of stdin, or None at EOF; piped lines are echoed after the prompt, so
    the output reads as a chat."""
    if tty:
        try:
            return input(PROMPT)
        except (EOFError, KeyboardInterrupt):
            print()  # end the prompt's line
            return None
    line = sys.stdin.readline()
    if not line:
        return None
    message = line.rstrip("\r\n")
    print(PROMPT + message)
    return message


def chat(smart_reply: SmartReply, as_json: bool) -> int:
    """Suggests replies to each line of stdin until EOF, an empty line or ``quit``."""
    tty = sys.stdin.isatty()
    if tty:
        print("type a message; empty line or Ctrl-D quits")
    while True:
        message = _read_message(tty)
        if message is None or message.strip().lower() in QUIT:
            return 0
        result = smart_reply.suggest(message)
        print(dump_json(result.to_dict()) if as_json else _numbered(result), flush=True)


def run(args: argparse.Namespace) -> int:
    options = model_options(args)
    if args.max_replies is not None:
        options["max_replies"] = args.max_replies
    if args.backoff is not None:
        if not Path(args.backoff).is_file():
            raise InputFileNotFoundError(f"--backoff file not found: {args.backoff!r}")
        options["backoff_responses"] = args.backoff
    with SmartReply.create_from_file(args.model, **options) as smart_reply:
        if not args.messages:
            return chat(smart_reply, args.json)
        result = smart_reply.suggest(args.messages)
    print(dump_json(result.to_dict()) if args.json else _table(result))
    return 0
