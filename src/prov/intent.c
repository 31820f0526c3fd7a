/*
 * intent.c — what a customer may be calling about, for next best action:
 * {"id","examples":[...],"keywords":[...]}. The examples train the
 * classifier (src/nba); keywords weigh more than other words. Whether
 * the whole set makes a model is model.c's question, once per change.
 *
 * Also the string lists both NBA kinds read (examples, keywords): an
 * array of NULL-terminated, mem-allocated strings, freed as one.
 */
#include <string.h>
#include <re.h>
#include "util/jsonstr.h"
#include "prov/prov_int.h"

enum {
	EXAMPLES_MAX = 200,
	EXAMPLE_LEN = 500,         /* characters */
	KEYWORDS_MAX = 50,
	KEYWORD_LEN = 64,
};

static const char *const keys[] = {"id", "examples", "keywords", NULL};


void prov_strings_destructor(void *arg)
{
	char **v = arg;

	for (; *v; v++)
		mem_deref(*v);
}


static bool text_ok(const char *s, size_t max)
{
	const size_t len = prov_utf8_len(s);
	bool visible = false;

	for (const char *p = s; *p; p++) {
		if ((uint8_t)*p < 0x20 || *p == 0x7f)
			return false;
		visible |= *p != ' ';
	}

	return visible && len <= max;
}


int prov_get_strings(char ***vp, size_t *np, const struct odict *o,
		     const char *key, const char *path, size_t min,
		     size_t max, size_t len, struct prov_error *err)
{
	const struct odict *arr = NULL;
	char field[PROV_PATH_MAX], epath[PROV_PATH_MAX];
	size_t n, i = 0;
	struct le *le;
	char **v;
	int e;

	e = prov_get_arr(&arr, o, key, path, min > 0, err);
	if (e || !arr)
		return e;

	prov_path(field, sizeof(field), path, key);

	n = list_count(&arr->lst);
	if (n < min || n > max)
		return prov_err(err, 400, "invalid_field", field,
				"must hold %zu to %zu strings", min, max);

	v = mem_zalloc((n + 1) * sizeof(*v), prov_strings_destructor);
	if (!v)
		return ENOMEM;

	LIST_FOREACH(&arr->lst, le) {
		const struct odict_entry *el = le->data;

		(void)re_snprintf(epath, sizeof(epath), "%s[%zu]", field, i);

		if (el->type != ODICT_STRING || !text_ok(el->u.str, len)) {
			mem_deref(v);
			return prov_err(err, 400, "invalid_field", epath,
					"must be a string of 1 to %zu "
					"characters, not only spaces, without "
					"control characters", len);
		}

		e = str_dup(&v[i++], el->u.str);
		if (e) {
			mem_deref(v);
			return e;
		}
	}

	*vp = v;
	*np = n;
	return 0;
}


int prov_print_strings(struct re_printf *pf, char *const *v, size_t n)
{
	int err = re_hprintf(pf, "[");

	for (size_t i = 0; i < n && !err; i++)
		err = re_hprintf(pf, "%s%H", i ? "," : "", jsonstr_print,
				 v[i]);

	return err | re_hprintf(pf, "]");
}


static void destructor(void *arg)
{
	struct prov_intent *in = arg;

	mem_deref(in->id);
	mem_deref(in->examples);
	mem_deref(in->keywords);
}


static int intent_parse(struct prov_item *it, const struct odict *o,
			enum prov_mode mode, const void *old,
			struct prov_error *err)
{
	const char *path = it->path;
	const char *id = NULL;
	struct prov_intent *in;
	int e;
	(void)mode;
	(void)old;

	e = prov_check_keys(o, keys, path, err);
	e = e ? e : prov_get_id(&id, o, "id", path, "._-", PROV_ID_MAX, err);
	if (e)
		return e;

	in = mem_zalloc(sizeof(*in), destructor);
	if (!in)
		return ENOMEM;

	it->obj = in;

	e = str_dup(&in->id, id);
	e = e ? e : prov_get_strings(&in->examples, &in->nexamples, o,
				     "examples", path, 1, EXAMPLES_MAX,
				     EXAMPLE_LEN, err);
	e = e ? e : prov_get_strings(&in->keywords, &in->nkeywords, o,
				     "keywords", path, 0, KEYWORDS_MAX,
				     KEYWORD_LEN, err);

	return e;
}


static int intent_print(struct re_printf *pf, const void *obj,
			enum prov_form form)
{
	const struct prov_intent *in = obj;
	int err;
	(void)form;

	err = re_hprintf(pf, "{\"id\":%H,\"examples\":", jsonstr_print,
			 in->id);
	err = err ? err : prov_print_strings(pf, in->examples, in->nexamples);
	err = err ? err : re_hprintf(pf, ",\"keywords\":");
	err = err ? err : prov_print_strings(pf, in->keywords, in->nkeywords);

	return err ? err : re_hprintf(pf, "}");
}


static const char *intent_id(const void *obj)
{
	return ((const struct prov_intent *)obj)->id;
}


const struct prov_kind_ops prov_intent_ops = {
	"intents", "intent", "id", intent_parse, intent_print, intent_id
};
