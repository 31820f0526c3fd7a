/*
 * rules.c — which recommendations an utterance calls for.
 *
 * Only two lists can fire: the rules that name the utterance's top intent
 * (found through the per-intent index) and the rules that name no intent;
 * they are merged in provisioning order, so 500 rules cost no more than
 * the handful that could apply.
 */
#include <string.h>
#include "nba/internal.h"


static bool data_has(const struct nba_context *ctx, const char *key,
		     const char *val)
{
	for (size_t i = 0; i + 1 < ctx->ndata; i += 2)
		if (ctx->data[i] && ctx->data[i + 1] &&
		    !strcmp(ctx->data[i], key) &&
		    !strcmp(ctx->data[i + 1], val))
			return true;
	return false;
}


static bool fires(const struct nba_rule *r, const struct nba_class *c,
		  const struct nba_context *ctx)
{
	bool agent = ctx->leg && !strcmp(ctx->leg, "agent");

	if (r->intent >= 0 && c->top[0].confidence < r->min_confidence)
		return false;

	if (r->leg == LEG_CUSTOMER && agent)
		return false;
	if (r->leg == LEG_AGENT && !agent)
		return false;

	if (r->queue && (!ctx->queue || strcmp(r->queue, ctx->queue)))
		return false;

	if (ctx->call_s < r->after_s)
		return false;

	if (r->caller_prefix && (!ctx->caller ||
				 strncmp(ctx->caller, r->caller_prefix,
					 strlen(r->caller_prefix))))
		return false;

	if (r->has_sentiment &&
	    !((ctx->call ? nba_call_score(ctx->call) : 0) <
	      r->sentiment_below))
		return false;

	for (size_t i = 0; i + 1 < r->ndata; i += 2)
		if (!data_has(ctx, r->data[i], r->data[i + 1]))
			return false;

	if (ctx->call && nba_call_marked(ctx->call, r->id))
		return false;

	return true;
}


size_t nba_rules(const struct nba *n, const struct nba_class *c,
		 const struct nba_context *ctx, const char **ids, size_t max)
{
	static const struct nba_context none_ctx;
	const uint32_t *a = NULL, *b;
	size_t na = 0, nb, ia = 0, ib = 0, count = 0;

	if (!n || !c || !ids)
		return 0;
	if (!ctx)
		ctx = &none_ctx;

	/* an intent's rules only when it is the utterance's topic */
	if (c->ntop && !c->none) {
		for (size_t k = 0; k < n->nintents; k++) {
			if (n->ids[k] == c->top[0].intent ||
			    !strcmp(n->ids[k], c->top[0].intent)) {
				a = n->by_intent + n->by_intent_off[k];
				na = n->by_intent_off[k + 1] -
					n->by_intent_off[k];
				break;
			}
		}
	}
	b = n->any;
	nb = n->nany;

	while (count < max && (ia < na || ib < nb)) {
		uint32_t r;

		if (ib >= nb || (ia < na && a[ia] < b[ib]))
			r = a[ia++];
		else
			r = b[ib++];

		if (fires(&n->rules[r], c, ctx))
			ids[count++] = n->rules[r].id;
	}

	return count;
}
