/*
 * heap.c — waiting items by their next deadline (a stage, an overflow, a
 * decline block ending): a binary min-heap of item pointers; each item
 * knows its slot, so a deadline moves or goes in O(log n).
 */
#include <re.h>
#include "routing/internal.h"


static void put(struct routing *r, size_t i, struct routing_item *it)
{
	r->heap[i] = it;
	it->heapi = i + 1;
}


static void up(struct routing *r, size_t i)
{
	struct routing_item *it = r->heap[i];

	while (i) {
		const size_t p = (i - 1) / 2;

		if (r->heap[p]->deadline <= it->deadline)
			break;

		put(r, i, r->heap[p]);
		i = p;
	}

	put(r, i, it);
}


static void down(struct routing *r, size_t i)
{
	struct routing_item *it = r->heap[i];

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= r->nheap)
			break;
		if (c + 1 < r->nheap &&
		    r->heap[c + 1]->deadline < r->heap[c]->deadline)
			++c;
		if (it->deadline <= r->heap[c]->deadline)
			break;

		put(r, i, r->heap[c]);
		i = c;
	}

	put(r, i, it);
}


static void take(struct routing *r, struct routing_item *it)
{
	const size_t i = it->heapi - 1;
	struct routing_item *last = r->heap[--r->nheap];

	it->heapi = 0;
	if (last == it)
		return;

	put(r, i, last);
	up(r, i);
	down(r, last->heapi - 1);
}


/* when 0 takes the item out. Growth can fail (out of memory) only for a
 * new entry; the item then misses that deadline until it is placed
 * again. */
void heap_set(struct routing *r, struct routing_item *it, uint64_t when)
{
	if (it->heapi)
		take(r, it);

	it->deadline = when;
	if (!when)
		return;

	if (vec_grow((void **)&r->heap, &r->capheap, r->nheap + 1,
		     sizeof(*r->heap)))
		return;

	put(r, r->nheap++, it);
	up(r, it->heapi - 1);
}


struct routing_item *heap_top(const struct routing *r)
{
	return r->nheap ? r->heap[0] : NULL;
}
