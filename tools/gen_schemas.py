#!/usr/bin/env python3
"""Generate firmware/ocpp/core/validate/schemas/: compact validation tables for INBOUND OCPP 1.6 payloads.

Source: the official OCPP 1.6 JSON schemas (draft-04) shipped in the `ocpp` PyPI package
(`ocpp/v16/schemas/<Action>.json` and `<Action>Response.json`). Runs under CPython:

    .venv/bin/python tools/gen_schemas.py          # (re)write firmware/ocpp/core/validate/schemas/
    .venv/bin/python tools/gen_schemas.py --check  # exit 1 if the committed files are stale

Which schemas: a charge point receives the REQUESTS of the actions the central system initiates
and the RESPONSES to the actions it initiates itself. The actions come from the schema file names;
only the direction (which actions a charge point initiates) is stated here, from OCPP 1.6 section 4
("Operations initiated by Charge Point") and the Security whitepaper. DataTransfer goes both ways.

Why several modules: loaded from a .py or .mpy (not frozen), a module costs the heap all of its
constants while it is imported. The messages are spread over BUCKETS small modules (a hash table
in files): message NAME is in b<len(NAME) % BUCKETS>, a hash validate.py computes for nothing.
ocpp/core/validate/__init__.py imports the one module that may hold a name and drops it right after, so
validating one message costs a few hundred bytes of tables instead of all forty messages'. Why not
one module per message: every module ever imported leaves its names interned for good (about
100 bytes); with buckets that is bounded by BUCKETS, and a hostile action name maps to an
existing module (an index of all names would cost as much as a bucket, and be loaded as well).
BUCKETS is the count in BUCKET_COUNTS for which the largest module is smallest.

Output, in firmware/ocpp/core/validate/schemas/ (every file in it is generated):
    __init__.py  BUCKETS (int): the number of table modules.
    b<k>.py      the tables of the messages whose name length % BUCKETS is k: three constants,
                 so a module is a handful of objects however many fields it has (a tuple per
                 field would cost a heap object per field, and a str per name):
    NAMES   str: the message names (sorted), then field names and enum values, concatenated (a
            run already present is reused).
    META    bytes of records; 2-byte numbers are big-endian; an offset is into META (records)
            or NAMES (names).
            @0 message table: count, then per message: name length, root object offset (2);
                    the names are at NAMES offset 0. Then the records, parent first.
            object: NAMES offset (2), field count, required count, then per field (schema
                    order): name length, code, arg (2). Names follow one another in NAMES.
            enum:   NAMES offset (2), value count, then each value's length.
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
All are literals, so frozen into firmware they stay in flash. Within one module identical
objects, arrays and enums are stored once.

Any schema keyword this generator does not understand stops it with an error, so a new package
version cannot silently weaken validation.
"""
import argparse
import importlib.metadata
import json
import os
import sys
import textwrap

import ocpp

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUTPUT = os.path.join(ROOT, "firmware", "ocpp", "core", "validate", "schemas")  # a directory: all generated
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
    """Lays the tables of some messages out as NAMES (str), META (bytes) and BOUNDS (list).

    The message table comes first (its names at NAMES offset 0), then the records, parent first:
    a parent's record is reserved and filled in once its children have offsets. Identical
    objects, arrays and enums are laid out once.
    """

    def __init__(self, messages):
        self.names = ""
        self.name_runs = []  # (NAMES offset, [names]) as appended, for the rendered comments
        self.meta = bytearray()
        self.records = []  # (META offset, length, comment)
        self.bounds = []
        self.memo = {}
        self.reserve(1, "message table: %d messages" % len(messages))
        self.meta[0] = byte(len(messages))
        self.text(name for name, _ in messages)  # at 0: NAMES was empty
        rows = [self.reserve(3, name) for name, _ in messages]  # (commented once laid out)
        for i, (row, (name, fields)) in enumerate(zip(rows, messages)):
            root = self.obj(fields, name)
            self.meta[row:row + 3] = bytes([byte(len(name))]) + u16(root)
            self.records[1 + i] = (row, 3, "%s -> @%d" % (name, root))

    def text(self, names):
        """The 2-byte NAMES offset of `names`, concatenated (reusing a run already there)."""
        names = list(names)
        joined = "".join(names)
        at = self.names.find(joined)
        if at < 0:
            at = len(self.names)
            self.names += joined
            self.name_runs.append((at, names))
        return u16(at)

    def reserve(self, size, comment):
        off = len(self.meta)
        self.meta += bytes(size)
        self.records.append((off, size, comment))
        return off

    def obj(self, fields, where):
        key = ("O", repr(fields))
        if key in self.memo:
            return self.memo[key]
        notes = ["%s%s %s" % ("*" if code & REQUIRED else "", name, TYPE_NAMES[code & ~REQUIRED])
                 for name, code, _ in fields]
        off = self.memo[key] = self.reserve(
            4 + 4 * len(fields), "object %s: %s" % (where, ", ".join(notes) or "empty"))
        nreq = sum(1 for _, code, _ in fields if code & REQUIRED)
        record = self.text(name for name, _, _ in fields) + bytes([byte(len(fields)), nreq])
        for name, code, arg in fields:
            kind = code & ~REQUIRED
            record += bytes([byte(len(name)), code]) + u16(self.arg(kind, arg, where + "." + name))
        self.meta[off:off + len(record)] = record
        return off

    def arg(self, kind, arg, where):
        """The 2-byte arg of a field or array item (laying out what it refers to)."""
        if kind == ENUM:
            key = ("E", arg)
            if key not in self.memo:
                record = self.text(arg) + bytes([byte(len(arg))] + [byte(len(v)) for v in arg])
                off = self.memo[key] = self.reserve(len(record), "enum " + " ".join(arg))
                self.meta[off:off + len(record)] = record
            return self.memo[key]
        if kind == OBJECT:
            return self.obj(arg, where)
        if kind == ARRAY:
            lo, hi, icode, iarg = arg
            key = ("A", lo, hi, icode, repr(iarg))
            if key not in self.memo:
                off = self.memo[key] = self.reserve(7, "array %s: %d..%s items of %s"
                                                    % (where, lo, hi or "", TYPE_NAMES[icode]))
                record = u16(lo) + u16(hi) + bytes([icode]) + u16(self.arg(icode, iarg,
                                                                           where + "[]"))
                self.meta[off:off + 7] = record
            return self.memo[key]
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
"""
WIDTH = 99
# Candidate numbers of table modules: loading one costs its share of ~3 KB of table data plus a
# few hundred bytes, and each module ever loaded leaves its names (about 100 bytes) interned.
BUCKET_COUNTS = range(6, 13)


def literals(parts, first, rest, room=0):
    """Source lines holding the string literals `parts` (implicitly concatenated), wrapped;
    the last line leaves `room` characters free for a comment."""
    lines = []
    row = first
    for i, part in enumerate(parts):
        item = " %r" % part
        width = WIDTH - room if i == len(parts) - 1 else WIDTH
        if len(row) + len(item) > width and row != first:
            lines.append(row)
            row = rest
        row += item
    return lines + [row]


def render_table(messages, layout, version):
    """Source of a table module holding `messages` (names) laid out in `layout`."""
    about = textwrap.wrap("Validation tables of the inbound messages %s." % ", ".join(messages),
                          WIDTH - 2)
    out = [HEADER % version + "".join("# %s\n" % line for line in about)
           + "# Format: tools/gen_schemas.py; read by ocpp/core/validate/__init__.py.", "",
           "# Message names, then field names and enum values, concatenated; @ = offset.",
           "NAMES = ("]
    for at, names in layout.name_runs:
        tag = "  # @%d" % at
        rows = literals(names or [""], "   ", "   ", len(tag))
        rows[-1] += tag
        out += rows
    if not layout.name_runs:
        out.append("    ''")
    out += [")", "",
            "# Records: the message table, then each message's records, parent first; @ = offset.",
            "# Object field: name length, code, arg (2).", "META = ("]
    for off, size, comment in layout.records:
        text = "".join("\\x%02x" % b for b in layout.meta[off:off + size])
        line = '    b"%s"  # @%d %s' % (text, off, comment)
        if len(line) <= WIDTH:
            out.append(line)
            continue
        tag = "    # @%d " % off
        while len(tag) + len(comment) > WIDTH:  # long comments wrap at a space
            cut = comment.rindex(" ", 0, WIDTH - len(tag))
            out.append(tag + comment[:cut])
            comment = comment[cut + 1:]
            tag = "    #   "
        out.append(tag + comment)
        while text:
            out.append('    b"%s"' % text[:88])
            text = text[88:]
    out += [")", "", "# (minimum, maximum) of numbers; referenced as index + 1, 0 = none.",
            "BOUNDS = (%s)" % "".join("%r, " % (b,) for b in layout.bounds), ""]
    return "\n".join(out)


def render_package(buckets, version):
    """Source of the package __init__: the number of table modules."""
    return HEADER % version + """\
# The validation tables of the inbound messages: message NAME is in module b<len(NAME) % BUCKETS>.
# Format: tools/gen_schemas.py; read by ocpp/core/validate/__init__.py.
BUCKETS = {}
""".format(buckets)


def table_source(messages, version):
    """Source of a table module holding `messages` ([(name, fields)] as built by build())."""
    return render_table([name for name, _ in messages], Layout(messages), version)


def bucketed(messages, buckets):
    """`messages` in `buckets` lists, by the length of their names."""
    out = [[] for _ in range(buckets)]
    for message in messages:
        out[len(message[0]) % buckets].append(message)
    return out


def bucket_count(messages):
    """The number of table modules for which the largest is smallest (the fewest if tied)."""
    def largest(buckets):
        return max(len(lay.names) + len(lay.meta)
                   for lay in (Layout(part) for part in bucketed(messages, buckets)))
    return min(BUCKET_COUNTS, key=lambda b: (largest(b), b))


def generate(schema_dir=SCHEMA_DIR, version=None):
    """{file name: source} of every file of firmware/ocpp/core/validate/schemas/."""
    version = version or importlib.metadata.version("ocpp")
    messages = build(schema_dir)
    buckets = bucket_count(messages)
    files = {"__init__.py": render_package(buckets, version)}
    for i, part in enumerate(bucketed(messages, buckets)):
        files["b%d.py" % i] = table_source(part, version)
    return files


def stale_files(out_dir, files):
    """Names of the files in `out_dir` that differ from `files`, are missing or are extra."""
    present = set(os.listdir(out_dir)) if os.path.isdir(out_dir) else set()
    present = {f for f in present if f.endswith(".py")}
    stale = sorted(present - set(files))
    for fname, text in sorted(files.items()):
        try:
            with open(os.path.join(out_dir, fname), encoding="utf-8") as f:
                if f.read() == text:
                    continue
        except OSError:
            pass
        stale.append(fname)
    return stale


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--check", action="store_true",
                        help="exit 1 if the files in the output directory differ from what "
                        "would be generated")
    parser.add_argument("--output", default=OUTPUT, help="directory (default %s)" % OUTPUT)
    args = parser.parse_args(argv)
    files = generate()
    if args.check:
        stale = stale_files(args.output, files)
        if stale:
            print("%s is stale (%s): run .venv/bin/python tools/gen_schemas.py"
                  % (args.output, ", ".join(stale)), file=sys.stderr)
            return 1
        print("%s is up to date" % args.output)
        return 0
    os.makedirs(args.output, exist_ok=True)
    for fname in stale_files(args.output, files):
        path = os.path.join(args.output, fname)
        if fname in files:
            with open(path, "w", encoding="utf-8") as f:
                f.write(files[fname])
        else:
            os.remove(path)  # a message the schemas no longer have
    print("wrote %s (%d files)" % (args.output, len(files)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
