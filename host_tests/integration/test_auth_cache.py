"""The Authorization Cache (issue 11, part 2) through the real agent: filled from the central
system's answers, used at once with LocalPreAuthorize (TC_007_1 and TC_007_2), emptied by
ClearCache (TC_061), expiry honoured, and kept across a reboot (errata). OCTT cases by number
(OCPP16.md section 5)."""
import re

from session_helpers import (CP, TAG, boot, cp_calls, ev, start_session,
                             stop_by_card, transaction_of, wait_call)

KEYS = {"AuthorizationCacheEnabled": True, "LocalPreAuthorize": True}


def cache_by_authorize(csms, agent, tag=TAG):
    """Present `tag` without a cable: Authorize goes out and its answer is cached; a second
    swipe releases the authorization."""
    mark = csms.mark()
    ev(agent, "card " + tag)
    wait_call(csms, "Authorize", since=mark, idTag=tag)
    agent.wait_status(lambda s: s["connector_status"] == "Preparing")
    seen = len(re.findall("presented again", agent.log()))
    ev(agent, "card " + tag)
    agent.wait_log("presented again", count=seen + 1)
    agent.wait_status(lambda s: s["connector_status"] == "Available")


def test_a_cached_id_starts_at_once_tc_007_1(csms, make_agent):
    agent = boot(csms, make_agent, keys=KEYS)
    cache_by_authorize(csms, agent)
    mark = csms.mark()
    tx = start_session(csms, agent)
    assert not cp_calls(csms, "Authorize", since=mark)  # LocalPreAuthorize: no Authorize.req
    stop_by_card(csms, agent, tx)


def test_a_cached_id_remote_start_tc_007_2(csms, make_agent):
    agent = boot(csms, make_agent, keys=dict(KEYS, AuthorizeRemoteTxRequests=True))
    cache_by_authorize(csms, agent)
    mark = csms.mark()
    assert csms.call(CP, "RemoteStartTransaction", {"idTag": TAG, "connectorId": 1})[
        "status"] == "Accepted"
    ev(agent, "plug")
    start = wait_call(csms, "StartTransaction", since=mark, idTag=TAG)
    assert not cp_calls(csms, "Authorize", since=mark)
    stop_by_card(csms, agent, transaction_of(csms, start))


def test_clear_cache_tc_061(csms, make_agent):
    agent = boot(csms, make_agent, keys=KEYS)
    cache_by_authorize(csms, agent)
    assert csms.call(CP, "ClearCache", {})["status"] == "Accepted"
    mark = csms.mark()
    tx = start_session(csms, agent)
    wait_call(csms, "Authorize", since=mark, idTag=TAG)  # not cached any more: asked again
    stop_by_card(csms, agent, tx)


def test_the_cache_survives_a_reboot_and_honours_expiry(csms, make_agent):
    agent = boot(csms, make_agent, keys=dict(KEYS, LocalPreAuthorize=False,
                                             LocalAuthorizeOffline=True))
    csms.cs.responders["Authorize"] = lambda cp_id, p: {"idTagInfo": {
        "status": "Accepted", "expiryDate": "2000-01-01T00:00:00Z" if p["idTag"] == "OLD-1"
        else "2099-01-01T00:00:00Z"}}
    cache_by_authorize(csms, agent)
    ev(agent, "card OLD-1")  # cached too, with an expiryDate that has passed: refused
    wait_call(csms, "Authorize", idTag="OLD-1")
    agent.wait_log("OLD-1 not authorised \\(Expired\\)")
    agent.stop()
    agent.start()
    agent.wait_log("link: connected")
    csms.wait_for(CP, "StatusNotification", since=csms.mark() - 1, timeout=15)
    agent.control("net down")
    agent.wait_log("link: disconnected")
    ev(agent, "plug")
    ev(agent, "card OLD-1")  # offline, from the cache: still expired
    agent.wait_log("OLD-1 not authorised \\(Expired\\)", count=2)
    ev(agent, "card " + TAG)  # cached before the reboot: starts offline
    agent.wait_status(lambda s: s["in_transaction"], timeout=10)
    ev(agent, "card " + TAG)
    agent.wait_status(lambda s: not s["in_transaction"], timeout=10)
    ev(agent, "unplug")
    agent.control("net up")
    stop = csms.wait_for(CP, "StopTransaction", timeout=20)
    assert stop.parsed[3]["idTag"] == TAG
