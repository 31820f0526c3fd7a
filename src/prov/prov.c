/*
 * prov.c — the module's state: start-up from the store, shutdown, kinds,
 * listeners.
 */
#include <string.h>
#include <re.h>
#include "log.h"
#include "store/store.h"
#include "prov/prov_int.h"

#define LOG_MODULE "prov"

struct prov_state prov_g;

static const struct prov_kind_ops *const kind_ops[PROV_KINDS] = {
	[PROV_AGENT] = &prov_agent_ops,
	[PROV_QUEUE] = &prov_queue_ops,
	[PROV_TRUNK] = &prov_trunk_ops,
	[PROV_ROUTE] = &prov_route_ops,
	[PROV_STATUS] = &prov_status_ops,
	[PROV_INTENT] = &prov_intent_ops,
	[PROV_RECOMMENDATION] = &prov_recommendation_ops,
};

static const char *const op_names[] = {"added", "updated", "removed"};


const struct prov_kind_ops *prov_ops(enum prov_kind kind)
{
	return (unsigned)kind < PROV_KINDS ? kind_ops[kind] : NULL;
}


const char *prov_kind_name(enum prov_kind kind)
{
	return (unsigned)kind < PROV_KINDS ? kind_ops[kind]->name : "?";
}


int prov_kind_parse(enum prov_kind *kind, const struct pl *name)
{
	if (!kind || !name)
		return EINVAL;

	for (int k = 0; k < PROV_KINDS; k++) {
		if (0 == pl_strcmp(name, kind_ops[k]->name)) {
			*kind = (enum prov_kind)k;
			return 0;
		}
	}

	return ENOENT;
}


const char *prov_realm(void)
{
	return prov_g.realm;
}


struct printable {
	const struct prov_kind_ops *ops;
	const void *obj;
	enum prov_form form;
};


static int print_h(struct re_printf *pf, const struct printable *p)
{
	return p->ops->print(pf, p->obj, p->form);
}


int prov_print_obj(char **out, enum prov_kind kind, const void *obj,
		   enum prov_form form)
{
	struct printable p = {prov_ops(kind), obj, form};

	if (!out || !p.ops || !obj)
		return EINVAL;

	return re_sdprintf(out, "%H", print_h, &p);
}


int prov_subscribe(prov_change_h *h, void *arg)
{
	if (!h)
		return EINVAL;

	if (prov_g.nsubs >= PROV_LISTENERS_MAX)
		return ENOSPC;

	prov_g.subs[prov_g.nsubs].h = h;
	prov_g.subs[prov_g.nsubs].arg = arg;
	++prov_g.nsubs;

	return 0;
}


void prov_notify(enum prov_kind kind, enum prov_op op, const char *id)
{
	log_info("%s '%s' %s", prov_ops(kind)->one, id, op_names[op]);

	for (size_t i = 0; i < prov_g.nsubs; i++)
		prov_g.subs[i].h(kind, op, id, prov_g.subs[i].arg);
}


struct loader {
	enum prov_kind kind;
};


/* One stored document back into memory. A document that does not read
 * means the database was edited by hand or by a newer switchboard: stop
 * rather than run without an agent or a route the admin expects. */
static int load_h(const char *id, const char *doc, void *arg)
{
	struct loader *ld = arg;
	const struct prov_kind_ops *ops = prov_ops(ld->kind);
	struct prov_batch b;
	struct prov_item *it = NULL;
	struct prov_entry *e = NULL, *old = NULL;
	struct odict *od = NULL;
	struct prov_error perr;
	char *copy = NULL;
	int err;

	prov_batch_init(&b);
	memset(&perr, 0, sizeof(perr));

	err = prov_json_parse(&od, doc, strlen(doc), &perr);
	if (!err)
		err = prov_batch_parse(&b, ld->kind, od, PROV_MODE_STORED,
				       NULL, "", &it, &perr);
	if (!err && strcmp(it->id, id)) {
		(void)prov_err(&perr, 500, "internal", NULL, "the document "
			       "is for '%s'", it->id);
		err = EINVAL;
	}
	if (err) {
		log_error("stored %s '%s' cannot be read: %s", ops->one, id,
			  perr.message[0] ? perr.message : "out of memory");
		goto out;
	}

	err = str_dup(&copy, doc);
	if (!err)
		err = prov_registry_entry(&e, ld->kind, it->obj, copy);
	if (err)
		goto out;

	prov_registry_put(e, &old);
	mem_deref(old);

	if (ld->kind == PROV_AGENT) {
		const struct prov_agent_obj *ao = it->obj;

		if (ao->a.sip_user && strcmp(ao->realm, prov_g.realm)) {
			log_warn("agent '%s': SIP password was set for realm "
				 "'%s', the realm is now '%s': set it again",
				 id, ao->realm, prov_g.realm);
		}
	}

 out:
	prov_batch_reset(&b);
	mem_deref(copy);
	mem_deref(od);
	return err;
}


/* A database without statuses is new (or older than statuses): give it
 * the defaults, written like a provisioning file. "available" can never
 * be removed, so this happens once. */
static int seed_statuses(void)
{
	struct prov_error perr;
	int err;

	if (prov_g.count[PROV_STATUS])
		return 0;

	memset(&perr, 0, sizeof(perr));
	err = prov_apply_json(prov_status_defaults,
			      strlen(prov_status_defaults), &perr);
	if (err)
		log_error("default statuses: %s", perr.message[0] ?
			  perr.message : "out of memory");

	return err;
}


int prov_init(struct store *st, const char *realm)
{
	int err;

	if (!st || !realm)
		return EINVAL;

	if (prov_g.ready)
		return EALREADY;

	prov_g.st = mem_ref(st);

	err = str_dup(&prov_g.realm, realm);
	if (err)
		goto out;

	err = prov_registry_init();
	if (err)
		goto out;

	for (int k = 0; k < PROV_KINDS && !err; k++) {
		struct loader ld = {(enum prov_kind)k};

		err = store_obj_foreach(st, prov_kind_name(ld.kind), load_h,
					&ld);
	}
	if (err)
		goto out;

	prov_model_load();
	prov_g.ready = true;

	err = seed_statuses();
	if (err)
		goto out;

	log_info("%u agents, %u queues, %u trunks, %u routes, %u statuses",
		 prov_g.count[PROV_AGENT], prov_g.count[PROV_QUEUE],
		 prov_g.count[PROV_TRUNK], prov_g.count[PROV_ROUTE],
		 prov_g.count[PROV_STATUS]);

 out:
	if (err)
		prov_close();

	return err;
}


void prov_close(void)
{
	prov_model_close();
	prov_registry_close();
	prov_g.realm = mem_deref(prov_g.realm);
	prov_g.st = mem_deref(prov_g.st);
	prov_g.nsubs = 0;
	prov_g.ready = false;
}
