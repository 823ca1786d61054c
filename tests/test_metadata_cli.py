"""``tflite-tasks metadata show|export-json|extract-files``."""

from __future__ import annotations

import argparse
import io
import json
import os
import zipfile
from pathlib import Path

import pytest
from testdata import data_path
from tiny_models import channel_mean_model

from tflite_tasks.cli import main, metadata_cmd
from tflite_tasks.metadata import read_metadata

MODEL = "vision/mobilenet_v1_0.25_224_1_metadata_1.tflite"
BARE = "vision/mobilenet_v1_0.25_224_1_default_1.tflite"
LABELS_ROW = "labels.txt  10484  output 0 'probability'"


def _reference_json() -> str:
    return data_path(MODEL.replace(".tflite", ".metadata.json")).read_text()


def test_show(capsys) -> None:
    assert main(["metadata", "show", str(data_path(MODEL))]) == 0
    out = capsys.readouterr().out
    head, rest = out.split("\n\nmetadata:\n")
    assert head == f"model: {data_path(MODEL)} (1894378 bytes)"
    text, files = rest.split("\n\nassociated files:\n")
    assert text + "\n" == _reference_json()
    assert files.splitlines() == ["name        bytes  tensor", LABELS_ROW]


def test_show_json(capsys) -> None:
    assert main(["metadata", "show", "--json", str(data_path(MODEL))]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["metadata"] == json.loads(_reference_json())
    assert document["bytes"] == 1894378
    assert document["associated_files"] == [
        {"name": "labels.txt", "bytes": 10484, "tensor": "output 0 'probability'"}]


def test_show_without_metadata(capsys) -> None:
    assert main(["metadata", "show", str(data_path(BARE))]) == 0
    assert capsys.readouterr().out.endswith(
        "metadata:\n  (none)\n\nassociated files:\n  (none)\n")
    assert main(["metadata", "show", "--json", str(data_path(BARE))]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["metadata"] is None and document["associated_files"] == []


def test_show_refuses_what_is_not_a_model(tmp_path: Path, capsys) -> None:
    path = tmp_path / "labels.txt"
    path.write_text("cat\n")
    assert main(["metadata", "show", str(path)]) == 1
    assert "not a TFLite model" in capsys.readouterr().err
    assert main(["metadata", "show", str(tmp_path / "missing.tflite")]) == 1


def test_export_json(tmp_path: Path, capsys) -> None:
    assert main(["metadata", "export-json", str(data_path(MODEL))]) == 0
    assert capsys.readouterr().out == _reference_json()
    output = tmp_path / "metadata.json"
    assert main(["metadata", "export-json", str(data_path(MODEL)), "--output", str(output)]) == 0
    assert output.read_bytes() == _reference_json().encode()
    assert capsys.readouterr().out == f"wrote {output}\n"


def test_export_json_without_metadata(capsys) -> None:
    assert main(["metadata", "export-json", str(data_path(BARE))]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "has no TFLite Metadata" in captured.err
    assert "tflite-tasks metadata write" in captured.err


def test_extract_files(tmp_path: Path, capsys, monkeypatch) -> None:
    model = str(data_path(MODEL))
    labels = read_metadata(model).file("labels.txt")
    out = tmp_path / "out"
    assert main(["metadata", "extract-files", model, "--output-dir", str(out)]) == 0
    assert (out / "labels.txt").read_bytes() == labels
    assert capsys.readouterr().out == f"wrote {out / 'labels.txt'} (10484 bytes)\n"

    (out / "labels.txt").write_bytes(b"mine")
    assert main(["metadata", "extract-files", model, "-d", str(out)]) == 1
    assert "--force" in capsys.readouterr().err
    assert (out / "labels.txt").read_bytes() == b"mine"  # not overwritten
    # named files, options after them or between
    assert main(["metadata", "extract-files", model, "labels.txt", "-d", str(out), "--force"]) == 0
    assert (out / "labels.txt").read_bytes() == labels

    assert main(["metadata", "extract-files", model, "-d", str(out), "vocab.txt"]) == 1
    assert "no packed file 'vocab.txt' (packed files: 'labels.txt')" in capsys.readouterr().err

    monkeypatch.chdir(tmp_path)  # the default folder is the current one
    assert main(["metadata", "extract-files", model]) == 0
    assert (tmp_path / "labels.txt").read_bytes() == labels


def test_extract_files_of_a_model_without_files(tmp_path: Path, capsys) -> None:
    assert main(["metadata", "extract-files", str(data_path(BARE)), "-d", str(tmp_path)]) == 0
    assert "has no packed files" in capsys.readouterr().out
    assert list(tmp_path.iterdir()) == []


def _model_packing(names: list[str]) -> bytes:
    """A model whose archive holds files of those names (as a hostile tool may write)."""
    out = io.BytesIO(channel_mean_model())
    out.seek(0, io.SEEK_END)
    with zipfile.ZipFile(out, "a") as archive:
        for name in names:
            archive.writestr(zipfile.ZipInfo(name), b"evil")
    return out.getvalue()


@pytest.mark.parametrize("name", ["../escape.txt", "sub/x.txt", "..\\escape.txt", "..",
                                  "C:escape.txt", "ABSOLUTE"])
def test_extract_files_refuses_names_escaping_the_folder(name: str, tmp_path: Path,
                                                         capsys) -> None:
    if name == "ABSOLUTE":
        name = str(tmp_path / "escape.txt")
    model = tmp_path / "model.tflite"
    model.write_bytes(_model_packing(["good.txt", name]))
    out = tmp_path / "a" / "b"
    assert main(["metadata", "extract-files", str(model), "-d", str(out)]) == 1
    assert "refusing to extract" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["model.tflite"]  # nothing written


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symbolic links")
def test_extract_files_does_not_write_through_links(tmp_path: Path, capsys) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "labels.txt").symlink_to(tmp_path / "outside.txt")  # dangling
    model = str(data_path(MODEL))
    assert main(["metadata", "extract-files", model, "-d", str(out)]) == 1
    assert main(["metadata", "extract-files", model, "-d", str(out), "--force"]) == 0
    assert not (out / "labels.txt").is_symlink() and not (tmp_path / "outside.txt").exists()


def test_a_subcommand_is_required() -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["metadata"])
    assert exit_info.value.code == 2


def test_subcommands_can_be_added(monkeypatch, capsys) -> None:
    def add(subparsers: argparse._SubParsersAction) -> None:
        subparsers.add_parser("hello").add_argument("who")

    def run(args: argparse.Namespace) -> int:
        print(f"hello {args.who}")
        return 3

    monkeypatch.setitem(metadata_cmd.SUBCOMMANDS, "hello", (add, run))
    assert main(["metadata", "hello", "you"]) == 3
    assert capsys.readouterr().out == "hello you\n"
