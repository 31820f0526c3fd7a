/*
 * prov.h — provisioning: the agents, queues, trunks and routes an admin
 * declares, validated once into typed structs that the rest of switchboard
 * reads on its hot paths.
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
};

struct prov_skill {
	char name[PROV_SKILL_MAX + 1];
	uint8_t level;             /* 1..10 */
};

struct prov_agent {
	char *id;
	char *name;
	char *web_hash;            /* NULL: no web login */
	char *sip_user;            /* NULL: no SIP phone */
	char ha1_md5[33];
	char ha1_sha256[65];
	struct prov_skill *skills; /* sorted by name */
	size_t nskills;
	uint32_t capacity;         /* units, >= 1 */
};

struct prov_queue {
	char *id;
	char *name;
	char *strategy;            /* "longest-idle" */
	struct prov_skill *skills; /* minimum levels, sorted by name */
	size_t nskills;
	uint32_t push_timeout_s;   /* ring an agent this long, then next */
	uint32_t max_wait_s;       /* caller waits this long, then 480 */
};

struct prov_cidr {
	struct sa addr;            /* network address, port 0 */
	uint8_t bits;
};

struct prov_trunk {
	char *id;
	struct prov_cidr *allow;   /* source networks allowed to send calls */
	size_t nallow;
};

struct prov_route {
	char *number;              /* Request-URI user, e.g. "+15550100" */
	char *queue;
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

typedef void (prov_change_h)(enum prov_kind kind, enum prov_op op,
			     const char *id, void *arg);

int  prov_init(struct store *st, const char *realm);
void prov_close(void);
int  prov_subscribe(prov_change_h *h, void *arg);

const char *prov_kind_name(enum prov_kind kind);   /* "agents", ... */
int  prov_kind_parse(enum prov_kind *kind, const struct pl *name);

/* The --provision file: {"agents":[...],"queues":[...],"trunks":[...],
 * "routes":[...]}. Every object is validated before any is written; on
 * error nothing changes and err->field starts with the array path. */
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

/* Lookups */
const struct prov_agent *prov_agent_find(const char *id);
const struct prov_agent *prov_agent_by_sip_user(const struct pl *user);
const struct prov_queue *prov_queue_find(const char *id);
/* exact match first, then ignoring a leading '+' on either side */
const struct prov_route *prov_route_find(const struct pl *number);
/* the first trunk whose allow list contains src (port ignored) */
const struct prov_trunk *prov_trunk_match(const struct sa *src);

/* Visit every agent / queue until the handler returns true. */
typedef bool (prov_agent_apply_h)(const struct prov_agent *a, void *arg);
const struct prov_agent *prov_agent_apply(prov_agent_apply_h *h, void *arg);
typedef bool (prov_queue_apply_h)(const struct prov_queue *q, void *arg);
const struct prov_queue *prov_queue_apply(prov_queue_apply_h *h, void *arg);

const char *prov_realm(void);

#endif
