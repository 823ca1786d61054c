"""AudioClassifier.classify on a 10 s clip against the bare LiteRT invokes it needs, in one run,
and the resampler's speed.

The clip is the shared ``speech.wav`` repeated to 10 s at 16 kHz mono: YAMNet cuts it into 11
windows of 15600 samples (the last zero-padded). "bare" is ``set_tensor`` + ``invoke`` +
``get_tensor`` of those 11 windows, prepared outside the loop, with the same thread count.
The overhead (checking the array, the ring buffer, writing inputs, sorting 521 scores per
window and making their categories: 5731 Python objects per call by default, whose creation
and garbage collection dominate) is the median over interleaved rounds of the per-round
difference (``timing.py``); ``max_results=5`` and the embedder show the rest of the pipeline.
The same clip at 44.1 kHz stereo adds mixing and resampling to 16 kHz (soxr HQ), timed
alone below.

    python benchmarks/bench_audio_classifier.py [--threads 1] [--rounds 7] [--calls 20]
"""

from __future__ import annotations

import math
import sys
import tempfile
from pathlib import Path

import numpy as np
import soundfile
from ai_edge_litert.interpreter import Interpreter
from timing import compare, parse_arguments, per_call_ms, print_overheads, shared_files

from tflite_tasks import AudioClassifier, AudioEmbedder
from tflite_tasks.cli.output import format_table
from tflite_tasks.core.audio import mix_channels, resample

MODEL = "audio/yamnet_audio_classifier_with_metadata.tflite"
CLIP = "audio/speech.wav"
SECONDS = 10
RATE = 16000


def bare_windows(model: Path, threads: int, clip: np.ndarray, window: int):
    """The bare calls of every window of ``clip`` (hop = window, last one zero-padded)."""
    interpreter = Interpreter(model_path=str(model), num_threads=threads)
    interpreter.allocate_tensors()
    inp = interpreter.get_input_details()[0]
    outputs = [detail["index"] for detail in interpreter.get_output_details()]
    padded = np.zeros(math.ceil(clip.size / window) * window, np.float32)
    padded[:clip.size] = clip
    windows = [w.reshape(inp["shape"]) for w in padded.reshape(-1, window)]

    def run() -> object:
        results = []
        for values in windows:
            interpreter.set_tensor(inp["index"], values)
            interpreter.invoke()
            results.append([interpreter.get_tensor(index) for index in outputs])
        return results

    return run, len(windows)


def resampling_rows(clip: np.ndarray, calls: int) -> list[list[str]]:
    """Times mixing 44.1 kHz stereo to mono and resampling it to 16 kHz, per 10 s clip."""
    stereo = np.repeat(resample(clip[:, None], RATE, 44100), 2, axis=1)
    mono = mix_channels(stereo, 1)
    rows = []
    for name, work in (("resample 44.1 kHz mono -> 16 kHz", lambda: resample(mono, 44100, RATE)),
                       ("mix 44.1 kHz stereo + resample -> 16 kHz mono",
                        lambda: resample(mix_channels(stereo, 1), 44100, RATE))):
        per_call_ms(work, 3)
        ms = min(per_call_ms(work, calls) for _ in range(5))
        rows.append([name, f"{SECONDS} s", f"{ms:.2f}", f"{SECONDS * 1000 / ms:.0f}x"])
    return rows


def main() -> int:
    args = parse_arguments(__doc__, calls=20)
    found = shared_files(MODEL, CLIP)
    if found is None:
        return 1
    model, clip_path = found
    speech, rate = soundfile.read(clip_path, dtype="float32")
    assert rate == RATE
    clip = np.resize(speech, SECONDS * RATE)  # speech repeated to 10 s
    stereo_44k = np.repeat(resample(clip[:, None], RATE, 44100), 2, axis=1)
    classifier = AudioClassifier.create_from_file(model, num_threads=args.threads)
    top5 = AudioClassifier.create_from_file(model, num_threads=args.threads, max_results=5)
    embedder = AudioEmbedder.create_from_file(model, num_threads=args.threads)
    bare, windows = bare_windows(model, args.threads, clip, classifier.audio_format.window)
    assert len(classifier.classify(clip, RATE)) == windows
    rows: list[list[str]] = []
    compare(rows, f"classify 10 s 16 kHz mono array ({windows} windows)", bare,
            lambda: classifier.classify(clip, RATE), args.rounds, args.calls, args.threads)
    compare(rows, "classify the same, max_results=5", bare, lambda: top5.classify(clip, RATE),
            args.rounds, args.calls, args.threads)
    compare(rows, f"embed 10 s 16 kHz mono array ({windows} windows)", bare,
            lambda: embedder.embed(clip, RATE), args.rounds, args.calls, args.threads)
    with tempfile.TemporaryDirectory() as folder:
        wav = Path(folder) / "clip.wav"
        soundfile.write(wav, clip, RATE, subtype="PCM_16")
        compare(rows, "classify 10 s 16 kHz WAV file (decoding included)", bare,
                lambda: classifier.classify(wav), args.rounds, args.calls, args.threads)
    compare(rows, "classify 10 s 44.1 kHz stereo array (mix + resample)", bare,
            lambda: classifier.classify(stereo_44k, 44100), args.rounds, args.calls,
            args.threads)
    for row in rows:
        row.append(f"{float(row[4]) / float(row[2]) * 100:+.1f}%")
    print_overheads([row[:5] for row in rows], args, f"{clip_path.name} repeated to "
                    f"{SECONDS} s, {windows} YAMNet windows per call")
    print()
    print(format_table(["case", "overhead / bare invokes"], [[r[0], r[5]] for r in rows],
                       markdown=True))
    print()
    print(format_table(["resampling (soxr HQ)", "audio", "ms", "x real time"],
                       resampling_rows(clip, calls=10), markdown=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
