/*
 * nba.c — next best action over the API:
 *
 *   POST /api/v1/nba/classify   {"text"[,"queue","leg","caller",
 *                               "call_s"]}: what a call would get for
 *                               that utterance (supervisors, admins)
 *   GET  /api/v1/nba/stats      shown / accepted / dismissed per
 *                               recommendation
 *   POST /api/v1/calls/{id}/recommendations/{rid}/{accept,dismiss}
 *                               the agent it was shown to (or a
 *                               supervisor) answers it, once
 *   GET  /api/v1/calls/{id}/recommendations
 *                               what the call's agent was shown, and
 *                               the answers (its agent, supervisors)
 *
 * The model is provisioning's (prov_nba); the feedback is the store's.
 */
#include <math.h>
#include <string.h>
#include <re.h>
#include "nba/nba.h"
#include "call/call.h"
#include "store/store.h"
#include "util/jsonstr.h"
#include "api/api_int.h"

enum {
	TEXT_MAX = 2000,           /* characters of an utterance */
	FIRED_MAX = 32,
};

static const char *const classify_keys[] = {
	"text", "queue", "leg", "caller", "call_s", NULL
};


struct answer {
	const struct nba *model;
	const struct nba_class *c;
	const struct nba_sentiment *s;
	const char *const *ids;
	size_t nids;
};


static int rec_print(struct re_printf *pf, const char *id)
{
	const struct prov_recommendation *r = prov_recommendation_find(id);

	if (!r)
		return re_hprintf(pf, "{\"id\":%H}", jsonstr_print, id);

	return re_hprintf(pf, "{\"id\":%H,\"title\":%H,\"body\":%H,"
			  "\"action\":{\"type\":%H,\"target\":%H}}",
			  jsonstr_print, r->id, jsonstr_print, r->title,
			  jsonstr_print, r->body, jsonstr_print,
			  r->action_type, jsonstr_print, r->action_target);
}


static int answer_print(struct re_printf *pf, const struct answer *a)
{
	const struct nba_class *c = a->c;
	const struct nba_words drivers = {c->drivers, c->ndrivers};
	const struct nba_words words = {a->s->words, a->s->nwords};
	const struct nba_needs needs = {c->needs, c->nneeds};
	int err = re_hprintf(pf, "{\"intents\":[");

	for (size_t i = 0; i < c->ntop && !err; i++) {
		struct nba_needs ns = {NULL, 0};

		(void)nba_intent_bank(a->model, c->top[i].intent, &ns);
		err = re_hprintf(pf, "%s{\"id\":%H,\"confidence\":%.3f,"
				 "\"learnt_from\":%H}", i ? "," : "",
				 jsonstr_print, c->top[i].intent,
				 c->top[i].confidence, nba_needs_print, &ns);
	}

	err = err ? err : re_hprintf(pf, "],\"none\":%s,\"drivers\":",
				     c->none ? "true" : "false");
	err = err ? err : nba_words_print(pf, &drivers);
	err = err ? err : re_hprintf(pf, ",\"needs\":%H", nba_needs_print,
				     &needs);
	err = err ? err : re_hprintf(pf, ",\"sentiment\":{\"score\":%.3f,"
				     "\"words\":", a->s->score);
	err = err ? err : nba_words_print(pf, &words);
	err = err ? err : re_hprintf(pf, "},\"recommendations\":[");

	for (size_t i = 0; i < a->nids && !err; i++) {
		err = re_hprintf(pf, "%s", i ? "," : "");
		err = err ? err : rec_print(pf, a->ids[i]);
	}

	return err ? err : re_hprintf(pf, "]}");
}


/* a string member of 1..max characters, or absent (NULL) */
static int get_str(struct api_req *req, const struct odict *od,
		   const char *key, size_t max, bool required,
		   const char **v)
{
	const struct odict_entry *e = odict_lookup(od, key);
	size_t len = 0;

	*v = NULL;
	if (!e || e->type == ODICT_NULL) {
		if (!required)
			return 0;
		api_reply_error(req, 400, "missing_field", key, "%s: this "
				"field is required", key);
		return EINVAL;
	}

	if (e->type == ODICT_STRING) {
		for (const char *p = e->u.str; *p; p++)
			len += ((uint8_t)*p & 0xc0) != 0x80;
	}

	if (e->type != ODICT_STRING || !len || len > max) {
		api_reply_error(req, 400, "invalid_field", key, "%s: must be "
				"a string of 1 to %zu characters", key, max);
		return EINVAL;
	}

	*v = e->u.str;
	return 0;
}


static int get_context(struct api_req *req, const struct odict *od,
		       struct nba_context *ctx)
{
	const struct odict_entry *e;
	int err;

	err = get_str(req, od, "queue", PROV_ID_MAX, false, &ctx->queue);
	err = err ? err : get_str(req, od, "caller", PROV_NUMBER_MAX, false,
				  &ctx->caller);
	err = err ? err : get_str(req, od, "leg", 16, false, &ctx->leg);
	if (err)
		return err;

	if (!ctx->leg)
		ctx->leg = "customer";
	else if (strcmp(ctx->leg, "customer") && strcmp(ctx->leg, "agent")) {
		api_reply_error(req, 400, "invalid_field", "leg", "leg: must "
				"be customer or agent");
		return EINVAL;
	}

	e = odict_lookup(od, "call_s");
	if (!e || e->type == ODICT_NULL)
		return 0;

	if (e->type == ODICT_INT && e->u.integer >= 0 &&
	    e->u.integer <= 86400)
		ctx->call_s = (double)e->u.integer;
	else if (e->type == ODICT_DOUBLE && isfinite(e->u.dbl) &&
		 e->u.dbl >= 0 && e->u.dbl <= 86400)
		ctx->call_s = e->u.dbl;
	else {
		api_reply_error(req, 400, "invalid_field", "call_s", "call_s: "
				"must be a number of seconds from 0 to 86400");
		return EINVAL;
	}

	return 0;
}


static void classify(struct api_req *req)
{
	const struct nba *model = prov_nba();
	const char *ids[FIRED_MAX];
	struct odict *od = NULL;
	struct prov_error perr;
	struct nba_context ctx;
	struct nba_sentiment s;
	struct nba_class c;
	struct answer a = {model, &c, &s, ids, 0};
	const char *text = NULL;
	char *out = NULL;
	struct le *le;
	int err;

	memset(&perr, 0, sizeof(perr));
	memset(&ctx, 0, sizeof(ctx));
	memset(&c, 0, sizeof(c));

	err = prov_json_decode(&od, req->body.p, req->body.l, &perr);
	if (err) {
		api_reply_prov(req, err, 400, NULL, &perr);
		return;
	}

	LIST_FOREACH(&od->lst, le) {
		const struct odict_entry *e = le->data;
		bool ok = false;

		for (size_t i = 0; classify_keys[i] && !ok; i++)
			ok = !strcmp(e->key, classify_keys[i]);

		if (!ok) {
			api_reply_error(req, 400, "unknown_field", e->key,
					"%s: unknown field (known: text, "
					"queue, leg, caller, call_s)", e->key);
			goto out;
		}
	}

	if (get_str(req, od, "text", TEXT_MAX, true, &text) ||
	    get_context(req, od, &ctx))
		goto out;

	nba_sentiment(text, &s);
	c.none = true;

	if (model) {
		err = nba_classify(model, text, &c);
		if (!err)
			a.nids = nba_rules(model, &c, &ctx, ids,
					   ARRAY_SIZE(ids));
	}

	err = err ? err : re_sdprintf(&out, "%H", answer_print, &a);
	if (err)
		api_reply_error(req, 500, "internal", NULL, "could not "
				"classify (%m)", err);
	else
		api_reply_json(req, 200, out);

 out:
	mem_deref(out);
	mem_deref(od);
}


void api_nba_post(struct api_req *req)
{
	if (0 == strcmp(req->id, "classify")) {
		classify(req);
		return;
	}

	api_reply_error(req, 404, "not_found", NULL, "no such path: %r",
			&req->msg->path);
}


void api_nba_get(struct api_req *req)
{
	char *out = NULL;
	int err;

	if (strcmp(req->id, "stats")) {
		api_reply_error(req, 404, "not_found", NULL, "no such path: "
				"%r", &req->msg->path);
		return;
	}

	err = store_nba_stats_json(req->api->st, &out);
	if (err)
		api_reply_error(req, 500, "internal", NULL, "could not read "
				"the statistics (%m)", err);
	else
		api_reply_json(req, 200, out);

	mem_deref(out);
}


/* tail "{rid}/accept" or "{rid}/dismiss" */
static void feedback(struct api_req *req, const char *rid,
		     const char *outcome)
{
	char shown_to[PROV_ID_MAX + 1], *out = NULL;
	int err;

	err = store_nba_shown_to(req->api->st, req->id, rid, shown_to,
				 sizeof(shown_to));
	if (err == ENOENT) {
		api_reply_error(req, 404, "not_found", NULL, "recommendation "
				"'%s' was not shown in call '%s'", rid,
				req->id);
		return;
	}
	if (err)
		goto internal;

	if (req->who.role < API_ROLE_SUPERVISOR &&
	    strcmp(shown_to, req->who.agent)) {
		api_reply_error(req, 403, "forbidden", NULL, "only the agent "
				"it was shown to (or a supervisor) may answer "
				"a recommendation");
		return;
	}

	err = store_nba_feedback(req->api->st, req->id, rid, outcome,
				 req->who.agent, NULL);
	if (err == EALREADY) {
		api_reply_error(req, 409, "conflict", NULL, "recommendation "
				"'%s' of call '%s' was already accepted or "
				"dismissed", rid, req->id);
		return;
	}
	if (err)
		goto internal;

	call_event("nba.feedback", shown_to[0] ? shown_to : NULL,
		   "{\"call\":%H,\"agent\":%H,\"recommendation\":%H,"
		   "\"outcome\":\"%s\",\"by\":%H}", jsonstr_print, req->id,
		   jsonstr_print, shown_to[0] ? shown_to : NULL,
		   jsonstr_print, rid, outcome, jsonstr_print,
		   req->who.agent[0] ? req->who.agent : NULL);

	err = re_sdprintf(&out, "{\"call\":%H,\"recommendation\":%H,"
			  "\"outcome\":\"%s\"}", jsonstr_print, req->id,
			  jsonstr_print, rid, outcome);
	if (err)
		goto internal;

	api_reply_json(req, 200, out);
	mem_deref(out);
	return;

 internal:
	api_reply_error(req, 500, "internal", NULL, "could not record the "
			"answer (%m)", err);
}


void api_nba_feedback(struct api_req *req)
{
	const char *slash = pl_strrchr(&req->tail, '/');
	struct pl rid, verb;
	char *id = NULL;

	if (!slash) {
		api_reply_error(req, 404, "not_found", NULL, "no such path: "
				"%r (POST .../recommendations/{id}/accept or "
				"/dismiss)", &req->msg->path);
		return;
	}

	rid.p = req->tail.p;
	rid.l = (size_t)(slash - req->tail.p);
	verb.p = slash + 1;
	verb.l = req->tail.l - rid.l - 1;

	if (!rid.l || pl_strchr(&rid, '/') || api_pct_decode(&id, &rid) ||
	    (pl_strcmp(&verb, "accept") && pl_strcmp(&verb, "dismiss"))) {
		api_reply_error(req, 404, "not_found", NULL, "no such path: "
				"%r (POST .../recommendations/{id}/accept or "
				"/dismiss)", &req->msg->path);
		mem_deref(id);
		return;
	}

	feedback(req, id, pl_strcmp(&verb, "accept") ? "dismissed" :
		 "accepted");
	mem_deref(id);
}


void api_nba_call_list(struct api_req *req)
{
	char *out = NULL;
	bool own = true;
	int err = 0;

	if (req->who.role == API_ROLE_AGENT)
		err = store_call_involves(req->api->st, req->id,
					  req->who.agent, &own);
	if (!err && !own) {
		api_reply_error(req, 403, "forbidden", NULL, "call '%s' is not "
				"one of yours", req->id);
		return;
	}

	/* a call that is not in the store had no recommendations either */
	err = err ? err : store_call_json(req->api->st, req->id, &out);
	out = mem_deref(out);
	err = err ? err : store_nba_call_json(req->api->st, req->id, &out);
	if (err == ENOENT)
		api_reply_error(req, 404, "not_found", NULL, "no call '%s'",
				req->id);
	else if (err)
		api_reply_error(req, 500, "internal", NULL, "could not read "
				"the recommendations (%m)", err);
	else
		api_reply_json(req, 200, out);

	mem_deref(out);
}
