/*
 * registry.c — the provisioned objects in memory and the lookups the hot
 * paths use (SIP auth by username, trunk gate by source address, route by
 * dialled number). Hash tables by id per kind, plus agents by SIP
 * username and routes by number without a leading '+'.
 *
 * Entries own their typed object and store document. Replacing one never
 * changes an object in place: the new entry goes in, the old one is
 * handed back to batch.c, which frees it after the listeners have run, so
 * pointers from lookups stay valid until the next write.
 */
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include "prov/prov_int.h"

enum { BUCKETS = 256 };


static const char *entry_id(const struct prov_entry *e)
{
	return prov_ops(e->kind)->id(e->obj);
}


static const char *bare(const char *number)
{
	return number[0] == '+' ? number + 1 : number;
}


static void entry_destructor(void *arg)
{
	struct prov_entry *e = arg;

	hash_unlink(&e->he);
	hash_unlink(&e->he2);
	mem_deref(e->obj);
	mem_deref(e->doc);
}


int prov_registry_init(void)
{
	int err = 0;

	for (int k = 0; k < PROV_KINDS && !err; k++)
		err = hash_alloc(&prov_g.byid[k], BUCKETS);

	if (!err)
		err = hash_alloc(&prov_g.sipuser, BUCKETS);
	if (!err)
		err = hash_alloc(&prov_g.bare, BUCKETS);

	return err;
}


void prov_registry_close(void)
{
	/* Entries unlink themselves from the secondary tables. */
	for (int k = 0; k < PROV_KINDS; k++) {
		hash_flush(prov_g.byid[k]);
		prov_g.byid[k] = mem_deref(prov_g.byid[k]);
		prov_g.count[k] = 0;
	}

	prov_g.sipuser = mem_deref(prov_g.sipuser);
	prov_g.bare = mem_deref(prov_g.bare);
}


static bool id_eq(struct le *le, void *arg)
{
	return 0 == strcmp(entry_id(le->data), arg);
}


static bool id_eq_pl(struct le *le, void *arg)
{
	return 0 == pl_strcmp(arg, entry_id(le->data));
}


static bool sip_eq_pl(struct le *le, void *arg)
{
	const struct prov_entry *e = le->data;

	return 0 == pl_strcmp(arg, ((struct prov_agent *)e->obj)->sip_user);
}


static bool bare_eq_pl(struct le *le, void *arg)
{
	const struct prov_entry *e = le->data;

	return 0 == pl_strcmp(arg, bare(entry_id(e)));
}


struct prov_entry *prov_registry_get(enum prov_kind kind, const char *id)
{
	if (kind >= PROV_KINDS || !id || !prov_g.byid[kind])
		return NULL;

	return list_ledata(hash_lookup(prov_g.byid[kind],
				       hash_joaat_str(id), id_eq,
				       (void *)id));
}


int prov_registry_entry(struct prov_entry **ep, enum prov_kind kind,
			void *obj, char *doc)
{
	struct prov_entry *e;

	e = mem_zalloc(sizeof(*e), entry_destructor);
	if (!e)
		return ENOMEM;

	e->kind = kind;
	e->obj = mem_ref(obj);
	e->doc = mem_ref(doc);

	*ep = e;
	return 0;
}


void prov_registry_remove(struct prov_entry *e)
{
	if (!e || !e->he.list)
		return;

	hash_unlink(&e->he);
	hash_unlink(&e->he2);
	--prov_g.count[e->kind];
}


void prov_registry_put(struct prov_entry *e, struct prov_entry **old)
{
	const char *id = entry_id(e);

	*old = prov_registry_get(e->kind, id);
	prov_registry_remove(*old);

	hash_append(prov_g.byid[e->kind], hash_joaat_str(id), &e->he, e);
	++prov_g.count[e->kind];

	if (e->kind == PROV_AGENT) {
		const struct prov_agent *a = e->obj;

		if (a->sip_user)
			hash_append(prov_g.sipuser,
				    hash_joaat_str(a->sip_user), &e->he2, e);
	}
	else if (e->kind == PROV_ROUTE) {
		hash_append(prov_g.bare, hash_joaat_str(bare(id)), &e->he2,
			    e);
	}
}


struct sorted {
	struct prov_entry **arr;
	size_t n, cap;
};


static bool collect(struct le *le, void *arg)
{
	struct sorted *s = arg;

	if (s->n >= s->cap)
		return true;

	s->arr[s->n++] = le->data;
	return false;
}


static int entry_cmp(const void *a, const void *b)
{
	const struct prov_entry *x = *(struct prov_entry *const *)a;
	const struct prov_entry *y = *(struct prov_entry *const *)b;

	return strcmp(entry_id(x), entry_id(y));
}


int prov_registry_sorted(struct prov_entry ***arrp, size_t *np,
			 enum prov_kind kind)
{
	const size_t n = prov_g.count[kind];
	struct sorted s = {NULL, 0, n};

	if (n) {
		s.arr = mem_zalloc(n * sizeof(*s.arr), NULL);
		if (!s.arr)
			return ENOMEM;

		(void)hash_apply(prov_g.byid[kind], collect, &s);
		qsort(s.arr, s.n, sizeof(*s.arr), entry_cmp);
	}

	*arrp = s.arr;
	*np = s.n;
	return 0;
}


const struct prov_agent *prov_registry_sip_owner(const char *user)
{
	struct pl pl;

	pl_set_str(&pl, user);
	return prov_agent_by_sip_user(&pl);
}


/* --- the public lookups ------------------------------------------------- */

const struct prov_agent *prov_agent_find(const char *id)
{
	struct prov_entry *e = prov_registry_get(PROV_AGENT, id);

	return e ? e->obj : NULL;
}


const struct prov_agent *prov_agent_by_sip_user(const struct pl *user)
{
	struct prov_entry *e;

	if (!pl_isset(user) || !prov_g.sipuser)
		return NULL;

	e = list_ledata(hash_lookup(prov_g.sipuser, hash_joaat_pl(user),
				    sip_eq_pl, (void *)user));

	return e ? e->obj : NULL;
}


const struct prov_queue *prov_queue_find(const char *id)
{
	struct prov_entry *e = prov_registry_get(PROV_QUEUE, id);

	return e ? e->obj : NULL;
}


const struct prov_status *prov_status_find(const char *id)
{
	struct prov_entry *e = prov_registry_get(PROV_STATUS, id);

	return e ? e->obj : NULL;
}


const struct prov_intent *prov_intent_find(const char *id)
{
	struct prov_entry *e = prov_registry_get(PROV_INTENT, id);

	return e ? e->obj : NULL;
}


const struct prov_recommendation *prov_recommendation_find(const char *id)
{
	struct prov_entry *e = prov_registry_get(PROV_RECOMMENDATION, id);

	return e ? e->obj : NULL;
}


const struct prov_route *prov_route_find(const struct pl *number)
{
	struct prov_entry *e;
	struct pl b;

	if (!pl_isset(number) || !prov_g.byid[PROV_ROUTE])
		return NULL;

	e = list_ledata(hash_lookup(prov_g.byid[PROV_ROUTE],
				    hash_joaat_pl(number), id_eq_pl,
				    (void *)number));
	if (e)
		return e->obj;

	b = *number;
	if (b.p[0] == '+') {
		++b.p;
		--b.l;
	}

	e = list_ledata(hash_lookup(prov_g.bare, hash_joaat_pl(&b),
				    bare_eq_pl, &b));

	return e ? e->obj : NULL;
}


struct trunk_match {
	const struct sa *src;
	const struct prov_trunk *best;
};


static bool trunk_test(struct le *le, void *arg)
{
	struct trunk_match *m = arg;
	const struct prov_entry *e = le->data;
	const struct prov_trunk *t = e->obj;

	/* "first" is by id, so overlapping trunks give the same answer
	 * whatever the hash order */
	if (m->best && strcmp(t->id, m->best->id) >= 0)
		return false;

	for (size_t i = 0; i < t->nallow; i++) {
		if (prov_cidr_match(&t->allow[i], m->src)) {
			m->best = t;
			break;
		}
	}

	return false;
}


const struct prov_trunk *prov_trunk_match(const struct sa *src)
{
	struct trunk_match m = {src, NULL};

	if (!src || !prov_g.byid[PROV_TRUNK])
		return NULL;

	(void)hash_apply(prov_g.byid[PROV_TRUNK], trunk_test, &m);

	return m.best;
}


struct number_match {
	const char *number;
	const struct prov_trunk *best;
	size_t len;
};


static bool number_test(struct le *le, void *arg)
{
	struct number_match *m = arg;
	const struct prov_entry *e = le->data;
	const struct prov_trunk *t = e->obj;
	const size_t n = prov_outbound_match(t->outbound, m->number);

	/* the longest prefix, then the smallest id: the same answer
	 * whatever the hash order */
	if (n && (n > m->len || (n == m->len &&
				 strcmp(t->id, m->best->id) < 0))) {
		m->best = t;
		m->len = n;
	}

	return false;
}


const struct prov_trunk *prov_trunk_for_number(const char *number)
{
	struct number_match m = {number, NULL, 0};

	if (!prov_number_valid(number) || !prov_g.byid[PROV_TRUNK])
		return NULL;

	(void)hash_apply(prov_g.byid[PROV_TRUNK], number_test, &m);

	return m.best;
}


/* The apply functions: visit entries of a kind until h says stop. */
struct apply {
	bool (*h)(const void *obj, void *arg);
	void *arg;
};


static bool apply_test(struct le *le, void *arg)
{
	struct apply *a = arg;
	const struct prov_entry *e = le->data;

	return a->h(e->obj, a->arg);
}


static const void *apply(enum prov_kind kind, struct apply *a)
{
	struct le *le;

	if (!a->h || !prov_g.byid[kind])
		return NULL;

	le = hash_apply(prov_g.byid[kind], apply_test, a);

	return le ? ((struct prov_entry *)le->data)->obj : NULL;
}


struct agent_apply {
	prov_agent_apply_h *h;
	void *arg;
};


static bool agent_h(const void *obj, void *arg)
{
	struct agent_apply *aa = arg;

	return aa->h(obj, aa->arg);
}


const struct prov_agent *prov_agent_apply(prov_agent_apply_h *h, void *arg)
{
	struct agent_apply aa = {h, arg};
	struct apply a = {h ? agent_h : NULL, &aa};

	return apply(PROV_AGENT, &a);
}


struct queue_apply {
	prov_queue_apply_h *h;
	void *arg;
};


static bool queue_h(const void *obj, void *arg)
{
	struct queue_apply *qa = arg;

	return qa->h(obj, qa->arg);
}


const struct prov_queue *prov_queue_apply(prov_queue_apply_h *h, void *arg)
{
	struct queue_apply qa = {h, arg};
	struct apply a = {h ? queue_h : NULL, &qa};

	return apply(PROV_QUEUE, &a);
}


struct status_apply {
	prov_status_apply_h *h;
	void *arg;
};


static bool status_h(const void *obj, void *arg)
{
	struct status_apply *sa = arg;

	return sa->h(obj, sa->arg);
}


const struct prov_status *prov_status_apply(prov_status_apply_h *h,
					    void *arg)
{
	struct status_apply sa = {h, arg};
	struct apply a = {h ? status_h : NULL, &sa};

	return apply(PROV_STATUS, &a);
}
