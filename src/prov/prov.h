/*
 * prov.h — provisioning: the agents, queues, trunks, routes and presence
 * statuses an admin declares, validated once into typed structs that the
 * rest of switchboard reads on its hot paths.
 *
 * Sources: the JSON file given with --provision (applied at start, upsert,
 * all-or-nothing) and the REST API (src/api). Every accepted change is
 * written to the store before it takes effect in memory, so what was
 * accepted survives a restart.
 *
 * Secrets: agent web passwords are kept only as a slow hash
 * (crypto_pwhash), SIP passwords only as HA1 for MD5 and SHA-256 over
 * "username:realm:password" (RFC 7616/8760). Neither is ever returned by
 * prov_json nor logged.
 *
 * Lifetime: lookups return pointers that stay valid until the next change
 * of provisioning (a prov_* call that writes); hold a mem_ref to keep one
 * longer. Listeners are told of every change after it took effect.
 *
 * Deleting an agent also deletes its saved presence status (the store's
 * agent_status row), in the same transaction.
 */
#ifndef SWITCHBOARD_PROV_H
#define SWITCHBOARD_PROV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <re.h>

struct store;

enum prov_kind {
	PROV_AGENT = 0,
	PROV_QUEUE,
	PROV_TRUNK,
	PROV_ROUTE,
	PROV_STATUS,
	PROV_INTENT,               /* next best action (model.c) */
	PROV_RECOMMENDATION,
	PROV_KINDS
};

enum prov_op {
	PROV_ADDED = 0,
	PROV_UPDATED,
	PROV_REMOVED,
};

enum {
	PROV_ID_MAX = 64,
	PROV_SKILL_MAX = 32,       /* skill name length */
	PROV_SKILLS_MAX = 64,      /* skills per agent or queue */
	PROV_RELAX_MAX = 16,       /* relaxation steps per queue */
	PROV_MEMBERS_MAX = 1024,   /* queue memberships per agent */
};

struct prov_skill {
	char name[PROV_SKILL_MAX + 1];
	uint8_t level;             /* 1..10 */
};

/* An agent's membership of a queue ("queues":[{"id","level","position",
 * "weight"}]). */
struct prov_member {
	char queue[PROV_ID_MAX + 1];
	uint8_t level;             /* tier, 1..9 (1 = first) */
	uint32_t position;         /* 0..100000: top-down, round-robin order */
	uint32_t weight;           /* 1..1000: weighted-random */
};

/* After after_s seconds of waiting, the queue's minimum level of skill
 * becomes level; 0 drops the requirement. */
struct prov_relax {
	uint32_t after_s;          /* 1..86400 */
	char skill[PROV_SKILL_MAX + 1];   /* one of the queue's skills */
	uint8_t level;             /* 0..10 */
};

/* What an agent's web login may do; ordered: each role can do what the
 * ones before it can. */
enum prov_role {
	PROV_ROLE_AGENT = 0,       /* its own status and calls */
	PROV_ROLE_SUPERVISOR,      /* every agent, call and queue; no config */
	PROV_ROLE_ADMIN,           /* everything, as the admin token */
};

const char *prov_role_name(enum prov_role role);

struct prov_agent {
	char *id;
	char *name;
	enum prov_role role;
	char *web_hash;            /* NULL: no web login */
	char *sip_user;            /* NULL: no SIP phone */
	char ha1_md5[33];
	char ha1_sha256[65];
	struct prov_skill *skills; /* sorted by name */
	size_t nskills;
	uint32_t capacity;         /* units, >= 1 */
	/* queues_listed false: the agent may serve any queue whose skills
	 * it meets (queues NULL, nqueues 0). true: only the queues listed,
	 * in the order given (nqueues may be 0: none). */
	bool queues_listed;
	struct prov_member *queues;
	size_t nqueues;
};

struct asr_vocab;

struct prov_queue {
	char *id;
	char *name;
	/* one of longest-idle (default), ring-all, round-robin, top-down,
	 * fewest-calls, least-talk-time, random, weighted-random,
	 * least-active, most-available, tiers: routing_strategy_parse's
	 * names */
	char *strategy;
	struct prov_skill *skills; /* minimum levels, sorted by name */
	size_t nskills;
	uint32_t push_timeout_s;   /* ring an agent this long, then next */
	uint32_t max_wait_s;       /* caller waits this long, then 480 */
	uint32_t tier_wait_s;      /* "tiers":{"wait_s"}, 1..3600, default
				      15; used by strategy "tiers" */
	struct prov_relax *relax;  /* sorted by after_s (stable) */
	size_t nrelax;
	char *overflow_queue;      /* another queue's id, or NULL */
	uint32_t overflow_after_s; /* 1..86400 when overflow_queue is set */
	double aging_per_min;      /* 0..10, at most 3 decimals; default 0 */
	uint32_t service_level_s;  /* 1..3600, default 20 */
	uint32_t decline_block_s;  /* 0..3600, default 30 */
	uint32_t wrapup_s;         /* 0..3600, default 0: no wrap-up */
	char *missed_status;       /* a status id, or NULL */
	/* "transcription":{"backend","url","vocabulary"}: backend NULL
	 * (the server's asr_backend), "off", "pocketsphinx" or "ws"; url
	 * only for ws (NULL: the server's asr_ws_url); vocabulary made
	 * once per version of the queue (src/asr), or NULL */
	char *transcription;
	char *transcription_url;
	struct asr_vocab *vocab;
};

struct prov_cidr {
	struct sa addr;            /* network address, port 0 */
	uint8_t bits;
};

enum {
	PROV_NUMBER_MAX = 16,      /* '+' and at most 15 digits (E.164) */
	PROV_PREFIXES_MAX = 256,   /* outbound prefixes per trunk */
};

/* A trunk's "outbound": where switchboard sends the calls agents place
 * (outbound.c). Only numbers under one of prefixes may be dialled. */
struct prov_outbound {
	char *uri;                 /* "sip:HOST[:PORT][;transport=...]" */
	struct sa dst;             /* HOST (an IP literal) and PORT */
	bool tcp;                  /* ;transport=tcp */
	char (*prefixes)[PROV_NUMBER_MAX + 1];   /* "+1", "+44", ... */
	size_t nprefixes;
	char caller_id[PROV_NUMBER_MAX + 1];     /* From user */
};

struct prov_trunk {
	char *id;
	struct prov_cidr *allow;   /* source networks allowed to send calls */
	size_t nallow;
	struct prov_outbound *outbound;   /* NULL: no outbound calls */
};

struct prov_route {
	char *number;              /* Request-URI user, e.g. "+15550100" */
	char *queue;
};

/* A presence status an agent can be in. prov_init seeds available
 * (routable), busy, break, lunch, offline and missed (not routable) into
 * an empty database; "available" always exists and is routable. */
struct prov_status {
	char *id;
	char *name;
	bool routable;
};

/* Next best action: what customers call about (its examples train the
 * classifier) and what to show the agent when (src/nba's rules). String
 * lists are NULL-terminated as well as counted. */
struct prov_intent {
	char *id;
	char **examples;
	size_t nexamples;
	char **keywords;
	size_t nkeywords;
};

/* "when" fields that are NULL / 0 (has_sentiment false) do not
 * constrain; fractions in thousandths */
struct prov_recommendation {
	char *id;
	char *title;
	char *body;                /* or NULL */
	char *action_type;         /* article, url, transfer, script */
	char *action_target;       /* url: http(s) only */
	char *intent;
	int32_t min_confidence_m;  /* 0..1000 */
	char *queue;
	uint32_t after_s;          /* 0..86400 */
	char *leg;                 /* NULL (customer), customer, agent,
				      any */
	char *caller_prefix;
	bool has_sentiment;
	int32_t sentiment_below_m; /* -1000..1000 */
	char **data;               /* key, value, ... */
	size_t ndata;              /* strings, 2 per pair */
};

/* Errors for a user: status is the HTTP status to answer (400, 404, 409),
 * code a stable machine word ("invalid_field", "unknown_field",
 * "missing_field", "not_found", "exists", "in_use", "invalid_json"),
 * field the JSON path of the offending value ("skills.billing",
 * "agents[1].sip.password"), message one readable sentence. */
struct prov_error {
	uint16_t status;
	char code[32];
	char field[128];
	char message[256];
};

/* Listeners hear of every object a change added, updated or removed,
 * after the whole change took effect: additions and updates first, by
 * kind in the order statuses, queues, agents, trunks, routes (so an
 * object is announced after those it may name), then removals in the
 * reverse order. */
typedef void (prov_change_h)(enum prov_kind kind, enum prov_op op,
			     const char *id, void *arg);

int  prov_init(struct store *st, const char *realm);
void prov_close(void);
int  prov_subscribe(prov_change_h *h, void *arg);

const char *prov_kind_name(enum prov_kind kind);   /* "agents", ... */
int  prov_kind_parse(enum prov_kind *kind, const struct pl *name);

/* The --provision file: {"agents":[...],"queues":[...],"trunks":[...],
 * "routes":[...],"statuses":[...]}. Every object is validated before any
 * is written; on error nothing changes and err->field starts with the
 * array path. */
int  prov_apply_file(const char *path, struct prov_error *err);
int  prov_apply_json(const char *json, size_t len, struct prov_error *err);

/* REST operations. json is the request body; *out (optional) receives the
 * resulting object as public JSON. update applies an RFC 7386 merge patch
 * to the current object and validates the result. */
int  prov_create(enum prov_kind kind, const char *json, size_t len,
		 char **out, struct prov_error *err);
int  prov_update(enum prov_kind kind, const char *id, const char *json,
		 size_t len, char **out, struct prov_error *err);
int  prov_delete(enum prov_kind kind, const char *id,
		 struct prov_error *err);
/* id NULL: {"<kind>":[...]} of all objects of the kind, ordered by id. */
int  prov_json(enum prov_kind kind, const char *id, char **out,
	       struct prov_error *err);

/* As prov_json, and each object printed gets the members h prints (each
 * as ,"key":value) before its closing brace; h may print nothing. An
 * error from h ends the print and is returned. */
typedef int (prov_print_extra_h)(struct re_printf *pf, enum prov_kind kind,
				 const char *id, void *arg);
int  prov_json_extra(enum prov_kind kind, const char *id,
		     prov_print_extra_h *h, void *arg, char **out,
		     struct prov_error *err);

/* A request body as strictly as provisioning reads one (RFC 8259, one
 * object, no duplicate keys, no \u0000): for other JSON bodies the API
 * takes. On error err says why (400 invalid_json). */
int  prov_json_decode(struct odict **odp, const char *json, size_t len,
		      struct prov_error *err);

/* Lookups */
const struct prov_agent *prov_agent_find(const char *id);
const struct prov_agent *prov_agent_by_sip_user(const struct pl *user);
const struct prov_queue *prov_queue_find(const char *id);
/* exact match first, then ignoring a leading '+' on either side */
const struct prov_route *prov_route_find(const struct pl *number);
const struct prov_status *prov_status_find(const char *id);
const struct prov_intent *prov_intent_find(const char *id);
const struct prov_recommendation *prov_recommendation_find(const char *id);
/* The next best action model trained from every intent and
 * recommendation (model.c): rebuilt and swapped in by each change of
 * either, which is refused (400 invalid_model, the engine's message)
 * when the engine cannot build one. NULL while there are none. Valid
 * until the next change; mem_ref it to keep it longer. */
struct nba;
const struct nba *prov_nba(void);
/* the first trunk whose allow list contains src (port ignored) */
const struct prov_trunk *prov_trunk_match(const struct sa *src);
/* The trunk an agent's call to number goes out through: the one with
 * the longest outbound prefix that number starts with, the smallest id
 * among equals; NULL when no trunk permits it. */
const struct prov_trunk *prov_trunk_for_number(const char *number);
/* number is E.164 as switchboard dials it: '+' and 3 to 15 digits */
bool prov_number_valid(const char *number);

/* Visit every agent / queue / status until the handler returns true. */
typedef bool (prov_agent_apply_h)(const struct prov_agent *a, void *arg);
const struct prov_agent *prov_agent_apply(prov_agent_apply_h *h, void *arg);
typedef bool (prov_queue_apply_h)(const struct prov_queue *q, void *arg);
const struct prov_queue *prov_queue_apply(prov_queue_apply_h *h, void *arg);
typedef bool (prov_status_apply_h)(const struct prov_status *s,
				   void *arg);
const struct prov_status *prov_status_apply(prov_status_apply_h *h,
					    void *arg);

const char *prov_realm(void);

#endif
