/*
 * routing.c — the engine object: its life, the clock, deadlines, random
 * numbers, and announcing offers.
 *
 * Every public call that changes something starts with engine_enter (read
 * the clock, apply every deadline that is due) and ends with engine_flush
 * (announce the offers it made). flush is not re-entered: offers made by
 * calls from inside the offer handler join the queue it is working
 * through. See internal.h for the design.
 */
#include <string.h>
#include <re.h>
#include "routing/internal.h"


int vec_grow(void **v, size_t *cap, size_t need, size_t elem)
{
	size_t n = *cap ? *cap : 16;
	void *p;

	if (need <= *cap)
		return 0;

	while (n < need)
		n *= 2;

	/* libre's mem_realloc wants an existing block */
	p = *v ? mem_realloc(*v, n * elem) : mem_alloc(n * elem, NULL);
	if (!p)
		return ENOMEM;

	*v = p;
	*cap = n;
	return 0;
}


static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}


/* xoshiro256** (Blackman and Vigna) */
static uint64_t rng_next(struct routing *r)
{
	uint64_t *s = r->rng;
	const uint64_t res = rotl(s[1] * 5, 7) * 9;
	const uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);

	return res;
}


/* Uniform in [0, n), without modulo bias. */
uint64_t rng_below(struct routing *r, uint64_t n)
{
	const uint64_t limit = n ? -n % n : 0;
	uint64_t x;

	if (n <= 1)
		return 0;

	do {
		x = rng_next(r);
	} while (x < limit);

	return x % n;
}


static uint64_t splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;

	return z ^ (z >> 31);
}


void routing_seed(struct routing *r, uint64_t seed)
{
	if (!r)
		return;

	for (int i = 0; i < 4; i++)
		r->rng[i] = splitmix(&seed);
}


/* Treap priorities: their own generator, so that the strategies' draws
 * depend only on the seed and the draws made. */
uint32_t hp_next(struct routing *r)
{
	uint64_t x = r->hprng;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	r->hprng = x;

	return (uint32_t)(x >> 32);
}


/* Fewest-calls and least-talk-time order by today's counters: at the
 * first call of a new UTC day every agent's count is zero again. */
static void new_day(struct routing *r, uint64_t day)
{
	struct le *le;

	r->day = day;

	LIST_FOREACH(&r->queuel, le) {
		struct rqueue *q = le->data;

		if (q->strategy == ROUTING_FEWEST_CALLS ||
		    q->strategy == ROUTING_LEAST_TALK_TIME)
			queue_rekey(q);
	}
}


/* Every deadline that is due: stages, overflows, blocks that end. */
static void advance(struct routing *r)
{
	struct routing_item *it;
	size_t n = 0;

	if (r->now / DAY_MS != r->day)
		new_day(r, r->now / DAY_MS);

	while ((it = heap_top(r)) && it->deadline <= r->now) {
		item_unplace(it);
		it->trg = TRG_NONE;
		item_restage(it);
		item_place(it);

		if (vec_grow((void **)&r->due, &r->capdue, n + 1,
			     sizeof(*r->due))) {
			decide_item(it, it->trg);   /* unsorted, but decided */
			continue;
		}

		r->due[n++] = it;
	}

	decide_batch(r, r->due, n);
}


void engine_enter(struct routing *r)
{
	r->now = r->clock(r->arg);
	advance(r);
}


void engine_flush(struct routing *r)
{
	struct le *le;

	if (r->flushing)
		return;

	r->flushing = true;
	mem_ref(r);                /* the handler may let go of the engine */

	while ((le = r->pending.head) && !r->dying) {
		struct routing_item *it = le->data;
		size_t n = 0;
		struct le *ol;

		list_unlink(le);

		LIST_FOREACH(&it->offers, ol) {
			struct offer *o = ol->data;

			if (o->announced || o->accepted)
				continue;

			if (vec_grow((void **)&r->deliver, &r->capdeliver,
				     n + 1, sizeof(*r->deliver)) ||
			    vec_grow((void **)&r->deliver_a, &r->capdeliver_a,
				     n + 1, sizeof(*r->deliver_a)))
				break;

			o->announced = true;
			r->deliver_a[n] = mem_ref(o->a);
			r->deliver[n++] = o->a->id;
		}

		if (n)
			r->offerh(it, r->deliver, n, r->arg);

		/* the ids stayed valid through the handler */
		for (size_t i = 0; i < n; i++)
			mem_deref(r->deliver_a[i]);
	}

	r->flushing = false;
	mem_deref(r);
}


static void routing_destructor(void *arg)
{
	struct routing *r = arg;
	struct le *le;

	r->dying = true;
	r->flushing = true;

	/* items belong to their owners: they forget the engine */
	while ((le = r->items.head)) {
		struct routing_item *it = le->data;

		list_unlink(&it->le);
		list_unlink(&it->le_pend);
		item_unplace(it);

		while (it->offers.head)
			offer_free(it->offers.head->data, OUT_ENDED);

		it->r = NULL;
		it->cls = mem_deref(it->cls);
	}

	while ((le = r->agentl.head)) {
		struct ragent *a = le->data;

		agent_detach(a);
		mem_deref(a);
	}

	while ((le = r->queuel.head)) {
		struct rqueue *q = le->data;

		q->removed = true;
		list_unlink(&q->le);
		hash_unlink(&q->he);
		mem_deref(q);
	}

	hash_flush(r->statuses);
	mem_deref(r->statuses);
	mem_deref(r->agents);
	mem_deref(r->queues);
	mem_deref(r->xmembers);
	mem_deref(r->sk);
	mem_deref(r->heap);
	mem_deref(r->xb.chosen);
	mem_deref(r->deliver);
	mem_deref(r->deliver_a);
	mem_deref(r->due);
	mem_deref(r->freed);
	mem_deref(r->mv);
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

	r->clock = clock;
	r->offerh = offerh;
	r->arg = arg;
	r->now = clock(arg);
	r->day = r->now / DAY_MS;
	r->hprng = 0x2545f4914f6cdd1dull;
	routing_seed(r, rand_u64());

	err  = hash_alloc(&r->statuses, 16);
	err |= hash_alloc(&r->agents, 4096);
	err |= hash_alloc(&r->queues, 64);
	err |= hash_alloc(&r->xmembers, 256);
	err |= skilltab_alloc(&r->sk);
	if (err) {
		err = ENOMEM;
		goto out;
	}

	err = status_defaults(r);

 out:
	if (err)
		mem_deref(r);
	else
		*rp = r;

	return err;
}


uint64_t routing_next_deadline(const struct routing *r)
{
	const struct routing_item *it = r ? heap_top(r) : NULL;

	return it ? it->deadline : 0;
}


void routing_tick(struct routing *r)
{
	if (!r)
		return;

	engine_enter(r);
	engine_flush(r);
}
