"""GET /api/v1/directory: transfer targets any logged-in agent may read
(the SCV connector's getPhoneContacts): every queue, and the agents with a
phone, by id and name only, while GET /api/v1/agents stays closed to
agents."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import sbtest  # noqa: E402
from sbtest import Switchboard, check  # noqa: E402

PROVISION = {
    "agents": [
        {"id": "alice", "name": "Alice Ng", "password": "alice-web-pw",
         "sip": {"username": "alice", "password": "alice-sip"},
         "skills": {"english": 8}},
        {"id": "bob", "password": "bob-web-pw",
         "sip": {"username": "bob", "password": "bob-sip"}},
        {"id": "webonly", "password": "web-only-pw"},
    ],
    "queues": [{"id": "billing", "name": "Billing"}, {"id": "support"}],
}


def test_agents_read_ids_and_names_only():
    with Switchboard(PROVISION) as sb:
        st, body = sb.api("POST", "/api/v1/login",
                          {"id": "bob", "password": "bob-web-pw"},
                          token=None)
        check(st == 200, st, body)
        bob = body["token"]
        st, body = sb.api("GET", "/api/v1/directory", token=bob)
        check(st == 200, st, body)
        # in no particular order
        by_id = {k: sorted(v, key=lambda e: e["id"]) for k, v in
                 body.items()}
        check(by_id == {"agents": [{"id": "alice", "name": "Alice Ng"},
                                   {"id": "bob", "name": "bob"}],
                        "queues": [{"id": "billing", "name": "Billing"},
                                   {"id": "support", "name": "support"}]},
              body)
        # the full agent list stays a supervisor's
        st, body = sb.api("GET", "/api/v1/agents", token=bob)
        check(st == 403, st, body)
        st, body = sb.api("GET", "/api/v1/directory", token=None)
        check(st == 401, st, body)
        st, body = sb.api("POST", "/api/v1/directory", {}, token=bob)
        check(st == 405, st, body)
        # changes show at once
        st, _ = sb.api("DELETE", "/api/v1/agents/alice")
        check(st == 204, st)
        st, body = sb.api("GET", "/api/v1/directory", token=bob)
        check([a["id"] for a in body["agents"]] == ["bob"], body)


if __name__ == "__main__":
    sys.exit(sbtest.run(globals(), "api/test_directory"))
