"""A small flatbuffers codec driven by declarative table classes.

A schema is a set of dataclasses deriving from :class:`Table` whose fields are declared
with :func:`fb`, which records the flatbuffers kind of the field (:data:`UINT`,
:data:`STRING`, ``TableOf(ImageSize)``, ``VectorOf(FLOAT)``, ``UnionOf(A, B)``...).
Field ids follow declaration order; a union takes two ids (its hidden ``<name>_type``
ubyte, then the value), as in flatc. :func:`decode` and :func:`encode` read and write
such classes; nothing is generated.

Decoding is safe on hostile input: every offset, length and alignment is checked, and the
work is bounded by a budget of ``len(buf) + 1000`` units (a table, a vector element, or 16
bytes of string or byte data cost one unit each), so shared sub-tables cannot blow up.
Schemas are acyclic (a class exists before a field refers to it), so nesting depth is
bounded by the schema. Any corruption raises :class:`MetadataError`. A union whose type
number is unknown decodes to ``None`` and keeps its number (see :func:`union_tag`).

Presence: a decoded table remembers which scalar fields were present in the buffer; a
scalar is present when it differs from its default or was present when decoded.
"""

from __future__ import annotations

import dataclasses
import enum
import struct
from dataclasses import dataclass
from functools import cache
from typing import Any, ClassVar, NoReturn, TypeVar

from ..core.errors import MetadataError

T = TypeVar("T", bound="Table")

_PRESENT = "_fb_present"  # frozenset of scalar (and "<union>_type") names present in the buffer
_TAGS = "_fb_tags"  # {union name: type number} for unions whose value is absent or unknown


@dataclass(frozen=True)
class Scalar:
    """A scalar type: its schema name and little-endian struct format."""

    name: str
    fmt: str

    @property
    def size(self) -> int:
        """Size in bytes."""
        return struct.calcsize("<" + self.fmt)


BYTE, UBYTE = Scalar("byte", "b"), Scalar("ubyte", "B")
INT, UINT = Scalar("int", "i"), Scalar("uint", "I")
FLOAT, ULONG = Scalar("float", "f"), Scalar("ulong", "Q")


@dataclass(frozen=True)
class EnumOf:
    """An enum stored as the scalar ``base``; unknown numbers decode as plain ints."""

    cls: type[enum.IntEnum]
    base: Scalar = BYTE


@dataclass(frozen=True)
class String:
    """A UTF-8 string."""


STRING = String()


@dataclass(frozen=True)
class TableOf:
    """A sub-table of class ``cls``."""

    cls: type[Table]


@dataclass(frozen=True)
class VectorOf:
    """A vector of scalars, enums, strings or tables, decoded as a list."""

    elem: Scalar | EnumOf | String | TableOf


@dataclass(frozen=True)
class Bytes:
    """A ``[ubyte]`` vector as ``bytes`` (a zero-copy memoryview when ``view``)."""

    align: int = 1
    view: bool = False


@dataclass(frozen=True)
class UnionOf:
    """A union of tables; member ``i`` (0-based) has type number ``i + 1``."""

    members: tuple[type[Table], ...]

    def __init__(self, *members: type[Table]) -> None:
        object.__setattr__(self, "members", members)


@dataclass(frozen=True)
class Skip:
    """A declared slot this codec neither reads nor writes."""


Kind = Scalar | EnumOf | String | TableOf | VectorOf | Bytes | UnionOf | Skip


def scalar_of(kind: Kind) -> Scalar | None:
    """The scalar a kind is stored as (an enum's base), None for other kinds."""
    return kind.base if isinstance(kind, EnumOf) else kind if isinstance(kind, Scalar) else None


def _member(kind: Kind, value: Any) -> Any:
    """An enum member for a known enum number, else the value unchanged."""
    return kind.cls._value2member_map_.get(value, value) if isinstance(kind, EnumOf) else value


def fb(kind: Kind, default: Any = None) -> Any:
    """Declares a table field of the given kind (scalars default to 0, enums to member 0)."""
    if default is None and isinstance(kind, Scalar):
        default = 0.0 if kind.fmt == "f" else 0
    elif default is None and isinstance(kind, EnumOf):
        default = kind.cls(0)
    return dataclasses.field(default=default, metadata={"fb": kind})


class Table:
    """Base class of declarative tables (keyword-only dataclasses using :func:`fb`)."""

    __dataclass_fields__: ClassVar[dict[str, dataclasses.Field[Any]]]


@dataclass(frozen=True)
class FieldSpec:
    """A table field: name, kind, first slot (field id) and default."""

    name: str
    kind: Kind
    slot: int
    default: Any


@cache
def fields_of(cls: type[Table]) -> tuple[FieldSpec, ...]:
    """The fields of a table class in declaration order, with their slots."""
    specs, slot = [], 0
    for f in dataclasses.fields(cls):
        kind = f.metadata["fb"]
        specs.append(FieldSpec(f.name, kind, slot, f.default))
        slot += 2 if isinstance(kind, UnionOf) else 1
    return tuple(specs)


def is_present(obj: Table, spec: FieldSpec) -> bool:
    """Whether a non-union field is written / printed (see the module docstring)."""
    value = getattr(obj, spec.name)
    if scalar_of(spec.kind):
        return value != spec.default or spec.name in getattr(obj, _PRESENT, ())
    return value is not None and not isinstance(spec.kind, Skip)


def union_tag(obj: Table, spec: FieldSpec) -> int:
    """The type number of a union field: from its value's class, else the kept number."""
    value = getattr(obj, spec.name)
    if value is None:
        return getattr(obj, _TAGS, {}).get(spec.name, 0)
    members = spec.kind.members  # type: ignore[union-attr]
    if type(value) not in members:
        names = ", ".join(m.__name__ for m in members)
        raise MetadataError(f"{spec.name} must be one of {names}, not {type(value).__name__}")
    return members.index(type(value)) + 1


def union_type_present(obj: Table, spec: FieldSpec) -> bool:
    """Whether the hidden ``<name>_type`` field of a union is written / printed."""
    return union_tag(obj, spec) != 0 or f"{spec.name}_type" in getattr(obj, _PRESENT, ())


def set_union_tag(obj: Table, name: str, tag: int) -> None:
    """Keeps a union type number for a union whose value is absent."""
    obj.__dict__.setdefault(_TAGS, {})[name] = tag


def _fail(message: str) -> NoReturn:
    raise MetadataError(message)


class _Reader:
    """Bounds-checked reads from one buffer, with a work budget."""

    def __init__(self, buf: memoryview) -> None:
        self.buf, self.size = buf, len(buf)
        self.budget = self.size + 1000

    def spend(self, units: int) -> None:
        self.budget -= units
        if self.budget < 0:
            _fail("too many objects for the buffer size (shared or looping references?)")

    def scalar(self, fmt: str, pos: int, size: int) -> Any:
        if pos < 0 or pos + size > self.size:
            _fail(f"{size}-byte value at {pos} is outside the {self.size}-byte buffer")
        if pos % size:
            _fail(f"{size}-byte value at {pos} is misaligned")
        return struct.unpack_from("<" + fmt, self.buf, pos)[0]

    def deref(self, pos: int) -> int:
        target = pos + self.scalar("I", pos, 4)
        if target == pos or target >= self.size:
            _fail(f"offset at {pos} points outside the buffer")
        return target

    def length(self, pos: int, elem_size: int, extra: int = 0) -> int:
        n = self.scalar("I", pos, 4)
        if pos + 4 + n * elem_size + extra > self.size:
            _fail(f"vector at {pos} claims {n} elements, more than the buffer holds")
        if (pos + 4) % elem_size:
            _fail(f"vector at {pos} is misaligned")
        return n

    def string(self, pos: int) -> str:
        n = self.length(pos, 1, extra=1)
        if self.buf[pos + 4 + n]:
            _fail(f"string at {pos} is not NUL-terminated")
        self.spend(1 + n // 16)
        try:
            return str(self.buf[pos + 4 : pos + 4 + n], "utf-8")
        except UnicodeDecodeError:
            _fail(f"string at {pos} is not valid UTF-8")

    def value(self, kind: Kind, pos: int) -> Any:
        """Reads the value of an offset kind whose uoffset is at ``pos``."""
        target = self.deref(pos)
        if isinstance(kind, String):
            return self.string(target)
        if isinstance(kind, TableOf):
            return self.table(kind.cls, target)
        if isinstance(kind, Bytes):
            n = self.length(target, 1)
            self.spend(1 + n // 16)
            data = self.buf[target + 4 : target + 4 + n]
            return data if kind.view else bytes(data)
        return self.vector(kind, target)  # type: ignore[arg-type]

    def vector(self, kind: VectorOf, pos: int) -> list[Any]:
        elem, scalar = kind.elem, scalar_of(kind.elem)
        n = self.length(pos, scalar.size if scalar else 4)
        self.spend(1 + n)
        if scalar:
            items = struct.unpack_from(f"<{n}{scalar.fmt}", self.buf, pos + 4)
            return [_member(elem, v) for v in items]
        return [self.value(elem, pos + 4 + 4 * i) for i in range(n)]  # type: ignore[arg-type]

    def table(self, cls: type[T], pos: int) -> T:
        self.spend(1)
        vtable = pos - self.scalar("i", pos, 4)
        vt_size = self.scalar("H", vtable, 2)
        obj_size = self.scalar("H", vtable + 2, 2)
        if vt_size < 4 or vt_size % 2 or vtable + vt_size > self.size:
            _fail(f"bad vtable at {vtable} for the table at {pos}")
        if obj_size < 4 or pos + obj_size > self.size:
            _fail(f"table at {pos} overruns the buffer")
        slots = struct.unpack_from(f"<{(vt_size - 4) // 2}H", self.buf, vtable + 4)

        def locate(slot: int, size: int) -> int:  # absolute position of a field, 0 if absent
            offset = slots[slot] if slot < len(slots) else 0
            if offset and (offset < 4 or offset + size > obj_size):
                _fail(f"field {slot} of the table at {pos} lies outside the table")
            return pos + offset if offset else 0

        values: dict[str, Any] = {}
        present: set[str] = set()
        tags: dict[str, int] = {}
        for spec in fields_of(cls):
            kind, name = spec.kind, spec.name
            values[name] = spec.default
            if isinstance(kind, Skip):
                continue
            if isinstance(kind, UnionOf):
                where, tag = locate(spec.slot, 1), 0
                if where:
                    tag = self.buf[where]
                    present.add(f"{name}_type")
                at = locate(spec.slot + 1, 4)
                if at and 0 < tag <= len(kind.members):
                    values[name] = self.table(kind.members[tag - 1], self.deref(at))
                elif tag:
                    tags[name] = tag
            elif scalar := scalar_of(kind):
                where = locate(spec.slot, scalar.size)
                if where:
                    present.add(name)
                    values[name] = _member(kind, self.scalar(scalar.fmt, where, scalar.size))
            else:
                at = locate(spec.slot, 4)
                if at:
                    values[name] = self.value(kind, at)
        obj = object.__new__(cls)
        obj.__dict__.update(values)
        obj.__dict__[_PRESENT] = frozenset(present)
        if tags:
            obj.__dict__[_TAGS] = tags
        return obj


def decode(
    buf: bytes | bytearray | memoryview, root_type: type[T], file_identifier: str | None = None
) -> T:
    """Decodes a flatbuffer whose root table is ``root_type``; raises MetadataError if corrupt."""
    view, what = memoryview(buf).cast("B"), f"{root_type.__name__} flatbuffer"
    try:
        if len(view) < (8 if file_identifier else 4):
            _fail(f"{len(view)} bytes is too short")
        if file_identifier and bytes(view[4:8]) != file_identifier.encode():
            _fail(f"file identifier {bytes(view[4:8])!r}, expected {file_identifier!r}")
        reader = _Reader(view)
        return reader.table(root_type, reader.deref(0))
    except MetadataError as exc:
        raise MetadataError(f"corrupt {what}: {exc}") from None


def _bad(obj: object, message: str) -> NoReturn:
    raise MetadataError(f"cannot encode {type(obj).__name__}: {message}")


class _Writer:
    """Front-to-back builder: each table is its vtable, the table, then its children."""

    def __init__(self) -> None:
        self.out = bytearray(4)  # the root offset, patched last
        self.vtables: dict[bytes, int] = {}

    def pad(self, align: int, shift: int = 0) -> None:
        """Pads so that ``len(out) + shift`` is a multiple of ``align``."""
        self.out += bytes(-(len(self.out) + shift) % align)

    def patch(self, at: int, target: int) -> None:
        struct.pack_into("<I", self.out, at, target - at)

    def table(self, obj: Table) -> int:
        fields: list[tuple[int, str, Any]] = []  # (slot, struct format, scalar value)
        children: dict[int, tuple[Kind, Any]] = {}
        for spec in fields_of(type(obj)):
            kind, value = spec.kind, getattr(obj, spec.name)
            if isinstance(kind, UnionOf):
                if union_type_present(obj, spec):
                    fields.append((spec.slot, "B", union_tag(obj, spec)))
                if value is not None:
                    children[spec.slot + 1] = (TableOf(type(value)), value)
            elif is_present(obj, spec):
                if scalar := scalar_of(kind):
                    fields.append((spec.slot, scalar.fmt, value))
                else:
                    children[spec.slot] = (kind, value)
        fields += [(slot, "I", 0) for slot in children]
        fields.sort(key=lambda f: -struct.calcsize(f[1]))  # widest first: no padding inside
        offsets, size = {}, 4
        for slot, fmt, _ in fields:
            offsets[slot] = size
            size += struct.calcsize(fmt)
        count = max(offsets, default=-1) + 1
        vtable = struct.pack(
            f"<{count + 2}H", 4 + 2 * count, size, *(offsets.get(i, 0) for i in range(count))
        )
        if vtable not in self.vtables:
            self.pad(2)
            self.vtables[vtable] = len(self.out)
            self.out += vtable
        wide = any(fmt == "Q" for _, fmt, _ in fields)
        self.pad(8 if wide else 4, shift=4 if wide else 0)
        start = len(self.out)
        self.out += struct.pack("<i", start - self.vtables[vtable])
        for slot, fmt, value in fields:
            try:
                self.out += struct.pack("<" + fmt, value)
            except (struct.error, TypeError, OverflowError):
                name = next(s.name for s in fields_of(type(obj)) if s.slot == slot)
                _bad(obj, f"{name}={value!r} does not fit the field's type")
        for slot, (kind, value) in children.items():
            self.patch(start + offsets[slot], self.child(obj, kind, value))
        return start

    def child(self, owner: Table, kind: Kind, value: Any) -> int:
        """Writes a string, vector or table and returns its position."""
        if isinstance(kind, TableOf):
            if not isinstance(value, kind.cls):
                _bad(owner, f"expected a {kind.cls.__name__}, got {type(value).__name__}")
            return self.table(value)
        if isinstance(kind, String):
            if not isinstance(value, str):
                _bad(owner, f"expected a string, got {type(value).__name__}")
            try:
                data = value.encode("utf-8") + b"\0"
            except UnicodeEncodeError:
                _bad(owner, f"{value!r} cannot be encoded as UTF-8")
            return self.blob(len(data) - 1, data, 4)
        if isinstance(kind, Bytes):
            if not isinstance(value, bytes | bytearray | memoryview):
                _bad(owner, f"expected bytes, got {type(value).__name__}")
            data = bytes(value)
            return self.blob(len(data), data, max(4, kind.align))
        if not isinstance(value, list | tuple):
            _bad(owner, f"expected a list, got {type(value).__name__}")
        elem = kind.elem  # type: ignore[union-attr]
        if scalar := scalar_of(elem):
            try:
                data = struct.pack(f"<{len(value)}{scalar.fmt}", *value)
            except (struct.error, TypeError, OverflowError):
                _bad(owner, f"{value!r} is not a list of {scalar.name}")
            return self.blob(len(value), data, max(4, scalar.size))
        start = self.blob(len(value), bytes(4 * len(value)), 4)
        for i, item in enumerate(value):
            self.patch(start + 4 + 4 * i, self.child(owner, elem, item))  # type: ignore[arg-type]
        return start

    def blob(self, count: int, data: bytes, align: int) -> int:
        """Writes a length-prefixed run of bytes whose data starts ``align``-aligned."""
        self.pad(align, shift=4)
        start = len(self.out)
        self.out += struct.pack("<I", count) + data
        return start


def encode(obj: Table, file_identifier: str | None = None) -> bytes:
    """Encodes a table as a flatbuffer (with a 4-character file identifier if given)."""
    writer = _Writer()
    if file_identifier:
        ident = file_identifier.encode()
        if len(ident) != 4:
            raise MetadataError(f"file identifier {file_identifier!r} must be 4 bytes")
        writer.out += ident
    if not isinstance(obj, Table):
        _bad(obj, "not a flatbuffers table")
    writer.patch(0, writer.table(obj))
    return bytes(writer.out)
