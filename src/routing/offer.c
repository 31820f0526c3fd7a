/*
 * offer.c — what happens to an offer: accepted, declined (also timed out
 * or failed) or withdrawn, and giving back the capacity it reserved.
 */
#include <string.h>
#include <re.h>
#include "routing/internal.h"


static void offer_destructor(void *arg)
{
	struct offer *o = arg;

	list_unlink(&o->le_i);
	list_unlink(&o->le_a);
	mem_deref(o->dec);
	mem_deref(o->a);
}


/* Releases the offer's reservation and forgets it; the agent's trees
 * follow. out is recorded in the decision unless one was (accepted). */
void offer_free(struct offer *o, enum outcome out)
{
	struct routing_item *it = o->item;
	struct ragent *a = o->a;

	if (o->dec && it->r)
		explain_outcome(o->dec, o->dec_idx, out, it->r->now);

	a->load = a->load >= it->size ? a->load - it->size : 0;

	mem_ref(a);
	mem_deref(o);
	agent_reindex(a);
	mem_deref(a);
}


int offer_make(struct routing_item *it, struct ragent *a,
	       struct decision *dec, uint32_t idx)
{
	struct offer *o = mem_zalloc(sizeof(*o), offer_destructor);

	if (!o)
		return ENOMEM;

	o->item = it;
	o->a = mem_ref(a);
	o->dec = mem_ref(dec);
	o->dec_idx = idx;
	list_append(&it->offers, &o->le_i, o);
	list_append(&a->offers, &o->le_a, o);

	a->load += it->size;
	agent_reindex(a);

	return 0;
}


static struct offer *offer_find(const struct routing_item *it,
				const char *agent)
{
	struct le *le;

	LIST_FOREACH(&it->offers, le) {
		struct offer *o = le->data;

		if (!strcmp(o->a->id, agent))
			return o;
	}

	return NULL;
}


/* No offer left and nobody took it: it waits again, in its old place. */
static void item_back(struct routing_item *it)
{
	if (it->state != ROUTING_ITEM_OFFERED || !list_isempty(&it->offers))
		return;

	it->state = ROUTING_ITEM_WAITING;
	it->trg = TRG_RETURNED;
	item_restage(it);
	item_place(it);
	decide_item(it, it->trg);
}


int routing_offer_accepted(struct routing_item *item, const char *agent)
{
	struct routing *r;
	struct offer *o;
	struct ragent *a;

	if (!item || !agent)
		return EINVAL;

	r = item->r;
	o = r ? offer_find(item, agent) : NULL;
	if (!o)
		return ENOENT;

	if (item->state == ROUTING_ITEM_ACCEPTED)
		return EALREADY;

	engine_enter(r);

	a = o->a;
	o->accepted = true;
	o->accepted_at = r->now;
	item->state = ROUTING_ITEM_ACCEPTED;

	agent_day(a, r->day);
	++a->accepted;
	a->idle_since = r->now;    /* busy from now: idle counts anew */

	stats_count(item->q, r->now, ST_ANSWERED);
	if (r->now - item->entered <= item->q->sl_s * 1000ull)
		stats_count(item->q, r->now, ST_IN_SL);

	if (o->dec)
		explain_outcome(o->dec, o->dec_idx, OUT_ACCEPTED, r->now);

	agent_reindex(a);
	engine_flush(r);

	return 0;
}


static void block_add(struct routing_item *it, const char *agent,
		      uint64_t until)
{
	const size_t len = strlen(agent);
	struct block *b;
	struct le *le;

	LIST_FOREACH(&it->blocks, le) {
		b = le->data;

		if (!strcmp(b->agent, agent)) {
			b->until = MAX(b->until, until);
			return;
		}
	}

	/* out of memory: the agent may be offered the item again sooner */
	b = mem_zalloc(sizeof(*b) + len + 1, NULL);
	if (!b)
		return;

	memcpy(b->agent, agent, len + 1);
	b->until = until;
	list_append(&it->blocks, &b->le, b);
}


int routing_offer_declined(struct routing_item *item, const char *agent,
			   enum routing_refusal why)
{
	static const enum outcome outs[] = {
		[ROUTING_DECLINED] = OUT_DECLINED,
		[ROUTING_TIMEOUT]  = OUT_TIMEOUT,
		[ROUTING_FAILED]   = OUT_FAILED,
	};
	struct routing *r;
	struct rqueue *q;
	struct offer *o;
	struct ragent *a;

	if (!item || !agent || (unsigned)why > ROUTING_FAILED)
		return EINVAL;

	r = item->r;
	o = r ? offer_find(item, agent) : NULL;
	if (!o)
		return ENOENT;

	if (o->accepted)
		return EALREADY;

	engine_enter(r);

	q = item->q;
	a = mem_ref(o->a);
	offer_free(o, outs[why]);

	/* Even with no block the same agent is not offered the item again
	 * within the same millisecond, nor within a second of a failure:
	 * an owner that refuses from inside the offer handler (a phone that
	 * cannot be called) would otherwise be offered it forever. */
	if (item->state != ROUTING_ITEM_ACCEPTED) {
		const uint64_t least = why == ROUTING_FAILED ? 1000 : 1;

		block_add(item, a->id,
			  r->now + MAX(q->block_s * 1000ull, least));
	}

	/* a phone nobody answers: stop offering it more work */
	if (why == ROUTING_TIMEOUT && a->r && q->missed_status) {
		struct rstatus *st = status_find(r, q->missed_status);

		if (st && st != a->status)
			agent_change_status(a, st);
	}

	item_back(item);

	if (a->r)
		agent_serve(a, TRG_AGENT);
	mem_deref(a);

	engine_flush(r);
	return 0;
}


int routing_offer_withdrawn(struct routing_item *item, const char *agent)
{
	struct routing *r;
	struct offer *o;
	struct ragent *a;

	if (!item || !agent)
		return EINVAL;

	r = item->r;
	o = r ? offer_find(item, agent) : NULL;
	if (!o)
		return ENOENT;

	engine_enter(r);

	a = mem_ref(o->a);
	if (o->accepted) {
		agent_day(a, r->day);
		a->talk_ms += r->now - o->accepted_at;
		a->idle_since = r->now;
	}

	offer_free(o, OUT_WITHDRAWN);
	item_back(item);

	if (a->r)
		agent_serve(a, TRG_AGENT);
	mem_deref(a);

	engine_flush(r);
	return 0;
}
