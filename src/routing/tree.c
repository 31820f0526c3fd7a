/*
 * tree.c — an intrusive treap (a binary search tree kept balanced in
 * expectation by random heap priorities) with three aggregates per
 * subtree: the node count (pick the i-th node), the weight sum (pick by
 * weight) and the largest or smallest val (skip whole subtrees without an
 * agent with enough free capacity, or without an item small enough).
 *
 * Agent nodes also carry a bit per skill the agent has (skill id modulo
 * 64) and subtrees their union, so a walk for an item that needs an extra
 * skill skips whole subtrees of agents without it instead of visiting
 * them one by one.
 *
 * Insert and remove are recursive split/merge: no parent pointers, and
 * every node on the path gets its aggregates recomputed on the way back.
 * Keys are unique (the last component is an id or a sequence number), so
 * a node is found again by its key.
 */
#include <string.h>
#include <re.h>
#include "routing/internal.h"


/* The first 8 bytes of an id, big-endian: ordered as strcmp orders. */
uint64_t id_prefix(const char *id)
{
	uint64_t k = 0;
	int i;

	for (i = 0; i < 8 && id[i]; i++)
		k = k << 8 | (uint8_t)id[i];

	return k << (8 * (8 - i));
}


int tnode_cmp(const struct tnode *a, const struct tnode *b)
{
	if (a->ka != b->ka)
		return a->ka < b->ka ? -1 : 1;
	if (a->kb != b->kb)
		return a->kb < b->kb ? -1 : 1;
	if (a->kc != b->kc)
		return a->kc < b->kc ? -1 : 1;
	if (a->kid && b->kid)
		return strcmp(a->kid, b->kid);

	return 0;
}


void tnode_init(struct tnode *n, uint32_t hp, bool minagg)
{
	memset(n, 0, sizeof(*n));
	n->hp = hp;
	n->minagg = minagg;
	n->weight = 1;
}


static inline bool passes(const struct tnode *n, uint32_t v, uint32_t bound)
{
	return n->minagg ? v <= bound : v >= bound;
}


static void pull(struct tnode *n)
{
	n->size = 1;
	n->wsum = n->weight;
	n->agg = n->val;
	n->magg = n->mask;

	if (n->l) {
		n->size += n->l->size;
		n->wsum += n->l->wsum;
		n->magg |= n->l->magg;
		if (n->minagg ? n->l->agg < n->agg : n->l->agg > n->agg)
			n->agg = n->l->agg;
	}

	if (n->r) {
		n->size += n->r->size;
		n->wsum += n->r->wsum;
		n->magg |= n->r->magg;
		if (n->minagg ? n->r->agg < n->agg : n->r->agg > n->agg)
			n->agg = n->r->agg;
	}
}


/* Splits t into the nodes before k and the nodes after it. */
static void split(struct tnode *t, const struct tnode *k, struct tnode **l,
		  struct tnode **r)
{
	if (!t) {
		*l = *r = NULL;
		return;
	}

	if (tnode_cmp(t, k) < 0) {
		split(t->r, k, &t->r, r);
		*l = t;
	}
	else {
		split(t->l, k, l, &t->l);
		*r = t;
	}

	pull(t);
}


static struct tnode *merge(struct tnode *a, struct tnode *b)
{
	if (!a)
		return b;
	if (!b)
		return a;

	if (a->hp > b->hp) {
		a->r = merge(a->r, b);
		pull(a);
		return a;
	}

	b->l = merge(a, b->l);
	pull(b);
	return b;
}


static struct tnode *insert(struct tnode *t, struct tnode *n)
{
	if (!t)
		return n;

	if (n->hp > t->hp) {
		split(t, n, &n->l, &n->r);
		pull(n);
		return n;
	}

	if (tnode_cmp(n, t) < 0)
		t->l = insert(t->l, n);
	else
		t->r = insert(t->r, n);

	pull(t);
	return t;
}


static struct tnode *erase(struct tnode *t, struct tnode *n)
{
	if (!t)
		return NULL;

	if (t == n)
		return merge(t->l, t->r);

	if (tnode_cmp(n, t) < 0)
		t->l = erase(t->l, n);
	else
		t->r = erase(t->r, n);

	pull(t);
	return t;
}


static void refresh(struct tnode *t, struct tnode *n)
{
	if (!t)
		return;

	if (t != n) {
		if (tnode_cmp(n, t) < 0)
			refresh(t->l, n);
		else
			refresh(t->r, n);
	}

	pull(t);
}


static struct tnode *leftmost(struct tnode *t)
{
	while (t && t->l)
		t = t->l;

	return t;
}


void tree_insert(struct tree *t, struct tnode *n)
{
	n->l = n->r = NULL;
	pull(n);
	t->root = insert(t->root, n);

	if (!t->first || tnode_cmp(n, t->first) < 0)
		t->first = n;
}


void tree_remove(struct tree *t, struct tnode *n)
{
	t->root = erase(t->root, n);
	n->l = n->r = NULL;

	if (t->first == n)
		t->first = leftmost(t->root);
}


/* n's val or weight changed, not its key. */
void tree_refresh(struct tree *t, struct tnode *n)
{
	refresh(t->root, n);
}


static struct tnode *first(struct tnode *t, const struct tnode *after,
			   uint32_t bound, uint64_t mask)
{
	struct tnode *x;

	while (t) {
		if (!passes(t, t->agg, bound) || (t->magg & mask) != mask)
			return NULL;

		if (after && tnode_cmp(t, after) <= 0) {
			t = t->r;
			continue;
		}

		x = first(t->l, after, bound, mask);
		if (x)
			return x;

		if (passes(t, t->val, bound) && (t->mask & mask) == mask)
			return t;

		/* everything to the right is after "after" */
		t = t->r;
		after = NULL;
	}

	return NULL;
}


/* The first node after "after" (NULL: from the start) whose val passes
 * bound (val >= bound in max trees, val <= bound in min trees) and whose
 * mask has every bit of mask. */
struct tnode *tree_first_with(const struct tree *t, const struct tnode *after,
			      uint32_t bound, uint64_t mask)
{
	const struct tnode *f = t->first;

	if (!after && f && passes(f, f->val, bound) &&
	    (f->mask & mask) == mask)
		return t->first;

	return first(t->root, after, bound, mask);
}


struct tnode *tree_first(const struct tree *t, const struct tnode *after,
			 uint32_t bound)
{
	return tree_first_with(t, after, bound, 0);
}


/* The i-th node in order, 0-based. */
struct tnode *tree_at(const struct tree *t, uint32_t i)
{
	struct tnode *n = t->root;

	while (n) {
		const uint32_t left = n->l ? n->l->size : 0;

		if (i < left) {
			n = n->l;
		}
		else if (i == left) {
			return n;
		}
		else {
			i -= left + 1;
			n = n->r;
		}
	}

	return NULL;
}


/* The node whose share of the weight line [0, wsum) holds w. */
struct tnode *tree_at_weight(const struct tree *t, uint64_t w)
{
	struct tnode *n = t->root;

	while (n) {
		const uint64_t left = n->l ? n->l->wsum : 0;

		if (w < left) {
			n = n->l;
		}
		else if (w < left + n->weight) {
			return n;
		}
		else {
			w -= left + n->weight;
			n = n->r;
		}
	}

	return NULL;
}
