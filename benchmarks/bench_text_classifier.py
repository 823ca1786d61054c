"""TextClassifier.classify and TextEmbedder.embed against a bare LiteRT invoke, in one run.

The regex-tokenizer models of the shared data, on one review sentence. "bare" is
``set_tensor`` + ``invoke`` + ``get_tensor`` of the same model on the sentence's token ids
(tokenized once, outside the loop) with the same thread count; the overhead (tokenizing,
writing the input, reading and sorting the scores) is the median over interleaved rounds
of the per-round difference (see ``timing.py``).

    python benchmarks/bench_text_classifier.py [--threads 1] [--rounds 7] [--calls 2000]
"""

from __future__ import annotations

import sys

from timing import bare_invoke, compare, parse_arguments, print_overheads, shared_files

from tflite_tasks import TextClassifier, TextEmbedder

CLASSIFIERS = ("text/test_model_nl_classifier_with_regex_tokenizer.tflite",
               "text/text_classification_v2.tflite")
EMBEDDER = "text/regex_one_embedding_with_metadata.tflite"
SENTENCE = "This is the best movie I've seen in recent years. Strongly recommend it!"


def main() -> int:
    args = parse_arguments(__doc__, calls=2000)
    found = shared_files(*CLASSIFIERS, EMBEDDER)
    if found is None:
        return 1
    rows: list[list[str]] = []
    for path in found:
        task = (TextEmbedder if path.name == EMBEDDER.split("/")[1] else TextClassifier
                ).create_from_file(path, num_threads=args.threads)
        ids = task.preprocess(SENTENCE)[0]
        bare = bare_invoke(path, args.threads, ids)
        run = task.embed if isinstance(task, TextEmbedder) else task.classify
        compare(rows, f"{path.name} {run.__name__}", bare, lambda r=run: r(SENTENCE),
                args.rounds, args.calls, args.threads)
    print_overheads(rows, args, f"sentence: {SENTENCE!r} ({len(SENTENCE)} characters)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
