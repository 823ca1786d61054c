"""``tflite-tasks classify-text MODEL [TEXT...] [--json]``: classify texts (stdin lines if
no TEXT is given)."""

from __future__ import annotations

import argparse
import sys

from tflite_tasks.cli.common import add_result_arguments, add_threads_argument, model_options
from tflite_tasks.cli.output import dump_json, format_table
from tflite_tasks.core.errors import InputError
from tflite_tasks.tasks.text.text_classifier import TextClassifier
from tflite_tasks.tasks.text.text_input import TOKENIZERS

NAME = "classify-text"
HELP = "classify texts (sentiment, topic, intent) with a text classification model"

_TEXT_OPTIONS = ("vocab_file", "tokenizer", "delim_regex_pattern", "sentencepiece_model")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", help="a .tflite text classification model")
    parser.add_argument("texts", nargs="*", metavar="TEXT",
                        help="texts to classify (none: read them from stdin, one per line)")
    add_result_arguments(parser, max_results=-1, per="text")
    add_threads_argument(parser)
    parser.add_argument("--tokenizer", default=None, choices=TOKENIZERS,
                        help="tokenizer for models without one in their metadata")
    parser.add_argument("--vocab-file", default=None,
                        help="vocabulary of the regex or BERT tokenizer (models without metadata)")
    parser.add_argument("--delim-regex-pattern", default=None,
                        help="delimiter of the regex tokenizer (default: [^\\w\\']+)")
    parser.add_argument("--sentencepiece-model", default=None,
                        help="SentencePiece model file (models without metadata)")
    parser.add_argument("--json", action="store_true", help="print JSON")


def read_stdin_lines() -> list[str]:
    """The non-blank lines of stdin, without their line ends."""
    if sys.stdin.isatty():
        print("reading texts from stdin, one per line; Ctrl-D ends", file=sys.stderr)
    return [line.rstrip("\r\n") for line in sys.stdin if line.strip()]


def run(args: argparse.Namespace) -> int:
    options = model_options(args)
    options.update({name: getattr(args, name) for name in _TEXT_OPTIONS
                    if getattr(args, name) is not None})
    with TextClassifier.create_from_file(args.model, **options) as classifier:
        texts = list(args.texts) or read_stdin_lines()
        if not texts:
            raise InputError("no text to classify: give TEXT arguments or lines on stdin")
        results = [classifier.classify(text) for text in texts]
    if args.json:
        print(dump_json([{"text": text, "result": result.to_dict()}
                         for text, result in zip(texts, results, strict=True)]))
        return 0
    for number, (text, result) in enumerate(zip(texts, results, strict=True)):
        rows = [[rank, c.index, c.category_name, f"{c.score:.4f}"]
                for head in result.classifications
                for rank, c in enumerate(head.categories, 1)]
        if number:
            print()
        print(f"text: {text}")
        print(format_table(["rank", "index", "category", "score"], rows))
    return 0
