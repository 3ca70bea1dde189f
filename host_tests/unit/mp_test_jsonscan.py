# ocpp/core/jsonscan.py: one large object read in pieces, its array's elements one at a time,
# against json.loads of the whole, for random payloads cut at random places.
import json
import random

from ocpp.core.jsonscan import Scanner


def scan(text, cuts, name="localAuthorizationList", max_piece=4096):
    s = Scanner(name, max_piece)
    out = []
    at = 0
    for c in cuts + [len(text)]:
        out.extend(s.feed(text[at:c]))
        at = c
    s.end()
    return out


def random_entry(rnd, i):
    tag = "".join(rnd.choice('ABC012"\\{}[],: é') for _ in range(1 + rnd.getrandbits(4)))
    e = {"idTag": tag + str(i)}
    if rnd.getrandbits(1):
        info = {"status": rnd.choice(["Accepted", "Blocked", "Expired"])}
        if rnd.getrandbits(1):
            info["expiryDate"] = "2027-01-0%dT00:00:00Z" % (1 + rnd.getrandbits(3) % 9)
        if rnd.getrandbits(1):
            info["parentIdTag"] = "P%d" % i
        e["idTagInfo"] = info
    return e


def test_random_payloads_cut_anywhere():
    rnd = random
    random.seed(5)
    for case in range(60):
        entries = [random_entry(rnd, i) for i in range(rnd.getrandbits(5))]
        payload = {"listVersion": 1 + rnd.getrandbits(8), "updateType": "Differential",
                   "localAuthorizationList": entries}
        if rnd.getrandbits(1):
            payload["extra"] = {"nested": [1, {"a": "}]"}], "s": "x,y"}
        text = json.dumps(payload)
        if case % 3 == 0:  # whitespace and newlines as another writer puts them
            text = text.replace(", ", " ,\n  ").replace(": ", " :\t")
        cuts = sorted(rnd.getrandbits(16) % (len(text) + 1) for _ in range(rnd.getrandbits(4)))
        got = scan(text, cuts)
        items = [json.loads(t) for name, t in got if name is None]
        members = {name: json.loads(t) for name, t in got if name is not None}
        want = json.loads(text)  # (the whitespace change may reach inside strings too)
        assert items == want.pop("localAuthorizationList"), (text, got)
        assert members == want, (members, want)


def test_one_character_at_a_time():
    text = '{"listVersion":2,"localAuthorizationList":[{"idTag":"A\\"}"},{"idTag":"B"}],"u":"F"}'
    got = scan(text, list(range(1, len(text))))
    assert got == [("listVersion", "2"), (None, '{"idTag":"A\\"}"}'), (None, '{"idTag":"B"}'),
                   ("u", '"F"')], got


def test_malformed_text_is_refused():
    for bad in ('[1, 2]', '{"a": 1', '{"a": [1, 2}', '{"a": 1}}', '{"a": 1} x', '{1: 2}',
                '{"localAuthorizationList": [{"idTag": "unterminated}]}'):
        try:
            scan(bad, [len(bad) // 2])
            assert False, bad
        except ValueError:
            pass


def test_an_element_too_big_is_refused_not_held():
    text = json.dumps({"localAuthorizationList": [{"idTag": "x" * 500}]})
    try:
        scan(text, [100, 200, 300], max_piece=256)
        assert False
    except ValueError as e:
        assert "over 256" in str(e)


def test_a_call_s_closing_bracket_is_taken_with_tail():
    text = '{"listVersion":1,"localAuthorizationList":[{"idTag":"A"}]} ]  '
    s = Scanner("localAuthorizationList", tail="]")
    got = s.feed(text[:20]) + s.feed(text[20:])
    s.end()
    assert got == [("listVersion", "1"), (None, '{"idTag":"A"}')], got
    for bad in ('{"a":1}', '{"a":1}]]', '{"a":1}}', '{"a":1} x]'):
        s = Scanner("localAuthorizationList", tail="]")
        try:
            s.feed(bad)
            s.end()
            assert False, bad
        except ValueError:
            pass
