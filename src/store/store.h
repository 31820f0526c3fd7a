/*
 * store.h — everything switchboard must not forget: provisioned objects,
 * SIP registrations, agents' presence statuses and call records. SQLite
 * (WAL) is the default backend; the interface is what other modules see,
 * so another backend can follow.
 *
 * All functions run on the event-loop thread and return 0 or an errno:
 * ENOENT for a missing row, EEXIST for a duplicate key, EIO for a
 * database error (logged with SQLite's message). Strings returned through
 * char ** are allocated with mem_alloc and released with mem_deref.
 * Times are Unix epoch milliseconds; 0 means "not (yet)".
 */
#ifndef SWITCHBOARD_STORE_H
#define SWITCHBOARD_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store;

/* Opens (creating if needed) the database, switches to WAL, applies the
 * numbered schema migrations in order inside transactions and records
 * each in the schema_version table. mem_deref(st) closes it. */
int store_open(struct store **stp, const char *path);
int store_schema_version(struct store *st, int *version);

/* Transactions group many writes into one commit (used for batches). */
int store_begin(struct store *st);
int store_commit(struct store *st);
int store_rollback(struct store *st);

/* --- Provisioned objects -------------------------------------------------
 * kind is "agents", "queues", "trunks", "routes" or "statuses"; id is the
 * object's key (a route's number); doc is its canonical JSON text, secrets
 * already hashed. Order of foreach is by id. */
typedef int (store_obj_h)(const char *id, const char *doc, void *arg);

int store_obj_put(struct store *st, const char *kind, const char *id,
		  const char *doc);
int store_obj_get(struct store *st, const char *kind, const char *id,
		  char **doc);
int store_obj_delete(struct store *st, const char *kind, const char *id);
int store_obj_foreach(struct store *st, const char *kind, store_obj_h *h,
		      void *arg);

/* --- Registrations (the location service) ---------------------------------
 * One row per (agent, contact). dst is where requests for that contact go
 * ("127.0.0.1:5070"), tp the transport name ("udp", "tcp"). */
struct store_binding {
	const char *agent;
	const char *contact;       /* Contact URI as registered */
	const char *dst;
	const char *tp;
	const char *callid;
	uint32_t cseq;
	uint64_t registered;       /* when last refreshed */
	uint64_t expires;          /* absolute */
	const char *user_agent;
};

typedef int (store_binding_h)(const struct store_binding *b, void *arg);

int store_binding_put(struct store *st, const struct store_binding *b);
int store_binding_delete(struct store *st, const char *agent,
			 const char *contact);
int store_binding_delete_agent(struct store *st, const char *agent);
int store_binding_foreach(struct store *st, store_binding_h *h, void *arg);

/* --- Agents' presence statuses ---------------------------------------------
 * One row per agent: the status it is in ("available", "break", ...) and
 * since when, so a restart puts every agent back where it was. put
 * inserts or replaces; delete (0 also when there was no row) is done by
 * src/prov in the transaction that deletes the agent. Order of foreach
 * is by agent. */
typedef int (store_agent_status_h)(const char *agent, const char *status,
				   uint64_t since, void *arg);

int store_agent_status_put(struct store *st, const char *agent,
			   const char *status, uint64_t since);
int store_agent_status_delete(struct store *st, const char *agent);
int store_agent_status_foreach(struct store *st, store_agent_status_h *h,
			       void *arg);

/* --- Call records ----------------------------------------------------------
 * A call is saved (inserted or replaced, legs included) whenever its state
 * changes. The JSON shape returned by store_call_json / store_calls_json
 * is the public contract of GET /api/v1/calls; see docs/API.md. */
struct store_leg {
	const char *role;          /* "caller", "agent", "customer" (an
				      outbound call's callee) or "external"
				      (a transfer to a number) */
	const char *agent;         /* agent id, or NULL for the caller */
	const char *uri;           /* the party's SIP URI */
	uint16_t final_code;       /* final SIP status of its INVITE, 0 none */
	uint64_t started, answered, ended;
	uint64_t rtp_in, rtp_out;  /* packets relayed from / to this party */
};

struct store_call {
	const char *id;
	const char *from;          /* caller's URI (From) */
	const char *from_number;   /* user part of From, or NULL */
	const char *to;            /* dialled number (Request-URI user) */
	const char *trunk;
	const char *queue;         /* NULL when no route matched */
	const char *agent;         /* agent who answered, or NULL */
	uint64_t arrived, offered, answered, ended;
	const char *end_reason;    /* NULL while live; see docs/API.md */
	const char *hangup_by;     /* "caller", "agent", "system" or NULL */
	uint16_t caller_code;      /* final status sent to the caller, 0 none */
	const struct store_leg *legs;
	size_t nlegs;
	const char *routing;       /* routing explanation, JSON text; NULL
				      leaves what is stored */
	const char *disposition;   /* the agent's wrap-up, or NULL */
	const char *notes;
	const char *direction;     /* "outbound" (an agent dialled), NULL:
				      "inbound" */
};

struct store_call_filter {
	uint64_t since;            /* arrived >= since; 0 = any */
	const char *queue;         /* NULL = any */
	const char *agent;         /* NULL = any */
	uint32_t limit;            /* 0 = default (100); newest first */
};

int store_call_save(struct store *st, const struct store_call *c);
int store_call_json(struct store *st, const char *id, char **json);
/* The call's stored routing explanation (JSON text as saved). ENOENT: no
 * such call, or it has none. */
int store_call_routing(struct store *st, const char *id, char **json);
/* yes: the call was answered by agent or offered to it */
int store_call_involves(struct store *st, const char *id, const char *agent,
			bool *yes);
int store_calls_json(struct store *st, const struct store_call_filter *f,
		     char **json);
/* At start-up: calls a crash left without an end get ended = now and
 * end_reason = reason. Returns the number closed through *n. */
int store_calls_close_open(struct store *st, uint64_t now,
			   const char *reason, unsigned *n);

/* --- Transcripts (live transcription's finals) -----------------------------*/
struct store_transcript {
	const char *call_id;
	const char *leg;           /* "a" or "b" */
	const char *role;          /* "customer" or "agent" */
	uint64_t start_ms, end_ms; /* offsets from the answer */
	const char *text;
	double confidence;
	bool gap;                  /* audio was dropped here */
};

int store_transcript_add(struct store *st, const struct store_transcript *t);
/* The call's segments in time order: the JSON object of
 * GET /api/v1/calls/{id}/transcript, or (txt) one line per segment. */
int store_transcript_get(struct store *st, const char *call_id, bool txt,
			 char **out);

/* --- Next best action's feedback (nba.c) ----------------------------------*/
/* outcome "shown" (once per call and recommendation: EALREADY after),
 * "accepted" or "dismissed" (one of the two, after shown: ENOENT when
 * it was not shown, EALREADY when it has an answer already). detail:
 * a JSON object kept with "shown" (what the agent was shown), or NULL. */
int store_nba_feedback(struct store *st, const char *call_id,
		       const char *rec, const char *outcome,
		       const char *agent, const char *detail);
/* {"call","recommendations":[detail + "outcome" (null while
 * unanswered)]} in the order shown */
int store_nba_call_json(struct store *st, const char *call_id,
			char **out);
/* the agent a recommendation was shown to in a call ("" for none);
 * ENOENT: not shown in that call */
int store_nba_shown_to(struct store *st, const char *call_id,
		       const char *rec, char *agent, size_t sz);
/* {"recommendations":[{"id","shown","accepted","dismissed"}]} by id */
int store_nba_stats_json(struct store *st, char **out);
/* --- CRM outbox (src/crm) ------------------------------------------------
 * One row per request to deliver: written before it is sent, deleted
 * when the receiver took it (2xx), parked (failed, with the answer kept)
 * when it refused it for good. dest names the receiver ("salesforce" or
 * a webhook URL), okey the call whose rows go out one after the other.
 * foreach walks the rows still to send, oldest first. */
struct store_outbox_row {
	int64_t id;
	const char *dest;
	const char *okey;
	const char *kind;          /* "create", "update", "message", "event" */
	const char *method;
	const char *path;
	const char *body;
	uint64_t created;
	uint32_t attempts;
};

typedef int (store_outbox_h)(const struct store_outbox_row *r, void *arg);

/* r->id is set to the new row's id */
int store_outbox_add(struct store *st, struct store_outbox_row *r);
int store_outbox_delete(struct store *st, int64_t id);
int store_outbox_attempt(struct store *st, int64_t id, uint32_t attempts,
			 uint16_t status, const char *error);
int store_outbox_park(struct store *st, int64_t id, uint16_t status,
		      const char *error);
int store_outbox_foreach(struct store *st, store_outbox_h *h, void *arg);
int store_outbox_failed(struct store *st, uint64_t *n);
/* The parked rows, newest first, at most limit: a JSON array. */
int store_outbox_failed_json(struct store *st, uint32_t limit, char **json);

/* --- Small key/value settings (e.g. a generated secret) --------------------*/
int store_meta_get(struct store *st, const char *key, char **value);
int store_meta_put(struct store *st, const char *key, const char *value);

#endif
