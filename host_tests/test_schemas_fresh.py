"""The generated validation tables (firmware/ocpp/core/validate/schemas/) against their source (CPython).

1. The committed files are what tools/gen_schemas.py generates from the installed `ocpp` package.
2. The generator refuses schema keywords it does not understand.
3. Cross-check: for payloads derived from every inbound schema and mutated in every field, the
   MicroPython validator (run by the unix port) and jsonschema's Draft4Validator on the ocpp
   package's own schema agree on valid / invalid.
"""
import copy
import importlib.util
import json
import os
import subprocess
import sys
from decimal import Decimal

import pytest
from jsonschema import Draft4Validator

HERE = os.path.dirname(os.path.abspath(__file__))


def load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


from mphost import ROOT, run_micropython  # noqa: E402

GENERATOR = os.path.join(ROOT, "tools", "gen_schemas.py")
gen = load("gen_schemas", GENERATOR)


def test_committed_tables_are_fresh():
    r = subprocess.run([sys.executable, GENERATOR, "--check"], capture_output=True, text=True)
    assert r.returncode == 0, "stale tables - run: .venv/bin/python tools/gen_schemas.py\n" \
        + r.stdout + r.stderr


def check(out_dir):
    return subprocess.run([sys.executable, GENERATOR, "--check", "--output", str(out_dir)],
                          capture_output=True, text=True)


def test_check_fails_on_a_stale_file(tmp_path):
    files = gen.generate()
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    assert check(tmp_path).returncode == 0
    reset = next(name for name, text in files.items() if "'Soft'" in text)
    (tmp_path / reset).write_text(files[reset].replace("'Soft'", "'Gentle'"))
    r = check(tmp_path)
    assert r.returncode == 1 and "stale" in r.stderr and reset in r.stderr, r
    (tmp_path / reset).write_text(files[reset])
    (tmp_path / "b99.py").write_text("")  # a module the generator no longer writes
    r = check(tmp_path)
    assert r.returncode == 1 and "b99.py" in r.stderr, r
    (tmp_path / "b99.py").unlink()
    (tmp_path / "__init__.py").unlink()
    r = check(tmp_path)
    assert r.returncode == 1 and "__init__.py" in r.stderr, r


def test_writing_replaces_every_file(tmp_path):
    (tmp_path / "b99.py").write_text("")
    (tmp_path / "__init__.py").write_text("# old")
    r = subprocess.run([sys.executable, GENERATOR, "--output", str(tmp_path)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r
    files = gen.generate()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(files)
    assert check(tmp_path).returncode == 0


def test_each_message_is_in_the_module_its_name_length_picks():
    files = gen.generate()
    buckets = int(files["__init__.py"].split("BUCKETS = ")[1].split()[0])
    assert sorted(files) == sorted(["__init__.py"] + ["b%d.py" % k for k in range(buckets)])
    names = gen.inbound_names(os.listdir(gen.SCHEMA_DIR))
    for name in names:
        holder = [f for f, text in files.items() if "'%s'" % name in text.split("META")[0]
                  and f != "__init__.py"]
        assert "b%d.py" % (len(name) % buckets) in holder, name


def test_generation_is_deterministic():
    assert gen.generate() == gen.generate()


@pytest.mark.parametrize("node", [
    {"type": "string", "pattern": "^a$"},
    {"type": "string", "format": "email"},
    {"type": "number", "multipleOf": 0.5},
    {"type": ["string", "null"]},
    {"type": "object", "properties": {}},  # open object (no additionalProperties false)
    {"type": "array", "items": [{"type": "string"}]},
    {"$ref": "#/definitions/Nowhere"},
    {"type": "integer", "exclusiveMinimum": True, "minimum": 0},
])
def test_generator_refuses_what_it_does_not_understand(node):
    schema = {"type": "object", "additionalProperties": False, "properties": {"f": node}}
    with pytest.raises(gen.SchemaError):
        gen.Builder().root(schema, "Test")


def test_direction_comes_from_the_file_names():
    files = ["Reset.json", "ResetResponse.json", "Heartbeat.json", "HeartbeatResponse.json",
             "DataTransfer.json", "DataTransferResponse.json", "Orphan.json"]
    files += [a + ".json" for a in gen.CP_INITIATED] + [a + "Response.json"
                                                        for a in gen.CP_INITIATED]
    names = gen.inbound_names(files)
    assert "Reset" in names and "ResetResponse" not in names
    assert "HeartbeatResponse" in names and "Heartbeat" not in names
    assert "DataTransfer" in names and "DataTransferResponse" in names
    assert "Orphan" not in names
    with pytest.raises(gen.SchemaError):  # a charge-point action without schemas
        gen.inbound_names(["Reset.json", "ResetResponse.json"])


# -- cross-check against jsonschema ------------------------------------------------------------
DATETIME = "2013-02-01T20:53:32.486Z"


def load_schema(name):
    with open(os.path.join(gen.SCHEMA_DIR, name + ".json"), encoding="utf-8") as f:
        # As the ocpp package does: decimals as Decimal, so multipleOf 0.1 is exact.
        return json.load(f, parse_float=Decimal)


def resolve(node, defs):
    if "$ref" in node:
        return defs[node["$ref"].split("/")[-1]]
    return node


def example(node, defs, full):
    """A valid value for a schema node: every optional field too when `full`."""
    node = resolve(node, defs)
    kind = node["type"]
    if kind == "object":
        props = node.get("properties", {})
        required = node.get("required", [])
        return {k: example(v, defs, full) for k, v in props.items() if full or k in required}
    if kind == "array":
        return [example(node["items"], defs, full) for _ in range(max(2, node.get("minItems", 0)))]
    if kind == "string":
        if "enum" in node:
            return node["enum"][-1]
        if node.get("format") == "date-time":
            return DATETIME
        return "s" * min(node.get("maxLength", 8), 8)
    return {"integer": 3, "number": 2.5, "boolean": True}[kind]


def nodes(node, defs, value, path=()):
    """(path, schema node) for every value inside a payload built by example()."""
    node = resolve(node, defs)
    yield path, node
    if node["type"] == "object" and isinstance(value, dict):
        for k, sub in node.get("properties", {}).items():
            if k in value:
                yield from nodes(sub, defs, value[k], path + (k,))
    elif node["type"] == "array" and isinstance(value, list):
        for i, item in enumerate(value):
            yield from nodes(node["items"], defs, item, path + (i,))


def put(payload, path, value, delete=False):
    payload = copy.deepcopy(payload)
    target = payload
    for k in path[:-1]:
        target = target[k]
    if delete:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return payload


REPLACEMENTS = [None, True, False, 0, -7, 2 ** 40, 1.5, 1.25, 8.2, 1.0, "x", "", [], ["x"], [1],
                {}, {"zz": 1}]


def mutations(payload, root, defs):
    yield payload
    for path, node in nodes(root, defs, payload):
        if node["type"] == "object":
            yield put(payload, path + ("unexpectedField",), 1) if path else \
                dict(payload, unexpectedField=1)
        if not path:
            continue
        yield put(payload, path, None, delete=True)
        for value in REPLACEMENTS:
            if isinstance(value, str) and node.get("format") == "date-time":
                continue  # jsonschema checks no formats; ours is tested in mp_test_validate
            yield put(payload, path, value)
        if "maxLength" in node:
            yield put(payload, path, "\u00e9" * node["maxLength"])
            yield put(payload, path, "y" * (node["maxLength"] + 1))
        if "enum" in node:
            yield put(payload, path, node["enum"][0])
            yield put(payload, path, node["enum"][0].lower() + "x")
        if node["type"] == "array":
            yield put(payload, path, [])
        if node["type"] == "number":
            for v in (0.1, 7.3, 7.35, 0.05, 11000, 99999.9):
                yield put(payload, path, v)


def cross_check_cases():
    cases = []
    for name in gen.inbound_names(os.listdir(gen.SCHEMA_DIR)):
        schema = load_schema(name)
        defs = schema.get("definitions", {})
        for full in (False, True):
            base = example(schema, defs, full)
            cases.extend((name, p) for p in mutations(base, schema, defs))
    return cases


MP_SCRIPT = """
import json, sys
from ocpp.core.validate import validate
with open(sys.argv[1]) as src, open(sys.argv[2], "w") as out:
    for line in src:
        name, payload = json.loads(line)
        try:
            r = validate(name, payload)
            out.write("ok\\n" if r is None else "bad %s\\n" % r[0])
        except Exception as e:
            out.write("raised %r\\n" % (e,))
"""


def test_verdicts_agree_with_jsonschema(tmp_path):
    cases = cross_check_cases()
    assert len(cases) > 2000
    lines = [json.dumps([name, payload]) for name, payload in cases]
    (tmp_path / "cases.jsonl").write_text("\n".join(lines) + "\n")
    (tmp_path / "run.py").write_text(MP_SCRIPT)
    r = run_micropython([str(tmp_path / "run.py"), str(tmp_path / "cases.jsonl"),
                         str(tmp_path / "verdicts.txt")], timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    verdicts = (tmp_path / "verdicts.txt").read_text().splitlines()
    assert len(verdicts) == len(cases)

    validators = {}
    disagree = []
    seen = {"ok": 0, "bad": 0}
    for line, (name, _), verdict in zip(lines, cases, verdicts):
        assert not verdict.startswith("raised"), (line, verdict)
        if name not in validators:
            validators[name] = Draft4Validator(load_schema(name))
        # the payload as the ocpp package reads it off the wire
        payload = json.loads(line, parse_float=Decimal)[1]
        expected = "ok" if validators[name].is_valid(payload) else "bad"
        seen[expected] += 1
        if verdict.split()[0] != expected:
            disagree.append((line, verdict, expected))
    assert not disagree, "%d disagreements, e.g. %s" % (len(disagree), disagree[:5])
    assert seen["ok"] > 300 and seen["bad"] > 1000, seen


# -- constraints the 1.6 schemas do not use (yet): generated tables of a synthetic schema ------
SYNTHETIC = {
    "type": "object", "additionalProperties": False, "required": ["n"],
    "properties": {
        "n": {"type": "integer", "minimum": 0, "maximum": 10},
        "x": {"type": "number", "minimum": -1.5},
        "d": {"type": "number", "multipleOf": 0.1, "maximum": 100},
        "flag": {"type": "boolean"},
        "list": {"type": "array", "minItems": 1, "maxItems": 3, "items": {
            "type": "object", "additionalProperties": False, "required": ["v"],
            "properties": {"v": {"type": "string", "maxLength": 2}}}},
    },
}
SYNTHETIC_CASES = [
    ({"n": 0, "x": -1.5, "d": 100, "flag": False, "list": [{"v": "ab"}]}, None),
    ({"n": 10, "list": [{"v": ""}, {"v": "a"}, {"v": "b"}]}, None),
    ({"n": -1}, ["PropertyConstraintViolation", "n: below the minimum 0"]),
    ({"n": 11}, ["PropertyConstraintViolation", "n: above the maximum 10"]),
    ({"n": 10 ** 30}, ["PropertyConstraintViolation", "n: above the maximum 10"]),
    ({"n": 1, "x": -1.6}, ["PropertyConstraintViolation", "x: below the minimum -1.5"]),
    ({"n": 1, "d": 100.1}, ["PropertyConstraintViolation", "d: above the maximum 100"]),
    ({"n": 1, "d": 99.95}, ["PropertyConstraintViolation", "d: more than one decimal"]),
    ({"n": 1, "flag": 0}, ["TypeConstraintViolation", "flag: expected boolean, got integer"]),
    ({"n": 1, "list": []}, ["OccurenceConstraintViolation", "list: fewer than 1 items"]),
    ({"n": 1, "list": [{"v": "a"}] * 4},
     ["OccurenceConstraintViolation", "list: more than 3 items"]),
    ({"n": 1, "list": [{"v": "a"}, {"v": "abc"}]},
     ["TypeConstraintViolation", "list[1].v: longer than 2 characters"]),
    ({"n": 1, "list": [{"v": "a"}, {}]},
     ["OccurenceConstraintViolation", "list[1].v: required field missing"]),
    ({"list": [{"v": "a"}]}, ["OccurenceConstraintViolation", "n: required field missing"]),
]

SYNTHETIC_SCRIPT = """
import json, sys
import synthetic_tables
from ocpp.core.validate import validate
for line in open(sys.argv[1]):
    print(json.dumps(validate("Synthetic", json.loads(line), synthetic_tables)))
print(json.dumps(validate("Other", {"n": "x"}, synthetic_tables)))
print(json.dumps(validate("Nothing", 5, synthetic_tables)))
"""
OTHER = {"type": "object", "additionalProperties": False, "properties": {
    "n": {"type": "integer", "minimum": 5}}}


def test_bounds_and_item_counts_with_generated_tables(tmp_path):
    # a table module holding two messages, as the generated ones do
    messages = [("Other", gen.Builder().root(OTHER, "Other")),
                ("Synthetic", gen.Builder().root(SYNTHETIC, "Synthetic"))]
    (tmp_path / "synthetic_tables.py").write_text(gen.table_source(messages, "test"))
    (tmp_path / "run.py").write_text(SYNTHETIC_SCRIPT)
    (tmp_path / "cases.jsonl").write_text(
        "".join(json.dumps(p) + "\n" for p, _ in SYNTHETIC_CASES))
    r = run_micropython([str(tmp_path / "run.py"), str(tmp_path / "cases.jsonl")])
    assert r.returncode == 0, r.stdout + r.stderr
    results = [json.loads(line) for line in r.stdout.splitlines()]
    assert results[-2:] == [["TypeConstraintViolation", "n: expected integer, got string"], None]
    assert results[:-2] == [expected for _, expected in SYNTHETIC_CASES]
    schema = json.loads(json.dumps(SYNTHETIC), parse_float=Decimal)
    for payload, expected in SYNTHETIC_CASES:
        wire = json.loads(json.dumps(payload), parse_float=Decimal)
        assert Draft4Validator(schema).is_valid(wire) == (expected is None), payload
