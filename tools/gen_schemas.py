#!/usr/bin/env python3
"""Generate firmware/ocpp/schemas.py: compact validation tables for INBOUND OCPP 1.6 payloads.

Source: the official OCPP 1.6 JSON schemas (draft-04) shipped in the `ocpp` PyPI package
(`ocpp/v16/schemas/<Action>.json` and `<Action>Response.json`). Runs under CPython:

    .venv/bin/python tools/gen_schemas.py          # (re)write firmware/ocpp/schemas.py
    .venv/bin/python tools/gen_schemas.py --check  # exit 1 if the committed file is stale

Which schemas: a charge point receives the REQUESTS of the actions the central system initiates
and the RESPONSES to the actions it initiates itself. The actions come from the schema file names;
only the direction (which actions a charge point initiates) is stated here, from OCPP 1.6 section 4
("Operations initiated by Charge Point") and the Security whitepaper. DataTransfer goes both ways.

Table format (read by firmware/ocpp/validate.py; keep the two in step). Three constants, so the
module is a handful of objects however many fields there are (a tuple per field would cost a
heap object per field, and a str or qstr per name, whenever the module is not frozen):
    STRS    tuple of str: STRS[0] = every message name, concatenated in sorted order; then one
            str per object (its field names, concatenated) and per enum (its values).
    META    bytes of records; 2-byte numbers are big-endian; an offset is into META.
            @0 message table: count, then per message: name length, root object offset (2).
            object: STRS index, field count, required count, then per field (schema order):
                    name length, code, arg (2). Names follow one another in the object's str.
            enum:   STRS index, value count, then each value's length.
            array:  minItems (2), maxItems (2, 0 = none), item code, item arg (2).
    BOUNDS  tuple of (minimum, maximum) pairs (None = open), for numbers that have them.
    code    type | REQUIRED (0x10); the arg of each type:
            STRING 1   maxLength (0 = no limit; format "uri" is not checked)
            DATETIME 2 0 (format "date-time")
            ENUM 3     offset of the enum
            INTEGER 4  index + 1 into BOUNDS, 0 = no bounds
            NUMBER 5   as INTEGER
            DECIMAL1 6 as INTEGER; "multipleOf": 0.1 (at most one decimal)
            BOOLEAN 7  0
            OBJECT 8   offset of the object (every object has additionalProperties false)
            ARRAY 9    offset of the array
All three are literals, so frozen into firmware they stay in flash; loaded from a .py or .mpy
they cost a few kilobytes. Identical objects and enums are stored once.

Any schema keyword this generator does not understand stops it with an error, so a new package
version cannot silently weaken validation.
"""
import argparse
import importlib.metadata
import json
import os
import sys

import ocpp

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUTPUT = os.path.join(ROOT, "firmware", "ocpp", "schemas.py")
SCHEMA_DIR = os.path.join(os.path.dirname(ocpp.__file__), "v16", "schemas")

# Actions whose requests a charge point sends (OCPP 1.6 section 4; Security whitepaper).
CP_INITIATED = frozenset((
    "Authorize", "BootNotification", "DataTransfer", "DiagnosticsStatusNotification",
    "FirmwareStatusNotification", "Heartbeat", "MeterValues", "StartTransaction",
    "StatusNotification", "StopTransaction",
    "LogStatusNotification", "SecurityEventNotification", "SignCertificate",
    "SignedFirmwareStatusNotification",
))
# Actions either side may initiate (OCPP 1.6 sections 4.3 and 5.6).
BIDIRECTIONAL = frozenset(("DataTransfer",))

STRING, DATETIME, ENUM, INTEGER, NUMBER, DECIMAL1, BOOLEAN, OBJECT, ARRAY = range(1, 10)
REQUIRED = 0x10
TYPE_NAMES = {STRING: "STRING", DATETIME: "DATETIME", ENUM: "ENUM", INTEGER: "INTEGER",
              NUMBER: "NUMBER", DECIMAL1: "DECIMAL1", BOOLEAN: "BOOLEAN", OBJECT: "OBJECT",
              ARRAY: "ARRAY"}

# Keywords that carry no constraint (documentation, identification, $ref targets).
IGNORED = {"$schema", "$id", "id", "title", "description", "javaType", "definitions"}


class SchemaError(Exception):
    pass


def inbound_names(files):
    """Message names a charge point receives, derived from the schema file names."""
    stems = {f[:-5] for f in files if f.endswith(".json")}
    actions = sorted(s for s in stems if not s.endswith("Response") and s + "Response" in stems)
    unknown = CP_INITIATED - set(actions)
    if unknown:
        raise SchemaError("no schema pair for charge-point action(s) %s" % sorted(unknown))
    names = []
    for action in actions:
        if action in CP_INITIATED:
            names.append(action + "Response")
        if action not in CP_INITIATED or action in BIDIRECTIONAL:
            names.append(action)
    return sorted(names)


class Builder:
    """Turns draft-04 schema nodes into the table format above."""

    def __init__(self):
        self.defs = {}

    def root(self, schema, where):
        self.defs = schema.get("definitions", {})
        code, arg = self.node(schema, where)
        if code != OBJECT:
            raise SchemaError("%s: root is not an object" % where)
        return arg

    def resolve(self, node, where):
        if "$ref" in node:
            ref = node["$ref"]
            if not ref.startswith("#/definitions/") or len(node) != 1:
                raise SchemaError("%s: unsupported $ref %r" % (where, node))
            name = ref[len("#/definitions/"):]
            if name not in self.defs:
                raise SchemaError("%s: dangling $ref %r" % (where, ref))
            return self.defs[name]
        return node

    def node(self, node, where):
        node = self.resolve(node, where)
        kind = node.get("type")
        if not isinstance(kind, str):
            raise SchemaError("%s: type must be one name, got %r" % (where, kind))
        handler = getattr(self, "t_" + kind, None)
        if handler is None:
            raise SchemaError("%s: unsupported type %r" % (where, kind))
        return handler(node, where)

    def check_keys(self, node, allowed, where):
        extra = set(node) - allowed - IGNORED - {"type"}
        if extra:
            raise SchemaError("%s: unsupported keyword(s) %s" % (where, sorted(extra)))

    def t_string(self, node, where):
        # additionalProperties on a string is meaningless (the errata added it everywhere).
        self.check_keys(node, {"enum", "maxLength", "format", "additionalProperties"}, where)
        if "enum" in node:
            if set(node) & {"maxLength", "format"}:
                raise SchemaError("%s: enum with other string constraints" % where)
            values = tuple(node["enum"])
            if not values or not all(isinstance(v, str) for v in values):
                raise SchemaError("%s: enum values must be strings" % where)
            return ENUM, values
        fmt = node.get("format")
        if fmt == "date-time":
            if "maxLength" in node:
                raise SchemaError("%s: date-time with maxLength" % where)
            return DATETIME, None
        if fmt not in (None, "uri"):
            raise SchemaError("%s: unsupported format %r" % (where, fmt))
        limit = node.get("maxLength", 0)
        if not isinstance(limit, int) or limit < 0:
            raise SchemaError("%s: bad maxLength %r" % (where, limit))
        return STRING, limit

    def bounds(self, node, where):
        lo, hi = node.get("minimum"), node.get("maximum")
        if node.get("exclusiveMinimum") or node.get("exclusiveMaximum"):
            raise SchemaError("%s: exclusive bounds are not supported" % where)
        return None if lo is None and hi is None else (lo, hi)

    def t_integer(self, node, where):
        self.check_keys(node, {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"},
                        where)
        return INTEGER, self.bounds(node, where)

    def t_number(self, node, where):
        self.check_keys(node, {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
                               "multipleOf"}, where)
        step = node.get("multipleOf")
        if step is None:
            return NUMBER, self.bounds(node, where)
        if step != 0.1:
            raise SchemaError("%s: only multipleOf 0.1 is supported, got %r" % (where, step))
        return DECIMAL1, self.bounds(node, where)

    def t_boolean(self, node, where):
        self.check_keys(node, set(), where)
        return BOOLEAN, None

    def t_object(self, node, where):
        self.check_keys(node, {"properties", "required", "additionalProperties"}, where)
        if node.get("additionalProperties", True) is not False:
            raise SchemaError("%s: open objects are not supported" % where)
        props = node.get("properties", {})
        required = node.get("required", [])
        missing = set(required) - set(props)
        if missing:
            raise SchemaError("%s: required but not defined: %s" % (where, sorted(missing)))
        fields = []
        for name, sub in props.items():  # schema order: errors come in the spec's field order
            code, arg = self.node(sub, where + "." + name)
            fields.append((name, code | (REQUIRED if name in required else 0), arg))
        return OBJECT, fields

    def t_array(self, node, where):
        self.check_keys(node, {"items", "minItems", "maxItems", "additionalItems"}, where)
        items = node.get("items")
        if not isinstance(items, dict):
            # additionalItems only matters for tuple-typed items (a list), which we reject.
            raise SchemaError("%s: items must be one schema" % where)
        code, arg = self.node(items, where + "[]")
        return ARRAY, (node.get("minItems", 0), node.get("maxItems", 0), code, arg)


def build(schema_dir=SCHEMA_DIR):
    """[(name, fields)] for every inbound message; fields = [(name, code, arg)]."""
    builder = Builder()
    messages = []
    for name in inbound_names(os.listdir(schema_dir)):
        with open(os.path.join(schema_dir, name + ".json"), encoding="utf-8") as f:
            schema = json.load(f)
        messages.append((name, builder.root(schema, name)))
    return messages


# -- output ------------------------------------------------------------------------------------
class Layout:
    """Lays the built tables out as STRS (tuple of str), META (bytes) and BOUNDS (tuple).

    Children are laid out before their parents (a record holds its children's offsets), after
    the message table at offset 0. Identical objects, arrays and enums are laid out once.
    """

    def __init__(self, messages):
        self.strs = ["".join(name for name, _ in messages)]
        self.name_lists = [[name for name, _ in messages]]
        self.str_index = {}
        self.bounds = []
        self.memo = {}
        # message table: count, then (name length, root object offset) per message
        self.meta = bytearray(1 + 3 * len(messages))
        self.lines = []
        self.messages = messages

    def run(self):
        head = [(0, bytes([byte(len(self.messages))]), "message table: %d messages"
                 % len(self.messages))]
        for i, (name, fields) in enumerate(self.messages):
            record = bytes([byte(len(name))]) + u16(self.obj(fields, name))
            head.append((1 + 3 * i, record, "%s -> @%d" % (name, self.obj(fields, name))))
        for off, record, _ in head:
            self.meta[off:off + len(record)] = record
        self.lines = head + self.lines
        return self

    def text(self, names):
        names = list(names)
        joined = "".join(names)
        if joined not in self.str_index:
            self.str_index[joined] = len(self.strs)
            self.strs.append(joined)
            self.name_lists.append(names)
        return byte(self.str_index[joined])

    def emit(self, record, comment):
        off = len(self.meta)
        self.meta += record
        self.lines.append((off, bytes(record), comment))
        return off

    def memoized(self, key, make):
        if key not in self.memo:
            self.memo[key] = make()
        return self.memo[key]

    def obj(self, fields, where):
        return self.memoized(("O", repr(fields)), lambda: self._obj(fields, where))

    def _obj(self, fields, where):
        body = bytearray()
        notes = []
        for name, code, arg in fields:
            kind = code & ~REQUIRED
            body += bytes([byte(len(name)), code]) + u16(self.arg(kind, arg, where + "." + name))
            notes.append("%s%s %s" % ("*" if code & REQUIRED else "", name, TYPE_NAMES[kind]))
        nreq = sum(1 for _, code, _ in fields if code & REQUIRED)
        head = bytes([self.text(name for name, _, _ in fields), byte(len(fields)), nreq])
        return self.emit(head + body, "object %s: %s" % (where, ", ".join(notes) or "empty"))

    def arg(self, kind, arg, where):
        """The 2-byte arg of a field or array item (laying out what it refers to)."""
        if kind == ENUM:
            return self.memoized(("E", arg), lambda: self.emit(
                bytes([self.text(arg), byte(len(arg))] + [byte(len(v)) for v in arg]),
                "enum " + " ".join(arg)))
        if kind == OBJECT:
            return self.obj(arg, where)
        if kind == ARRAY:
            lo, hi, icode, iarg = arg
            iarg = self.arg(icode, iarg, where + "[]")
            return self.memoized(("A", lo, hi, icode, iarg), lambda: self.emit(
                u16(lo) + u16(hi) + bytes([icode]) + u16(iarg),
                "array %s: %d..%s items of %s" % (where, lo, hi or "", TYPE_NAMES[icode])))
        if kind in (INTEGER, NUMBER, DECIMAL1):
            if arg is None:
                return 0
            if arg not in self.bounds:
                self.bounds.append(arg)
            return self.bounds.index(arg) + 1
        if kind == STRING:
            return arg
        return 0  # DATETIME, BOOLEAN


def byte(n):
    if not 0 <= n < 256:
        raise SchemaError("%d does not fit the table format (one byte)" % n)
    return n


def u16(n):
    if not 0 <= n < 65536:
        raise SchemaError("%d does not fit the table format (two bytes)" % n)
    return bytes([n >> 8, n & 255])


HEADER = """\
# GENERATED FILE - do not edit. Generated by tools/gen_schemas.py from the OCPP 1.6 JSON
# schemas in the `ocpp` package version %s (ocpp/v16/schemas/*.json, draft-04).
# Regenerate: .venv/bin/python tools/gen_schemas.py   (or: make schemas)
# Inbound messages only: requests the central system sends, and responses to ours.
# Format: see tools/gen_schemas.py (STRS, META, BOUNDS); read by ocpp/validate.py.
"""


def render(layout, version):
    out = [HEADER % version, "PACKAGE_VERSION = %r" % version, "",
           "# Names, concatenated: STRS[0] the messages, then one entry per object or enum.",
           "STRS = ("]
    for i, text in enumerate(layout.strs):
        one = "    %s,  # %d" % (" ".join(repr(n) for n in split_names(text, layout, i)), i)
        if len(one) <= 99:
            out.append(one)
            continue
        out.append("    (  # %d" % i)
        row = "       "
        for part in split_names(text, layout, i):
            item = " %r" % part
            if len(row) + len(item) > 99:
                out.append(row)
                row = "       "
            row += item
        out += [row, "    ),"]
    out += [")", "", "# Records; offsets in the comments. Field: name length, code, arg (2 bytes).",
            "META = ("]
    for off, record, comment in layout.lines:
        text = "".join("\\x%02x" % b for b in record)
        line = '    b"%s"  # @%d %s' % (text, off, comment)
        if len(line) <= 99:
            out.append(line)
            continue
        while len(comment) > 85:  # long comments wrap at a space
            cut = comment.rindex(" ", 0, 85)
            out.append("    # @%d %s" % (off, comment[:cut]) if off is not None
                       else "    #   %s" % comment[:cut])
            comment = comment[cut + 1:]
            off = None
        out.append("    # @%d %s" % (off, comment) if off is not None else "    #   " + comment)
        while text:
            out.append('    b"%s"' % text[:88])
            text = text[88:]
    out += [")", "", "# (minimum, maximum) of numbers; referenced as index + 1, 0 = none.",
            "BOUNDS = (%s)" % "".join("%r, " % (b,) for b in layout.bounds), ""]
    return "\n".join(out)


def split_names(text, layout, index):
    """The separate names inside STRS[index], so the generated file shows one per literal."""
    return layout.name_lists[index] or [""]


def generate(schema_dir=SCHEMA_DIR, version=None):
    messages = build(schema_dir)
    return render(Layout(messages).run(), version or importlib.metadata.version("ocpp"))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--check", action="store_true",
                        help="exit 1 if %s differs from what would be generated" % OUTPUT)
    parser.add_argument("--output", default=OUTPUT)
    args = parser.parse_args(argv)
    text = generate()
    if args.check:
        try:
            with open(args.output, encoding="utf-8") as f:
                current = f.read()
        except OSError:
            current = None
        if current != text:
            print("%s is stale: run .venv/bin/python tools/gen_schemas.py" % args.output,
                  file=sys.stderr)
            return 1
        print("%s is up to date" % args.output)
        return 0
    with open(args.output, "w", encoding="utf-8") as f:
        f.write(text)
    print("wrote %s" % args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
