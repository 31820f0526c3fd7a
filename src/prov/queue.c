/*
 * queue.c — queues: {"id","name","strategy","skills","push_timeout_s",
 * "max_wait_s","tiers":{"wait_s"},"relaxation":[{"after_s","skill",
 * "level"}],"service_level_s","decline_block_s","aging":{"per_minute"},
 * "overflow":{"queue","after_s"},"missed_status","wrapup_s",
 * "transcription":{"backend","vocabulary","url"}}. Stored exactly as
 * printed; there are no secrets.
 *
 * What a queue names elsewhere (its overflow queue, its missed status)
 * is checked with the whole change (batch.c), since a file may define
 * both.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include "util/jsonstr.h"
#include "asr/asr.h"
#include "prov/prov_int.h"

/* routing_strategy_parse's names (src/routing), the default first */
static const char *const strategies[] = {
	"longest-idle", "ring-all", "round-robin", "top-down",
	"fewest-calls", "least-talk-time", "random", "weighted-random",
	"least-active", "most-available", "tiers",
};

static const char *const keys[] = {
	"id", "name", "strategy", "skills", "push_timeout_s", "max_wait_s",
	"tiers", "relaxation", "service_level_s", "decline_block_s", "aging",
	"overflow", "missed_status", "wrapup_s", "transcription", NULL
};
static const char *const transcription_keys[] = {
	"backend", "vocabulary", "sounds_like", "url", NULL
};
static const char *const tiers_keys[] = {"wait_s", NULL};
static const char *const relax_keys[] = {"after_s", "skill", "level", NULL};
static const char *const overflow_keys[] = {"queue", "after_s", NULL};
static const char *const aging_keys[] = {"per_minute", NULL};

enum {
	AGING_SCALE = 1000,        /* per_minute has at most 3 decimals */
	AGING_MAX = 10,
	PHRASES_MAX = 500,         /* a queue's transcription vocabulary */
	PHRASE_MAX = 100,          /* characters */
};


static void destructor(void *arg)
{
	struct prov_queue *q = arg;

	mem_deref(q->id);
	mem_deref(q->name);
	mem_deref(q->strategy);
	mem_deref(q->skills);
	mem_deref(q->relax);
	mem_deref(q->overflow_queue);
	mem_deref(q->missed_status);
	mem_deref(q->transcription);
	mem_deref(q->transcription_url);
	mem_deref(q->vocab);
}


static int get_strategy(const char **v, const struct odict *o,
			const char *path, struct prov_error *err)
{
	char field[PROV_PATH_MAX], list[256] = "";
	const char *s = NULL;
	size_t n = 0;
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

	for (size_t i = 0; i < ARRAY_SIZE(strategies); i++) {
		int r = re_snprintf(list + n, sizeof(list) - n, "%s%s",
				    i ? ", " : "", strategies[i]);
		if (r < 0)
			break;
		n += (size_t)r;
	}

	prov_path(field, sizeof(field), path, "strategy");
	return prov_err(err, 400, "invalid_field", field, "must be one of: %s",
			list);
}


/* "tiers": {"wait_s": 1..3600} */
static int get_tiers(uint32_t *wait, const struct odict *o,
		     const char *path, struct prov_error *err)
{
	const struct odict *t = NULL;
	char tpath[PROV_PATH_MAX];
	int e;

	e = prov_get_obj(&t, o, "tiers", path, false, err);
	if (e || !t)
		return e;

	prov_path(tpath, sizeof(tpath), path, "tiers");

	e = prov_check_keys(t, tiers_keys, tpath, err);
	return e ? e : prov_get_u32(wait, t, "wait_s", tpath, 1, 3600, err);
}


/* "aging": {"per_minute": 0..10}; a number with at most 3 decimals, so
 * that it prints back exactly (libre's decoder is not exact to the last
 * bit, a number of thousandths is) */
static int get_aging(double *v, const struct odict *o, const char *path,
		     struct prov_error *err)
{
	const struct odict_entry *pm;
	const struct odict *a = NULL;
	char apath[PROV_PATH_MAX], field[PROV_PATH_MAX];
	double x, scaled;
	int e;

	e = prov_get_obj(&a, o, "aging", path, false, err);
	if (e || !a)
		return e;

	prov_path(apath, sizeof(apath), path, "aging");

	e = prov_check_keys(a, aging_keys, apath, err);
	if (e)
		return e;

	pm = odict_lookup(a, "per_minute");
	if (!pm || pm->type == ODICT_NULL)
		return 0;

	prov_path(field, sizeof(field), apath, "per_minute");

	if (pm->type == ODICT_INT)
		x = (pm->u.integer >= 0 && pm->u.integer <= AGING_MAX) ?
			(double)pm->u.integer : -1;
	else if (pm->type == ODICT_DOUBLE)
		x = pm->u.dbl;
	else
		return prov_err(err, 400, "invalid_field", field,
				"must be a number from 0 to %u", AGING_MAX);

	if (!isfinite(x) || x < 0 || x > AGING_MAX)
		return prov_err(err, 400, "invalid_field", field,
				"must be a number from 0 to %u", AGING_MAX);

	scaled = x * AGING_SCALE;
	if (fabs(scaled - round(scaled)) > 1e-6)
		return prov_err(err, 400, "invalid_field", field,
				"at most 3 decimal places");

	*v = round(scaled) / AGING_SCALE;
	return 0;
}


static bool has_skill(const struct prov_queue *q, const char *name)
{
	for (size_t i = 0; i < q->nskills; i++) {
		if (0 == strcmp(q->skills[i].name, name))
			return true;
	}

	return false;
}


/* An integer field that must be there. */
static int need_u32(uint32_t *v, const struct odict *o, const char *key,
		    const char *path, uint32_t min, uint32_t max,
		    struct prov_error *err)
{
	const struct odict_entry *e = odict_lookup(o, key);
	char field[PROV_PATH_MAX];

	if (!e || e->type == ODICT_NULL) {
		prov_path(field, sizeof(field), path, key);
		return prov_err(err, 400, "missing_field", field,
				"this field is required");
	}

	return prov_get_u32(v, o, key, path, min, max, err);
}


static int get_step(struct prov_relax *r, const struct odict_entry *el,
		    const struct prov_queue *q, const char *epath,
		    struct prov_error *err)
{
	const struct odict *so;
	const char *skill = NULL;
	char field[PROV_PATH_MAX];
	uint32_t level = 0;
	int e;

	if (el->type != ODICT_OBJECT)
		return prov_err(err, 400, "invalid_field", epath,
				"must be an object {\"after_s\", \"skill\", "
				"\"level\"}");

	so = el->u.odict;

	e = prov_check_keys(so, relax_keys, epath, err);
	e = e ? e : need_u32(&r->after_s, so, "after_s", epath, 1, 86400,
			     err);
	e = e ? e : prov_get_str(&skill, so, "skill", epath, true, err);
	if (e)
		return e;

	if (!has_skill(q, skill)) {
		prov_path(field, sizeof(field), epath, "skill");
		return prov_err(err, 400, "invalid_field", field, "'%s' is "
				"not one of the queue's skills", skill);
	}
	str_ncpy(r->skill, skill, sizeof(r->skill));

	e = need_u32(&level, so, "level", epath, 0, 10, err);
	r->level = (uint8_t)level;
	return e;
}


/* "relaxation": [{"after_s","skill","level"}, ...], kept sorted by
 * after_s (steps with the same after_s in the order given) */
static int get_relaxation(struct prov_queue *q, const struct odict *o,
			  const char *path, struct prov_error *err)
{
	const struct odict *arr = NULL;
	char rpath[PROV_PATH_MAX], epath[PROV_PATH_MAX];
	struct prov_relax *r;
	size_t cnt, i = 0;
	struct le *le;
	int e;

	e = prov_get_arr(&arr, o, "relaxation", path, false, err);
	if (e || !arr)
		return e;

	prov_path(rpath, sizeof(rpath), path, "relaxation");

	cnt = list_count(&arr->lst);
	if (cnt > PROV_RELAX_MAX)
		return prov_err(err, 400, "invalid_field", rpath,
				"at most %u steps", PROV_RELAX_MAX);
	if (!cnt)
		return 0;

	r = mem_zalloc(cnt * sizeof(*r), NULL);
	if (!r)
		return ENOMEM;

	q->relax = r;

	LIST_FOREACH(&arr->lst, le) {
		(void)re_snprintf(epath, sizeof(epath), "%s[%zu]", rpath, i);

		e = get_step(&r[i], le->data, q, epath, err);
		if (e)
			return e;

		for (size_t j = 0; j < i; j++) {
			if (r[j].after_s == r[i].after_s &&
			    0 == strcmp(r[j].skill, r[i].skill))
				return prov_err(err, 400, "invalid_field",
						epath, "step %zu already "
						"changes '%s' after %u s", j,
						r[i].skill, r[i].after_s);
		}

		++i;
	}

	q->nrelax = cnt;

	/* insertion sort: stable, and there are at most 16 */
	for (i = 1; i < cnt; i++) {
		struct prov_relax x = r[i];
		size_t j = i;

		for (; j > 0 && r[j - 1].after_s > x.after_s; j--)
			r[j] = r[j - 1];
		r[j] = x;
	}

	return 0;
}


/* "overflow": {"queue", "after_s"} */
static int get_overflow(struct prov_queue *q, const struct odict *o,
			const char *path, struct prov_error *err)
{
	const struct odict *ov = NULL;
	char opath[PROV_PATH_MAX], field[PROV_PATH_MAX];
	const char *queue = NULL;
	uint32_t after = 0;
	int e;

	e = prov_get_obj(&ov, o, "overflow", path, false, err);
	if (e || !ov)
		return e;

	prov_path(opath, sizeof(opath), path, "overflow");

	e = prov_check_keys(ov, overflow_keys, opath, err);
	e = e ? e : prov_get_id(&queue, ov, "queue", opath, "._-",
				PROV_ID_MAX, err);
	if (e)
		return e;

	prov_path(field, sizeof(field), opath, "queue");
	if (0 == strcmp(queue, q->id))
		return prov_err(err, 400, "invalid_field", field, "a queue "
				"cannot overflow to itself");

	e = need_u32(&after, ov, "after_s", opath, 1, 86400, err);
	if (e)
		return e;

	q->overflow_after_s = after;
	return str_dup(&q->overflow_queue, queue);
}


/* any language's letters, but one line of them, not just blanks */
static bool phrase_ok(const char *s)
{
	bool seen = false;

	for (; *s; s++) {
		if ((uint8_t)*s < 0x20 || *s == 0x7f)
			return false;
		if (*s != ' ')
			seen = true;
	}

	return seen;
}


static int get_vocabulary(struct prov_queue *q, const struct odict *t,
			  const char *tpath, struct prov_error *err)
{
	char vpath[PROV_PATH_MAX], field[PROV_PATH_MAX];
	const struct odict *arr = NULL;
	const char **phrases;
	size_t n, i = 0;
	struct le *le;
	int e;

	e = prov_get_arr(&arr, t, "vocabulary", tpath, false, err);
	if (e || !arr)
		return e;

	prov_path(vpath, sizeof(vpath), tpath, "vocabulary");
	n = list_count(&arr->lst);
	if (n > PHRASES_MAX)
		return prov_err(err, 400, "invalid_field", vpath, "at most %u "
				"phrases", PHRASES_MAX);

	phrases = mem_zalloc((n ? n : 1) * sizeof(*phrases), NULL);
	if (!phrases)
		return ENOMEM;

	for (le = arr->lst.head; le; le = le->next, i++) {
		const struct odict_entry *pe = le->data;
		size_t len;

		(void)re_snprintf(field, sizeof(field), "%s[%zu]", vpath, i);
		len = pe->type == ODICT_STRING ? prov_utf8_len(pe->u.str) : 0;
		if (!len || len > PHRASE_MAX || !phrase_ok(pe->u.str)) {
			mem_deref(phrases);
			return prov_err(err, 400, "invalid_field", field,
					"each phrase must be a string of 1 to "
					"%u characters on one line",
					PHRASE_MAX);
		}
		phrases[i] = pe->u.str;
	}

	e = asr_vocab_alloc(&q->vocab, q->id, phrases, n);
	mem_deref(phrases);
	return e;
}


/* {"word": "how it sounds"}: with a vocabulary only, which it adds to */
static int get_sounds_like(struct prov_queue *q, const struct odict *t,
			   const char *tpath, struct prov_error *err)
{
	char spath[PROV_PATH_MAX], field[PROV_PATH_MAX];
	const struct odict *obj = NULL;
	int e;

	e = prov_get_obj(&obj, t, "sounds_like", tpath, false, err);
	if (e || !obj)
		return e;

	prov_path(spath, sizeof(spath), tpath, "sounds_like");
	if (!q->vocab)
		return prov_err(err, 400, "invalid_field", spath, "sounds_like "
				"says how words of the vocabulary sound: it "
				"needs a vocabulary");

	for (struct le *le = obj->lst.head; le; le = le->next) {
		const struct odict_entry *pe = le->data;
		const char *why = "each value must be a string, e.g. "
			"\"e sim\"";

		prov_path(field, sizeof(field), spath, pe->key);
		e = pe->type == ODICT_STRING ?
			asr_vocab_sounds(q->vocab, pe->key, pe->u.str, &why) :
			EINVAL;
		if (e == EINVAL || e == E2BIG)
			return prov_err(err, 400, "invalid_field",
					e == E2BIG ? spath : field, "%s", why);
		if (e)
			return e;
	}
	return 0;
}


static int get_transcription(struct prov_queue *q, const struct odict *o,
			     const char *path, bool stored,
			     struct prov_error *err)
{
	const struct odict *t = NULL;
	const char *backend = NULL, *url = NULL, *why = NULL;
	char tpath[PROV_PATH_MAX], field[PROV_PATH_MAX];
	int e;

	e = prov_get_obj(&t, o, "transcription", path, false, err);
	if (e || !t)
		return e;

	prov_path(tpath, sizeof(tpath), path, "transcription");
	e = prov_check_keys(t, transcription_keys, tpath, err);
	e = e ? e : prov_get_str(&backend, t, "backend", tpath, true, err);
	e = e ? e : prov_get_str(&url, t, "url", tpath, false, err);
	if (e)
		return e;

	prov_path(field, sizeof(field), tpath, "backend");
	if (strcmp(backend, "off") && strcmp(backend, "pocketsphinx") &&
	    strcmp(backend, "ws"))
		return prov_err(err, 400, "invalid_field", field, "backend "
				"must be \"pocketsphinx\", \"ws\" or \"off\"");

	prov_path(field, sizeof(field), tpath, "url");
	if (url && strcmp(backend, "ws"))
		return prov_err(err, 400, "invalid_field", field, "a url is "
				"only for the ws backend");
	if (url && asr_ws_url_check(url, &why))
		return prov_err(err, 400, "invalid_field", field, "%s", why);
	/* a stored queue loads even if the server lost its asr_ws_url:
	 * its calls go untranscribed (and logged) until it is back */
	if (!url && !strcmp(backend, "ws") && !asr_ws_default_url() &&
	    !stored)
		return prov_err(err, 400, "invalid_field", field, "the ws "
				"backend needs a url: the server has no "
				"asr_ws_url");

	/* Vosk's "phrase_list" would be a closed grammar: nothing but
	 * those phrases could be heard. Refused rather than ignored. */
	prov_path(field, sizeof(field), tpath, "vocabulary");
	if (!strcmp(backend, "ws") && odict_lookup(t, "vocabulary"))
		return prov_err(err, 400, "invalid_field", field, "a "
				"vocabulary is for the pocketsphinx backend");

	e = str_dup(&q->transcription, backend);
	if (!e && url)
		e = str_dup(&q->transcription_url, url);

	e = e ? e : get_vocabulary(q, t, tpath, err);
	return e ? e : get_sounds_like(q, t, tpath, err);
}


static int queue_parse(struct prov_item *it, const struct odict *o,
		       enum prov_mode mode, const void *old,
		       struct prov_error *err)
{
	const char *path = it->path;
	const char *id = NULL, *name = NULL, *strategy = strategies[0];
	const char *missed = NULL;
	uint32_t push = 15, wait = 300, tier_wait = 15, sl = 20, block = 30;
	uint32_t wrapup = 0;
	double aging = 0;
	struct prov_queue *q;
	int e;
	(void)old;

	e = prov_check_keys(o, keys, path, err);
	e = e ? e : prov_get_id(&id, o, "id", path, "._-", PROV_ID_MAX, err);
	e = e ? e : prov_get_name(&name, o, "name", path, err);
	e = e ? e : get_strategy(&strategy, o, path, err);
	e = e ? e : prov_get_u32(&push, o, "push_timeout_s", path, 1, 600,
				 err);
	e = e ? e : prov_get_u32(&wait, o, "max_wait_s", path, 1, 86400, err);
	e = e ? e : get_tiers(&tier_wait, o, path, err);
	e = e ? e : prov_get_u32(&sl, o, "service_level_s", path, 1, 3600,
				 err);
	e = e ? e : prov_get_u32(&block, o, "decline_block_s", path, 0, 3600,
				 err);
	e = e ? e : get_aging(&aging, o, path, err);
	e = e ? e : prov_get_u32(&wrapup, o, "wrapup_s", path, 0, 3600, err);
	if (!e && odict_lookup(o, "missed_status") &&
	    odict_lookup(o, "missed_status")->type != ODICT_NULL)
		e = prov_get_id(&missed, o, "missed_status", path, "._-",
				PROV_ID_MAX, err);
	if (e)
		return e;

	q = mem_zalloc(sizeof(*q), destructor);
	if (!q)
		return ENOMEM;

	it->obj = q;
	q->push_timeout_s = push;
	q->max_wait_s = wait;
	q->tier_wait_s = tier_wait;
	q->service_level_s = sl;
	q->decline_block_s = block;
	q->wrapup_s = wrapup;
	q->aging_per_min = aging;

	e  = str_dup(&q->id, id);
	e |= str_dup(&q->name, name ? name : id);
	e |= str_dup(&q->strategy, strategy);
	if (missed)
		e |= str_dup(&q->missed_status, missed);
	if (e)
		return ENOMEM;

	e = prov_get_skills(&q->skills, &q->nskills, o, path, err);
	e = e ? e : get_relaxation(q, o, path, err);
	e = e ? e : get_overflow(q, o, path, err);
	e = e ? e : get_transcription(q, o, path, mode == PROV_MODE_STORED,
				      err);

	return e;
}


/* thousandths, without trailing zeros: 0, 0.5, 2.125 */
static int print_aging(struct re_printf *pf, double v)
{
	const unsigned m = (unsigned)llround(v * AGING_SCALE);
	unsigned frac = m % AGING_SCALE, digits = 3;

	if (!frac)
		return re_hprintf(pf, "%u", m / AGING_SCALE);

	while (frac % 10 == 0) {
		frac /= 10;
		--digits;
	}

	return re_hprintf(pf, digits == 1 ? "%u.%u" : digits == 2 ?
			  "%u.%02u" : "%u.%03u", m / AGING_SCALE, frac);
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
				 "\"max_wait_s\":%u,\"tiers\":{\"wait_s\":%u},"
				 "\"relaxation\":[", q->push_timeout_s,
				 q->max_wait_s, q->tier_wait_s);

	/* skill names are [A-Za-z0-9_-]: no escaping needed */
	for (size_t i = 0; i < q->nrelax && !err; i++)
		err = re_hprintf(pf, "%s{\"after_s\":%u,\"skill\":\"%s\","
				 "\"level\":%u}", i ? "," : "",
				 q->relax[i].after_s, q->relax[i].skill,
				 q->relax[i].level);

	if (!err)
		err = re_hprintf(pf, "],\"service_level_s\":%u,"
				 "\"decline_block_s\":%u,\"aging\":"
				 "{\"per_minute\":", q->service_level_s,
				 q->decline_block_s);
	if (!err)
		err = print_aging(pf, q->aging_per_min);
	if (!err)
		err = re_hprintf(pf, "}");

	if (!err && q->overflow_queue)
		err = re_hprintf(pf, ",\"overflow\":{\"queue\":%H,"
				 "\"after_s\":%u}", jsonstr_print,
				 q->overflow_queue, q->overflow_after_s);

	if (!err && q->missed_status)
		err = re_hprintf(pf, ",\"missed_status\":%H", jsonstr_print,
				 q->missed_status);

	if (!err)
		err = re_hprintf(pf, ",\"wrapup_s\":%u", q->wrapup_s);

	/* printed only when set, like overflow */
	if (!err && q->transcription)
		err = re_hprintf(pf, ",\"transcription\":{\"backend\":"
				 "\"%s\"", q->transcription);
	if (!err && q->transcription_url)
		err = re_hprintf(pf, ",\"url\":%H", jsonstr_print,
				 q->transcription_url);
	if (!err && q->vocab) {
		err = re_hprintf(pf, ",\"vocabulary\":[");
		for (size_t i = 0; i < q->vocab->n && !err; i++)
			err = re_hprintf(pf, "%s%H", i ? "," : "",
					 jsonstr_print, q->vocab->phrases[i]);
		if (!err)
			err = re_hprintf(pf, "]");
	}
	if (!err && q->vocab && q->vocab->nlike) {
		err = re_hprintf(pf, ",\"sounds_like\":{");
		for (size_t i = 0; i < q->vocab->nlike && !err; i++)
			err = re_hprintf(pf, "%s%H:%H", i ? "," : "",
					 jsonstr_print, q->vocab->word[i],
					 jsonstr_print, q->vocab->like[i]);
		if (!err)
			err = re_hprintf(pf, "}");
	}
	if (!err && q->transcription)
		err = re_hprintf(pf, "}");

	return err ? err : re_hprintf(pf, "}");
}


static const char *queue_id(const void *obj)
{
	return ((const struct prov_queue *)obj)->id;
}


const struct prov_kind_ops prov_queue_ops = {
	"queues", "queue", "id", queue_parse, queue_print, queue_id
};
