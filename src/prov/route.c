/*
 * route.c — routes: {"number","queue"}, the dialled number (Request-URI
 * user) a call arrives for and the queue it waits in. That the queue
 * exists is checked with the whole change (batch.c), since a file may
 * define both.
 */
#include <string.h>
#include <re.h>
#include "util/jsonstr.h"
#include "prov/prov_int.h"

static const char *const keys[] = {"number", "queue", NULL};


static void destructor(void *arg)
{
	struct prov_route *r = arg;

	mem_deref(r->number);
	mem_deref(r->queue);
}


static int route_parse(struct prov_item *it, const struct odict *o,
		       enum prov_mode mode, const void *old,
		       struct prov_error *err)
{
	const char *path = it->path;
	const char *number = NULL, *queue = NULL;
	struct prov_route *r;
	int e;
	(void)mode;
	(void)old;

	e = prov_check_keys(o, keys, path, err);
	e = e ? e : prov_get_id(&number, o, "number", path, "+*#._-",
				PROV_ID_MAX, err);
	e = e ? e : prov_get_id(&queue, o, "queue", path, "._-", PROV_ID_MAX,
				err);
	if (e)
		return e;

	r = mem_zalloc(sizeof(*r), destructor);
	if (!r)
		return ENOMEM;

	it->obj = r;

	e  = str_dup(&r->number, number);
	e |= str_dup(&r->queue, queue);

	return e ? ENOMEM : 0;
}


static int route_print(struct re_printf *pf, const void *obj,
		       enum prov_form form)
{
	const struct prov_route *r = obj;
	(void)form;

	return re_hprintf(pf, "{\"number\":%H,\"queue\":%H}", jsonstr_print,
			  r->number, jsonstr_print, r->queue);
}


static const char *route_id(const void *obj)
{
	return ((const struct prov_route *)obj)->number;
}


const struct prov_kind_ops prov_route_ops = {
	"routes", "route", "number", route_parse, route_print, route_id
};
