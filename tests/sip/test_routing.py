"""Routing as a caller and an admin see it, with real SIPp phones: strategies
(ring-all, top-down), presence statuses, the missed status after a push
timeout, relaxation, queue statistics, and the explanation of every
decision at /api/v1/calls/{id}/routing."""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import sbtest  # noqa: E402
from sbtest import (SippAgent, Switchboard, check, free_port,  # noqa
                    last_call, register, sipp)

NUMBER = "+15550100"


def provision(strategy="longest-idle", **queue):
    q = {"id": "billing", "name": "Billing", "strategy": strategy,
         "skills": {"billing": 3}, "push_timeout_s": 3, "max_wait_s": 30}
    q.update(queue)
    return {
        "agents": [
            {"id": "alice", "sip": {"username": "alice",
                                    "password": "alice-sip"},
             "skills": {"billing": 5},
             "queues": [{"id": "billing", "position": 2}]},
            {"id": "bob", "sip": {"username": "bob", "password": "bob-sip"},
             "skills": {"billing": 4},
             "queues": [{"id": "billing", "position": 1}]},
            {"id": "carol", "sip": {"username": "carol",
                                    "password": "carol-sip"},
             "skills": {"billing": 1},
             "queues": [{"id": "billing", "position": 3}]},
        ],
        "queues": [q],
        "trunks": [{"id": "carrier", "allow": ["127.0.0.1/32"]}],
        "routes": [{"number": NUMBER, "queue": "billing"}],
    }


def call(sb, scenario="caller.xml", background=False, **keys):
    keys.setdefault("dest", NUMBER)
    return sipp(sb.sip_port, scenario, "-p", free_port(), "-m", 1,
                keys=keys, background=background)


def agent_legs(rec):
    return sorted((l["agent"], l["final_code"]) for l in rec["legs"]
                  if l["role"] == "agent")


def runtime(sb, agent):
    st, body = sb.api("GET", "/api/v1/agents/" + agent)
    check(st == 200 and "runtime" in body, st, body)
    return body["runtime"]


def set_status(sb, agent, status):
    st, body = sb.api("PUT", "/api/v1/agents/%s/status" % agent,
                      {"status": status})
    check(st == 200 and body["status"] == status, st, body)


def explanation(sb, call_id):
    st, body = sb.api("GET", "/api/v1/calls/%s/routing" % call_id)
    check(st == 200 and body["decisions"], st, body)
    return body["decisions"]


def test_ring_all_first_answer_wins_and_the_other_phone_is_cancelled():
    with Switchboard(provision("ring-all")) as sb, \
            SippAgent("agent.xml", calls=1, keys={"ring_ms": 500}) as fast, \
            SippAgent("agent_noanswer.xml", calls=1) as slow:
        register(sb, "alice", fast.port)
        register(sb, "bob", slow.port)
        # carol's phone is registered too, but her billing 1 is below 3
        register(sb, "carol", slow.port)
        cp = call(sb)
        check(cp.returncode == 0, cp.stdout[-3000:])
        # both rang at once; bob's phone saw our CANCEL and answered 487
        check(fast.wait(10) == 0, fast.output())
        check(slow.wait(10) == 0, slow.output())
        rec = last_call(sb)
        check(rec["agent"] == "alice", rec)
        check(agent_legs(rec) == [("alice", 200), ("bob", 487)],
              rec["legs"])
        first = explanation(sb, rec["id"])[0]
        check(first["strategy"] == "ring-all" and
              first["result"] == "offered", first)
        offers = sorted((o["agent"], o["outcome"]) for o in first["offers"])
        check(offers == [("alice", "accepted"), ("bob", "withdrawn")],
              first["offers"])
        # carol is a member but below the queue's minimum: named, with why
        carol = [n for n in first["not_candidates"] if n["agent"] == "carol"]
        check(carol and carol[0]["code"] == "skill" and
              carol[0]["reason"] == "billing 1 < 3", first["not_candidates"])


def test_ring_all_to_forty_phones_keeps_the_caller_and_latest_legs():
    """More phones ringing at once than a record keeps legs (32): the record
    keeps the caller and the latest attempts, and nothing an offer still
    rings on is dropped under it (ASan checks this under SANITIZE=1)."""
    prov = provision("ring-all")
    many = [{"id": "x%02d" % i, "sip": {"username": "x%02d" % i,
                                        "password": "x%02d-sip" % i},
             "skills": {"billing": 5}, "queues": [{"id": "billing"}]}
            for i in range(39)]
    prov["agents"] = prov["agents"][:1] + many
    with Switchboard(prov) as sb, \
            SippAgent("agent.xml", calls=1, keys={"ring_ms": 1500}) as fast, \
            SippAgent("agent_noanswer.xml", calls=39) as slow:
        csv = os.path.join(slow.dir, "agents.csv")
        with open(csv, "w") as f:
            f.write("SEQUENTIAL\n" + "".join(
                "%s;%s-sip\n" % (a["id"], a["id"]) for a in many))
        cp = sipp(sb.sip_port, "register_many.xml", "-inf", csv,
                  "-p", free_port(), "-m", 39, "-r", 200,
                  keys={"contact_port": slow.port, "expires": 300})
        check(cp.returncode == 0, cp.stdout[-2000:])
        register(sb, "alice", fast.port)
        cp = call(sb)
        check(cp.returncode == 0, cp.stdout[-3000:])
        check(fast.wait(15) == 0, fast.output())
        check(slow.wait(15) == 0, slow.output())
        rec = last_call(sb)
        check(rec["agent"] == "alice", rec)
        legs = rec["legs"]
        check(len(legs) == 32 and legs[0]["role"] == "caller", len(legs))
        check(("alice", 200) in agent_legs(rec), agent_legs(rec))
        check(all(code == 487 for a, code in agent_legs(rec)
                  if a != "alice"), agent_legs(rec))
        offers = explanation(sb, rec["id"])[0]["offers"]
        check(len(offers) == 40, len(offers))


def test_agent_deleted_while_ringing_the_call_goes_to_the_next():
    with Switchboard(provision()) as sb, \
            SippAgent("agent_noanswer.xml", calls=1) as ringing, \
            SippAgent("agent.xml", calls=1) as phone:
        register(sb, "alice", ringing.port)
        waiting = call(sb, background=True)
        sb.wait_for(lambda: runtime(sb, "alice")["load"] == 1,
                    what="alice rung")
        # bob registers after the offer: the call stays with alice ...
        register(sb, "bob", phone.port)
        st, body = sb.api("DELETE", "/api/v1/agents/alice")
        check(st in (200, 204), st, body)
        # ... until alice is deleted: her phone gets CANCEL, bob answers
        check(waiting.wait(15) == 0, waiting.stdout.read()[-3000:]
              if waiting.stdout else "")
        check(ringing.wait(10) == 0, ringing.output())
        check(phone.wait(10) == 0, phone.output())
        rec = last_call(sb)
        check(agent_legs(rec) == [("alice", 487), ("bob", 200)],
              rec["legs"])
        offers = [(o["agent"], o["outcome"])
                  for d in explanation(sb, rec["id"]) for o in d["offers"]]
        check(offers == [("alice", "agent_removed"), ("bob", "accepted")],
              offers)


def test_caller_gives_up_while_ringing_the_offer_reads_ended():
    with Switchboard(provision()) as sb, \
            SippAgent("agent_noanswer.xml", calls=1) as ringing:
        register(sb, "alice", ringing.port)
        cp = call(sb, "caller_cancel.xml", ring_ms=500)
        check(cp.returncode == 0, cp.stdout[-2000:])
        check(ringing.wait(10) == 0, ringing.output())
        rec = last_call(sb)
        check(rec["end_reason"] == "cancelled", rec)
        offers = [(o["agent"], o["outcome"])
                  for d in explanation(sb, rec["id"]) for o in d["offers"]]
        check(offers == [("alice", "ended")], offers)
        check(runtime(sb, "alice")["load"] == 0)


def test_top_down_rings_by_position_not_idle_time():
    with Switchboard(provision("top-down")) as sb, \
            SippAgent("agent.xml", calls=2) as phone:
        # alice registers first (idle longest) but bob is position 1
        register(sb, "alice", phone.port)
        time.sleep(0.05)
        register(sb, "bob", phone.port)
        for _ in range(2):
            check(call(sb).returncode == 0)
        check(phone.wait(10) == 0, phone.output())
        check([c[0] for c in phone.calls()] == ["bob", "bob"],
              phone.calls())


def test_status_break_stops_offers_and_available_resumes():
    with Switchboard(provision()) as sb, \
            SippAgent("agent.xml", calls=3) as phone:
        register(sb, "alice", phone.port)
        register(sb, "bob", phone.port)
        set_status(sb, "alice", "break")
        rt = runtime(sb, "alice")
        check(rt["status"] == "break" and not rt["routable"] and
              rt["present"], rt)
        for _ in range(2):
            check(call(sb).returncode == 0)
        check([c[0] for c in phone.calls()] == ["bob", "bob"],
              phone.calls())
        rec = last_call(sb)
        check("status break" in str(explanation(sb, rec["id"])),
              explanation(sb, rec["id"]))
        # back to work, while bob takes his break
        set_status(sb, "alice", "available")
        set_status(sb, "bob", "lunch")
        check(call(sb).returncode == 0)
        check(phone.wait(10) == 0, phone.output())
        check(phone.calls()[-1][0] == "alice", phone.calls())
        # an unknown status is refused and changes nothing
        st, body = sb.api("PUT", "/api/v1/agents/alice/status",
                          {"status": "napping"})
        check(st == 400 and body["error"]["field"] == "status", st, body)
        check(runtime(sb, "alice")["status"] == "available")
        st, _ = sb.api("PUT", "/api/v1/agents/nobody/status",
                       {"status": "break"})
        check(st == 404, st)


def test_push_timeout_moves_agent_to_missed_and_reroutes():
    with Switchboard(provision(missed_status="missed")) as sb, \
            SippAgent("agent_noanswer.xml", calls=1) as walked_away, \
            SippAgent("agent.xml", calls=1) as phone:
        register(sb, "alice", walked_away.port)
        time.sleep(0.05)
        register(sb, "bob", phone.port)
        cp = call(sb)
        check(cp.returncode == 0, cp.stdout[-3000:])
        rec = last_call(sb)
        check(agent_legs(rec) == [("alice", 487), ("bob", 200)],
              rec["legs"])
        rt = runtime(sb, "alice")
        check(rt["status"] == "missed" and not rt["routable"], rt)
        offers = [(o["agent"], o["outcome"])
                  for d in explanation(sb, rec["id"]) for o in d["offers"]]
        check(offers == [("alice", "timeout"), ("bob", "accepted")], offers)
        # the status survives a restart
        sb.provision = None
        check(sb.restart() == 0)
        check(runtime(sb, "alice")["status"] == "missed")


def test_relaxation_lets_a_lower_skill_agent_take_a_waiting_call():
    prov = provision(relaxation=[{"after_s": 2, "skill": "billing",
                                  "level": 1}])
    with Switchboard(prov) as sb, \
            SippAgent("agent.xml", calls=1) as phone:
        register(sb, "carol", phone.port)       # billing 1 < 3
        t0 = time.time()
        cp = call(sb)
        check(cp.returncode == 0, cp.stdout[-3000:])
        waited = time.time() - t0
        check(waited >= 2, "answered before the relaxation step", waited)
        rec = last_call(sb)
        check(rec["agent"] == "carol", rec)
        first, last = explanation(sb, rec["id"])
        check(first["trigger"] == "arrival" and
              first["result"] == "no_agent", first)
        check({"agent": "carol", "code": "skill", "reason": "billing 1 < 3"}
              in first["not_candidates"], first["not_candidates"])
        check(last["trigger"] == "stage" and last["stage"] == 1 and
              last["requires"] == [{"skill": "billing", "min": 1}], last)
        check([(o["agent"], o["outcome"]) for o in last["offers"]] ==
              [("carol", "accepted")], last["offers"])


def test_queue_stats_count_offered_answered_abandoned():
    with Switchboard(provision(max_wait_s=2)) as sb:
        # nobody registered: one caller gives up (CANCEL), one times out
        cp = call(sb, "caller_cancel.xml", ring_ms=300)
        check(cp.returncode == 0, cp.stdout[-2000:])
        cp = call(sb, "caller_expect.xml", expect=480)
        check(cp.returncode == 0, cp.stdout[-2000:])
        with SippAgent("agent.xml", calls=1) as phone:
            register(sb, "alice", phone.port)
            check(call(sb).returncode == 0)
        def stats():
            st, body = sb.api("GET", "/api/v1/queues/billing/stats")
            check(st == 200, st, body)
            return body
        body = sb.wait_for(lambda: stats()["today"]["offered"] == 3 and
                           stats(), what="stats")
        for window in ("today", "last_15_min"):
            c = body[window]
            check(c["offered"] == 3 and c["answered"] == 1 and
                  c["abandoned"] == 2 and c["answered_in_sl"] == 1, c)
            check(abs(c["service_level_pct"] - 100.0 / 3) < 0.1, c)
        check(body["waiting"] == 0 and body["agents_routable"] == 1, body)
        st, _ = sb.api("GET", "/api/v1/queues/nope/stats")
        check(st == 404, st)


if __name__ == "__main__":
    sys.exit(sbtest.run(globals(), "routing"))
