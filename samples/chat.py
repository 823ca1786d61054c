"""Chat in the terminal: the sentiment of each message and Smart Reply suggestions to answer it.

    python samples/chat.py --smartreply MODEL [--sentiment MODEL] [--max-replies N]

Type a message you received: the sample prints its sentiment (with ``--sentiment``, a
``TextClassifier`` such as ``text/text_classification_v2.tflite`` of the shared models) and
numbered replies to it suggested by ``SmartReply`` (``text/smartreply/smartreply.tflite``;
generic backoff replies are marked). Type a number to send that suggestion as your reply, or
type the next message. ``quit`` (or end of input, Ctrl+D) ends the chat and prints the
transcript. Lines are read from stdin, so the chat can be piped in. Needs the package
installed (``pip install .`` from the project folder).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator

# The result formatting of the other sample (this folder is on the path of a script run from it).
from classify_folder import describe

from tflite_tasks import SmartReply, TextClassifier, TfliteTasksError


def typed_lines() -> Iterator[str]:
    """The lines of stdin, stripped, until end of input (or Ctrl+C). A terminal gets a
    prompt; piped lines are echoed, so the output reads as the chat."""
    terminal = sys.stdin.isatty()
    try:
        while True:
            line = input("> " if terminal else "").strip()
            if not terminal:
                print(f"> {line}")
            yield line
    except (EOFError, KeyboardInterrupt):
        return


def chat(smart_reply: SmartReply, sentiment: TextClassifier | None) -> list[tuple[str, str]]:
    """Runs the chat until ``quit`` or end of input; returns the transcript (who, text)."""
    transcript: list[tuple[str, str]] = []
    suggestions: list[str] = []
    for text in typed_lines():
        if text == "quit":
            break
        if not text:
            continue
        if text.isdecimal() and text.isascii() and suggestions:
            if not 1 <= int(text) <= len(suggestions):
                print(f"  pick 1 to {len(suggestions)}, or type a message")
                continue
            transcript.append(("your reply", suggestions[int(text) - 1]))
            print(f"you: {transcript[-1][1]}")
            suggestions = []
            continue
        transcript.append(("message", text))
        if sentiment is not None:
            print(f"  sentiment: {describe(sentiment.classify(text))}")
        result = smart_reply.suggest(text)
        suggestions = result.texts
        for number, reply in enumerate(result.replies, 1):
            print(f"  {number}. {reply.text}" + (" (generic)" if reply.backoff else ""))
    return transcript


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smartreply", required=True, help="the Smart Reply .tflite model")
    parser.add_argument("--sentiment", help="a .tflite text classifier for the sentiment")
    parser.add_argument("--max-replies", type=int, default=3, help="suggestions per message (3)")
    args = parser.parse_args(argv)
    try:
        with SmartReply.create_from_file(args.smartreply,
                                         max_replies=args.max_replies) as smart_reply:
            sentiment = (TextClassifier.create_from_file(args.sentiment, max_results=2)
                         if args.sentiment else None)
            print("type a message; a number sends that suggestion as your reply; quit ends")
            transcript = chat(smart_reply, sentiment)
    except TfliteTasksError as e:  # a bad model or option
        print(f"error: {e}", file=sys.stderr)
        return 1
    print("\ntranscript:")
    for who, text in transcript:
        print(f"  {who + ':':11} {text}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
