/*
 * status.c — presence statuses: {"id","name","routable"}. An agent is
 * offered work only in a routable status. "available" is where every
 * agent starts, so it always exists and stays routable: reading refuses
 * it non-routable here, and batch.c refuses removing it.
 */
#include <string.h>
#include <re.h>
#include "util/jsonstr.h"
#include "prov/prov_int.h"

static const char *const keys[] = {"id", "name", "routable", NULL};


static void destructor(void *arg)
{
	struct prov_status *s = arg;

	mem_deref(s->id);
	mem_deref(s->name);
}


static int status_parse(struct prov_item *it, const struct odict *o,
			enum prov_mode mode, const void *old,
			struct prov_error *err)
{
	const char *path = it->path;
	const char *id = NULL, *name = NULL;
	char field[PROV_PATH_MAX];
	struct prov_status *s;
	bool routable = false;
	int e;
	(void)mode;
	(void)old;

	e = prov_check_keys(o, keys, path, err);
	e = e ? e : prov_get_id(&id, o, "id", path, "._-", PROV_ID_MAX, err);
	e = e ? e : prov_get_name(&name, o, "name", path, err);
	e = e ? e : prov_get_bool(&routable, o, "routable", path, true, err);
	if (e)
		return e;

	if (!routable && 0 == strcmp(id, PROV_STATUS_AVAILABLE)) {
		prov_path(field, sizeof(field), path, "routable");
		return prov_err(err, 400, "invalid_field", field, "status "
				"'available' must stay routable: agents start "
				"in it");
	}

	s = mem_zalloc(sizeof(*s), destructor);
	if (!s)
		return ENOMEM;

	it->obj = s;
	s->routable = routable;

	e  = str_dup(&s->id, id);
	e |= str_dup(&s->name, name ? name : id);

	return e ? ENOMEM : 0;
}


static int status_print(struct re_printf *pf, const void *obj,
			enum prov_form form)
{
	const struct prov_status *s = obj;
	(void)form;

	return re_hprintf(pf, "{\"id\":%H,\"name\":%H,\"routable\":%s}",
			  jsonstr_print, s->id, jsonstr_print, s->name,
			  s->routable ? "true" : "false");
}


static const char *status_id(const void *obj)
{
	return ((const struct prov_status *)obj)->id;
}


const struct prov_kind_ops prov_status_ops = {
	"statuses", "status", "id", status_parse, status_print, status_id
};


/* What prov_init writes into a database without statuses. */
const char prov_status_defaults[] =
	"{\"statuses\":["
	"{\"id\":\"available\",\"name\":\"Available\",\"routable\":true},"
	"{\"id\":\"busy\",\"name\":\"Busy\",\"routable\":false},"
	"{\"id\":\"break\",\"name\":\"Break\",\"routable\":false},"
	"{\"id\":\"lunch\",\"name\":\"Lunch\",\"routable\":false},"
	"{\"id\":\"offline\",\"name\":\"Offline\",\"routable\":false},"
	"{\"id\":\"missed\",\"name\":\"Missed\",\"routable\":false}]}";


bool prov_status_default(const char *id)
{
	static const char *const ids[] = {
		"available", "busy", "break", "lunch", "offline", "missed"
	};

	for (size_t i = 0; i < ARRAY_SIZE(ids); i++) {
		if (0 == strcmp(id, ids[i]))
			return true;
	}

	return false;
}
