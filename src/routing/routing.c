/*
 * routing.c — the decision engine, first version: skills with minimum
 * levels, capacity, longest-idle agent first, items in arrival order.
 *
 * Decisions are made by match(): every waiting item, oldest first, gets
 * the longest-idle agent that is available, has room for it, meets the
 * queue's skill levels and has not recently declined it. That is a scan
 * of waiting items times agents, fine for a few hundred of each; the
 * routing issue replaces it with per-skill indexes (see docs/NOTES.md).
 *
 * Offers are queued and announced by flush() once the engine's state is
 * consistent; flush() is not re-entered, so an offer handler may call
 * any routing function and its offers join the same queue.
 */
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include "routing/routing.h"

enum item_state { ITEM_WAITING, ITEM_OFFERED, ITEM_ACCEPTED };

struct rskill {
	char *name;
	uint8_t level;
};

struct ragent {
	struct le he;              /* r->agents */
	struct le le;              /* r->agentl, in creation order */
	struct le le_free;         /* r->freel while it could take work */
	struct list items;         /* items offered to or accepted by it */
	char *id;
	struct rskill *skills;
	size_t nskills;
	uint32_t capacity, load;
	bool available;
	uint64_t idle_since;
};

struct rqueue {
	struct le he;
	char *id;
	struct rskill *skills;
	size_t nskills;
};

struct excl {
	struct le le;
	char *agent;
	uint64_t until;
};

struct routing_item {
	struct le le;              /* r->waiting or r->pending */
	struct le le_all;          /* r->items */
	struct le le_agent;        /* agent->items */
	struct routing *r;
	char *queue;
	uint32_t size;
	uint64_t arrived;
	void *owner;
	enum item_state state;
	struct ragent *agent;
	struct list excl;
};

struct routing {
	struct hash *agents;
	struct list agentl;
	struct list freel;         /* available agents with spare capacity */
	struct hash *queues;
	struct list waiting;       /* oldest first */
	struct list pending;       /* offers to announce */
	struct list items;         /* every item, for teardown */
	bool flushing;
	routing_clock_h *clock;
	routing_offer_h *offerh;
	void *arg;
};


static uint64_t now(const struct routing *r)
{
	return r->clock(r->arg);
}


/* Only agents that could take a unit of work are looked at when deciding,
 * so a long queue in front of busy agents costs nothing per event. */
static void agent_update_free(struct routing *r, struct ragent *a)
{
	const bool can = a->available && a->load < a->capacity;

	if (can && !list_contains(&r->freel, &a->le_free))
		list_append(&r->freel, &a->le_free, a);
	else if (!can)
		list_unlink(&a->le_free);
}


static void skills_free(struct rskill *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		mem_deref(s[i].name);
	mem_deref(s);
}


static int skill_cmp(const void *a, const void *b)
{
	return strcmp(((const struct rskill *)a)->name,
		      ((const struct rskill *)b)->name);
}


static int skills_copy(struct rskill **out, const struct routing_skill *in,
		       size_t n)
{
	struct rskill *s;

	*out = NULL;
	if (!n)
		return 0;

	s = mem_zalloc(n * sizeof(*s), NULL);
	if (!s)
		return ENOMEM;

	for (size_t i = 0; i < n; i++) {
		if (str_dup(&s[i].name, in[i].name)) {
			skills_free(s, i);
			return ENOMEM;
		}
		s[i].level = in[i].level;
	}

	qsort(s, n, sizeof(*s), skill_cmp);
	*out = s;
	return 0;
}


/* Every required skill at or above its minimum level; both sorted. */
static bool skills_meet(const struct ragent *a, const struct rqueue *q)
{
	size_t i = 0;

	for (size_t j = 0; j < q->nskills; j++) {
		int c = 1;

		while (i < a->nskills &&
		       (c = strcmp(a->skills[i].name, q->skills[j].name)) < 0)
			++i;

		if (i >= a->nskills || c != 0 ||
		    a->skills[i].level < q->skills[j].level)
			return false;
	}

	return true;
}


static bool id_cmp_agent(struct le *le, void *arg)
{
	return !strcmp(((struct ragent *)le->data)->id, arg);
}


static bool id_cmp_queue(struct le *le, void *arg)
{
	return !strcmp(((struct rqueue *)le->data)->id, arg);
}


static struct ragent *agent_find(const struct routing *r, const char *id)
{
	return list_ledata(hash_lookup(r->agents, hash_joaat_str(id),
				       id_cmp_agent, (void *)id));
}


static struct rqueue *queue_find(const struct routing *r, const char *id)
{
	return list_ledata(hash_lookup(r->queues, hash_joaat_str(id),
				       id_cmp_queue, (void *)id));
}


static bool excluded(const struct routing_item *item, const struct ragent *a,
		     uint64_t t)
{
	for (struct le *le = item->excl.head; le; le = le->next) {
		const struct excl *e = le->data;

		if (e->until > t && !strcmp(e->agent, a->id))
			return true;
	}

	return false;
}


static struct ragent *best_agent(const struct routing *r,
				 const struct routing_item *item, uint64_t t)
{
	const struct rqueue *q = queue_find(r, item->queue);
	struct ragent *best = NULL;

	if (!q)
		return NULL;

	for (struct le *le = r->freel.head; le; le = le->next) {
		struct ragent *a = le->data;

		if (a->load + item->size > a->capacity)
			continue;
		if (!skills_meet(a, q) || excluded(item, a, t))
			continue;
		if (!best || a->idle_since < best->idle_since)
			best = a;
	}

	return best;
}


static void offer(struct routing *r, struct routing_item *item,
		  struct ragent *a)
{
	list_unlink(&item->le);
	item->state = ITEM_OFFERED;
	item->agent = a;
	a->load += item->size;
	agent_update_free(r, a);
	list_append(&a->items, &item->le_agent, item);
	list_append(&r->pending, &item->le, item);
}


static void match(struct routing *r)
{
	const uint64_t t = now(r);
	struct le *le = r->waiting.head;

	while (le && !list_isempty(&r->freel)) {
		struct routing_item *item = le->data;
		struct ragent *a;

		le = le->next;

		a = best_agent(r, item, t);
		if (a)
			offer(r, item, a);
	}
}


static void flush(struct routing *r)
{
	struct le *le;

	if (r->flushing)
		return;

	r->flushing = true;

	while ((le = r->pending.head)) {
		struct routing_item *item = le->data;

		list_unlink(&item->le);
		if (item->state == ITEM_OFFERED && item->agent)
			r->offerh(item, item->agent->id, r->arg);
	}

	r->flushing = false;
}


static void decide(struct routing *r)
{
	match(r);
	flush(r);
}


/* Releases what the item holds on its agent. */
static void item_release(struct routing_item *item, bool worked)
{
	struct ragent *a = item->agent;

	if (!a)
		return;

	a->load = a->load >= item->size ? a->load - item->size : 0;
	if (worked && !a->load)
		a->idle_since = now(item->r);
	agent_update_free(item->r, a);

	list_unlink(&item->le_agent);
	item->agent = NULL;
}


/* Waiting items are kept oldest first, so an item put back after a
 * decline goes ahead of everything that arrived after it. */
static void waiting_insert(struct routing *r, struct routing_item *item)
{
	struct le *le;

	for (le = r->waiting.tail; le; le = le->prev) {
		const struct routing_item *o = le->data;

		if (o->arrived <= item->arrived)
			break;
	}

	if (le)
		list_insert_after(&r->waiting, le, &item->le, item);
	else
		list_prepend(&r->waiting, &item->le, item);

	item->state = ITEM_WAITING;
}


/* ------------------------------------------------------------------ */

static void agent_destructor(void *arg)
{
	struct ragent *a = arg;
	struct le *le;

	while ((le = a->items.head)) {
		struct routing_item *item = le->data;

		list_unlink(&item->le_agent);
		item->agent = NULL;
	}

	hash_unlink(&a->he);
	list_unlink(&a->le);
	list_unlink(&a->le_free);
	skills_free(a->skills, a->nskills);
	mem_deref(a->id);
}


static void queue_destructor(void *arg)
{
	struct rqueue *q = arg;

	hash_unlink(&q->he);
	skills_free(q->skills, q->nskills);
	mem_deref(q->id);
}


static void routing_destructor(void *arg)
{
	struct routing *r = arg;
	struct le *le;

	/* Items belong to their owners; just forget them. */
	while ((le = r->items.head)) {
		struct routing_item *item = le->data;

		list_unlink(&item->le);
		list_unlink(le);
		item->r = NULL;
	}

	list_flush(&r->agentl);
	hash_flush(r->queues);
	mem_deref(r->agents);
	mem_deref(r->queues);
}


int routing_alloc(struct routing **rp, routing_clock_h *clock,
		  routing_offer_h *offerh, void *arg)
{
	struct routing *r;
	int err;

	if (!rp || !clock || !offerh)
		return EINVAL;

	r = mem_zalloc(sizeof(*r), routing_destructor);
	if (!r)
		return ENOMEM;

	err  = hash_alloc(&r->agents, 256);
	err |= hash_alloc(&r->queues, 64);
	if (err) {
		mem_deref(r);
		return ENOMEM;
	}

	r->clock = clock;
	r->offerh = offerh;
	r->arg = arg;

	*rp = r;
	return 0;
}


int routing_agent_set(struct routing *r, const char *id,
		      const struct routing_skill *skills, size_t nskills,
		      uint32_t capacity)
{
	struct ragent *a;
	struct rskill *s;
	int err;

	if (!r || !id || !capacity)
		return EINVAL;

	err = skills_copy(&s, skills, nskills);
	if (err)
		return err;

	a = agent_find(r, id);
	if (!a) {
		a = mem_zalloc(sizeof(*a), agent_destructor);
		if (!a || str_dup(&a->id, id)) {
			mem_deref(a);
			skills_free(s, nskills);
			return ENOMEM;
		}
		a->idle_since = now(r);
		hash_append(r->agents, hash_joaat_str(id), &a->he, a);
		list_append(&r->agentl, &a->le, a);
	}
	else {
		skills_free(a->skills, a->nskills);
	}

	a->skills = s;
	a->nskills = nskills;
	a->capacity = capacity;
	agent_update_free(r, a);

	decide(r);
	return 0;
}


void routing_agent_remove(struct routing *r, const char *id)
{
	if (!r || !id)
		return;

	mem_deref(agent_find(r, id));
}


void routing_agent_available(struct routing *r, const char *id, bool avail)
{
	struct ragent *a = r ? agent_find(r, id) : NULL;

	if (!a || a->available == avail)
		return;

	a->available = avail;
	if (avail && !a->load)
		a->idle_since = now(r);
	agent_update_free(r, a);

	if (avail)
		decide(r);
}


int routing_queue_set(struct routing *r, const char *id,
		      const struct routing_skill *skills, size_t nskills)
{
	struct rqueue *q;
	struct rskill *s;
	int err;

	if (!r || !id)
		return EINVAL;

	err = skills_copy(&s, skills, nskills);
	if (err)
		return err;

	q = queue_find(r, id);
	if (!q) {
		q = mem_zalloc(sizeof(*q), queue_destructor);
		if (!q || str_dup(&q->id, id)) {
			mem_deref(q);
			skills_free(s, nskills);
			return ENOMEM;
		}
		hash_append(r->queues, hash_joaat_str(id), &q->he, q);
	}
	else {
		skills_free(q->skills, q->nskills);
	}

	q->skills = s;
	q->nskills = nskills;

	decide(r);
	return 0;
}


void routing_queue_remove(struct routing *r, const char *id)
{
	if (!r || !id)
		return;

	mem_deref(queue_find(r, id));
}


static void item_destructor(void *arg)
{
	struct routing_item *item = arg;
	struct routing *r = item->r;
	const bool worked = item->state == ITEM_ACCEPTED;
	const bool freed = item->agent != NULL;

	list_unlink(&item->le);
	list_unlink(&item->le_all);
	if (r)
		item_release(item, worked);
	list_flush(&item->excl);
	mem_deref(item->queue);

	/* capacity came free: someone else may get work */
	if (r && freed)
		decide(r);
}


static void excl_destructor(void *arg)
{
	struct excl *e = arg;

	mem_deref(e->agent);
}


int routing_item_add(struct routing_item **itemp, struct routing *r,
		     const char *queue, uint32_t size, void *owner)
{
	struct routing_item *item;

	if (!itemp || !r || !queue || !size)
		return EINVAL;

	item = mem_zalloc(sizeof(*item), item_destructor);
	if (!item)
		return ENOMEM;

	if (str_dup(&item->queue, queue)) {
		mem_deref(item);
		return ENOMEM;
	}

	item->r = r;
	item->size = size;
	item->owner = owner;
	item->arrived = now(r);
	list_append(&r->items, &item->le_all, item);
	waiting_insert(r, item);

	*itemp = item;

	decide(r);
	return 0;
}


void *routing_item_owner(const struct routing_item *item)
{
	return item ? item->owner : NULL;
}


const char *routing_item_agent(const struct routing_item *item)
{
	return item && item->agent ? item->agent->id : NULL;
}


void routing_offer_accepted(struct routing_item *item)
{
	if (!item || item->state != ITEM_OFFERED)
		return;

	item->state = ITEM_ACCEPTED;
}


void routing_offer_declined(struct routing_item *item, uint64_t block_ms)
{
	struct routing *r;
	struct excl *e;

	if (!item || item->state != ITEM_OFFERED || !item->r)
		return;

	r = item->r;

	if (item->agent && block_ms) {
		e = mem_zalloc(sizeof(*e), excl_destructor);
		if (e && !str_dup(&e->agent, item->agent->id)) {
			e->until = now(r) + block_ms;
			list_append(&item->excl, &e->le, e);
		}
		else {
			mem_deref(e);
		}
	}

	item_release(item, false);
	list_unlink(&item->le);
	waiting_insert(r, item);

	decide(r);
}


uint64_t routing_next_deadline(const struct routing *r)
{
	const uint64_t t = now(r);
	uint64_t next = 0;

	for (struct le *le = r->waiting.head; le; le = le->next) {
		const struct routing_item *item = le->data;

		for (struct le *x = item->excl.head; x; x = x->next) {
			const struct excl *e = x->data;

			if (e->until > t && (!next || e->until < next))
				next = e->until;
		}
	}

	return next;
}


void routing_tick(struct routing *r)
{
	if (r)
		decide(r);
}


uint32_t routing_waiting(const struct routing *r, const char *queue)
{
	uint32_t n = 0;

	for (struct le *le = r->waiting.head; le; le = le->next) {
		const struct routing_item *item = le->data;

		if (!queue || !strcmp(item->queue, queue))
			++n;
	}

	return n;
}


bool routing_agent_load(const struct routing *r, const char *id,
			uint32_t *load, uint32_t *capacity)
{
	const struct ragent *a = agent_find(r, id);

	if (!a)
		return false;

	if (load)
		*load = a->load;
	if (capacity)
		*capacity = a->capacity;

	return true;
}
