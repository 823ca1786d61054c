"""``tflite-tasks classify-audio MODEL FILE... [--hop-ms N] [--json]``: classify audio files,
window by window."""

from __future__ import annotations

import argparse
from pathlib import Path

from tflite_tasks.cli.common import add_result_arguments, add_threads_argument, model_options
from tflite_tasks.cli.output import dump_json, format_table
from tflite_tasks.core.audio import AudioData, load_audio, plural
from tflite_tasks.core.containers import ClassificationResult
from tflite_tasks.tasks.audio.audio_classifier import AudioClassifier

NAME = "classify-audio"
HELP = "classify sounds in audio files, window by window, with an audio classification model"

_AUDIO_OPTIONS = ("sample_rate", "channels", "window_samples", "hop_ms")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", help="a .tflite audio classification model (such as YAMNet)")
    parser.add_argument("files", nargs="+", metavar="FILE",
                        help="audio files (WAV, FLAC, OGG, MP3, ...; any rate and channels)")
    parser.add_argument("--hop-ms", type=float, default=None,
                        help="milliseconds between window starts (default: one window, no "
                             "overlap; less overlaps the windows)")
    add_result_arguments(parser, max_results=3, per="window")
    add_threads_argument(parser)
    parser.add_argument("--labels", default=None,
                        help="label file (one per line) for models without labels")
    parser.add_argument("--sample-rate", type=int, default=None,
                        help="the model's sample rate in Hz (models without metadata)")
    parser.add_argument("--channels", type=int, default=None,
                        help="the model's channels (models without metadata)")
    parser.add_argument("--window-samples", type=int, default=None,
                        help="frames per window (models whose input length is dynamic)")
    parser.add_argument("--json", action="store_true", help="print JSON")


def _ms(value: float | None) -> str:
    """A time in ms to 0.1 ms, without a trailing ``.0``."""
    if value is None:
        return "-"
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _describe(name: str, audio: AudioData, classifier: AudioClassifier, windows: int) -> str:
    """``file: speech.wav (4.272 s, 16000 Hz, 1 channel): 5 windows of 975 ms, hop 975 ms``."""
    audio_format = classifier.audio_format
    return (f"file: {name} ({audio.duration_ms / 1000:.3f} s, {audio.sample_rate} Hz, "
            f"{plural(audio.channels, 'channel')}): {plural(windows, 'window')} of "
            f"{_ms(audio_format.window_ms)} ms, hop {_ms(audio_format.hop_ms)} ms")


def _table(results: list[ClassificationResult], heads: int) -> str:
    """One row per category of each window: time, (head,) rank, index, category, score."""
    rows = []
    for result in results:
        for head in result.classifications:
            named = [head.head_name] if heads > 1 else []
            if not head.categories:
                rows.append([_ms(result.timestamp_ms), *named, "-", "-",
                             "(nothing above the threshold)", "-"])
            for rank, c in enumerate(head.categories, 1):
                rows.append([_ms(result.timestamp_ms), *named, rank, c.index,
                             c.category_name, f"{c.score:.4f}"])
    header = ["time (ms)", *(["head"] if heads > 1 else []), "rank", "index", "category",
              "score"]
    return format_table(header, rows)


def run(args: argparse.Namespace) -> int:
    options = model_options(args)
    options.update({name: getattr(args, name) for name in _AUDIO_OPTIONS
                    if getattr(args, name) is not None})
    with AudioClassifier.create_from_file(args.model, **options) as classifier:
        heads = len(classifier.labels)
        clips = []
        for path in args.files:
            audio = load_audio(path)
            clips.append((path, audio, classifier.classify(audio)))
        if args.json:
            print(dump_json([{"file": path, "results": [r.to_dict() for r in results]}
                             for path, _, results in clips]))
            return 0
        for number, (path, audio, results) in enumerate(clips):
            if number:
                print()
            print(_describe(Path(path).name, audio, classifier, len(results)))
            print(_table(results, heads))
    return 0
