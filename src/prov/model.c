/*
 * model.c — the next best action model (src/nba) that the provisioned
 * intents and recommendations make.
 *
 * A change that touches either kind trains a new model from the set the
 * change would leave, during the batch's check: an engine error refuses
 * the change (400 invalid_model with the engine's message) before
 * anything is written. At commit the trained model replaces the current
 * one, so calls use the new rules from their next utterance, without a
 * restart. Intents and rules go to the engine sorted by id, which is the
 * "provisioning order" in which rules fire.
 */
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include "log.h"
#include "nba/nba.h"
#include "prov/prov_int.h"

#define LOG_MODULE "prov"

static struct {
	struct nba *cur;
	struct nba *pending;       /* checked, waiting for its commit */
	bool has_pending;          /* pending is the model to swap in (it
				      may be NULL: nothing left) */
} m;


const struct nba *prov_nba(void)
{
	return m.cur;
}


static bool touches_model(const struct prov_batch *b)
{
	struct le *le;

	LIST_FOREACH(&b->items, le) {
		const struct prov_item *it = le->data;

		if (it->kind == PROV_INTENT ||
		    it->kind == PROV_RECOMMENDATION)
			return true;
	}

	return false;
}


static int obj_cmp(const void *a, const void *b, enum prov_kind kind)
{
	const struct prov_kind_ops *ops = prov_ops(kind);

	return strcmp(ops->id(*(void *const *)a), ops->id(*(void *const *)b));
}


static int intent_cmp(const void *a, const void *b)
{
	return obj_cmp(a, b, PROV_INTENT);
}


static int rec_cmp(const void *a, const void *b)
{
	return obj_cmp(a, b, PROV_RECOMMENDATION);
}


/* The objects of kind that b (NULL: none) would leave: the registry's,
 * replaced or removed by b's items. */
static int collect(void ***objsp, size_t *np, const struct prov_batch *b,
		   enum prov_kind kind)
{
	struct prov_entry **arr = NULL;
	size_t n = 0, cnt = 0;
	struct le *le;
	void **objs;
	int e;

	e = prov_registry_sorted(&arr, &n, kind);
	if (e)
		return e;

	objs = mem_zalloc((n + (b ? list_count(&b->items) : 0) + 1) *
			  sizeof(*objs), NULL);
	if (!objs) {
		mem_deref(arr);
		return ENOMEM;
	}

	for (size_t i = 0; i < n; i++) {
		const char *id = prov_ops(kind)->id(arr[i]->obj);

		if (!b || !prov_batch_find(b, kind, id))
			objs[cnt++] = arr[i]->obj;
	}

	for (le = b ? b->items.head : NULL; le; le = le->next) {
		const struct prov_item *it = le->data;

		if (it->kind == kind && it->obj)
			objs[cnt++] = it->obj;
	}

	mem_deref(arr);

	qsort(objs, cnt, sizeof(*objs),
	      kind == PROV_INTENT ? intent_cmp : rec_cmp);

	*objsp = objs;
	*np = cnt;
	return 0;
}


static void rule_def(struct nba_rule_def *d,
		     const struct prov_recommendation *r)
{
	d->id = r->id;
	d->intent = r->intent;
	d->min_confidence = r->min_confidence_m / 1000.0;
	d->queue = r->queue;
	d->after_s = r->after_s;
	d->leg = r->leg;
	d->caller_prefix = r->caller_prefix;
	d->has_sentiment = r->has_sentiment;
	d->sentiment_below = r->sentiment_below_m / 1000.0;
	d->data = (const char *const *)r->data;
	d->ndata = r->ndata;
}


/* *np NULL when there is nothing to build from */
static int build(struct nba **np, const struct prov_batch *b, char *msg,
		 size_t msgsz)
{
	struct nba_intent_def *idefs = NULL;
	struct nba_rule_def *rdefs = NULL;
	void **intents = NULL, **recs = NULL;
	size_t ni = 0, nr = 0;
	int e;

	*np = NULL;

	e = collect(&intents, &ni, b, PROV_INTENT);
	e = e ? e : collect(&recs, &nr, b, PROV_RECOMMENDATION);
	if (e || (!ni && !nr))
		goto out;

	idefs = mem_zalloc((ni + 1) * sizeof(*idefs), NULL);
	rdefs = mem_zalloc((nr + 1) * sizeof(*rdefs), NULL);
	if (!idefs || !rdefs) {
		e = ENOMEM;
		goto out;
	}

	for (size_t i = 0; i < ni; i++) {
		const struct prov_intent *in = intents[i];

		idefs[i].id = in->id;
		idefs[i].examples = (const char *const *)in->examples;
		idefs[i].nexamples = in->nexamples;
		idefs[i].keywords = (const char *const *)in->keywords;
		idefs[i].nkeywords = in->nkeywords;
	}

	for (size_t i = 0; i < nr; i++)
		rule_def(&rdefs[i], recs[i]);

	msg[0] = '\0';
	e = nba_alloc(np, idefs, ni, rdefs, nr, msg, msgsz);

	/* what an admin needs to see why an intent matches talk its
	 * examples do not have */
	for (size_t i = 0; !e && i < ni; i++) {
		struct nba_needs ns;

		if (!nba_intent_bank(*np, idefs[i].id, &ns) && ns.n)
			log_info("intent \"%s\" also learns from the bank's "
				 "needs %H", idefs[i].id, nba_needs_print, &ns);
	}

 out:
	mem_deref(idefs);
	mem_deref(rdefs);
	mem_deref(intents);
	mem_deref(recs);
	return e;
}


int prov_model_check(const struct prov_batch *b, struct prov_error *err)
{
	char msg[256];
	int e;

	m.pending = mem_deref(m.pending);
	m.has_pending = false;

	if (!touches_model(b))
		return 0;

	e = build(&m.pending, b, msg, sizeof(msg));
	if (e == EINVAL)
		return prov_err(err, 400, "invalid_model", NULL, "%s",
				msg[0] ? msg : "the intents and "
				"recommendations do not make a model");
	if (e)
		return e;

	m.has_pending = true;
	return 0;
}


void prov_model_commit(void)
{
	if (!m.has_pending)
		return;

	mem_deref(m.cur);
	m.cur = m.pending;
	m.pending = NULL;
	m.has_pending = false;
}


/* At start: what the store holds was accepted before, but an engine of
 * another version may refuse it; run without next best action then
 * rather than without calls. */
void prov_model_load(void)
{
	char msg[256];
	int e;

	m.cur = mem_deref(m.cur);

	e = build(&m.cur, NULL, msg, sizeof(msg));
	if (e)
		log_error("next best action is off: the stored intents and "
			  "recommendations do not make a model: %s",
			  e == EINVAL ? msg : "out of memory");
}


void prov_model_close(void)
{
	m.cur = mem_deref(m.cur);
	m.pending = mem_deref(m.pending);
	m.has_pending = false;
}
