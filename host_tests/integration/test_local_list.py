"""The Local Authorization List (issue 11, part 1) through the real agent: SendLocalList Full and
Differential with versions, GetLocalListVersion, 1,750 entries at MICROPY_HEAP=192k, a
255-entry list read as it arrives while the contactor still opens in time, offline starts
with a listed, a blocked, a cached and an unknown card, LocalListConflict, and a reboot. OCTT
cases by number (OCPP16.md section 5)."""
import re
import threading
import time

from session_helpers import (CP, TAG, boot, configure, cp_calls, ev, start_session,
                             stop_by_card, transaction_of, wait_call, wait_relay)

BLOCKED = "BLOCKED-1"
CACHED = "CACHED-1"
UNKNOWN = "NOBODY-1"


def entry(tag, status="Accepted", **info):
    return {"idTag": tag, "idTagInfo": dict(status=status, **info)}


def tags(first, count, prefix="T"):
    return ["%s%07d" % (prefix, i) for i in range(first, first + count)]


def send_list(csms, version, update, entries, **kwargs):
    payload = {"listVersion": version, "updateType": update}
    if entries is not None:
        payload["localAuthorizationList"] = entries
    return csms.call(CP, "SendLocalList", payload, **kwargs)["status"]


def version(csms):
    return csms.call(CP, "GetLocalListVersion", {})["listVersion"]


def test_versions_and_every_answer_tc_042_043(csms, make_agent):
    agent = boot(csms, make_agent)
    assert version(csms) == 0  # TC_042_2: empty
    # TC_043: a Full list, then Differential updates above its version
    assert send_list(csms, 1, "Full", [entry(TAG), entry(BLOCKED, "Blocked")]) == "Accepted"
    assert version(csms) == 1
    assert send_list(csms, 2, "Differential", [entry("NEW-1"), {"idTag": BLOCKED}]) == "Accepted"
    assert version(csms) == 2
    # TC_043_2: a Differential version not above the list's
    for v in (2, 1):
        assert send_list(csms, v, "Differential", [entry("NEW-2")]) == "VersionMismatch"
    # TC_043_3: Failed, and the old list stays whole
    assert send_list(csms, 0, "Full", [entry("X")]) == "Failed"  # errata 3.52
    assert send_list(csms, -1, "Full", [entry("X")]) == "Failed"
    assert send_list(csms, 3, "Full", [entry("A"), {"idTag": "B"}]) == "Failed"  # no idTagInfo
    assert send_list(csms, 3, "Differential", [entry("A"), entry("a", "Blocked")]) == "Failed"
    too_many = [entry(t) for t in tags(0, 256)]  # over SendLocalListMaxLength, read as it arrives
    assert send_list(csms, 3, "Full", too_many) == "Failed"
    assert version(csms) == 2
    agent.wait_log("more than SendLocalListMaxLength")
    # a Full update may go back to any version; an empty one empties the list
    assert send_list(csms, 1, "Full", [entry(TAG)]) == "Accepted" and version(csms) == 1
    assert send_list(csms, 5, "Full", []) == "Accepted" and version(csms) == 0
    assert send_list(csms, 1, "Differential", [entry(TAG)]) == "Accepted"
    assert version(csms) == 1
    # TC_042_1 / TC_043_1: switched off
    configure(csms, LocalAuthListEnabled=False)
    assert version(csms) == -1
    assert send_list(csms, 9, "Full", [entry(TAG)]) == "NotSupported"
    assert send_list(csms, 9, "Full", [entry(t) for t in tags(0, 200)]) == "NotSupported"
    configure(csms, LocalAuthListEnabled=True)
    assert version(csms) == 1  # the list was kept


def test_1750_entries_from_a_full_and_seven_differential_updates(csms, make_agent):
    # the default heap of these tests: MICROPY_HEAP=192k
    agent = boot(csms, make_agent, keys={"LocalPreAuthorize": True})
    all_tags = tags(0, 1750)
    assert send_list(csms, 1, "Full", [entry(t) for t in all_tags[:255]]) == "Accepted"
    at = 255
    for v in range(2, 9):
        chunk = all_tags[at:at + 214]
        at += len(chunk)
        assert send_list(csms, v, "Differential", [
            entry(t, parentIdTag="FLEET-%d" % v, expiryDate="2099-01-01T00:00:00Z")
            for t in chunk]) == "Accepted"
    assert at == 1750 and version(csms) == 8
    agent.wait_log("local list: version 8, 1750 entries")
    assert "read as they arrived" in agent.log()  # 30 KB messages never held whole
    # 251 more would pass LocalAuthListMaxLength (2000)
    assert send_list(csms, 9, "Differential", [entry(t) for t in tags(5000, 251)]) == "Failed"
    agent.wait_log("more than LocalAuthListMaxLength")
    # a listed card starts at once (LocalPreAuthorize: TC_008_1), in any letter case
    mark = csms.mark()
    tag = all_tags[1500].lower()
    tx = start_session(csms, agent, tag=tag)
    assert not cp_calls(csms, "Authorize", since=mark)
    stop_by_card(csms, agent, tx, tag=tag)


def test_a_long_list_never_delays_the_contactor(csms, make_agent):
    agent = boot(csms, make_agent)
    start_session(csms, agent)
    agent.control("lag reset")
    sender = threading.Thread(target=lambda: send_list(
        csms, 1, "Full", [entry(t, parentIdTag="P", expiryDate="2099-01-01T00:00:00Z")
                          for t in tags(0, 255)]))
    sender.start()
    agent.wait_log("<< \\[2,\"[^\"]+\",\"SendLocalList\",\\.\\.\\. \\(read as it arrives\\)")
    ev(agent, "pause")  # the EV stops while the list is being read and applied
    wait_relay(agent, False, timeout=2)
    sender.join(30)
    agent.wait_log("local list: version 1, 255 entries")
    status = agent.status()
    assert status["contactor_latency"]["open_ms"] <= 100, status["contactor_latency"]
    print("255 entries: worst event-loop lateness %d ms" % status["loop_lag_max_ms"])


def test_a_bad_entry_in_a_long_list_is_named_and_changes_nothing(csms, make_agent):
    agent = boot(csms, make_agent)
    assert send_list(csms, 1, "Full", [entry(TAG)]) == "Accepted"
    good = [entry(t) for t in tags(0, 100)]
    for bad, code, where in (
            ({"idTag": "X" * 21, "idTagInfo": {"status": "Accepted"}}, "TypeConstraintViolation",
             "localAuthorizationList[57].idTag"),
            ({"idTag": "Y", "idTagInfo": {"status": "Maybe"}}, "PropertyConstraintViolation",
             "localAuthorizationList[57].idTagInfo.status"),
            ({"idTag": "Z", "color": 1}, "FormationViolation", "localAuthorizationList[57]")):
        entries = good[:57] + [bad] + good[57:]
        try:
            send_list(csms, 2, "Full", entries, validate=False)
            assert False, "no CALLERROR"
        except Exception as e:
            assert type(e).__name__ == code.replace("Violation", "ViolationError") or \
                code in repr(e), (code, e)
            assert where in str(e), (where, e)
    agent.wait_log("CALLERROR .* TypeConstraintViolation: localAuthorizationList\\[57\\]")
    assert version(csms) == 1
    # the member that is not a list, and one missing
    for payload, code in (({"listVersion": 2, "updateType": "Full",
                            "localAuthorizationList": [entry(t) for t in tags(0, 30)],
                            "extra": "x" * 2000}, "FormationViolation"),
                          ({"updateType": "Full",
                            "localAuthorizationList": [entry(t) for t in tags(0, 30)]},
                           "OccurenceConstraintViolation")):
        try:
            csms.call(CP, "SendLocalList", payload, validate=False)
            assert False, "no CALLERROR"
        except Exception as e:
            assert code in repr(e) or code.replace("Violation", "ViolationError") == \
                type(e).__name__, (code, e)
    assert version(csms) == 1
    assert "Traceback" not in agent.log()


def then(agent, command, pattern):
    """Send a control command and wait for a new log line matching `pattern`."""
    seen = len(re.findall(pattern, agent.log()))
    agent.control(command)
    agent.wait_log(pattern, count=seen + 1)


def offline_cards(csms, agent, cards):
    """Offline, each (idTag, starts) at a plugged-in connector: a transaction, or a refusal;
    then online again."""
    then(agent, "net down", "link: disconnected")
    for tag, starts in cards:
        refused = "%s not authorised \\((Blocked|Invalid)\\)" % tag
        seen = len(re.findall(refused, agent.log()))
        ev(agent, "plug")
        ev(agent, "card " + tag)
        if starts:
            agent.wait_status(lambda s: s["in_transaction"], timeout=10)
            ev(agent, "card " + tag)
            agent.wait_status(lambda s: not s["in_transaction"], timeout=10)
        else:
            agent.wait_log(refused, timeout=10, count=seen + 1)
            assert not agent.status()["in_transaction"]
        ev(agent, "unplug")
        agent.wait_status(lambda s: s["connector_status"] == "Available", timeout=10)
    then(agent, "net up", "link: connected")


def test_offline_starts_by_the_list_and_the_cache(csms, make_agent):
    agent = boot(csms, make_agent, keys={"AuthorizationCacheEnabled": True,
                                         "LocalAuthorizeOffline": True})
    assert send_list(csms, 1, "Full", [entry(TAG), entry(BLOCKED, "Blocked")]) == "Accepted"
    # CACHED gets into the cache by an Authorize answer (a listed card never would)
    ev(agent, "card " + CACHED)
    wait_call(csms, "Authorize", idTag=CACHED)
    agent.wait_status(lambda s: s["connector_status"] == "Preparing")
    ev(agent, "card " + CACHED)  # the second swipe releases it
    agent.wait_log("%s presented again; released" % CACHED)
    # every setting of the two offline keys, each card under each: a blocked card never
    # starts; without LocalAuthorizeOffline a listed or cached card counts as unknown
    starts = []
    for offline_ok, unknown_ok in ((True, False), (False, True), (False, False), (True, True)):
        configure(csms, LocalAuthorizeOffline=offline_ok, AllowOfflineTxForUnknownId=unknown_ok)
        cards = ((TAG, offline_ok or unknown_ok), (BLOCKED, False),
                 (CACHED, offline_ok or unknown_ok), (UNKNOWN, unknown_ok))
        offline_cards(csms, agent, cards)
        starts += [tag for tag, ok in cards if ok]
    # every offline session reached the central system once the link was back
    deadline = time.time() + 30
    while len(cp_calls(csms, "StopTransaction")) < len(starts) and time.time() < deadline:
        time.sleep(0.2)
    sent = [m.parsed[3]["idTag"] for m in cp_calls(csms, "StartTransaction")]
    assert sorted(sent) == sorted(starts), (sent, starts)
    assert len(cp_calls(csms, "StopTransaction")) == len(starts)


def test_a_conflict_with_the_list_is_reported_and_cleared(csms, make_agent):
    agent = boot(csms, make_agent, keys={"AuthorizationCacheEnabled": True})
    assert send_list(csms, 1, "Full", [entry(TAG)]) == "Accepted"
    csms.cs.responders["Authorize"] = lambda cp_id, p: {"idTagInfo": {"status": "Blocked"}}
    mark = csms.mark()
    ev(agent, "card " + TAG)
    wait_call(csms, "Authorize", since=mark)
    conflict = wait_call(csms, "StatusNotification", since=mark, connectorId=0,
                         errorCode="LocalListConflict")
    assert conflict.parsed[3]["status"] == "Available"
    # the list's card never entered the cache: offline, the list decides (Accepted)
    del csms.cs.responders["Authorize"]
    mark = csms.mark()
    assert send_list(csms, 2, "Differential", [entry(TAG, "Blocked")]) == "Accepted"
    wait_call(csms, "StatusNotification", since=mark, connectorId=0, errorCode="NoError")


def test_the_list_survives_a_reboot_and_remote_start_uses_it_tc_008_2(csms, make_agent):
    agent = boot(csms, make_agent)
    assert send_list(csms, 3, "Full", [entry(t) for t in tags(0, 40)] + [entry(TAG)]) == \
        "Accepted"
    agent.stop()
    agent.start()
    csms.wait_for(CP, "BootNotification", since=csms.mark() - 1, timeout=15)
    agent.wait_log("link: connected")
    assert version(csms) == 3
    configure(csms, LocalPreAuthorize=True, AuthorizeRemoteTxRequests=True)
    mark = csms.mark()
    assert csms.call(CP, "RemoteStartTransaction", {"idTag": TAG, "connectorId": 1})[
        "status"] == "Accepted"
    ev(agent, "plug")
    start = wait_call(csms, "StartTransaction", since=mark, idTag=TAG)
    assert not cp_calls(csms, "Authorize", since=mark)  # the list authorised it at once
    stop_by_card(csms, agent, transaction_of(csms, start))


def test_an_offline_start_the_central_system_refuses_later_is_stopped(csms, make_agent):
    """A transaction started offline for an unknown card (AllowOfflineTxForUnknownId): its
    queued StartTransaction comes back Invalid once the link is back, and
    StopTransactionOnInvalidId stops it (DeAuthorized, the contactor opens)."""
    agent = boot(csms, make_agent, keys={"AllowOfflineTxForUnknownId": True,
                                         "StopTransactionOnInvalidId": True})
    csms.cs.responders["StartTransaction"] = lambda cp_id, p: {
        "transactionId": 77, "idTagInfo": {"status": "Invalid"}}
    then(agent, "net down", "link: disconnected")
    ev(agent, "plug")
    ev(agent, "card " + UNKNOWN)
    agent.wait_status(lambda s: s["in_transaction"], timeout=10)
    ev(agent, "charge")
    wait_relay(agent, True)
    mark = csms.mark()
    then(agent, "net up", "link: connected")
    stop = wait_call(csms, "StopTransaction", since=mark, timeout=20).parsed[3]
    assert stop["transactionId"] == 77 and stop["reason"] == "DeAuthorized"
    wait_relay(agent, False)
