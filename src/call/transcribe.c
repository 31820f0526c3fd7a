/*
 * transcribe.c — live transcription of an answered call: one ASR stream
 * per direction (side A: the customer, side B: the agent), fed by the
 * relay's tap, and what becomes of the results: a transcript.partial
 * event, or a transcript.final event and a row in the store.
 *
 * Results arrive on the event loop after the utterance ended, possibly
 * after the call did, so they carry the call's id and agent themselves
 * and need no call object.
 */
#include <string.h>
#include <re.h>
#include "log.h"
#include "asr/asr.h"
#include "prov/prov.h"
#include "store/store.h"
#include "util/jsonstr.h"
#include "call/internal.h"

#define LOG_MODULE "call"


static void tap_handler(const uint8_t *pkt, size_t len, void *arg)
{
	asr_stream_rtp(arg, pkt, len);
}


static void result_handler(const struct asr_result *r, void *arg)
{
	struct store_transcript t;
	int err;
	(void)arg;

	/* nothing recognized yet: nothing to show */
	if (r->partial && !*r->text)
		return;

	call_event(r->partial ? "transcript.partial" : "transcript.final",
		   r->agent, "{\"call\":\"%s\","
		   "\"agent\":%H,\"leg\":\"%s\",\"role\":\"%s\","
		   "\"start_s\":%llu.%02llu,\"end_s\":%llu.%02llu,"
		   "\"text\":%H,\"confidence\":%.3f,\"gap\":%s}",
		   r->call_id, jsonstr_print, r->agent, r->leg, r->role,
		   (unsigned long long)(r->start_ms / 1000),
		   (unsigned long long)(r->start_ms % 1000 / 10),
		   (unsigned long long)(r->end_ms / 1000),
		   (unsigned long long)(r->end_ms % 1000 / 10),
		   jsonstr_print, r->text, r->confidence,
		   r->gap ? "true" : "false");

	if (r->partial)
		return;

	call_nba_utterance(r);

	t.call_id = r->call_id;
	t.leg = r->leg;
	t.role = r->role;
	t.start_ms = r->start_ms;
	t.end_ms = r->end_ms;
	t.text = r->text;
	t.confidence = r->confidence;
	t.gap = r->gap;
	err = store_transcript_add(cs.store, &t);
	if (err)
		log_warn("call %s: transcript not saved: %m", r->call_id,
			 err);
}


void call_transcribe_init(void)
{
	asr_handler(result_handler, NULL);
}


/* the queue's backend, or the server's; its vocabulary and url */
static void route(const struct call *call, struct asr_route *rt)
{
	const struct prov_queue *q;

	memset(rt, 0, sizeof(*rt));
	rt->backend = asr_default_backend();

	q = call->queue ? prov_queue_find(call->queue) : NULL;
	if (!q)
		return;

	if (q->transcription)
		rt->backend = q->transcription;
	rt->url = q->transcription_url;
	rt->vocab = q->vocab;
}


void call_transcribe_start(struct call *call)
{
	static const char *const legs[2] = {"a", "b"};
	/* side B is an agent, or after a transfer to a number whoever
	 * answered it */
	const char *const roles[2] = {"customer",
				      call->agent ? "agent" : "external"};
	struct asr_route rt;

	if (!call->relay)
		return;

	/* answered again after a transfer: the streams go on, for the
	 * agent or the number that has the call now */
	if (call->asr[MEDIA_A]) {
		for (int i = 0; i < 2; i++)
			(void)asr_stream_agent(call->asr[i], call->agent,
					       roles[i]);
		return;
	}

	route(call, &rt);
	if (!strcmp(rt.backend, "off"))
		return;

	for (int i = 0; i < 2; i++) {
		int err = asr_stream_open(&call->asr[i], call->id,
					  call->agent, legs[i], roles[i], &rt);
		if (err) {
			log_warn("call %s: no transcription: %m", call->id,
				 err);
			call_transcribe_stop(call);
			return;
		}

		media_relay_tap(call->relay, (enum media_side)i, tap_handler,
				call->asr[i]);
	}
}


void call_transcribe_stop(struct call *call)
{
	for (int i = 0; i < 2; i++) {
		if (!call->asr[i])
			continue;

		media_relay_tap(call->relay, (enum media_side)i, NULL, NULL);
		asr_stream_flush(call->asr[i]);
		call->asr[i] = mem_deref(call->asr[i]);
	}
}
