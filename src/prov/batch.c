/*
 * batch.c — one change of provisioning, from a single POST to a whole
 * file, applied all or nothing:
 *
 *   1. every object is read and validated on its own (prov_batch_parse)
 *   2. references are checked against the state the batch would leave:
 *      routes, agents' memberships and overflows name existing queues,
 *      missed statuses existing statuses, SIP usernames stay unique, a
 *      queue or status in use is not removed, nor is "available"
 *      (prov_batch_check)
 *   3. secrets are hashed and store documents printed; objects whose
 *      document did not change drop out (no write, no notification)
 *   4. one store transaction writes the rest (and drops a removed
 *      agent's presence status)
 *   5. memory is swapped (nothing can fail from here on: entries were
 *      allocated before the write)
 *   6. listeners hear of each change (additions and updates in the
 *      order of notify_order, then removals in the reverse order), then
 *      replaced objects are freed
 */
#include <string.h>
#include <re.h>
#include "log.h"
#include "store/store.h"
#include "prov/prov_int.h"

#define LOG_MODULE "prov"


static void item_destructor(void *arg)
{
	struct prov_item *it = arg;

	list_unlink(&it->le);
	hash_unlink(&it->he);
	mem_deref(it->id);
	mem_deref(it->obj);
	mem_deref(it->src);
	mem_deref(it->doc);
}


void prov_batch_init(struct prov_batch *b)
{
	list_init(&b->items);
	b->byid = NULL;
}


void prov_batch_reset(struct prov_batch *b)
{
	list_flush(&b->items);
	b->byid = mem_deref(b->byid);
}


struct find {
	enum prov_kind kind;
	const char *id;
};


static bool item_eq(struct le *le, void *arg)
{
	const struct prov_item *it = le->data;
	const struct find *f = arg;

	return it->kind == f->kind && 0 == strcmp(it->id, f->id);
}


struct prov_item *prov_batch_find(const struct prov_batch *b,
				  enum prov_kind kind, const char *id)
{
	struct find f = {kind, id};

	if (!b->byid)
		return NULL;

	return list_ledata(hash_lookup(b->byid, hash_joaat_str(id), item_eq,
				       &f));
}


static int add(struct prov_batch *b, struct prov_item *it,
	       struct prov_error *err)
{
	const struct prov_kind_ops *ops = prov_ops(it->kind);
	const struct prov_item *dup;
	char field[PROV_PATH_MAX];

	if (!b->byid && hash_alloc(&b->byid, 64))
		return ENOMEM;

	dup = prov_batch_find(b, it->kind, it->id);
	if (dup) {
		prov_path(field, sizeof(field), it->path, ops->idkey);
		return prov_err(err, 400, "invalid_field", field,
				"%s '%s' appears more than once (also at %s)",
				ops->one, it->id, dup->path);
	}

	list_append(&b->items, &it->le, it);
	hash_append(b->byid, hash_joaat_str(it->id), &it->he, it);
	return 0;
}


static struct prov_item *item_alloc(enum prov_kind kind, const char *path)
{
	struct prov_item *it = mem_zalloc(sizeof(*it), item_destructor);

	if (!it)
		return NULL;

	it->kind = kind;
	str_ncpy(it->path, path ? path : "", sizeof(it->path));
	return it;
}


int prov_batch_parse(struct prov_batch *b, enum prov_kind kind,
		     const struct odict *o, enum prov_mode mode,
		     const void *old, const char *path,
		     struct prov_item **itp, struct prov_error *err)
{
	const struct prov_kind_ops *ops = prov_ops(kind);
	struct prov_item *it;
	int e;

	it = item_alloc(kind, path);
	if (!it)
		return ENOMEM;

	/* the strings the item points to live in the input */
	it->src = mem_ref((struct odict *)o);

	e = ops->parse(it, o, mode, old, err);
	if (e)
		goto out;

	e = str_dup(&it->id, ops->id(it->obj));
	if (e)
		goto out;

	e = add(b, it, err);

 out:
	if (e)
		mem_deref(it);
	else if (itp)
		*itp = it;

	return e;
}


int prov_batch_remove(struct prov_batch *b, enum prov_kind kind,
		      const char *id, struct prov_error *err)
{
	struct prov_item *it;
	int e;

	it = item_alloc(kind, "");
	if (!it)
		return ENOMEM;

	e = str_dup(&it->id, id);
	if (!e)
		e = add(b, it, err);

	if (e)
		mem_deref(it);

	return e;
}


/* --- 2. references ------------------------------------------------------ */

static bool queue_exists(const struct prov_batch *b, const char *id)
{
	const struct prov_item *it = prov_batch_find(b, PROV_QUEUE, id);

	if (it)
		return it->obj != NULL;

	return prov_registry_get(PROV_QUEUE, id) != NULL;
}


static bool status_exists(const struct prov_batch *b, const char *id)
{
	const struct prov_item *it = prov_batch_find(b, PROV_STATUS, id);

	if (it)
		return it->obj != NULL;

	if (prov_registry_get(PROV_STATUS, id))
		return true;

	/* validation without prov_init (check.h): a database would have
	 * been seeded with these */
	return !prov_g.ready && prov_status_default(id);
}


static int no_queue(const struct prov_item *it, const char *key,
		    const char *queue, struct prov_error *err)
{
	char field[PROV_PATH_MAX];

	prov_path(field, sizeof(field), it->path, key);
	return prov_err(err, 400, "invalid_field", field,
			"no queue '%s' exists", queue);
}


static int check_route(const struct prov_batch *b, const struct prov_item *it,
		       struct prov_error *err)
{
	const struct prov_route *r = it->obj;

	if (queue_exists(b, r->queue))
		return 0;

	return no_queue(it, "queue", r->queue, err);
}


static int check_queue(const struct prov_batch *b, const struct prov_item *it,
		       struct prov_error *err)
{
	const struct prov_queue *q = it->obj;
	char field[PROV_PATH_MAX];

	if (q->overflow_queue && !queue_exists(b, q->overflow_queue))
		return no_queue(it, "overflow.queue", q->overflow_queue, err);

	if (q->missed_status && !status_exists(b, q->missed_status)) {
		prov_path(field, sizeof(field), it->path, "missed_status");
		return prov_err(err, 400, "invalid_field", field,
				"no status '%s' exists", q->missed_status);
	}

	return 0;
}


static int check_members(const struct prov_batch *b,
			 const struct prov_item *it, struct prov_error *err)
{
	const struct prov_agent *a = it->obj;

	for (size_t i = 0; i < a->nqueues; i++) {
		char key[32];

		if (queue_exists(b, a->queues[i].queue))
			continue;

		(void)re_snprintf(key, sizeof(key), "queues[%zu].id", i);
		return no_queue(it, key, a->queues[i].queue, err);
	}

	return 0;
}


/* Removals: who still names the object once the batch is applied.
 * Objects the batch changes are checked in their new form by the
 * forward checks above, so only stored ones the batch leaves alone are
 * looked at here. */
struct user {
	const struct prov_batch *b;
	const char *id;
};


static bool route_uses(struct le *le, void *arg)
{
	const struct prov_entry *e = le->data;
	const struct prov_route *r = e->obj;
	struct user *u = arg;

	return 0 == strcmp(r->queue, u->id) &&
		!prov_batch_find(u->b, PROV_ROUTE, r->number);
}


static bool overflow_uses(struct le *le, void *arg)
{
	const struct prov_entry *e = le->data;
	const struct prov_queue *q = e->obj;
	struct user *u = arg;

	return q->overflow_queue && 0 == strcmp(q->overflow_queue, u->id) &&
		!prov_batch_find(u->b, PROV_QUEUE, q->id);
}


static bool member_uses(struct le *le, void *arg)
{
	const struct prov_entry *e = le->data;
	const struct prov_agent *a = e->obj;
	struct user *u = arg;

	if (prov_batch_find(u->b, PROV_AGENT, a->id))
		return false;

	for (size_t i = 0; i < a->nqueues; i++) {
		if (0 == strcmp(a->queues[i].queue, u->id))
			return true;
	}

	return false;
}


static bool missed_uses(struct le *le, void *arg)
{
	const struct prov_entry *e = le->data;
	const struct prov_queue *q = e->obj;
	struct user *u = arg;

	return q->missed_status && 0 == strcmp(q->missed_status, u->id) &&
		!prov_batch_find(u->b, PROV_QUEUE, q->id);
}


static const void *user_of(enum prov_kind kind, list_apply_h *h,
			   struct user *u)
{
	const struct prov_entry *e;

	e = list_ledata(hash_apply(prov_g.byid[kind], h, u));
	return e ? e->obj : NULL;
}


static int check_queue_removal(const struct prov_batch *b,
			       const struct prov_item *it,
			       struct prov_error *err)
{
	struct user u = {b, it->id};
	const struct prov_route *r;
	const struct prov_queue *q;
	const struct prov_agent *a;

	r = user_of(PROV_ROUTE, route_uses, &u);
	if (r)
		return prov_err(err, 409, "in_use", NULL, "queue '%s' is "
				"used by route '%s'; change or delete the "
				"route first", it->id, r->number);

	q = user_of(PROV_QUEUE, overflow_uses, &u);
	if (q)
		return prov_err(err, 409, "in_use", NULL, "queue '%s' is the "
				"overflow of queue '%s'; change that queue's "
				"overflow first", it->id, q->id);

	a = user_of(PROV_AGENT, member_uses, &u);
	if (a)
		return prov_err(err, 409, "in_use", NULL, "queue '%s' is "
				"listed in the queues of agent '%s'; take it "
				"out first", it->id, a->id);

	return 0;
}


static int check_status_removal(const struct prov_batch *b,
				const struct prov_item *it,
				struct prov_error *err)
{
	struct user u = {b, it->id};
	const struct prov_queue *q;

	if (0 == strcmp(it->id, PROV_STATUS_AVAILABLE))
		return prov_err(err, 409, "in_use", NULL, "status "
				"'available' cannot be deleted: agents start "
				"in it");

	q = user_of(PROV_QUEUE, missed_uses, &u);
	if (q)
		return prov_err(err, 409, "in_use", NULL, "status '%s' is the "
				"missed_status of queue '%s'; change that "
				"queue first", it->id, q->id);

	return 0;
}


static int check_sip(const struct prov_batch *b, struct hash *seen,
		     struct prov_item *it, struct prov_error *err)
{
	const struct prov_agent *a = it->obj, *owner;
	char field[PROV_PATH_MAX];
	struct le *le;

	if (!a->sip_user)
		return 0;

	prov_path(field, sizeof(field), it->path, "sip.username");

	/* another agent keeps it unless the batch changes that agent too */
	owner = prov_registry_sip_owner(a->sip_user);
	if (owner && strcmp(owner->id, a->id) &&
	    !prov_batch_find(b, PROV_AGENT, owner->id))
		return prov_err(err, 409, "exists", field, "'%s' is already "
				"used by agent '%s'", a->sip_user, owner->id);

	LIST_FOREACH(hash_list(seen, hash_joaat_str(a->sip_user)), le) {
		const struct prov_item *o = le->data;
		const struct prov_agent *oa = o->obj;

		if (0 == strcmp(oa->sip_user, a->sip_user))
			return prov_err(err, 409, "exists", field,
					"'%s' is already used by agent '%s'"
					"%s%s", a->sip_user, oa->id,
					o->path[0] ? " at " : "", o->path);
	}

	/* it->he is taken by the batch index: borrow a fresh element */
	le = mem_zalloc(sizeof(*le), NULL);
	if (!le)
		return ENOMEM;

	hash_append(seen, hash_joaat_str(a->sip_user), le, it);
	return 0;
}


int prov_batch_check(const struct prov_batch *b, struct prov_error *err)
{
	struct hash *seen = NULL;
	struct le *le;
	int e;

	e = hash_alloc(&seen, 64);
	if (e)
		return e;

	LIST_FOREACH(&b->items, le) {
		struct prov_item *it = le->data;

		if (it->obj && it->kind == PROV_ROUTE)
			e = check_route(b, it, err);
		else if (it->obj && it->kind == PROV_QUEUE)
			e = check_queue(b, it, err);
		else if (it->obj && it->kind == PROV_AGENT) {
			e = check_sip(b, seen, it, err);
			if (!e)
				e = check_members(b, it, err);
		}
		else if (!it->obj && it->kind == PROV_QUEUE)
			e = check_queue_removal(b, it, err);
		else if (!it->obj && it->kind == PROV_STATUS)
			e = check_status_removal(b, it, err);

		if (e)
			break;
	}

	/* the elements are ours, the items they point to are not */
	for (uint32_t i = 0; i < hash_bsize(seen); i++) {
		struct list *l = hash_list(seen, i);

		while (l && l->head) {
			struct le *x = l->head;

			list_unlink(x);
			mem_deref(x);
		}
	}
	mem_deref(seen);

	return e ? e : prov_model_check(b, err);
}


/* --- 3.-6. commit ------------------------------------------------------- */

/* Secrets and the store document; marks what did not change. */
static int prepare(struct prov_item *it, struct prov_error *err)
{
	const struct prov_entry *cur = prov_registry_get(it->kind, it->id);
	int e;

	if (!it->obj) {
		if (!cur)
			return prov_err(err, 404, "not_found", NULL,
					"no %s '%s'", prov_ops(it->kind)->one,
					it->id);
		it->op = PROV_REMOVED;
		return 0;
	}

	if (it->kind == PROV_AGENT) {
		e = prov_agent_secrets(it, cur ? cur->obj : NULL);
		if (e) {
			log_error("agent '%s': hashing secrets: %m", it->id, e);
			return prov_err(err, 500, "internal", NULL,
					"could not hash the passwords");
		}
	}

	e = prov_print_obj(&it->doc, it->kind, it->obj, PROV_FORM_STORED);
	if (e)
		return e;

	it->op = cur ? PROV_UPDATED : PROV_ADDED;
	it->unchanged = cur && 0 == strcmp(cur->doc, it->doc);
	return 0;
}


static int write_store(struct prov_batch *b)
{
	struct store *st = prov_g.st;
	struct le *le;
	int e;

	e = store_begin(st);
	if (e)
		return e;

	LIST_FOREACH(&b->items, le) {
		const struct prov_item *it = le->data;
		const char *kind = prov_kind_name(it->kind);

		if (it->unchanged)
			continue;

		if (it->obj)
			e = store_obj_put(st, kind, it->id, it->doc);
		else
			e = store_obj_delete(st, kind, it->id);

		/* a new agent of the same id starts afresh */
		if (!e && !it->obj && it->kind == PROV_AGENT)
			e = store_agent_status_delete(st, it->id);
		if (e)
			break;
	}

	if (!e)
		e = store_commit(st);
	if (e)
		(void)store_rollback(st);

	return e;
}


/* Additions and updates: an object after those it may name. Removals
 * go the other way round. */
static const enum prov_kind notify_order[PROV_KINDS] = {
	PROV_STATUS, PROV_QUEUE, PROV_AGENT, PROV_TRUNK, PROV_ROUTE,
	PROV_INTENT, PROV_RECOMMENDATION
};


static void notify(const struct prov_batch *b)
{
	struct le *le;

	for (size_t k = 0; k < PROV_KINDS; k++) {
		LIST_FOREACH(&b->items, le) {
			const struct prov_item *it = le->data;

			if (it->kind == notify_order[k] && it->obj &&
			    !it->unchanged)
				prov_notify(it->kind, it->op, it->id);
		}
	}

	for (size_t k = PROV_KINDS; k-- > 0;) {
		LIST_FOREACH(&b->items, le) {
			const struct prov_item *it = le->data;

			if (it->kind == notify_order[k] && !it->obj)
				prov_notify(it->kind, it->op, it->id);
		}
	}
}


int prov_batch_commit(struct prov_batch *b, struct prov_error *err)
{
	struct prov_entry **fresh = NULL, **old = NULL;
	const uint32_t n = list_count(&b->items);
	size_t i, changed = 0;
	struct le *le;
	int e;

	if (!prov_g.ready)
		return prov_err(err, 500, "internal", NULL,
				"provisioning is not running");

	e = prov_batch_check(b, err);
	if (e)
		return e;

	LIST_FOREACH(&b->items, le) {
		struct prov_item *it = le->data;

		e = prepare(it, err);
		if (e)
			return e;
		if (!it->unchanged)
			++changed;
	}

	if (!changed)
		return 0;

	fresh = mem_zalloc(n * sizeof(*fresh), NULL);
	old = mem_zalloc(n * sizeof(*old), NULL);
	if (!fresh || !old) {
		e = ENOMEM;
		goto out;
	}

	i = 0;
	LIST_FOREACH(&b->items, le) {
		struct prov_item *it = le->data;

		if (it->obj && !it->unchanged) {
			e = prov_registry_entry(&fresh[i], it->kind, it->obj,
						it->doc);
			if (e)
				goto out;
		}
		++i;
	}

	e = write_store(b);
	if (e) {
		e = prov_err(err, 500, "internal", NULL, "the change could "
			     "not be saved (database error); nothing was "
			     "changed");
		goto out;
	}

	i = 0;
	LIST_FOREACH(&b->items, le) {
		struct prov_item *it = le->data;

		if (fresh[i]) {
			prov_registry_put(fresh[i], &old[i]);
		}
		else if (!it->obj) {
			old[i] = prov_registry_get(it->kind, it->id);
			prov_registry_remove(old[i]);
		}
		++i;
	}

	prov_model_commit();
	notify(b);

	/* the registry holds the new entries now */
	memset(fresh, 0, n * sizeof(*fresh));

 out:
	for (i = 0; fresh && old && i < n; i++) {
		mem_deref(fresh[i]);
		mem_deref(old[i]);
	}
	mem_deref(fresh);
	mem_deref(old);

	return e;
}
