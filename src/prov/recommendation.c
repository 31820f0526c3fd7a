/*
 * recommendation.c — what to show an agent, and when:
 *
 *   {"id","title","body","action":{"type","target"},
 *    "when":{"intent","min_confidence","queue","after_s","leg",
 *            "caller_prefix","sentiment_below","data":{"k":"v"}}}
 *
 * Every "when" field is optional and narrows the rule; the engine
 * (src/nba) evaluates them. Fractions are kept in thousandths so that
 * they print back exactly as given (libre's number decoder is not exact
 * to the last bit). A url action must be http(s): the agent page turns
 * it into a link, and a javascript: link would run in the agent's page.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <re.h>
#include "util/jsonstr.h"
#include "prov/prov_int.h"

enum {
	TITLE_LEN = 128,           /* characters */
	BODY_LEN = 2000,
	TARGET_LEN = 2000,
	DATA_MAX = 16,             /* pairs */
	DATA_LEN = 256,
};

static const char *const keys[] = {
	"id", "title", "body", "action", "when", NULL
};
static const char *const when_keys[] = {
	"intent", "min_confidence", "queue", "after_s", "leg",
	"caller_prefix", "sentiment_below", "data", NULL
};
static const char *const action_keys[] = {"type", "target", NULL};
static const char *const action_types[] = {
	"article", "url", "transfer", "script", NULL
};
static const char *const legs[] = {"customer", "agent", "any", NULL};


static void destructor(void *arg)
{
	struct prov_recommendation *r = arg;

	mem_deref(r->id);
	mem_deref(r->title);
	mem_deref(r->body);
	mem_deref(r->action_type);
	mem_deref(r->action_target);
	mem_deref(r->intent);
	mem_deref(r->queue);
	mem_deref(r->leg);
	mem_deref(r->caller_prefix);
	mem_deref(r->data);
}


static bool one_of(const char *s, const char *const *set)
{
	for (; *set; set++) {
		if (0 == strcmp(s, *set))
			return true;
	}

	return false;
}


/* a number from min to max (thousandths) with at most 3 decimals */
static int get_milli(int32_t *v, bool *set, const struct odict *o,
		     const char *key, const char *path, int32_t min,
		     int32_t max, struct prov_error *err)
{
	const struct odict_entry *e = odict_lookup(o, key);
	char field[PROV_PATH_MAX];
	double x, scaled;

	if (!e || e->type == ODICT_NULL)
		return 0;

	prov_path(field, sizeof(field), path, key);

	if (e->type == ODICT_INT && e->u.integer >= -1000000 &&
	    e->u.integer <= 1000000)
		x = (double)e->u.integer;
	else if (e->type == ODICT_DOUBLE)
		x = e->u.dbl;
	else
		x = NAN;

	scaled = x * 1000;
	if (!isfinite(x) || scaled < min || scaled > max)
		return prov_err(err, 400, "invalid_field", field,
				"must be a number from %.3f to %.3f",
				min / 1000.0, max / 1000.0);

	if (fabs(scaled - round(scaled)) > 1e-6)
		return prov_err(err, 400, "invalid_field", field,
				"at most 3 decimal places");

	*v = (int32_t)lround(scaled);
	if (set)
		*set = true;
	return 0;
}


static int print_milli(struct re_printf *pf, int32_t m)
{
	const unsigned a = (unsigned)(m < 0 ? -m : m);
	char frac[8] = "";

	if (a % 1000) {
		(void)snprintf(frac, sizeof(frac), ".%03u", a % 1000);
		for (size_t i = strlen(frac); frac[i - 1] == '0'; i--)
			frac[i - 1] = '\0';
	}

	return re_hprintf(pf, "%s%u%s", m < 0 ? "-" : "", a / 1000, frac);
}


static bool digits(const char *s)
{
	if (!*s)
		return false;

	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
	}

	return true;
}


/* a string field that must be one of set (absent: left NULL) */
static int get_choice(char **v, const struct odict *o, const char *key,
		      const char *path, const char *const *set,
		      bool required, struct prov_error *err)
{
	const char *s = NULL;
	char field[PROV_PATH_MAX], list[96] = "";
	int e;

	e = prov_get_str(&s, o, key, path, required, err);
	if (e || !s)
		return e;

	if (!one_of(s, set)) {
		for (size_t i = 0; set[i]; i++)
			(void)re_snprintf(list + strlen(list),
					  sizeof(list) - strlen(list), "%s%s",
					  i ? ", " : "", set[i]);
		prov_path(field, sizeof(field), path, key);
		return prov_err(err, 400, "invalid_field", field,
				"must be one of %s", list);
	}

	return str_dup(v, s);
}


/* a string of 1..max characters without control characters except
 * line breaks (bodies and scripts are several lines) */
static int get_text(char **v, const struct odict *o, const char *key,
		    const char *path, size_t max, bool required,
		    struct prov_error *err)
{
	const char *s = NULL;
	char field[PROV_PATH_MAX];
	size_t len;
	int e;

	e = prov_get_str(&s, o, key, path, required, err);
	if (e || !s)
		return e;

	len = prov_utf8_len(s);
	for (const char *p = s; *p; p++) {
		if (((uint8_t)*p < 0x20 && *p != '\n') || *p == 0x7f)
			len = 0;
	}

	if (len < 1 || len > max) {
		prov_path(field, sizeof(field), path, key);
		return prov_err(err, 400, "invalid_field", field,
				"must be 1 to %zu characters without control "
				"characters", max);
	}

	return str_dup(v, s);
}


static int get_action(struct prov_recommendation *r, const struct odict *o,
		      const char *path, struct prov_error *err)
{
	const struct odict *a = NULL;
	char apath[PROV_PATH_MAX], field[PROV_PATH_MAX];
	int e;

	e = prov_get_obj(&a, o, "action", path, true, err);
	if (e)
		return e;

	prov_path(apath, sizeof(apath), path, "action");

	e = prov_check_keys(a, action_keys, apath, err);
	e = e ? e : get_choice(&r->action_type, a, "type", apath,
			       action_types, true, err);
	e = e ? e : get_text(&r->action_target, a, "target", apath,
			     TARGET_LEN, true, err);
	if (e)
		return e;

	if (0 == strcmp(r->action_type, "url") &&
	    strncmp(r->action_target, "https://", 8) &&
	    strncmp(r->action_target, "http://", 7)) {
		prov_path(field, sizeof(field), apath, "target");
		return prov_err(err, 400, "invalid_field", field,
				"a url action's target must start with "
				"https:// or http://");
	}

	return 0;
}


/* "data": {"key":"value", ...}: what the call's data must hold */
static int get_data(struct prov_recommendation *r, const struct odict *o,
		    const char *path, struct prov_error *err)
{
	const struct odict *d = NULL;
	char dpath[PROV_PATH_MAX], field[PROV_PATH_MAX];
	size_t n, i = 0;
	struct le *le;
	int e;

	e = prov_get_obj(&d, o, "data", path, false, err);
	if (e || !d)
		return e;

	prov_path(dpath, sizeof(dpath), path, "data");

	n = list_count(&d->lst);
	if (n > DATA_MAX)
		return prov_err(err, 400, "invalid_field", dpath,
				"at most %u keys", DATA_MAX);

	r->data = mem_zalloc((2 * n + 1) * sizeof(*r->data),
			     prov_strings_destructor);
	if (!r->data)
		return ENOMEM;

	LIST_FOREACH(&d->lst, le) {
		const struct odict_entry *el = le->data;

		prov_path(field, sizeof(field), dpath, el->key);

		if (!el->key[0] || strlen(el->key) > DATA_LEN ||
		    el->type != ODICT_STRING || strlen(el->u.str) > DATA_LEN)
			return prov_err(err, 400, "invalid_field", field,
					"keys and values must be strings of "
					"at most %u bytes", DATA_LEN);

		e  = str_dup(&r->data[i++], el->key);
		e |= str_dup(&r->data[i++], el->u.str);
		if (e)
			return ENOMEM;
	}

	r->ndata = i;
	return 0;
}


static int get_when(struct prov_recommendation *r, const struct odict *o,
		    const char *path, struct prov_error *err)
{
	const struct odict *w = NULL;
	const char *intent = NULL, *queue = NULL, *prefix = NULL;
	char wpath[PROV_PATH_MAX], field[PROV_PATH_MAX];
	int e;

	e = prov_get_obj(&w, o, "when", path, false, err);
	if (e || !w)
		return e;

	prov_path(wpath, sizeof(wpath), path, "when");

	e = prov_check_keys(w, when_keys, wpath, err);
	e = e ? e : prov_get_str(&intent, w, "intent", wpath, false, err);
	if (!e && intent)
		e = prov_get_id(&intent, w, "intent", wpath, "._-",
				PROV_ID_MAX, err);
	e = e ? e : prov_get_str(&queue, w, "queue", wpath, false, err);
	if (!e && queue)
		e = prov_get_id(&queue, w, "queue", wpath, "._-",
				PROV_ID_MAX, err);
	e = e ? e : get_milli(&r->min_confidence_m, NULL, w,
			      "min_confidence", wpath, 0, 1000, err);
	e = e ? e : prov_get_u32(&r->after_s, w, "after_s", wpath, 0, 86400,
				 err);
	e = e ? e : get_choice(&r->leg, w, "leg", wpath, legs, false, err);
	e = e ? e : prov_get_str(&prefix, w, "caller_prefix", wpath, false,
				 err);
	e = e ? e : get_milli(&r->sentiment_below_m, &r->has_sentiment, w,
			      "sentiment_below", wpath, -1000, 1000, err);
	e = e ? e : get_data(r, w, wpath, err);
	if (e)
		return e;

	if (prefix) {
		size_t len = strlen(prefix);

		if (len > PROV_NUMBER_MAX ||
		    !digits(prefix[0] == '+' ? prefix + 1 : prefix)) {
			prov_path(field, sizeof(field), wpath,
				  "caller_prefix");
			return prov_err(err, 400, "invalid_field", field,
					"must be digits, optionally after "
					"'+', at most %u characters",
					PROV_NUMBER_MAX);
		}
	}

	e  = intent ? str_dup(&r->intent, intent) : 0;
	e |= queue ? str_dup(&r->queue, queue) : 0;
	e |= prefix ? str_dup(&r->caller_prefix, prefix) : 0;

	return e ? ENOMEM : 0;
}


static int rec_parse(struct prov_item *it, const struct odict *o,
		     enum prov_mode mode, const void *old,
		     struct prov_error *err)
{
	const char *path = it->path;
	const char *id = NULL;
	struct prov_recommendation *r;
	int e;
	(void)mode;
	(void)old;

	e = prov_check_keys(o, keys, path, err);
	e = e ? e : prov_get_id(&id, o, "id", path, "._-", PROV_ID_MAX, err);
	if (e)
		return e;

	r = mem_zalloc(sizeof(*r), destructor);
	if (!r)
		return ENOMEM;

	it->obj = r;

	e = str_dup(&r->id, id);
	e = e ? e : get_text(&r->title, o, "title", path, TITLE_LEN, true,
			     err);
	e = e ? e : get_text(&r->body, o, "body", path, BODY_LEN, false,
			     err);
	e = e ? e : get_action(r, o, path, err);
	e = e ? e : get_when(r, o, path, err);

	return e;
}


static int print_data(struct re_printf *pf,
		      const struct prov_recommendation *r, const char *sep)
{
	int err = re_hprintf(pf, "%s\"data\":{", sep);

	for (size_t i = 0; i + 1 < r->ndata && !err; i += 2)
		err = re_hprintf(pf, "%s%H:%H", i ? "," : "", jsonstr_print,
				 r->data[i], jsonstr_print, r->data[i + 1]);

	return err ? err : re_hprintf(pf, "}");
}


/* only the fields that constrain, so that what was given comes back */
static int print_when(struct re_printf *pf,
		      const struct prov_recommendation *r)
{
	const char *sep = "";
	int err = re_hprintf(pf, ",\"when\":{");

	if (!err && r->intent) {
		err = re_hprintf(pf, "\"intent\":%H", jsonstr_print,
				 r->intent);
		sep = ",";
	}
	if (!err && r->min_confidence_m) {
		err = re_hprintf(pf, "%s\"min_confidence\":", sep);
		err = err ? err : print_milli(pf, r->min_confidence_m);
		sep = ",";
	}
	if (!err && r->queue) {
		err = re_hprintf(pf, "%s\"queue\":%H", sep, jsonstr_print,
				 r->queue);
		sep = ",";
	}
	if (!err && r->after_s) {
		err = re_hprintf(pf, "%s\"after_s\":%u", sep, r->after_s);
		sep = ",";
	}
	if (!err && r->leg) {
		err = re_hprintf(pf, "%s\"leg\":%H", sep, jsonstr_print,
				 r->leg);
		sep = ",";
	}
	if (!err && r->caller_prefix) {
		err = re_hprintf(pf, "%s\"caller_prefix\":%H", sep,
				 jsonstr_print, r->caller_prefix);
		sep = ",";
	}
	if (!err && r->has_sentiment) {
		err = re_hprintf(pf, "%s\"sentiment_below\":", sep);
		err = err ? err : print_milli(pf, r->sentiment_below_m);
		sep = ",";
	}
	if (!err && r->data)
		err = print_data(pf, r, sep);

	return err ? err : re_hprintf(pf, "}");
}


static int rec_print(struct re_printf *pf, const void *obj,
		     enum prov_form form)
{
	const struct prov_recommendation *r = obj;
	int err;
	(void)form;

	err = re_hprintf(pf, "{\"id\":%H,\"title\":%H", jsonstr_print,
			 r->id, jsonstr_print, r->title);
	if (!err && r->body)
		err = re_hprintf(pf, ",\"body\":%H", jsonstr_print, r->body);
	err = err ? err : re_hprintf(pf, ",\"action\":{\"type\":%H,"
				     "\"target\":%H}", jsonstr_print,
				     r->action_type, jsonstr_print,
				     r->action_target);
	err = err ? err : print_when(pf, r);

	return err ? err : re_hprintf(pf, "}");
}


static const char *rec_id(const void *obj)
{
	return ((const struct prov_recommendation *)obj)->id;
}


const struct prov_kind_ops prov_recommendation_ops = {
	"recommendations", "recommendation", "id", rec_parse, rec_print,
	rec_id
};
