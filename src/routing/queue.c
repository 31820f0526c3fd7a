/*
 * queue.c — queues: configuration, stages, item classes, membership of
 * skill-qualified agents, and re-placing everything when a queue's
 * definition changes (O(members + waiting items), config time only).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include "routing/internal.h"


static void stages_free(struct stage *v, uint16_t n)
{
	for (uint16_t i = 0; i < n; i++)
		mem_deref(v[i].reqs);

	mem_deref(v);
}


static void queue_destructor(void *arg)
{
	struct rqueue *q = arg;

	hash_unlink(&q->he);
	list_unlink(&q->le);
	stages_free(q->stages, q->nstages);
	mem_deref(q->skills);
	mem_deref(q->relax);
	mem_deref(q->overflow_to);
	mem_deref(q->missed_status);
	mem_deref(q->rr_id);
	mem_deref(q->id);
}


static bool id_cmp(struct le *le, void *arg)
{
	const struct rqueue *q = le->data;

	return !strcmp(q->id, arg);
}


struct rqueue *queue_find(const struct routing *r, const char *id)
{
	if (!id)
		return NULL;

	return list_ledata(hash_lookup(r->queues, hash_joaat_str(id), id_cmp,
				       (void *)id));
}


/* Skill-qualified agents serve a queue whose loosest stage they meet. */
bool queue_admits(const struct rqueue *q, const struct ragent *a)
{
	const struct stage *last;

	if (q->removed || !q->nstages)
		return false;

	last = &q->stages[q->nstages - 1];
	return !reqs_unmet(a->skills, a->nskills, last->reqs, last->nreqs);
}


uint16_t queue_stage_at(const struct rqueue *q, uint64_t waited_ms)
{
	uint16_t lo = 0, hi = q->nstages;

	/* the last stage whose time has come */
	while (hi - lo > 1) {
		const uint16_t mid = (uint16_t)((lo + hi) / 2);

		if (q->stages[mid].at_ms <= waited_ms)
			lo = mid;
		else
			hi = mid;
	}

	return lo;
}


static void iclass_destructor(void *arg)
{
	struct iclass *c = arg;

	list_unlink(&c->le);
	mem_deref(c->items);
	mem_deref(c->extra);
}


/* The class of items with these extra skills, referenced for the
 * caller. */
int iclass_get(struct iclass **cp, struct rqueue *q, const struct req *x,
	       uint16_t n)
{
	struct iclass *c;
	struct le *le;

	LIST_FOREACH(&q->classes, le) {
		c = le->data;

		if (reqs_equal(c->extra, c->nextra, x, n)) {
			*cp = mem_ref(c);
			return 0;
		}
	}

	c = mem_zalloc(sizeof(*c), iclass_destructor);
	if (!c)
		return ENOMEM;

	c->q = q;
	c->items = mem_zalloc(q->nstages * sizeof(*c->items), NULL);
	if (n) {
		c->extra = mem_alloc(n * sizeof(*x), NULL);
		if (c->extra)
			memcpy(c->extra, x, n * sizeof(*x));
	}

	if (!c->items || (n && !c->extra)) {
		mem_deref(c);
		return ENOMEM;
	}

	c->nextra = n;
	c->mask = reqs_mask(x, n);
	list_append(&q->classes, &c->le, c);

	*cp = c;
	return 0;
}


static int time_cmp(const void *a, const void *b)
{
	const uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}


/* The moments at which the eligible set widens (relaxation steps and, for
 * tiers, each further level present among the members), each with the
 * minimums and the highest level that apply from then on. */
static int stages_build(const struct rqueue *q, struct stage **out,
			uint16_t *nout)
{
	const bool tiers = q->strategy == ROUTING_TIERS && q->tier_wait_s;
	uint64_t t[STAGES_MAX];
	struct stage *v;
	uint16_t n = 0, u = 0;

	t[n++] = 0;
	for (uint16_t i = 0; i < q->nrelax; i++)
		t[n++] = q->relax[i].after_s;
	for (uint32_t k = 1; tiers && k < q->maxlevel; k++)
		t[n++] = (uint64_t)k * q->tier_wait_s;

	qsort(t, n, sizeof(t[0]), time_cmp);
	for (uint16_t i = 0; i < n; i++) {
		if (!u || t[i] != t[u - 1])
			t[u++] = t[i];
	}

	v = mem_zalloc(u * sizeof(*v), NULL);
	if (!v)
		return ENOMEM;

	for (uint16_t s = 0; s < u; s++) {
		struct stage *st = &v[s];
		uint16_t m = 0;

		st->at_ms = t[s] * 1000;
		st->maxlevel = tiers ?
			(uint8_t)MIN((uint64_t)LEVEL_MAX,
				     1 + t[s] / q->tier_wait_s) : LEVEL_MAX;

		if (!q->nskills)
			continue;

		st->reqs = mem_alloc(q->nskills * sizeof(*st->reqs), NULL);
		if (!st->reqs) {
			stages_free(v, u);
			return ENOMEM;
		}

		for (uint16_t i = 0; i < q->nskills; i++) {
			uint8_t level = q->skills[i].level;

			/* steps only ever lower (0 drops, and a dropped
			 * skill stays dropped): who qualifies only widens */
			for (uint16_t j = 0; j < q->nrelax; j++) {
				if (q->relax[j].skill == q->skills[i].skill &&
				    q->relax[j].after_s <= t[s] &&
				    q->relax[j].level < level)
					level = q->relax[j].level;
			}

			if (level) {
				st->reqs[m].skill = q->skills[i].skill;
				st->reqs[m].level = level;
				++m;
			}
		}

		st->nreqs = m;
	}

	*out = v;
	*nout = u;
	return 0;
}


static uint8_t levels_max(const struct rqueue *q)
{
	for (uint8_t l = LEVEL_MAX; l > 1; l--) {
		if (q->levels[l])
			return l;
	}

	return 1;
}


void queue_levels(struct rqueue *q, uint8_t level, int delta)
{
	q->levels[level] += (uint32_t)delta;

	if (q->strategy == ROUTING_TIERS && q->tier_wait_s &&
	    levels_max(q) != q->maxlevel)
		q->dirty = true;
}


static struct routing_item *age_item(struct tnode *n)
{
	return OWNER_OF(n, struct routing_item, anode);
}


/*
 * New stages from the queue's configuration: every member and waiting
 * item comes out of the old trees and goes into the new ones. The moved
 * items (overflow may apply under the new rules) are returned through
 * movedp for a decision. ENOMEM leaves everything as it was.
 */
static int queue_restage(struct rqueue *q, struct routing_item ***movedp,
			 size_t *nmoved)
{
	const uint8_t oldmax = q->maxlevel;
	struct routing_item **items = NULL;
	struct stage *stages;
	uint16_t nstages;
	struct tree **trees = NULL;
	size_t n = 0, nc = 0, i;
	struct tnode *x;
	struct le *le;
	int err;

	*movedp = NULL;
	*nmoved = 0;

	q->maxlevel = levels_max(q);
	err = stages_build(q, &stages, &nstages);
	if (err) {
		q->maxlevel = oldmax;
		return err;
	}

	LIST_FOREACH(&q->classes, le)
		++nc;

	trees = mem_zalloc((nc + 1) * sizeof(*trees), NULL);
	items = mem_zalloc((tree_count(&q->age) + 1) * sizeof(*items), NULL);
	if (!trees || !items) {
		err = ENOMEM;
		goto out;
	}

	i = 0;
	LIST_FOREACH(&q->classes, le) {
		trees[i] = mem_zalloc(nstages * sizeof(**trees), NULL);
		if (!trees[i++]) {
			err = ENOMEM;
			goto out;
		}
	}

	/* nothing can fail from here on */
	LIST_FOREACH(&q->members, le)
		member_unplace(le->data);

	for (x = tree_first(&q->age, NULL, 0); x;
	     x = tree_first(&q->age, x, 0))
		items[n++] = age_item(x);

	for (i = 0; i < n; i++)
		item_unplace(items[i]);

	stages_free(q->stages, q->nstages);
	q->stages = stages;
	q->nstages = nstages;
	stages = NULL;

	i = 0;
	LIST_FOREACH(&q->classes, le) {
		struct iclass *c = le->data;

		mem_deref(c->items);
		c->items = trees[i];
		trees[i++] = NULL;
	}

	LIST_FOREACH(&q->members, le) {
		member_stage(le->data);
		member_update(le->data);
	}

	for (i = 0; i < n; i++) {
		items[i]->trg = TRG_NONE;
		item_restage(items[i]);
		item_place(items[i]);
	}

	*movedp = items;
	*nmoved = n;
	items = NULL;

 out:
	if (stages)
		stages_free(stages, nstages);
	for (i = 0; trees && i < nc; i++)
		mem_deref(trees[i]);
	mem_deref(trees);
	mem_deref(items);
	if (err)
		q->maxlevel = oldmax;

	return err;
}


/* Skill-qualified agents join or leave the queue. */
static int implicit_sync(struct routing *r, struct rqueue *q)
{
	struct le *le;
	int err = 0;

	LIST_FOREACH(&r->implicit, le) {
		struct ragent *a = le->data;
		struct member *m = NULL;
		struct le *ml;
		bool want;

		LIST_FOREACH(&a->members, ml) {
			struct member *x = ml->data;

			if (x->q == q) {
				m = x;
				break;
			}
		}

		want = queue_admits(q, a);
		if (want && !m) {
			err |= member_implicit_add(a, q);
			if (a->members.tail)
				member_update(a->members.tail->data);
		}
		else if (!want && m) {
			member_free(m);
		}
	}

	return err;
}


/* After stages changed: items that overflowed away get a decision where
 * they are now, and free members look for work. */
static void after_restage(struct rqueue *q, struct routing_item **moved,
			  size_t n)
{
	size_t k = 0;

	/* those that stayed are found by the members served below */
	for (size_t i = 0; i < n; i++) {
		if (moved[i]->q != q)
			moved[k++] = moved[i];
		else
			moved[i]->trg = TRG_NONE;
	}

	decide_batch(q->r, moved, k);
	serve_members(q);
	mem_deref(moved);
}


void queue_flush_dirty(struct routing *r)
{
	struct le *le;

	LIST_FOREACH(&r->queuel, le) {
		struct rqueue *q = le->data;
		struct routing_item **moved;
		size_t n;

		if (!q->dirty)
			continue;

		q->dirty = false;
		if (!queue_restage(q, &moved, &n))
			after_restage(q, moved, n);
	}
}


/* Keys that depend on the day's counters are re-sorted at midnight. */
void queue_rekey(struct rqueue *q)
{
	struct le *le;

	LIST_FOREACH(&q->members, le) {
		struct member *m = le->data;

		member_unplace(m);
		member_update(m);
	}
}


struct qconf {
	struct req *skills;
	uint16_t nskills;
	struct relax *relax;
	uint16_t nrelax;
	char *overflow_to;
	char *missed_status;
};


static int qconf_build(struct routing *r, struct qconf *qc,
		       const struct routing_queue_conf *c)
{
	int err;

	memset(qc, 0, sizeof(*qc));

	if (!c->id || !c->id[0] || (unsigned)c->strategy >= ROUTING_STRATEGIES)
		return EINVAL;
	if (c->nrelax > RELAX_MAX || (c->nrelax && !c->relax))
		return EINVAL;
	if (!(c->aging_per_min >= 0) || !isfinite(c->aging_per_min))
		return EINVAL;
	if (c->overflow_to && (!c->overflow_to[0] ||
			       !strcmp(c->overflow_to, c->id)))
		return EINVAL;

	err = reqs_from(r->sk, &qc->skills, &qc->nskills, c->skills,
			c->nskills);
	if (err)
		return err;

	if (c->nrelax) {
		qc->relax = mem_zalloc(c->nrelax * sizeof(*qc->relax), NULL);
		if (!qc->relax) {
			err = ENOMEM;
			goto out;
		}
	}

	for (size_t i = 0; i < c->nrelax; i++) {
		const struct routing_relax *x = &c->relax[i];

		if (!x->skill || x->level > 10) {
			err = EINVAL;
			goto out;
		}

		err = skill_intern(r->sk, x->skill, &qc->relax[i].skill);
		if (err)
			goto out;

		qc->relax[i].after_s = x->after_s;
		qc->relax[i].level = x->level;
	}

	qc->nrelax = (uint16_t)c->nrelax;

	/* stable sort by time: insertion sort keeps the given order */
	for (uint16_t i = 1; i < qc->nrelax; i++) {
		struct relax k = qc->relax[i];
		uint16_t j = i;

		while (j > 0 && qc->relax[j - 1].after_s > k.after_s) {
			qc->relax[j] = qc->relax[j - 1];
			--j;
		}
		qc->relax[j] = k;
	}

	/* a step changes one of the queue's own minimums */
	for (uint16_t i = 0; i < qc->nrelax; i++) {
		if (!reqs_level(qc->skills, qc->nskills, qc->relax[i].skill)) {
			err = EINVAL;
			goto out;
		}
	}

	if (c->overflow_to)
		err |= str_dup(&qc->overflow_to, c->overflow_to);
	if (c->missed_status)
		err |= str_dup(&qc->missed_status, c->missed_status);
	if (err)
		err = ENOMEM;

 out:
	if (err) {
		mem_deref(qc->skills);
		mem_deref(qc->relax);
		mem_deref(qc->overflow_to);
		mem_deref(qc->missed_status);
	}

	return err;
}


/* Swaps the configuration in qc with the queue's, so the old one can be
 * put back or freed. */
static void qconf_swap(struct rqueue *q, struct qconf *qc,
		       const struct routing_queue_conf *c,
		       struct routing_queue_conf *old)
{
	struct req *s = q->skills;
	uint16_t ns = q->nskills;
	struct relax *x = q->relax;
	uint16_t nx = q->nrelax;
	char *ov = q->overflow_to, *ms = q->missed_status;

	old->strategy = q->strategy;
	old->tier_wait_s = q->tier_wait_s;
	old->overflow_after_s = q->overflow_after_s;
	old->aging_per_min = q->aging;
	old->service_level_s = q->sl_s;
	old->decline_block_s = q->block_s;

	q->skills = qc->skills;
	q->nskills = qc->nskills;
	q->relax = qc->relax;
	q->nrelax = qc->nrelax;
	q->overflow_to = qc->overflow_to;
	q->missed_status = qc->missed_status;
	q->strategy = c->strategy;
	q->tier_wait_s = c->tier_wait_s;
	q->overflow_after_s = c->overflow_after_s;
	q->aging = c->aging_per_min;
	q->sl_s = c->service_level_s ? c->service_level_s : 20;
	q->block_s = c->decline_block_s;

	qc->skills = s;
	qc->nskills = ns;
	qc->relax = x;
	qc->nrelax = nx;
	qc->overflow_to = ov;
	qc->missed_status = ms;
}


static void qconf_free(struct qconf *qc)
{
	mem_deref(qc->skills);
	mem_deref(qc->relax);
	mem_deref(qc->overflow_to);
	mem_deref(qc->missed_status);
}


static int queue_new(struct rqueue **qp, struct routing *r, const char *id)
{
	struct rqueue *q = mem_zalloc(sizeof(*q), queue_destructor);
	struct le *le;

	if (!q || str_dup(&q->id, id)) {
		mem_deref(q);
		return ENOMEM;
	}

	q->r = r;
	q->maxlevel = 1;
	tnode_init(&q->rr, 0, false);
	hash_append(r->queues, hash_joaat_str(id), &q->he, q);
	list_append(&r->queuel, &q->le, q);

	/* members configured before the queue existed */
	for (le = list_head(hash_list(r->xmembers, hash_joaat_str(id))); le;
	     le = le->next) {
		struct member *m = le->data;

		if (m->qid && !strcmp(m->qid, id) && !m->q) {
			m->q = q;
			list_append(&q->members, &m->le_q, m);
			++q->nmembers;
			q->levels[m->level]++;
		}
	}

	*qp = q;
	return 0;
}


int routing_queue_set(struct routing *r, const struct routing_queue_conf *c)
{
	struct routing_queue_conf old;
	struct routing_item **moved = NULL;
	struct rqueue *q;
	struct qconf qc;
	bool created = false;
	size_t n = 0;
	int err;

	if (!r || !c)
		return EINVAL;

	err = qconf_build(r, &qc, c);
	if (err)
		return err;

	engine_enter(r);

	q = queue_find(r, c->id);
	if (!q) {
		err = queue_new(&q, r, c->id);
		if (err) {
			qconf_free(&qc);
			goto out;
		}
		created = true;
	}

	qconf_swap(q, &qc, c, &old);

	/* strategy keys, stages and item keys may all have changed */
	err = queue_restage(q, &moved, &n);
	if (err) {
		if (created) {
			hash_unlink(&q->he);
			list_unlink(&q->le);
			/* members found by id go back to waiting for it */
			while (q->members.head) {
				struct member *m = q->members.head->data;

				list_unlink(&m->le_q);
				m->q = NULL;
			}
			mem_deref(q);
		}
		else {
			const struct routing_queue_conf back = old;

			qconf_swap(q, &qc, &back, &old);
		}
		qconf_free(&qc);
		goto out;
	}

	qconf_free(&qc);
	q->dirty = false;

	err = implicit_sync(r, q);
	after_restage(q, moved, n);

 out:
	engine_flush(r);
	return err;
}


void routing_queue_remove(struct routing *r, const char *id)
{
	struct rqueue *q;
	struct tnode *x;
	struct le *le;

	if (!r || !(q = queue_find(r, id)))
		return;

	engine_enter(r);

	q->removed = true;
	hash_unlink(&q->he);
	list_unlink(&q->le);

	while ((le = q->members.head)) {
		struct member *m = le->data;

		if (!m->qid) {
			member_free(m);
			continue;
		}

		/* configured membership: kept, waiting for the id again */
		member_unplace(m);
		list_unlink(&m->le_q);
		--q->nmembers;
		m->q = NULL;
		m->stage = STAGE_NONE;
	}

	/* its items wait for nobody: no more stages or overflow */
	for (x = tree_first(&q->age, NULL, 0); x;
	     x = tree_first(&q->age, x, 0))
		heap_set(r, age_item(x), 0);

	mem_deref(q);              /* items hold theirs */
	engine_flush(r);
}
