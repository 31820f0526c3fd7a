/*
 * queue.c — queues: {"id","name","strategy","skills","push_timeout_s",
 * "max_wait_s"}. Stored exactly as printed; there are no secrets.
 */
#include <string.h>
#include <re.h>
#include "util/jsonstr.h"
#include "prov/prov_int.h"

/* The routing engine implements these; more come with it. */
static const char *const strategies[] = {"longest-idle"};

static const char *const keys[] = {
	"id", "name", "strategy", "skills", "push_timeout_s", "max_wait_s",
	NULL
};


static void destructor(void *arg)
{
	struct prov_queue *q = arg;

	mem_deref(q->id);
	mem_deref(q->name);
	mem_deref(q->strategy);
	mem_deref(q->skills);
}


static int get_strategy(const char **v, const struct odict *o,
			const char *path, struct prov_error *err)
{
	char field[PROV_PATH_MAX];
	const char *s = NULL;
	int e;

	e = prov_get_str(&s, o, "strategy", path, false, err);
	if (e || !s)
		return e;

	for (size_t i = 0; i < ARRAY_SIZE(strategies); i++) {
		if (0 == strcmp(s, strategies[i])) {
			*v = strategies[i];
			return 0;
		}
	}

	prov_path(field, sizeof(field), path, "strategy");
	return prov_err(err, 400, "unsupported", field,
			"'%s' is not supported; supported: longest-idle", s);
}


static int queue_parse(struct prov_item *it, const struct odict *o,
		       enum prov_mode mode, const void *old,
		       struct prov_error *err)
{
	const char *path = it->path;
	const char *id = NULL, *name = NULL, *strategy = strategies[0];
	uint32_t push = 15, wait = 300;
	struct prov_queue *q;
	int e;
	(void)mode;
	(void)old;

	e = prov_check_keys(o, keys, path, err);
	e = e ? e : prov_get_id(&id, o, "id", path, "._-", PROV_ID_MAX, err);
	e = e ? e : prov_get_name(&name, o, "name", path, err);
	e = e ? e : get_strategy(&strategy, o, path, err);
	e = e ? e : prov_get_u32(&push, o, "push_timeout_s", path, 1, 600,
				 err);
	e = e ? e : prov_get_u32(&wait, o, "max_wait_s", path, 1, 86400, err);
	if (e)
		return e;

	q = mem_zalloc(sizeof(*q), destructor);
	if (!q)
		return ENOMEM;

	it->obj = q;
	q->push_timeout_s = push;
	q->max_wait_s = wait;

	e  = str_dup(&q->id, id);
	e |= str_dup(&q->name, name ? name : id);
	e |= str_dup(&q->strategy, strategy);
	if (e)
		return ENOMEM;

	return prov_get_skills(&q->skills, &q->nskills, o, path, err);
}


static int queue_print(struct re_printf *pf, const void *obj,
		       enum prov_form form)
{
	const struct prov_queue *q = obj;
	int err;
	(void)form;

	err = re_hprintf(pf, "{\"id\":%H,\"name\":%H,\"strategy\":%H,"
			 "\"skills\":", jsonstr_print, q->id, jsonstr_print,
			 q->name, jsonstr_print, q->strategy);
	if (!err)
		err = prov_print_skills(pf, q->skills, q->nskills);
	if (!err)
		err = re_hprintf(pf, ",\"push_timeout_s\":%u,"
				 "\"max_wait_s\":%u}", q->push_timeout_s,
				 q->max_wait_s);

	return err;
}


static const char *queue_id(const void *obj)
{
	return ((const struct prov_queue *)obj)->id;
}


const struct prov_kind_ops prov_queue_ops = {
	"queues", "queue", "id", queue_parse, queue_print, queue_id
};
