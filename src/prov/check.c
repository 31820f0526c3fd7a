/*
 * check.c — the validation half of the operations in ops.c, with no
 * commit: see check.h.
 */
#include <string.h>
#include <re.h>
#include "prov/check.h"
#include "prov/prov_int.h"


int prov_check_json(const char *json, size_t len, struct prov_error *err)
{
	struct odict *od = NULL;
	struct prov_batch b;
	int e;

	if (!json)
		return EINVAL;

	prov_batch_init(&b);

	e = prov_json_parse(&od, json, len, err);
	if (!e)
		e = prov_file_parse(&b, od, err);
	if (!e)
		e = prov_batch_check(&b, err);

	prov_batch_reset(&b);
	mem_deref(od);
	return e;
}


static int parse_one(struct prov_batch *b, struct odict **odp,
		     struct prov_item **itp, enum prov_kind kind,
		     const char *json, size_t len, struct prov_error *err)
{
	int e;

	if (!prov_ops(kind) || !json)
		return EINVAL;

	e = prov_json_parse(odp, json, len, err);
	if (e)
		return e;

	return prov_batch_parse(b, kind, *odp, PROV_MODE_CREATE, NULL, "",
				itp, err);
}


int prov_check_object(enum prov_kind kind, const char *json, size_t len,
		      char **canon, struct prov_error *err)
{
	struct prov_item *it = NULL;
	struct odict *od = NULL;
	struct prov_batch b;
	int e;

	prov_batch_init(&b);

	e = parse_one(&b, &od, &it, kind, json, len, err);
	if (!e && canon)
		e = prov_print_obj(canon, kind, it->obj, PROV_FORM_INPUT);

	prov_batch_reset(&b);
	mem_deref(od);
	return e;
}


int prov_check_patch(enum prov_kind kind, const char *base, size_t blen,
		     const char *patch, size_t plen, char **canon,
		     struct prov_error *err)
{
	struct odict *od = NULL, *pd = NULL, *target = NULL;
	struct prov_item *it = NULL, *pit = NULL;
	struct prov_batch b, pb;
	char *shaped = NULL;
	int e;

	prov_batch_init(&b);
	prov_batch_init(&pb);

	e = parse_one(&b, &od, &it, kind, base, blen, err);
	if (!e && !patch)
		e = EINVAL;
	if (!e)
		e = prov_json_parse(&pd, patch, plen, err);
	if (!e)
		e = prov_print_obj(&shaped, kind, it->obj, PROV_FORM_INPUT);
	if (!e)
		e = prov_json_parse(&target, shaped, strlen(shaped), err);
	if (!e)
		e = prov_merge_patch(target, pd);
	if (!e)
		e = prov_batch_parse(&pb, kind, target, PROV_MODE_PATCHED,
				     it->obj, "", &pit, err);
	if (!e && canon)
		e = prov_print_obj(canon, kind, pit->obj, PROV_FORM_INPUT);

	prov_batch_reset(&pb);
	prov_batch_reset(&b);
	mem_deref(shaped);
	mem_deref(target);
	mem_deref(pd);
	mem_deref(od);
	return e;
}
