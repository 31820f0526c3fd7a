/*
 * status.c — the catalogue of presence statuses. Each knows the agents in
 * it, so making a status routable or not re-indexes exactly those agents.
 */
#include <string.h>
#include <re.h>
#include "routing/internal.h"


static void status_destructor(void *arg)
{
	struct rstatus *st = arg;

	hash_unlink(&st->he);
	mem_deref(st->id);
}


static bool id_cmp(struct le *le, void *arg)
{
	const struct rstatus *st = le->data;

	return !strcmp(st->id, arg);
}


struct rstatus *status_find(const struct routing *r, const char *id)
{
	if (!id)
		return NULL;

	return list_ledata(hash_lookup(r->statuses, hash_joaat_str(id),
				       id_cmp, (void *)id));
}


static int status_add(struct routing *r, const char *id, bool routable)
{
	struct rstatus *st = mem_zalloc(sizeof(*st), status_destructor);

	if (!st || str_dup(&st->id, id)) {
		mem_deref(st);
		return ENOMEM;
	}

	st->routable = routable;
	hash_append(r->statuses, hash_joaat_str(id), &st->he, st);
	return 0;
}


int status_defaults(struct routing *r)
{
	static const struct {
		const char *id;
		bool routable;
	} defs[] = {
		{"available", true}, {"busy", false}, {"break", false},
		{"lunch", false}, {"offline", false}, {"missed", false},
	};
	int err = 0;

	for (size_t i = 0; i < ARRAY_SIZE(defs) && !err; i++)
		err = status_add(r, defs[i].id, defs[i].routable);

	return err;
}


int routing_status_set(struct routing *r, const char *id, bool routable)
{
	struct rstatus *st;
	struct le *le;
	int err;

	if (!r || !id || !id[0])
		return EINVAL;

	if (!strcmp(id, "available") && !routable)
		return EINVAL;

	engine_enter(r);

	st = status_find(r, id);
	if (!st) {
		err = status_add(r, id, routable);
		engine_flush(r);
		return err;
	}

	if (st->routable == routable) {
		engine_flush(r);
		return 0;
	}

	/* the trees follow each agent's new routability; an agent that
	 * becomes routable is idle from now */
	st->routable = routable;
	LIST_FOREACH(&st->agents, le) {
		struct ragent *a = le->data;

		if (routable && a->present)
			a->idle_since = r->now;
		agent_reindex(a);
	}

	if (routable) {
		LIST_FOREACH(&st->agents, le)
			agent_serve(le->data, TRG_AGENT);
	}

	engine_flush(r);
	return 0;
}


int routing_status_remove(struct routing *r, const char *id)
{
	struct rstatus *st;

	if (!r || !id)
		return EINVAL;

	st = status_find(r, id);
	if (!st)
		return ENOENT;

	if (!strcmp(id, "available"))
		return EPERM;

	if (!list_isempty(&st->agents))
		return EBUSY;

	/* explanations that name it keep their reference */
	hash_unlink(&st->he);
	mem_deref(st);
	return 0;
}


bool routing_status_exists(const struct routing *r, const char *id)
{
	return r && status_find(r, id) != NULL;
}
