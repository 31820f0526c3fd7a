/*
 * prov_int.h — private to src/prov: the module's shared state and the
 * interfaces between its files.
 *
 * A change goes through four stages, each in its own file:
 *
 *   json.c      bytes -> odict (strict syntax check first, since libre's
 *               decoder is permissive), merge patch
 *   agent.c     odict -> typed object (one parser per kind, in the file
 *   queue.c     named for it), typed object -> JSON in three forms
 *   trunk.c     (outbound.c: a trunk's outbound calls)
 *   route.c
 *   status.c
 *   batch.c     a set of items: cross-references, secrets, one store
 *               transaction, the in-memory swap, listeners
 *   registry.c  the typed objects in memory and the lookups
 *
 * ops.c holds the public operations built from those; prov.c the state,
 * start-up and listeners.
 */
#ifndef SWITCHBOARD_PROV_INT_H
#define SWITCHBOARD_PROV_INT_H

#include "prov/prov.h"

enum {
	PROV_LISTENERS_MAX = 8,
	PROV_PATH_MAX = 128,
	PROV_NAME_MAX = 128,       /* display names, in characters */
	PROV_ALLOW_MAX = 1024,     /* CIDRs per trunk */
	PROV_JSON_DEPTH = 32,
};

#define PROV_STATUS_AVAILABLE "available"

/* How an object arrives */
enum prov_mode {
	PROV_MODE_CREATE = 0,      /* a whole object: POST, the file */
	PROV_MODE_PATCHED,         /* current object + merge patch: PATCH */
	PROV_MODE_STORED,          /* a store document (hashes, no secrets) */
};

/* How an object is printed */
enum prov_form {
	PROV_FORM_PUBLIC = 0,      /* API output: no hashes */
	PROV_FORM_INPUT,           /* input-shaped, the base of a PATCH */
	PROV_FORM_STORED,          /* the store document, hashes included */
};

/* An agent as kept in memory: the public struct first, so a pointer to
 * one is a pointer to the other, and what only this module needs. */
struct prov_agent_obj {
	struct prov_agent a;
	char *realm;               /* realm the HA1s were made for */
};

/* One object on its way in (obj set) or out (obj NULL). */
struct prov_item {
	struct le le;              /* in the batch, in order */
	struct le he;              /* batch index by kind and id */
	enum prov_kind kind;
	char *id;
	void *obj;
	struct odict *src;         /* the parsed input the strings below
				      point into */
	const char *password;      /* agents: web password to hash */
	const char *sip_password;  /* agents: SIP password for the HA1s */
	bool keep_web;             /* agents: keep the stored web hash */
	bool keep_sip;             /* agents: keep the stored HA1s */
	char *doc;                 /* store document, made at commit */
	enum prov_op op;
	bool unchanged;
	char path[48];             /* "agents[2]", or "" for a single one */
};

struct prov_batch {
	struct list items;
	struct hash *byid;
};

/* One object in memory */
struct prov_entry {
	struct le he;              /* registry by id */
	struct le he2;             /* agents by SIP username, routes by
				      number without a leading '+' */
	enum prov_kind kind;
	void *obj;
	char *doc;
};

/* Per kind: how to read and print it */
struct prov_kind_ops {
	const char *name;          /* "agents" */
	const char *one;           /* "agent", for messages */
	const char *idkey;         /* "id", or "number" for routes */
	int  (*parse)(struct prov_item *it, const struct odict *o,
		      enum prov_mode mode, const void *old,
		      struct prov_error *err);
	int  (*print)(struct re_printf *pf, const void *obj,
		      enum prov_form form);
	const char *(*id)(const void *obj);
};

struct prov_state {
	struct store *st;
	char *realm;
	struct hash *byid[PROV_KINDS];
	struct hash *sipuser;
	struct hash *bare;
	uint32_t count[PROV_KINDS];
	struct {
		prov_change_h *h;
		void *arg;
	} subs[PROV_LISTENERS_MAX];
	size_t nsubs;
	bool ready;
};

extern struct prov_state prov_g;

extern const struct prov_kind_ops prov_agent_ops;
extern const struct prov_kind_ops prov_queue_ops;
extern const struct prov_kind_ops prov_trunk_ops;
extern const struct prov_kind_ops prov_route_ops;
extern const struct prov_kind_ops prov_status_ops;
extern const struct prov_kind_ops prov_intent_ops;
extern const struct prov_kind_ops prov_recommendation_ops;
const struct prov_kind_ops *prov_ops(enum prov_kind kind);

/* validate.c: errors and field readers. path is where the object sits
 * ("" or "agents[1]"); key the field inside it. A NULL or absent value
 * leaves *v untouched and is an error only when required. */
int  prov_err(struct prov_error *err, uint16_t status, const char *code,
	      const char *field, const char *fmt, ...);
void prov_path(char *buf, size_t sz, const char *path, const char *key);
int  prov_check_keys(const struct odict *o, const char *const *allowed,
		     const char *path, struct prov_error *err);
int  prov_get_str(const char **v, const struct odict *o, const char *key,
		  const char *path, bool required, struct prov_error *err);
int  prov_get_id(const char **v, const struct odict *o, const char *key,
		 const char *path, const char *extra, size_t max,
		 struct prov_error *err);
int  prov_get_name(const char **v, const struct odict *o, const char *key,
		   const char *path, struct prov_error *err);
int  prov_get_u32(uint32_t *v, const struct odict *o, const char *key,
		  const char *path, uint32_t min, uint32_t max,
		  struct prov_error *err);
int  prov_get_obj(const struct odict **v, const struct odict *o,
		  const char *key, const char *path, bool required,
		  struct prov_error *err);
int  prov_get_arr(const struct odict **v, const struct odict *o,
		  const char *key, const char *path, bool required,
		  struct prov_error *err);
int  prov_get_bool(bool *v, const struct odict *o, const char *key,
		   const char *path, bool required, struct prov_error *err);
int  prov_get_skills(struct prov_skill **skills, size_t *n,
		     const struct odict *o, const char *path,
		     struct prov_error *err);
bool prov_charset_ok(const char *s, const char *extra);
size_t prov_utf8_len(const char *s);
int  prov_print_skills(struct re_printf *pf, const struct prov_skill *sk,
		       size_t n);

/* intent.c: an array of min..max strings of 1..len characters each,
 * NULL-terminated, freed whole by prov_strings_destructor */
int  prov_get_strings(char ***vp, size_t *np, const struct odict *o,
		      const char *key, const char *path, size_t min,
		      size_t max, size_t len, struct prov_error *err);
int  prov_print_strings(struct re_printf *pf, char *const *v, size_t n);
void prov_strings_destructor(void *arg);

/* model.c: the NBA model the batch would leave (built when it changes
 * intents or recommendations), swapped in at commit */
int  prov_model_check(const struct prov_batch *b, struct prov_error *err);
void prov_model_commit(void);
void prov_model_load(void);
void prov_model_close(void);

/* agent.c: web password to hash, SIP password to HA1s (or the stored
 * ones kept), once the change is known to be valid */
int  prov_agent_secrets(struct prov_item *it, const void *old);

/* status.c: the statuses a new database starts with, as a provisioning
 * file; whether id is one of them */
extern const char prov_status_defaults[];
bool prov_status_default(const char *id);

/* json.c */
int  prov_json_parse(struct odict **odp, const char *json, size_t len,
		     struct prov_error *err);
int  prov_merge_patch(struct odict *target, const struct odict *patch);

/* trunk.c */
int  prov_cidr_parse(struct prov_cidr *c, const char *s, bool *hostbits);
bool prov_cidr_match(const struct prov_cidr *c, const struct sa *src);
int  prov_cidr_print(struct re_printf *pf, const struct prov_cidr *c);

/* outbound.c: o's "outbound" (*obp NULL when absent), its JSON, and the
 * length of its longest prefix of number (0: none) */
int  prov_outbound_parse(struct prov_outbound **obp, const struct odict *o,
			 const char *path, struct prov_error *err);
int  prov_outbound_print(struct re_printf *pf,
			 const struct prov_outbound *ob);
size_t prov_outbound_match(const struct prov_outbound *ob,
			   const char *number);

/* batch.c */
void prov_batch_init(struct prov_batch *b);
void prov_batch_reset(struct prov_batch *b);
/* old: the current object, which a merge patch (PROV_MODE_PATCHED) may
 * keep secrets of */
int  prov_batch_parse(struct prov_batch *b, enum prov_kind kind,
		      const struct odict *o, enum prov_mode mode,
		      const void *old, const char *path,
		      struct prov_item **itp, struct prov_error *err);
int  prov_batch_remove(struct prov_batch *b, enum prov_kind kind,
		       const char *id, struct prov_error *err);
struct prov_item *prov_batch_find(const struct prov_batch *b,
				  enum prov_kind kind, const char *id);
int  prov_batch_check(const struct prov_batch *b, struct prov_error *err);
int  prov_batch_commit(struct prov_batch *b, struct prov_error *err);

/* ops.c: the objects of a provisioning file, in order, into b */
int  prov_file_parse(struct prov_batch *b, const struct odict *od,
		     struct prov_error *err);

/* registry.c */
int  prov_registry_init(void);
void prov_registry_close(void);
struct prov_entry *prov_registry_get(enum prov_kind kind, const char *id);
int  prov_registry_entry(struct prov_entry **ep, enum prov_kind kind,
			 void *obj, char *doc);
void prov_registry_put(struct prov_entry *e, struct prov_entry **old);
void prov_registry_remove(struct prov_entry *e);
int  prov_registry_sorted(struct prov_entry ***arrp, size_t *np,
			  enum prov_kind kind);
const struct prov_agent *prov_registry_sip_owner(const char *user);

/* prov.c */
void prov_notify(enum prov_kind kind, enum prov_op op, const char *id);
int  prov_print_obj(char **out, enum prov_kind kind, const void *obj,
		    enum prov_form form);

#endif
