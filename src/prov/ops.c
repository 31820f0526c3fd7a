/*
 * ops.c — the public operations: create, update (merge patch), delete,
 * read, and the provisioning file. Each builds a batch and commits it;
 * see batch.c for what a commit guarantees.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <re.h>
#include "prov/prov_int.h"

enum { PROV_FILE_MAX = 64 * 1024 * 1024 };


static int not_ready(struct prov_error *err)
{
	return prov_err(err, 500, "internal", NULL,
			"provisioning is not running");
}


static int not_found(struct prov_error *err, enum prov_kind kind,
		     const char *id)
{
	return prov_err(err, 404, "not_found", NULL, "no %s '%s'",
			prov_ops(kind)->one, id);
}


static int print_public(char **out, enum prov_kind kind, const char *id)
{
	const struct prov_entry *e = prov_registry_get(kind, id);

	if (!out)
		return 0;

	return e ? prov_print_obj(out, kind, e->obj, PROV_FORM_PUBLIC)
		 : ENOENT;
}


int prov_create(enum prov_kind kind, const char *json, size_t len,
		char **out, struct prov_error *err)
{
	const struct prov_kind_ops *ops = prov_ops(kind);
	struct prov_item *it = NULL;
	struct odict *od = NULL;
	struct prov_batch b;
	int e;

	if (!ops || !json)
		return EINVAL;

	if (!prov_g.ready)
		return not_ready(err);

	prov_batch_init(&b);

	e = prov_json_parse(&od, json, len, err);
	if (e)
		goto out;

	e = prov_batch_parse(&b, kind, od, PROV_MODE_CREATE, NULL, "", &it,
			     err);
	if (e)
		goto out;

	if (prov_registry_get(kind, it->id)) {
		e = prov_err(err, 409, "exists", ops->idkey, "%s '%s' already "
			     "exists", ops->one, it->id);
		goto out;
	}

	e = prov_batch_commit(&b, err);
	if (!e)
		e = print_public(out, kind, it->id);

 out:
	prov_batch_reset(&b);
	mem_deref(od);
	return e;
}


/* RFC 7386 onto the input-shaped form of the current object, so a patch
 * reads like the object a client would POST. Secrets are not in that
 * form; what the patch says about them decides:
 *   no "password"         keep the web login as it is
 *   "password": null      remove it
 *   "password": "..."     set it (kept as is if it is the same password)
 *   "sip": {"password"}   new HA1s; sip.username alone keeps them only if
 *                         it did not change, since the HA1 hashes it */
int prov_update(enum prov_kind kind, const char *id, const char *json,
		size_t len, char **out, struct prov_error *err)
{
	const struct prov_kind_ops *ops = prov_ops(kind);
	struct odict *patch = NULL, *target = NULL;
	const struct odict_entry *ide;
	const struct prov_entry *cur;
	struct prov_item *it = NULL;
	struct prov_batch b;
	char *base = NULL;
	int e;

	if (!ops || !id || !json)
		return EINVAL;

	if (!prov_g.ready)
		return not_ready(err);

	prov_batch_init(&b);

	cur = prov_registry_get(kind, id);
	if (!cur)
		return not_found(err, kind, id);

	e = prov_json_parse(&patch, json, len, err);
	if (e)
		goto out;

	ide = odict_lookup(patch, ops->idkey);
	if (ide && !(ide->type == ODICT_STRING && !strcmp(ide->u.str, id))) {
		e = prov_err(err, 400, "invalid_field", ops->idkey, "cannot "
			     "be changed; create a new %s and delete this "
			     "one", ops->one);
		goto out;
	}

	e = prov_print_obj(&base, kind, cur->obj, PROV_FORM_INPUT);
	if (!e)
		e = prov_json_parse(&target, base, strlen(base), err);
	if (!e)
		e = prov_merge_patch(target, patch);
	if (e)
		goto out;

	e = prov_batch_parse(&b, kind, target, PROV_MODE_PATCHED, cur->obj,
			     "", &it, err);
	if (e)
		goto out;

	if (kind == PROV_AGENT && !odict_lookup(patch, "password"))
		it->keep_web = true;

	e = prov_batch_commit(&b, err);
	if (!e)
		e = print_public(out, kind, id);

 out:
	prov_batch_reset(&b);
	mem_deref(base);
	mem_deref(target);
	mem_deref(patch);
	return e;
}


int prov_delete(enum prov_kind kind, const char *id, struct prov_error *err)
{
	struct prov_batch b;
	int e;

	if (!prov_ops(kind) || !id)
		return EINVAL;

	if (!prov_g.ready)
		return not_ready(err);

	if (!prov_registry_get(kind, id))
		return not_found(err, kind, id);

	prov_batch_init(&b);

	e = prov_batch_remove(&b, kind, id, err);
	if (!e)
		e = prov_batch_commit(&b, err);

	prov_batch_reset(&b);
	return e;
}


struct printing {
	enum prov_kind kind;
	const char *id;            /* one object, or NULL for the list */
	prov_print_extra_h *h;     /* extra members, or NULL */
	void *arg;
};


/* One object's public form, with what h adds before its closing brace.
 * Every printer ends an object with '}', so the object is printed into a
 * buffer first and the brace moved after the extra members. */
static int print_one(struct re_printf *pf, const struct printing *p,
		     const struct prov_entry *e)
{
	const struct prov_kind_ops *ops = prov_ops(p->kind);
	char *s = NULL;
	size_t len;
	int err;

	if (!p->h)
		return ops->print(pf, e->obj, PROV_FORM_PUBLIC);

	err = prov_print_obj(&s, p->kind, e->obj, PROV_FORM_PUBLIC);
	if (err)
		return err;

	len = strlen(s);
	err = re_hprintf(pf, "%b", s, len - 1);
	if (!err)
		err = p->h(pf, p->kind, ops->id(e->obj), p->arg);
	if (!err)
		err = re_hprintf(pf, "}");

	mem_deref(s);
	return err;
}


static int print_h(struct re_printf *pf, const struct printing *p)
{
	struct prov_entry **arr = NULL;
	size_t n = 0;
	int err;

	if (p->id)
		return print_one(pf, p, prov_registry_get(p->kind, p->id));

	err = prov_registry_sorted(&arr, &n, p->kind);
	if (err)
		return err;

	err = re_hprintf(pf, "{\"%s\":[", prov_kind_name(p->kind));

	for (size_t i = 0; i < n && !err; i++) {
		if (i)
			err = re_hprintf(pf, ",");
		if (!err)
			err = print_one(pf, p, arr[i]);
	}

	if (!err)
		err = re_hprintf(pf, "]}");

	mem_deref(arr);
	return err;
}


int prov_json_extra(enum prov_kind kind, const char *id,
		    prov_print_extra_h *h, void *arg, char **out,
		    struct prov_error *err)
{
	struct printing p = {kind, id, h, arg};

	if (!prov_ops(kind) || !out)
		return EINVAL;

	if (!prov_g.ready)
		return not_ready(err);

	if (id && !prov_registry_get(kind, id))
		return not_found(err, kind, id);

	return re_sdprintf(out, "%H", print_h, &p);
}


int prov_json(enum prov_kind kind, const char *id, char **out,
	      struct prov_error *err)
{
	return prov_json_extra(kind, id, NULL, NULL, out, err);
}


int prov_json_decode(struct odict **odp, const char *json, size_t len,
		     struct prov_error *err)
{
	return prov_json_parse(odp, json, len, err);
}


/* {"agents":[...],"queues":[...],"trunks":[...],"routes":[...],
 * "statuses":[...]} into b */
int prov_file_parse(struct prov_batch *b, const struct odict *od,
		    struct prov_error *err)
{
	static const char *const top[] = {
		"agents", "queues", "trunks", "routes", "statuses",
		"intents", "recommendations", NULL
	};
	int e;

	e = prov_check_keys(od, top, "", err);
	if (e)
		return e;

	for (int k = 0; k < PROV_KINDS; k++) {
		const char *name = prov_kind_name((enum prov_kind)k);
		const struct odict_entry *arr = odict_lookup(od, name);
		unsigned i = 0;
		struct le *le;

		if (!arr || arr->type == ODICT_NULL)
			continue;

		if (arr->type != ODICT_ARRAY)
			return prov_err(err, 400, "invalid_field", name,
					"must be an array of objects");

		LIST_FOREACH(&arr->u.odict->lst, le) {
			const struct odict_entry *el = le->data;
			char path[48];

			(void)re_snprintf(path, sizeof(path), "%s[%u]", name,
					  i++);

			if (el->type != ODICT_OBJECT)
				return prov_err(err, 400, "invalid_field",
						path, "must be an object");

			e = prov_batch_parse(b, (enum prov_kind)k,
					     el->u.odict, PROV_MODE_CREATE,
					     NULL, path, NULL, err);
			if (e)
				return e;
		}
	}

	return 0;
}


int prov_apply_json(const char *json, size_t len, struct prov_error *err)
{
	struct odict *od = NULL;
	struct prov_batch b;
	int e;

	if (!json)
		return EINVAL;

	if (!prov_g.ready)
		return not_ready(err);

	prov_batch_init(&b);

	e = prov_json_parse(&od, json, len, err);
	if (!e)
		e = prov_file_parse(&b, od, err);
	if (!e)
		e = prov_batch_commit(&b, err);

	prov_batch_reset(&b);
	mem_deref(od);
	return e;
}


static int read_file(struct mbuf **mbp, FILE *f, const char *path,
		     struct prov_error *err)
{
	struct mbuf *mb;
	struct stat s;
	size_t n;

	if (fstat(fileno(f), &s))
		return prov_err(err, 400, "io_error", NULL, "cannot read %s: "
				"%m", path, errno);

	if (!S_ISREG(s.st_mode) || s.st_size > PROV_FILE_MAX)
		return prov_err(err, 400, "io_error", NULL, "cannot read %s: "
				"not a regular file of at most %u MiB", path,
				PROV_FILE_MAX / (1024 * 1024));

	mb = mbuf_alloc((size_t)s.st_size + 1);
	if (!mb)
		return ENOMEM;

	n = fread(mb->buf, 1, (size_t)s.st_size, f);
	if (ferror(f)) {
		mem_deref(mb);
		return prov_err(err, 400, "io_error", NULL, "cannot read %s",
				path);
	}

	mb->end = n;
	*mbp = mb;
	return 0;
}


int prov_apply_file(const char *path, struct prov_error *err)
{
	struct mbuf *mb = NULL;
	FILE *f;
	int e;

	if (!path)
		return EINVAL;

	f = fopen(path, "rb");
	if (!f)
		return prov_err(err, 400, "io_error", NULL, "cannot open %s: "
				"%m", path, errno);

	e = read_file(&mb, f, path, err);
	fclose(f);
	if (e)
		return e;

	e = prov_apply_json((const char *)mb->buf, mb->end, err);

	mem_deref(mb);
	return e;
}
