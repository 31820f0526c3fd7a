/*
 * decide.c — the two kinds of decision.
 *
 * decide_item: an item is waiting and something changed for it. Its
 * possible agents are the members in the agent trees of its queue's
 * stages 0..its stage; a walk merges those trees in the strategy's key
 * order (round-robin starts after the last agent and wraps). Members
 * without room for the item are pruned by the trees' free-capacity
 * aggregate once a few have been listed as skipped; recently declined
 * agents and agents without an item-level skill are skipped in order.
 *
 * agent_serve: an agent can take more work. For each of its queues, each
 * item class whose extra skills it has and each stage from its own first
 * one, the head of that item tree (the best there, no clock needed) is a
 * candidate; the best by effective priority now, then arrival, wins.
 */
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include "routing/internal.h"

#define RANDOM_TRIES 16

struct cursor {
	struct tree *t;
	struct tnode *cur;
	const struct tnode *after;
};

struct walk {
	struct cursor c[STAGES_MAX];
	unsigned n;
	uint32_t need;
	uint64_t mask;                 /* skills every member must have */
	const struct tnode *probe;     /* round-robin: resume after it */
	bool wrapped;
};


static struct member *node_member(struct tnode *n)
{
	return OWNER_OF(n, struct member, node);
}


static struct routing_item *node_item(struct tnode *n)
{
	return OWNER_OF(n, struct routing_item, node);
}


static void walk_seek(struct walk *w)
{
	for (unsigned i = 0; i < w->n; i++)
		w->c[i].cur = tree_first_with(w->c[i].t, w->c[i].after,
					      w->need, w->mask);
}


static void walk_init(struct walk *w, struct rqueue *q, uint16_t upto,
		      uint32_t need, uint64_t mask, const struct tnode *probe)
{
	w->n = 0;
	w->need = need;
	w->mask = mask;
	w->probe = probe;
	w->wrapped = false;

	for (uint16_t s = 0; s <= upto && s < q->nstages; s++) {
		struct tree *t = &q->stages[s].agents;

		if (!t->root)
			continue;

		w->c[w->n].t = t;
		w->c[w->n].after = probe;
		++w->n;
	}

	walk_seek(w);
}


/* The next member in key order over all the walk's trees. */
static struct member *walk_next(struct walk *w)
{
	for (;;) {
		struct cursor *best = NULL;
		struct tnode *n;

		for (unsigned i = 0; i < w->n; i++) {
			struct cursor *c = &w->c[i];

			if (c->cur &&
			    (!best || tnode_cmp(c->cur, best->cur) < 0))
				best = c;
		}

		if (best) {
			n = best->cur;

			/* the second round ends where the first began */
			if (w->wrapped && tnode_cmp(n, w->probe) > 0)
				return NULL;

			best->after = n;
			best->cur = tree_first_with(best->t, n, w->need,
						    w->mask);
			return node_member(n);
		}

		if (!w->probe || w->wrapped)
			return NULL;

		w->wrapped = true;
		for (unsigned i = 0; i < w->n; i++)
			w->c[i].after = NULL;
		walk_seek(w);
	}
}


static void walk_need(struct walk *w, uint32_t need)
{
	w->need = need;
	walk_seek(w);
}


/* Why this agent, in its tree, may still not get this item. */
static uint8_t ineligible(const struct routing_item *it,
			  const struct ragent *a, uint64_t now)
{
	const struct iclass *c = it->cls;

	if (agent_free(a) < it->size)
		return WHY_NOROOM;
	if (item_blocked(it, a, now))
		return WHY_BLOCKED;
	if (c->nextra && reqs_unmet(a->skills, a->nskills, c->extra,
				    c->nextra))
		return WHY_ITEMSKILL;

	return 0;
}


/* Skips an ineligible member; after LIST_SKIPPED members without room the
 * walk prunes the rest of them by the trees' free-capacity aggregate. */
static void skip(struct routing *r, struct walk *w, struct routing_item *it,
		 const struct member *m, uint8_t why, uint32_t *noroom)
{
	xb_skipped(r, it, m, why);

	if (why == WHY_NOROOM && ++*noroom == LIST_SKIPPED)
		walk_need(w, it->size);
}


/* First in key order (all strategies but ring-all and the random ones). */
static void pick_ordered(struct routing *r, struct routing_item *it)
{
	struct rqueue *q = it->q;
	const bool rr = q->strategy == ROUTING_ROUND_ROBIN && q->rr_set;
	struct walk w;
	struct member *m;
	uint32_t noroom = 0;

	r->xb.rr_set = rr;
	r->xb.rr_after = (uint32_t)q->rr.ka;

	walk_init(&w, q, it->stage, 1, it->cls->mask, rr ? &q->rr : NULL);

	while ((m = walk_next(&w))) {
		const uint8_t why = ineligible(it, m->a, r->now);

		if (why) {
			skip(r, &w, it, m, why, &noroom);
			continue;
		}

		if (!r->xb.nchosen && xb_chosen(r, m, 0, 0))
			return;

		xb_candidate(r, m, 0, 0);
		if (r->xb.ncand >= LIST_CANDIDATES)
			break;
	}
}


/* Every qualified free agent at once. */
static void pick_all(struct routing *r, struct routing_item *it)
{
	struct walk w;
	struct member *m;
	uint32_t noroom = 0;

	walk_init(&w, it->q, it->stage, 1, it->cls->mask, NULL);

	while ((m = walk_next(&w))) {
		const uint8_t why = ineligible(it, m->a, r->now);

		if (why) {
			skip(r, &w, it, m, why, &noroom);
			continue;
		}

		if (xb_chosen(r, m, 0, 0))
			return;
		xb_candidate(r, m, 0, 0);
	}
}


/* Draws one member of the stages 0..upto by count or by weight. */
static struct member *draw(struct routing *r, struct rqueue *q,
			   uint16_t upto, bool weighted, uint64_t total,
			   uint64_t *pick)
{
	uint64_t x = rng_below(r, total);

	*pick = x;

	for (uint16_t s = 0; s <= upto && s < q->nstages; s++) {
		const struct tree *t = &q->stages[s].agents;
		const uint64_t part = weighted ? tree_weight(t) : tree_count(t);

		if (x < part) {
			struct tnode *n = weighted ? tree_at_weight(t, x) :
				tree_at(t, (uint32_t)x);

			return n ? node_member(n) : NULL;
		}

		x -= part;
	}

	return NULL;
}


/*
 * Random and weighted-random: draw from all members of the allowed
 * stages and redraw when the one drawn cannot take the item; that is
 * exactly uniform (or weight-proportional) over those that can. After
 * RANDOM_TRIES misses the ones that can are listed and one of them drawn.
 */
static void pick_random(struct routing *r, struct routing_item *it)
{
	struct rqueue *q = it->q;
	const bool weighted = q->strategy == ROUTING_WEIGHTED_RANDOM;
	struct walk w;
	uint64_t total = 0, pick, sum = 0;
	struct member *m;
	size_t n = 0;

	for (uint16_t s = 0; s <= it->stage && s < q->nstages; s++) {
		const struct tree *t = &q->stages[s].agents;

		total += weighted ? tree_weight(t) : tree_count(t);
	}

	if (!total)
		return;

	for (int i = 0; i < RANDOM_TRIES; i++) {
		uint8_t why;

		m = draw(r, q, it->stage, weighted, total, &pick);
		if (!m)
			break;

		why = ineligible(it, m->a, r->now);
		if (why) {
			xb_skipped(r, it, m, why);
			continue;
		}

		if (!xb_chosen(r, m, weighted ? m->weight : pick + 1, total))
			xb_candidate(r, m, weighted ? m->weight : pick + 1,
				     total);
		return;
	}

	walk_init(&w, q, it->stage, it->size, it->cls->mask, NULL);
	while ((m = walk_next(&w))) {
		if (ineligible(it, m->a, r->now))
			continue;

		if (vec_grow((void **)&r->mv, &r->capmv, n + 1,
			     sizeof(*r->mv)))
			break;

		r->mv[n++] = m;
		sum += weighted ? m->weight : 1;
	}

	if (!n)
		return;

	pick = rng_below(r, sum);
	for (size_t i = 0; i < n; i++) {
		const uint64_t part = weighted ? r->mv[i]->weight : 1;

		if (pick < part) {
			m = r->mv[i];
			if (!xb_chosen(r, m, weighted ? m->weight : i + 1, sum))
				xb_candidate(r, m, weighted ? m->weight : i + 1,
					     sum);
			return;
		}

		pick -= part;
	}
}


/* The chosen agents of r->xb get their offers; the item is announced by
 * the next flush. */
static void offer_chosen(struct routing *r, struct routing_item *it,
			 struct decision *dec)
{
	struct rqueue *q = it->q;

	item_unplace(it);
	it->state = ROUTING_ITEM_OFFERED;

	for (size_t i = 0; i < r->xb.nchosen; i++)
		(void)offer_make(it, r->xb.chosen[i].c.a, dec, (uint32_t)i);

	/* out of memory for every offer: wait as before */
	if (list_isempty(&it->offers)) {
		it->state = ROUTING_ITEM_WAITING;
		item_place(it);
		return;
	}

	if (q->strategy == ROUTING_ROUND_ROBIN) {
		const struct ragent *a = r->xb.chosen[0].c.a;
		char *id = NULL;

		if (!str_dup(&id, a->id)) {
			mem_deref(q->rr_id);
			q->rr_id = id;
			q->rr.ka = r->xb.chosen[0].c.ka;
			q->rr.kb = 0;
			q->rr.kc = id_prefix(id);
			q->rr.kid = id;
			q->rr_set = true;
		}
	}

	if (!list_contains(&r->pending, &it->le_pend))
		list_append(&r->pending, &it->le_pend, it);
}


void decide_item(struct routing_item *it, enum trigger trg)
{
	struct routing *r = it->r;
	struct rqueue *q = it->q;
	struct decision *dec;

	it->trg = TRG_NONE;
	if (!r || q->removed || it->state != ROUTING_ITEM_WAITING)
		return;

	xb_begin(r, it, trg, false);

	switch (q->strategy) {

	case ROUTING_RING_ALL:
		pick_all(r, it);
		break;

	case ROUTING_RANDOM:
	case ROUTING_WEIGHTED_RANDOM:
		pick_random(r, it);
		break;

	default:
		pick_ordered(r, it);
		break;
	}

	dec = xb_commit(r, it);
	if (r->xb.nchosen)
		offer_chosen(r, it, dec);
}


struct sortent {
	double eff;
	uint64_t arrival, seq;
	struct routing_item *it;
};


static int sortent_cmp(const void *a, const void *b)
{
	const struct sortent *x = a, *y = b;

	if (x->eff != y->eff)
		return x->eff > y->eff ? -1 : 1;
	if (x->arrival != y->arrival)
		return x->arrival < y->arrival ? -1 : 1;

	return x->seq < y->seq ? -1 : x->seq > y->seq;
}


/* Items that became decidable together go best first, so a better item
 * is not beaten to an agent by a worse one decided before it. */
void decide_batch(struct routing *r, struct routing_item **v, size_t n)
{
	struct sortent *s;

	if (!n)
		return;

	s = n > 1 ? mem_alloc(n * sizeof(*s), NULL) : NULL;
	if (s) {
		for (size_t i = 0; i < n; i++) {
			s[i].eff = item_eff(v[i], r->now);
			s[i].arrival = v[i]->arrival;
			s[i].seq = v[i]->seq;
			s[i].it = v[i];
		}

		qsort(s, n, sizeof(*s), sortent_cmp);
		for (size_t i = 0; i < n; i++)
			v[i] = s[i].it;
		mem_deref(s);
	}

	for (size_t i = 0; i < n; i++) {
		struct routing_item *it = v[i];

		if (it->trg != TRG_NONE)
			decide_item(it, it->trg);
	}
}


/* The best waiting item the agent may take now, through which member. */
static struct routing_item *best_item(struct ragent *a, struct member **mp)
{
	const uint64_t now = a->r->now;
	const uint32_t room = agent_free(a);
	struct routing_item *best = NULL;
	struct le *le, *cl;

	LIST_FOREACH(&a->members, le) {
		struct member *m = le->data;
		struct rqueue *q = m->q;

		if (!q || q->removed || m->stage == STAGE_NONE)
			continue;

		LIST_FOREACH(&q->classes, cl) {
			struct iclass *c = cl->data;

			if (c->nextra && reqs_unmet(a->skills, a->nskills,
						    c->extra, c->nextra))
				continue;

			for (uint16_t s = m->stage; s < q->nstages; s++) {
				struct tree *t = &c->items[s];
				struct tnode *n;

				if (!t->root)
					continue;

				n = tree_first(t, NULL, room);
				while (n && item_blocked(node_item(n), a, now))
					n = tree_first(t, n, room);

				if (n && item_better(node_item(n), best, now)) {
					best = node_item(n);
					*mp = m;
				}
			}
		}
	}

	return best;
}


void agent_serve(struct ragent *a, enum trigger trg)
{
	struct routing *r = a->r;

	while (a->r && agent_routable(a) && agent_free(a) > 0) {
		struct member *m = NULL;
		struct routing_item *it = best_item(a, &m);
		struct decision *dec;

		if (!it)
			return;

		/* ring-all rings everyone who qualifies, this agent too */
		if (it->q->strategy == ROUTING_RING_ALL) {
			decide_item(it, trg);
			if (it->state == ROUTING_ITEM_WAITING)
				return;
			continue;
		}

		xb_begin(r, it, trg, true);
		if (xb_chosen(r, m, 0, 0))
			return;
		xb_candidate(r, m, 0, 0);
		dec = xb_commit(r, it);
		offer_chosen(r, it, dec);

		if (it->state == ROUTING_ITEM_WAITING)
			return;
	}
}


/* After a queue changed: its free members, in the strategy's order, look
 * for work. */
void serve_members(struct rqueue *q)
{
	struct walk w;
	struct ragent **v = NULL;
	size_t n = 0, cap = 0;
	struct member *m;

	if (q->removed || !q->nstages)
		return;

	walk_init(&w, q, (uint16_t)(q->nstages - 1), 1, 0, NULL);
	while ((m = walk_next(&w))) {
		if (vec_grow((void **)&v, &cap, n + 1, sizeof(*v)))
			break;
		v[n++] = mem_ref(m->a);
	}

	for (size_t i = 0; i < n; i++) {
		if (v[i]->r)
			agent_serve(v[i], TRG_CONFIG);
		mem_deref(v[i]);
	}

	mem_deref(v);
}
