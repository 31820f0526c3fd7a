/*
 * skill.c — skill names as small ids, and sorted requirement arrays.
 *
 * Every comparison of an agent's skills with a queue's or an item's
 * needs is a merge of two short arrays sorted by id: no string compares
 * on the decision path. Ids are never reused (a name stays interned for
 * the engine's life), so a decision's record can print them later.
 */
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include "routing/internal.h"

struct skname {
	struct le he;
	uint16_t id;
	char name[];
};


static void skilltab_destructor(void *arg)
{
	struct skilltab *t = arg;

	hash_flush(t->h);
	mem_deref(t->h);
	mem_deref(t->names);
}


int skilltab_alloc(struct skilltab **tp)
{
	struct skilltab *t = mem_zalloc(sizeof(*t), skilltab_destructor);

	if (!t || hash_alloc(&t->h, 256)) {
		mem_deref(t);
		return ENOMEM;
	}

	*tp = t;
	return 0;
}


static bool name_cmp(struct le *le, void *arg)
{
	const struct skname *s = le->data;

	return !strcmp(s->name, arg);
}


int skill_intern(struct skilltab *t, const char *name, uint16_t *id)
{
	const uint32_t h = hash_joaat_str(name);
	struct skname *s;
	size_t len;

	s = list_ledata(hash_lookup(t->h, h, name_cmp, (void *)name));
	if (s) {
		*id = s->id;
		return 0;
	}

	if (t->n >= UINT16_MAX)
		return ENOSPC;

	if (t->n == t->cap) {
		size_t cap = t->cap;

		if (vec_grow((void **)&t->names, &cap, t->n + 1,
			     sizeof(*t->names)))
			return ENOMEM;
		t->cap = (uint32_t)cap;
	}

	len = strlen(name);
	s = mem_zalloc(sizeof(*s) + len + 1, NULL);
	if (!s)
		return ENOMEM;

	memcpy(s->name, name, len + 1);
	s->id = (uint16_t)t->n;
	t->names[t->n++] = s->name;
	hash_append(t->h, h, &s->he, s);

	*id = s->id;
	return 0;
}


const char *skill_name(const struct skilltab *t, uint16_t id)
{
	return id < t->n ? t->names[id] : "?";
}


static int req_cmp(const void *a, const void *b)
{
	const struct req *x = a, *y = b;

	return (int)x->skill - (int)y->skill;
}


/* Levels 1..10, each name once: EINVAL otherwise. *out is NULL for none. */
int reqs_from(struct skilltab *t, struct req **out, uint16_t *n,
	      const struct routing_skill *in, size_t nin)
{
	struct req *v;
	int err = 0;

	*out = NULL;
	*n = 0;
	if (!nin)
		return 0;

	if (!in || nin > 255)
		return EINVAL;

	v = mem_zalloc(nin * sizeof(*v), NULL);
	if (!v)
		return ENOMEM;

	for (size_t i = 0; i < nin; i++) {
		if (!in[i].name || !in[i].name[0] || in[i].level < 1 ||
		    in[i].level > 10) {
			err = EINVAL;
			goto out;
		}

		err = skill_intern(t, in[i].name, &v[i].skill);
		if (err)
			goto out;
		v[i].level = in[i].level;
	}

	qsort(v, nin, sizeof(*v), req_cmp);
	for (size_t i = 1; i < nin; i++) {
		if (v[i].skill == v[i - 1].skill) {
			err = EINVAL;
			goto out;
		}
	}

	*out = v;
	*n = (uint16_t)nin;

 out:
	if (err)
		mem_deref(v);

	return err;
}


uint8_t reqs_level(const struct req *v, uint16_t n, uint16_t skill)
{
	for (uint16_t i = 0; i < n && v[i].skill <= skill; i++) {
		if (v[i].skill == skill)
			return v[i].level;
	}

	return 0;
}


/* A bit per skill (id modulo 64): who cannot have an extra skill is
 * pruned by the agent trees' union of these. */
uint64_t reqs_mask(const struct req *v, uint16_t n)
{
	uint64_t m = 0;

	for (uint16_t i = 0; i < n; i++)
		m |= 1ull << (v[i].skill % 64);

	return m;
}


/* The first need that have does not meet, or NULL. */
const struct req *reqs_unmet(const struct req *have, uint16_t nhave,
			     const struct req *need, uint16_t nneed)
{
	uint16_t i = 0;

	for (uint16_t j = 0; j < nneed; j++) {
		while (i < nhave && have[i].skill < need[j].skill)
			++i;

		if (i >= nhave || have[i].skill != need[j].skill ||
		    have[i].level < need[j].level)
			return &need[j];
	}

	return NULL;
}


bool reqs_equal(const struct req *a, uint16_t na, const struct req *b,
		uint16_t nb)
{
	if (na != nb)
		return false;

	for (uint16_t i = 0; i < na; i++) {
		if (a[i].skill != b[i].skill || a[i].level != b[i].level)
			return false;
	}

	return true;
}
