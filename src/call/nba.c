/*
 * nba.c — next best action during a call: each final utterance is
 * scored for sentiment and, while the call is live, classified and run
 * through the rules (src/nba, with the model provisioning trained, see
 * prov_nba). What fires goes to the call's agent as nba.recommendation,
 * once per call, and is counted as shown in the store.
 *
 * A result can arrive after its call ended (the workers decode whole
 * utterances): then the call's state is gone, so the utterance's own
 * sentiment is still shown but there is no running score and nothing is
 * recommended to an agent who has moved on.
 */
#include <string.h>
#include <re.h>
#include "log.h"
#include "nba/nba.h"
#include "prov/prov.h"
#include "store/store.h"
#include "util/jsonstr.h"
#include "call/internal.h"

#define LOG_MODULE "call"

enum { FIRED_MAX = 8 };        /* recommendations per utterance */


/* The utterance's score and the call's running one (the customer's
 * utterances only). -1..1 to three decimals; libre's %f cuts toward
 * zero, fine for a score. */
static void sentiment(struct call *call, const struct asr_result *r,
		      const struct nba_sentiment *s)
{
	const struct nba_words ws = {s->words, s->nwords};
	bool turned = false;
	char running[16] = "null";

	if (call) {
		/* the call's mood is the customer's */
		if (0 == strcmp(r->role, "customer"))
			turned = nba_call_mood(call->nba, s->score);
		(void)re_snprintf(running, sizeof(running), "%.3f",
				  nba_call_score(call->nba));
	}

	call_event("nba.sentiment", r->agent, "{\"call\":\"%s\","
		   "\"agent\":%H,\"leg\":\"%s\",\"role\":\"%s\","
		   "\"score\":%.3f,\"running\":%s,\"negative\":%s,"
		   "\"turned_negative\":%s,\"words\":%H}",
		   r->call_id, jsonstr_print, r->agent, r->leg, r->role,
		   s->score, running,
		   call && nba_call_negative(call->nba) ? "true" : "false",
		   turned ? "true" : "false", nba_words_print, &ws);
}


static int action_print(struct re_printf *pf,
			const struct prov_recommendation *rec)
{
	return re_hprintf(pf, "{\"type\":%H,\"target\":%H}", jsonstr_print,
			  rec->action_type, jsonstr_print,
			  rec->action_target);
}


static void recommend(struct call *call, const struct asr_result *r,
		      const struct nba_class *c, const char *id)
{
	const struct prov_recommendation *rec = prov_recommendation_find(id);
	const struct nba_words ws = {c->drivers, c->ndrivers};
	const struct nba_needs ns = {c->needs, c->nneeds};
	const bool intent = c->ntop && !c->none;
	char *data = NULL;
	int err;

	err = nba_call_mark(call->nba, id);
	if (!err && !rec)
		err = ENOENT;
	if (!err)
		err = re_sdprintf(&data, "{\"call\":\"%s\",\"agent\":%H,"
				  "\"recommendation\":%H,\"title\":%H,"
				  "\"body\":%H,\"action\":%H,\"intent\":%H,"
				  "\"confidence\":%.3f,\"role\":\"%s\","
				  "\"text\":%H,\"drivers\":%H,\"needs\":%H}",
				  call->id, jsonstr_print, r->agent,
				  jsonstr_print, id, jsonstr_print,
				  rec->title, jsonstr_print, rec->body,
				  action_print, rec, jsonstr_print,
				  intent ? c->top[0].intent : NULL,
				  intent ? c->top[0].confidence : 0.0,
				  r->role, jsonstr_print, r->text,
				  nba_words_print, &ws, nba_needs_print, &ns);
	if (err) {
		log_warn("call %s: recommendation %s not shown: %m", call->id,
			 id, err);
		return;
	}

	/* what the agent was shown, so that its page can show it again */
	err = store_nba_feedback(cs.store, call->id, id, "shown", r->agent,
				 data);
	if (err && err != EALREADY)
		log_warn("call %s: recommendation %s not counted: %m",
			 call->id, id, err);

	call_event("nba.recommendation", r->agent, "%s", data);
	mem_deref(data);
}


/* What a call knows about itself that a rule's "when.data" may ask for:
 * the number dialled, the trunk it came by, the direction. Calls carry
 * no data of their own (yet). */
static size_t call_data(const char *data[8], const struct call *call)
{
	size_t n = 0;

	data[n++] = "direction";
	data[n++] = call->outbound ? "outbound" : "inbound";

	if (call->to) {
		data[n++] = "to";
		data[n++] = call->to;
	}

	if (call->trunk) {
		data[n++] = "trunk";
		data[n++] = call->trunk;
	}

	return n;
}


void call_nba_utterance(const struct asr_result *r)
{
	const struct nba *model = prov_nba();
	struct call *call = call_find(r->call_id);
	const char *ids[FIRED_MAX], *data[8];
	struct nba_sentiment s;
	struct nba_context ctx;
	struct nba_class c;
	size_t n;

	if (r->partial || r->gap || !r->text[0])
		return;

	if (call && !call->nba && nba_call_alloc(&call->nba)) {
		log_warn("call %s: no next best action: out of memory",
			 call->id);
		call = NULL;
	}

	nba_sentiment(r->text, &s);
	sentiment(call, r, &s);

	/* only the agent who has the call now is told */
	if (!call || !model || call->state != CALL_ANSWERED || !call->agent)
		return;

	if (nba_classify(model, r->text, &c))
		return;

	memset(&ctx, 0, sizeof(ctx));
	ctx.queue = call->queue;
	ctx.leg = r->role;
	ctx.caller = call->from_number;
	ctx.call_s = (double)(call_wallclock() - call->arrived) / 1000.0;
	ctx.call = call->nba;
	ctx.ndata = call_data(data, call);
	ctx.data = data;

	n = nba_rules(model, &c, &ctx, ids, ARRAY_SIZE(ids));
	for (size_t i = 0; i < n; i++)
		recommend(call, r, &c, ids[i]);
}
