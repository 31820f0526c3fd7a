/*
 * agent.c — agents, their queue memberships, and keeping each
 * membership's node in the right agent tree.
 *
 * A member is in a tree only while its agent is routable, has a free unit
 * and qualifies at some stage of the queue; member_update puts it there
 * (or takes it out) after any change, re-inserting only when the key
 * moved and otherwise just refreshing the free-capacity aggregate.
 */
#include <string.h>
#include <re.h>
#include "routing/internal.h"


static void agent_destructor(void *arg)
{
	struct ragent *a = arg;

	mem_deref(a->status);
	mem_deref(a->skills);
	mem_deref(a->id);
}


static void member_destructor(void *arg)
{
	struct member *m = arg;

	mem_deref(m->qid);
}


static bool id_cmp(struct le *le, void *arg)
{
	const struct ragent *a = le->data;

	return !strcmp(a->id, arg);
}


struct ragent *agent_find(const struct routing *r, const char *id)
{
	if (!id)
		return NULL;

	return list_ledata(hash_lookup(r->agents, hash_joaat_str(id), id_cmp,
				       (void *)id));
}


bool agent_routable(const struct ragent *a)
{
	return a->r && a->present && a->status && a->status->routable;
}


uint32_t agent_free(const struct ragent *a)
{
	return a->capacity > a->load ? a->capacity - a->load : 0;
}


void agent_day(struct ragent *a, uint64_t day)
{
	if (a->day == day)
		return;

	a->day = day;
	a->accepted = 0;
	a->talk_ms = 0;
}


void member_unplace(struct member *m)
{
	if (!m->tree)
		return;

	tree_remove(m->tree, &m->node);
	m->tree = NULL;
}


/* The first stage at which the agent meets the queue's minimums and its
 * tier level is allowed. */
void member_stage(struct member *m)
{
	const struct rqueue *q = m->q;

	m->stage = STAGE_NONE;
	if (!q || q->removed)
		return;

	for (uint16_t s = 0; s < q->nstages; s++) {
		const struct stage *st = &q->stages[s];

		if (m->level > st->maxlevel)
			continue;

		if (!reqs_unmet(m->a->skills, m->a->nskills, st->reqs,
				st->nreqs)) {
			m->stage = s;
			return;
		}
	}
}


void member_update(struct member *m)
{
	const struct ragent *a = m->a;
	const struct rqueue *q = m->q;
	const uint32_t room = agent_free(a);
	struct tree *t = NULL;
	int64_t ka, kb;

	if (q && !q->removed && m->stage != STAGE_NONE &&
	    agent_routable(a) && room > 0)
		t = &q->stages[m->stage].agents;

	if (!t) {
		member_unplace(m);
		return;
	}

	strategy_key(m, &ka, &kb);

	if (m->tree == t && m->node.ka == ka && m->node.kb == kb) {
		if (m->node.val != room || m->node.weight != m->weight) {
			m->node.val = room;
			m->node.weight = m->weight;
			tree_refresh(t, &m->node);
		}
		return;
	}

	member_unplace(m);
	m->node.ka = ka;
	m->node.kb = kb;
	m->node.kc = id_prefix(a->id);
	m->node.kid = a->id;
	m->node.val = room;
	m->node.weight = m->weight;
	m->node.mask = a->mask;
	tree_insert(t, &m->node);
	m->tree = t;
}


void agent_reindex(struct ragent *a)
{
	struct le *le;

	if (!a->r || a->r->dying)
		return;

	LIST_FOREACH(&a->members, le)
		member_update(le->data);
}


static void member_link(struct member *m, struct rqueue *q)
{
	m->q = q;
	list_append(&q->members, &m->le_q, m);
	++q->nmembers;
	queue_levels(q, m->level, +1);
	member_stage(m);
}


static struct member *member_new(struct ragent *a, uint8_t level,
				 uint32_t position, uint32_t weight)
{
	struct member *m = mem_zalloc(sizeof(*m), member_destructor);

	if (!m)
		return NULL;

	m->a = a;
	m->level = level ? level : 1;
	m->position = position;
	m->weight = weight ? weight : 1;
	m->stage = STAGE_NONE;
	tnode_init(&m->node, hp_next(a->r), false);
	list_append(&a->members, &m->le_a, m);

	return m;
}


int member_implicit_add(struct ragent *a, struct rqueue *q)
{
	struct member *m = member_new(a, 1, 0, 1);

	if (!m)
		return ENOMEM;

	member_link(m, q);
	return 0;
}


void member_free(struct member *m)
{
	member_unplace(m);

	if (m->q) {
		list_unlink(&m->le_q);
		--m->q->nmembers;
		queue_levels(m->q, m->level, -1);
		m->q = NULL;
	}

	hash_unlink(&m->he);
	list_unlink(&m->le_a);
	mem_deref(m);
}


static int member_explicit(struct ragent *a, const struct routing_member *c)
{
	struct member *m = member_new(a, c->level, c->position, c->weight);
	struct rqueue *q;

	if (!m || str_dup(&m->qid, c->queue)) {
		if (m)
			member_free(m);
		return ENOMEM;
	}

	hash_append(a->r->xmembers, hash_joaat_str(m->qid), &m->he, m);

	q = queue_find(a->r, m->qid);
	if (q)
		member_link(m, q);

	return 0;
}


void agent_change_status(struct ragent *a, struct rstatus *st)
{
	const bool was = agent_routable(a);

	list_unlink(&a->le_status);
	mem_deref(a->status);
	a->status = mem_ref(st);
	list_append(&st->agents, &a->le_status, a);
	a->status_since = a->r->now;

	if (!was && agent_routable(a))
		a->idle_since = a->r->now;

	agent_reindex(a);
}


/* Out of every index; offers must be gone already. What explanations
 * hold (a reference, the id) stays. */
void agent_detach(struct ragent *a)
{
	struct le *le;

	while ((le = a->members.head))
		member_free(le->data);

	list_unlink(&a->le_status);
	list_unlink(&a->le_impl);
	list_unlink(&a->le);
	hash_unlink(&a->he);
	a->r = NULL;
}


static int validate(const struct routing_agent_conf *c)
{
	if (!c->id || !c->id[0] || !c->capacity)
		return EINVAL;

	if (c->nqueues && !c->queues)
		return EINVAL;

	for (size_t i = 0; i < c->nqueues; i++) {
		const struct routing_member *mi = &c->queues[i];

		if (!mi->queue || !mi->queue[0] || mi->level > LEVEL_MAX)
			return EINVAL;

		for (size_t j = 0; j < i; j++) {
			if (!strcmp(c->queues[j].queue, mi->queue))
				return EINVAL;
		}
	}

	return 0;
}


static int agent_new(struct ragent **ap, struct routing *r, const char *id)
{
	struct rstatus *st = status_find(r, "available");
	struct ragent *a;

	a = mem_zalloc(sizeof(*a), agent_destructor);
	if (!a || str_dup(&a->id, id)) {
		mem_deref(a);
		return ENOMEM;
	}

	a->r = r;
	a->status = mem_ref(st);
	list_append(&st->agents, &a->le_status, a);
	a->status_since = a->idle_since = r->now;
	a->day = r->day;
	hash_append(r->agents, hash_joaat_str(id), &a->he, a);
	list_append(&r->agentl, &a->le, a);

	*ap = a;
	return 0;
}


int routing_agent_set(struct routing *r, const struct routing_agent_conf *c)
{
	struct ragent *a;
	struct req *skills = NULL;
	uint16_t nskills = 0;
	struct le *le;
	int err;

	if (!r || !c)
		return EINVAL;

	err = validate(c);
	if (err)
		return err;

	err = reqs_from(r->sk, &skills, &nskills, c->skills, c->nskills);
	if (err)
		return err;

	engine_enter(r);

	a = agent_find(r, c->id);
	if (!a) {
		err = agent_new(&a, r, c->id);
		if (err) {
			mem_deref(skills);
			goto out;
		}
	}

	while ((le = a->members.head))
		member_free(le->data);

	mem_deref(a->skills);
	a->skills = skills;
	a->nskills = nskills;
	a->mask = reqs_mask(skills, nskills);
	a->capacity = c->capacity;

	if (!c->queues) {
		if (!list_contains(&r->implicit, &a->le_impl))
			list_append(&r->implicit, &a->le_impl, a);

		LIST_FOREACH(&r->queuel, le) {
			struct rqueue *q = le->data;

			if (!err && queue_admits(q, a))
				err = member_implicit_add(a, q);
		}
	}
	else {
		list_unlink(&a->le_impl);

		for (size_t i = 0; i < c->nqueues && !err; i++)
			err = member_explicit(a, &c->queues[i]);
	}

	/* a tier queue whose highest level changed gets new stages */
	queue_flush_dirty(r);

	agent_reindex(a);
	agent_serve(a, TRG_CONFIG);

 out:
	engine_flush(r);
	return err;
}


void routing_agent_remove(struct routing *r, const char *id)
{
	struct routing_item **back;
	struct ragent *a;
	size_t n = 0;
	struct le *le;

	if (!r || !(a = agent_find(r, id)))
		return;

	engine_enter(r);

	/* its offers end; items left with none wait again, once the
	 * queues it leaves are in order */
	if (vec_grow((void **)&r->due, &r->capdue, list_count(&a->offers),
		     sizeof(*r->due)))
		back = NULL;
	else
		back = r->due;

	while ((le = a->offers.head)) {
		struct offer *o = le->data;
		struct routing_item *it = o->item;
		const bool accepted = o->accepted;

		offer_free(o, OUT_REMOVED);

		if (!accepted && it->state == ROUTING_ITEM_OFFERED &&
		    list_isempty(&it->offers)) {
			it->state = ROUTING_ITEM_WAITING;
			if (back)
				back[n++] = it;
			else {
				/* out of memory: it waits until its next
				 * event (the agent is still indexed) */
				item_restage(it);
				item_place(it);
			}
		}
	}

	agent_detach(a);
	mem_deref(a);

	queue_flush_dirty(r);

	for (size_t i = 0; i < n; i++) {
		back[i]->trg = TRG_RETURNED;
		item_restage(back[i]);
		item_place(back[i]);
	}

	decide_batch(r, back, n);
	engine_flush(r);
}


int routing_agent_status(struct routing *r, const char *agent,
			 const char *status)
{
	struct ragent *a;
	struct rstatus *st;

	if (!r || !agent || !status)
		return EINVAL;

	a = agent_find(r, agent);
	st = status_find(r, status);
	if (!a || !st)
		return ENOENT;

	engine_enter(r);

	if (a->status != st) {
		agent_change_status(a, st);
		agent_serve(a, TRG_AGENT);
	}

	engine_flush(r);
	return 0;
}


void routing_agent_present(struct routing *r, const char *agent,
			   bool present)
{
	struct ragent *a;

	if (!r || !(a = agent_find(r, agent)))
		return;

	engine_enter(r);

	if (a->present != present) {
		const bool was = agent_routable(a);

		a->present = present;
		if (!was && agent_routable(a))
			a->idle_since = r->now;

		agent_reindex(a);
		agent_serve(a, TRG_AGENT);
	}

	engine_flush(r);
}


int routing_agent_reserve(struct routing *r, const char *agent,
			  uint32_t units)
{
	struct ragent *a;

	if (!r || !units)
		return EINVAL;

	a = agent_find(r, agent);
	if (!a)
		return ENOENT;

	if (agent_free(a) < units)
		return EBUSY;

	engine_enter(r);

	a->load += units;
	a->reserved += units;
	agent_reindex(a);

	engine_flush(r);
	return 0;
}


void routing_agent_release(struct routing *r, const char *agent,
			   uint32_t units)
{
	struct ragent *a;

	if (!r || !(a = agent_find(r, agent)))
		return;

	units = MIN(units, a->reserved);
	if (!units)
		return;

	engine_enter(r);

	a->reserved -= units;
	a->load = a->load >= units ? a->load - units : 0;
	agent_reindex(a);
	agent_serve(a, TRG_AGENT);

	engine_flush(r);
}
