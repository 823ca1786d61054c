"""The JSON text form of declarative tables, as flatc prints it (strict JSON, indent 2).

:func:`to_json` reproduces byte for byte what the reference MetadataDisplayer prints:
present fields in declaration order, a union as ``<name>_type`` then ``<name>``, enums by
name (the number when unknown), floats as C++ ``std::fixed`` with 6 digits and trailing
zeros stripped, and non-ASCII characters as ``\\uXXXX`` escapes. :func:`from_dict` is the
inverse; values equal to their default are not present in what it builds (as flatc).
"""

from __future__ import annotations

import json
import math
import struct
from typing import Any, TypeVar

from ..core.errors import MetadataError
from .codec import (
    Bytes,
    EnumOf,
    Kind,
    Scalar,
    Skip,
    String,
    Table,
    TableOf,
    UnionOf,
    fields_of,
    is_present,
    set_union_tag,
    union_tag,
    union_type_present,
)

T = TypeVar("T", bound=Table)

_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\n": "\\n",
    "\t": "\\t",
    "\r": "\\r",
    "\b": "\\b",
    "\f": "\\f",
}


def _escape(text: str) -> str:
    """Quotes a string as flatc's EscapeString does (uppercase hex, surrogate pairs)."""
    out = ['"']
    for char in text:
        code = ord(char)
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif 0x20 <= code <= 0x7E:
            out.append(char)
        elif code <= 0xFFFF:
            out.append(f"\\u{code:04X}")
        else:
            code -= 0x10000
            out.append(f"\\u{0xD800 + (code >> 10):04X}\\u{0xDC00 + (code & 0x3FF):04X}")
    out.append('"')
    return "".join(out)


def _float(value: float) -> str:
    """A float32 as flatc prints it: ``%.6f``, trailing zeros stripped to one decimal."""
    try:
        value = struct.unpack("<f", struct.pack("<f", value))[0]
    except OverflowError:
        value = math.copysign(math.inf, value)
    if math.isnan(value):
        return "-nan" if math.copysign(1.0, value) < 0 else "nan"
    text = f"{value:.6f}"
    last = len(text.rstrip("0")) - 1
    return text[: last + (2 if text[last] == "." else 1)]


def _block(open_: str, items: list[str], close: str, indent: int) -> str:
    """Items one per line at ``indent + 2``; an empty vector is ``[``, two newlines, ``]``."""
    inner = " " * (indent + 2)
    return open_ + "\n" + ",\n".join(inner + item for item in items) + "\n" + " " * indent + close


def _value(kind: Kind, value: Any, indent: int) -> str:
    """The JSON text of a present field value; nested lines start at ``indent + 2``."""
    if isinstance(kind, EnumOf):
        member = kind.cls._value2member_map_.get(int(value))
        return f'"{member.name}"' if member is not None else str(int(value))
    if isinstance(kind, Scalar):
        return _float(value) if kind.fmt == "f" else str(int(value))
    if isinstance(kind, String):
        return _escape(value)
    if isinstance(kind, TableOf):
        return _table(value, indent)
    if isinstance(kind, Bytes):
        return _block("[", [str(b) for b in bytes(value)], "]", indent)
    elem = kind.elem  # type: ignore[union-attr]
    return _block("[", [_value(elem, item, indent + 2) for item in value], "]", indent)


def _union_type_name(kind: UnionOf, tag: int) -> str:
    if tag == 0:
        return '"NONE"'
    return f'"{kind.members[tag - 1].__name__}"' if tag <= len(kind.members) else str(tag)


def _table(obj: Table, indent: int) -> str:
    """A table's present fields in declaration order; an empty table is ``{``, ``}``."""
    items = []
    for spec in fields_of(type(obj)):
        kind, value = spec.kind, getattr(obj, spec.name)
        if isinstance(kind, UnionOf):
            if union_type_present(obj, spec):
                tag = union_tag(obj, spec)
                items.append(f'"{spec.name}_type": ' + _union_type_name(kind, tag))
            if value is not None:
                items.append(f'"{spec.name}": ' + _table(value, indent + 2))
        elif is_present(obj, spec):
            items.append(f'"{spec.name}": ' + _value(kind, value, indent + 2))
    if not items:
        return "{\n" + " " * indent + "}"
    return _block("{", items, "}", indent)


def to_json(obj: Table) -> str:
    """The JSON text of a table, ending with a newline."""
    return _table(obj, 0) + "\n"


def _bad(path: str, message: str) -> MetadataError:
    return MetadataError(f"invalid metadata JSON at {path or 'the root'}: {message}")


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _number(scalar: Scalar, value: Any, path: str) -> Any:
    """Checks that a JSON number fits ``scalar`` (a float for float fields)."""
    try:
        if scalar.fmt == "f" and isinstance(value, int | float):
            value = float(value)
        struct.pack("<" + scalar.fmt, value)
    except (struct.error, OverflowError):
        raise _bad(path, f"expected a number of type {scalar.name}, got {_show(value)}") from None
    return value


def _from_value(kind: Kind, value: Any, path: str) -> Any:
    """Converts one JSON value to the Python value of a field of this kind."""
    if isinstance(kind, EnumOf | Scalar) and isinstance(value, bool):
        raise _bad(path, f"expected a number, got {value!r}")
    if isinstance(kind, EnumOf):
        if isinstance(value, str) and value in kind.cls.__members__:
            return kind.cls[value]
        if isinstance(value, int):
            value = _number(kind.base, value, path)
            return kind.cls._value2member_map_.get(value, value)
        raise _bad(path, f"{_show(value)} is not a {kind.cls.__name__}")
    if isinstance(kind, Scalar):
        return _number(kind, value, path)
    if isinstance(kind, String):
        if not isinstance(value, str):
            raise _bad(path, f"expected a string, got {_show(value)}")
        return value
    if isinstance(kind, TableOf):
        return from_dict(kind.cls, value, path)
    if not isinstance(value, list):
        raise _bad(path, f"expected a list, got {_show(value)}")
    if isinstance(kind, Bytes):
        if not all(isinstance(b, int) and 0 <= b <= 255 for b in value):
            raise _bad(path, "expected a list of bytes (0-255)")
        return bytes(value)
    elem = kind.elem  # type: ignore[union-attr]
    return [_from_value(elem, item, f"{path}[{i}]") for i, item in enumerate(value)]


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _union_from(kind: UnionOf, obj: Table, name: str, data: dict[str, Any], path: str) -> None:
    """Sets the union ``name`` of ``obj`` from ``data``'s ``<name>_type`` and ``<name>``."""
    type_name, value = data.get(f"{name}_type"), data.get(name)
    names = {m.__name__: i + 1 for i, m in enumerate(kind.members)} | {"NONE": 0}
    tag = names.get(type_name) if isinstance(type_name, str) else type_name
    if type_name is not None and (
        not isinstance(tag, int) or isinstance(tag, bool) or not 0 <= tag <= 255
    ):
        raise _bad(_join(path, f"{name}_type"), f"{type_name!r} is not one of {', '.join(names)}")
    if value is None:
        if tag:
            set_union_tag(obj, name, tag)
        return
    if not tag or tag > len(kind.members):
        raise _bad(_join(path, name), f"needs {name}_type, one of {', '.join(names)}")
    setattr(obj, name, from_dict(kind.members[tag - 1], value, _join(path, name)))


def from_dict(cls: type[T], data: Any, path: str = "") -> T:
    """Builds a table from the dict form of its JSON; raises MetadataError if invalid."""
    if not isinstance(data, dict):
        raise _bad(path, f"expected an object for {cls.__name__}, got {_show(data)}")
    specs = {spec.name: spec for spec in fields_of(cls) if not isinstance(spec.kind, Skip)}
    unions = {f"{n}_type" for n, spec in specs.items() if isinstance(spec.kind, UnionOf)}
    unknown = [key for key in data if key not in specs and key not in unions]
    if unknown:
        raise _bad(path, f"unknown field(s) {', '.join(map(repr, unknown))} in {cls.__name__}")
    obj = cls()
    for name, spec in specs.items():
        if isinstance(spec.kind, UnionOf):
            _union_from(spec.kind, obj, name, data, path)
        elif data.get(name) is not None:
            setattr(obj, name, _from_value(spec.kind, data[name], _join(path, name)))
    return obj


def from_json(cls: type[T], text: str | bytes) -> T:
    """Builds a table from its JSON text; raises MetadataError if invalid."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise MetadataError(f"invalid metadata JSON: {exc}") from None
    return from_dict(cls, data)
