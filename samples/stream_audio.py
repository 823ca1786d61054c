"""Classify sounds as they arrive: a file streamed as if from a microphone, or the microphone.

    python samples/stream_audio.py [FILE] [--model MODEL] [--block-ms 100] [--realtime]
        [--smooth N] [--max-results 3] [--hop-ms MS] [--num-threads N]
    python samples/stream_audio.py --microphone [--device DEVICE] [--model MODEL] ...

The file is read in blocks of ``--block-ms`` milliseconds (as fast as possible, or at the
pace of real time with ``--realtime``) and each block is pushed into
``classifier.stream(sample_rate=<the file's rate>)``, which mixes the channels, resamples to
the model's rate and runs the model each time a window is complete. Each window prints its
start time and its top classes; ``--smooth N`` adds the average scores of the last N windows,
which flicker less. ``--microphone`` records from the default input device (or
``--device``) through ``tflite_tasks.Microphone``; Ctrl+C stops.

The defaults are YAMNet (``audio/yamnet_audio_classifier_with_metadata.tflite``: 521
classes, 16 kHz mono, windows of 0.975 s) and ``audio/speech.wav`` of the project's shared
test data: ``$TFLITE_TASKS_TEST_DATA``, or ``../shared/models`` from the project folder.
Needs the package with its audio extra (``pip install '.[audio]'``), and for the microphone
``'.[microphone]'`` and PortAudio.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import deque
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from tflite_tasks import (
    AudioClassifier,
    ClassificationResult,
    Microphone,
    TfliteTasksError,
)

DATA = Path(os.environ.get("TFLITE_TASKS_TEST_DATA",
                           Path(__file__).resolve().parent.parent.parent / "shared" / "models"))
DEFAULT_MODEL = DATA / "audio" / "yamnet_audio_classifier_with_metadata.tflite"
DEFAULT_AUDIO = DATA / "audio" / "speech.wav"


class Failure(Exception):
    """An error of the sample itself (a file it cannot read), printed as one line."""


def file_blocks(path: Path, block_ms: float, realtime: bool
                ) -> tuple[int, int, Iterator[np.ndarray]]:
    """The file's sample rate and channels, and its float32 ``(frames, channels)`` blocks of
    ``block_ms`` (the last one shorter), read as they are needed; with ``realtime`` each
    block comes when a microphone would have delivered it."""
    try:
        import soundfile
    except ImportError as exc:
        raise Failure("reading audio files needs soundfile: pip install "
                      "'tflite-tasks[audio]'") from exc
    if not path.is_file():
        raise Failure(f"audio file not found: {path}")
    try:
        file = soundfile.SoundFile(path)
    except Exception as exc:  # libsndfile's errors
        raise Failure(f"cannot read {path}: {exc}") from exc
    frames = max(1, round(block_ms * file.samplerate / 1000))

    def blocks() -> Iterator[np.ndarray]:
        began = time.monotonic()
        number = 0
        with file:  # read(), not blocks(): files that cannot seek (GSM WAV) have no length
            while (block := file.read(frames, dtype="float32", always_2d=True)).shape[0]:
                number += 1
                if realtime:  # block n is complete n blocks after the start
                    time.sleep(max(0.0, began + number * block_ms / 1000 - time.monotonic()))
                yield block

    return file.samplerate, file.channels, blocks()


def _channels(count: int) -> str:
    return "mono" if count == 1 else "stereo" if count == 2 else f"{count} channels"


def top(scores: dict[int, float], names: dict[int, str], count: int) -> str:
    """``name score | name score | ...`` of the ``count`` best scores."""
    best = sorted(scores, key=lambda index: (-scores[index], index))[:count]
    return " | ".join(f"{names[i]} {scores[i]:.3f}" for i in best)


class Printer:
    """Prints each window's top classes, and the average of the last ``smooth`` windows."""

    def __init__(self, count: int, smooth: int) -> None:
        self.count, self.smooth = count, smooth
        self.recent: deque[dict[int, float]] = deque(maxlen=smooth)
        self.names: dict[int, str] = {}
        self.windows = 0

    def show(self, result: ClassificationResult) -> None:
        categories = result.classifications[0].categories  # the first head
        scores = {c.index: c.score for c in categories}
        self.names.update((c.index, c.category_name or str(c.index)) for c in categories)
        self.recent.append(scores)
        self.windows += 1
        print(f"{result.timestamp_ms / 1000:7.3f} s  {top(scores, self.names, self.count)}",
              flush=True)
        if self.smooth > 1:
            average = {i: sum(s.get(i, 0.0) for s in self.recent) / len(self.recent)
                       for i in set().union(*self.recent)}
            print(f"{'':9}  last {len(self.recent)}: {top(average, self.names, self.count)}",
                  flush=True)


def stream_file(classifier: AudioClassifier, path: Path, printer: Printer, block_ms: float,
                realtime: bool) -> None:
    """Pushes the file's blocks into a stream and prints the windows as they complete."""
    rate, channels, blocks = file_blocks(path, block_ms, realtime)
    stream = classifier.stream(sample_rate=rate)
    began, pushed = time.perf_counter(), 0
    print(f"streaming {path.name} ({rate} Hz, {_channels(channels)}) in blocks of {block_ms:g} ms"
          f"{' in real time' if realtime else ''}")
    try:
        for block in blocks:
            pushed += block.shape[0]
            for result in stream.push(block):
                printer.show(result)
    except KeyboardInterrupt:
        print("stopped")
    for result in stream.flush():  # the last windows, padded with silence
        printer.show(result)
    seconds, took = pushed / rate, time.perf_counter() - began
    print(f"{printer.windows} windows, {seconds:.2f} s of audio in {took:.2f} s "
          f"({seconds / max(took, 1e-9):.0f}x real time)")


def stream_microphone(classifier: AudioClassifier, printer: Printer, block_ms: float,
                      device: int | str | None) -> None:
    """Records until Ctrl+C, printing the windows as they complete."""
    stream = classifier.stream()
    microphone = Microphone.for_task(classifier, block_ms=block_ms, device=device)
    with microphone:
        print(f"listening ({microphone.sample_rate} Hz, {_channels(microphone.channels)}); "
              "Ctrl+C stops", flush=True)
        try:
            for block in microphone:
                for result in stream.push(block):
                    printer.show(result)
        except KeyboardInterrupt:
            print("stopped")
    for result in stream.flush():
        printer.show(result)
    if microphone.dropped_frames:
        print(f"{microphone.dropped_frames} frames were dropped (the model fell behind)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", nargs="?", type=Path, default=DEFAULT_AUDIO,
                        help="audio file to stream (default: the shared speech.wav)")
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL,
                        help="a .tflite audio classifier (default: the shared YAMNet)")
    parser.add_argument("--microphone", action="store_true",
                        help="record from the microphone instead of reading a file")
    parser.add_argument("--device", default=None,
                        help="input device for --microphone (index or name; default: the "
                             "system's)")
    parser.add_argument("--block-ms", type=float, default=100.0,
                        help="milliseconds of audio per block pushed (100)")
    parser.add_argument("--realtime", action="store_true",
                        help="push the file's blocks at the pace of real time")
    parser.add_argument("--smooth", type=int, default=1,
                        help="also print the average scores of the last N windows")
    parser.add_argument("--max-results", type=int, default=3, help="classes per line (3)")
    parser.add_argument("--hop-ms", type=float, default=None,
                        help="milliseconds between window starts (default: one window)")
    parser.add_argument("--num-threads", type=int, default=None,
                        help="inference threads (default: every CPU available)")
    args = parser.parse_args(argv)
    if not 0 < args.block_ms <= 60_000:  # NaN too
        parser.error("--block-ms must be a positive number of ms, up to 60000")
    if args.smooth < 1 or args.max_results < 1:
        parser.error("--smooth and --max-results must be at least 1")
    if not args.model.is_file():
        print(f"error: no model at {args.model}: pass --model, or set TFLITE_TASKS_TEST_DATA "
              "to the shared models folder", file=sys.stderr)
        return 1
    device = int(args.device) if args.device and args.device.isdigit() else args.device
    options = {"max_results": -1, "num_threads": args.num_threads, "hop_ms": args.hop_ms}
    try:  # every category: the sample ranks (and averages) the scores itself
        with AudioClassifier.create_from_file(
                args.model, **{k: v for k, v in options.items() if v is not None}) as classifier:
            audio = classifier.audio_format
            print(f"model: {args.model.name} ({audio.sample_rate} Hz, "
                  f"{_channels(audio.channels)}, windows of {audio.window_ms:g} ms every "
                  f"{audio.hop_ms:g} ms)")
            printer = Printer(args.max_results, args.smooth)
            if args.microphone:
                stream_microphone(classifier, printer, args.block_ms, device)
            else:
                stream_file(classifier, args.file, printer, args.block_ms, args.realtime)
    except (TfliteTasksError, Failure) as e:  # a bad model, file or option; no microphone,
        print(f"error: {e}", file=sys.stderr)  # sounddevice or PortAudio
        return 1
    except KeyboardInterrupt:  # before streaming started
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
