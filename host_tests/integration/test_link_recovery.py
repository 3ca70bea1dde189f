"""The link comes and goes: the network drops and returns (the board says so: `net down` /
`net up` on the simulator's control port), a link dies under a transaction message, a raised
SecurityProfile that cannot connect. Nothing may be lost, no task may die."""
import asyncio
import time

from session_helpers import CP, TAG, answer_to, configure, ev, wait_call

KEY_HEX = "30313233343536373839616263646566"  # AuthorizationKey "0123456789abcdef" as hex


def booted(csms, make_agent, **config):
    agent = make_agent(csms, **config)
    csms.wait_for(CP, "StatusNotification", predicate=lambda p: p["connectorId"] == 1,
                  timeout=15)
    return agent


def test_network_back_reconnects_at_once(csms, make_agent):
    agent = booted(csms, make_agent)
    assert agent.control("net down")["network"] is False
    agent.wait_log("link: network down")
    agent.wait_log("link: disconnected")
    # offline for a while: the back-off grows past 16 s (1, 2, 4, 8, 16 ...)
    agent.wait_log("connect failed .*the network is down.*retry in (1[6-9]|[2-9][0-9])[0-9]{3} ms",
                   timeout=40)
    started = time.monotonic()
    agent.control("net up")
    csms.wait_connected(CP, count=2, timeout=5)  # not after the back-off: at once
    assert time.monotonic() - started < 5
    assert "Traceback" not in agent.log()


def test_a_link_lost_under_a_transaction_message_loses_nothing(csms, make_agent):
    agent = booted(csms, make_agent)
    held = []

    async def hold_first(cp_id, payload):
        if not held:
            held.append(payload)
            await asyncio.sleep(3)  # no answer before the link is gone
        return None  # the default answer

    csms.cs.responders["StartTransaction"] = hold_first
    mark = csms.mark()
    ev(agent, "plug")
    ev(agent, "card " + TAG)
    agent.wait_log('>> .*"StartTransaction"')  # (the central system records it once answered)
    agent.control("net down")  # the link dies while the queue waits for the answer
    agent.wait_log("link: disconnected")
    ev(agent, "charge")  # the session goes on offline
    ev(agent, "card " + TAG)  # and stops: StopTransaction queued behind the start
    agent.wait_log("transaction [0-9]+ stopped")
    mark = csms.mark()
    agent.control("net up")
    start = wait_call(csms, "StartTransaction", since=mark, idTag=TAG, timeout=15)
    tx_id = answer_to(csms, start)["transactionId"]
    stop = wait_call(csms, "StopTransaction", since=mark, timeout=15).parsed[3]
    assert stop["transactionId"] == tx_id
    agent.wait_status(lambda s: s["queued_messages"] == 0)
    log = agent.log()
    assert "Task exception" not in log and "Traceback" not in log, log[-2000:]


def test_a_raised_security_profile_that_cannot_connect_falls_back(csms, make_agent):
    agent = booted(csms, make_agent)
    # TLS on a ws:// URL can never connect: refused outright (it would lock the charger out)
    assert csms.call(CP, "ChangeConfiguration", {"key": "SecurityProfile", "value": "2"})[
        "status"] == "Rejected"
    configure(csms, AuthorizationKey=KEY_HEX)
    csms.wait_connected(CP, count=2, timeout=10)  # reconnected with the new password
    csms.cs.passwords = {CP: "not-the-charger's"}  # the central system will refuse it
    mark = csms.mark()
    configure(csms, SecurityProfile=1)
    agent.wait_log("security event: connection with SecurityProfile 1 failed; back to 0",
                   timeout=20)
    csms.cs.passwords = None
    csms.wait_connected(CP, count=3, timeout=20)
    got = csms.call(CP, "GetConfiguration", {"key": ["SecurityProfile"]})
    assert got["configurationKey"][0]["value"] == "0"
    assert mark


def test_a_binary_frame_is_answered_and_the_link_kept(csms, make_agent):
    agent = booted(csms, make_agent)
    csms.send_raw(CP, b"\x00\x01binary")
    agent.wait_log('rpc: CALLERROR -1 FormationViolation: binary message')
    assert csms.call(CP, "GetConfiguration", {"key": ["HeartbeatInterval"]})[
        "configurationKey"][0]["key"] == "HeartbeatInterval"
    assert "link: lost" not in agent.log()


def test_an_idtag_with_an_escaped_surrogate_pair_keeps_the_link(csms, make_agent):
    # "\ud83d\ude00" is valid JSON for one emoji: the Authorize that follows a remote start
    # echoes it, and must be valid UTF-8 or the central system closes the link (1007).
    agent = booted(csms, make_agent)
    csms.send_raw(CP, '[2,"u1","RemoteStartTransaction",{"idTag":"\\ud83d\\ude00"}]')
    auth = wait_call(csms, "Authorize")
    assert auth.parsed[3]["idTag"] == "\U0001F600"
    assert "link: lost" not in agent.log()
    csms.send_raw(CP, '[2,"u2","RemoteStartTransaction",{"idTag":"\\ud83d"}]')
    agent.wait_log("CALLERROR u2 FormationViolation")
