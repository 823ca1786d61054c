"""Which ops of a model this LiteRT runs: builtin names, probing one op at a time, and the
finding of an op nothing can run."""

from __future__ import annotations

import copy
import re
import signal
import subprocess
import sys

import flatbuffers
from ai_edge_litert import schema_py_generated as schema
from ai_edge_litert.interpreter import Interpreter, OpResolverType

from tflite_tasks.doctor.report import Finding, Fix, Op

OP_NAMES = {code: name for name, code in vars(schema.BuiltinOperator).items()
             if not name.startswith("_")}
UNRESOLVED = re.compile(r"unresolved custom op|Select TensorFlow op|Didn't find op for "
                         r"builtin opcode|builtin_code out of range")


def litert_interpreter(model_bytes: bytes) -> Interpreter:
    return Interpreter(model_content=model_bytes, num_threads=1, experimental_op_resolver_type=(
        OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES))


_PREPARE = """import sys
from ai_edge_litert.interpreter import Interpreter
try:
    Interpreter(model_content=sys.stdin.buffer.read(), num_threads=1).allocate_tensors()
except Exception:
    pass
"""
"""Prepares the model of stdin as the tasks do (LiteRT's default delegates included)."""


def litert_crash(model_bytes: bytes, timeout: float = 60.0) -> str | None:
    """How LiteRT crashes preparing the model as the tasks do (``"SIGSEGV"``), or None when
    it does not: tried in a child process, since some corrupt models kill the process (the
    XNNPACK delegate on an out-of-range zero point) where they should raise."""
    try:
        child = subprocess.run([sys.executable, "-c", _PREPARE], input=model_bytes,
                               capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return f"no answer in {timeout:g} s"
    if child.returncode >= 0:
        return None
    try:
        return signal.Signals(-child.returncode).name
    except ValueError:
        return f"signal {-child.returncode}"


def litert_resolves(model: schema.ModelT, index: int, custom: bool) -> bool:
    """Whether LiteRT has a kernel for operator code ``index``: a copy of the model keeping
    only that op's nodes is built (and prepared, for custom ops, which resolve there)."""
    graph = next(g for g in model.subgraphs if any(o.opcodeIndex == index for o in g.operators))
    probe, graph = copy.copy(model), copy.copy(graph)
    graph.operators = [o for o in graph.operators if o.opcodeIndex == index]
    probe.subgraphs, probe.signatureDefs = [graph], None
    builder = flatbuffers.Builder(1024)
    try:
        builder.Finish(probe.Pack(builder), file_identifier=b"TFL3")
    except Exception:  # a model LiteRT verified but the generated writer cannot repack:
        return True  # no evidence against LiteRT
    try:
        interpreter = litert_interpreter(bytes(builder.Output()))
        if custom:
            interpreter.allocate_tensors()
    except (ValueError, RuntimeError) as e:  # failing for another reason, it has a kernel
        return not UNRESOLVED.search(str(e))
    return True


def op_finding(op: Op) -> Finding:
    """The error of an op nothing can run."""
    register = Fix("option", f"tflite_tasks.register_custom_op({op.name!r}, kernel) or "
                   f"BaseOptions(custom_ops={{{op.name!r}: kernel}}) (see docs/custom_ops.md)")
    if op.kind == "builtin":
        return Finding("error", "unsupported_builtin_op", f"this LiteRT has no kernel for the "
                       f"builtin op {op.name} in the version the model uses",
                       [Fix("command", "pip install -U ai-edge-litert")])
    if op.kind == "select-TF":
        return Finding("error", "select_tf_op", f"{op.name} is a select TensorFlow op (the "
                       "model was converted with SELECT_TF_OPS): the LiteRT Python wheel has no "
                       "Flex delegate to run it", [Fix("convert", "convert the model with "
                       "builtin ops only: converter.target_spec.supported_ops = "
                       "[tf.lite.OpsSet.TFLITE_BUILTINS] (no SELECT_TF_OPS)"), register])
    return Finding("error", "unresolved_custom_op", f"custom op {op.name} has no kernel in this "
                   "LiteRT and no Python kernel is registered for it", [register])
