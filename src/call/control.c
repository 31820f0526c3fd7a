/*
 * control.c — what an agent (or a supervisor) does to a call from the
 * API: hang up, mute, hold, send DTMF, and the wrap-up after the call.
 *
 * Wrap-up: when an answered call ends and its queue has wrapup_s, the
 * call keeps its routing item until the agent posts a disposition or
 * the time runs out. The accepted item is what holds the agent's
 * capacity, so routing offers the agent nothing more on those units —
 * no status of ours to set and restore around the agent's own (break,
 * missed), no second bookkeeping of who is busy. The call itself moves
 * from cs.calls to cs.wrapups with the reference it had; its record is
 * saved at the end of the call and again when the wrap-up ends.
 *
 * Mute and hold both stop the relay forwarding the agent's audio (side
 * B); hold also tells the caller with a re-INVITE (a=sendonly, then
 * a=sendrecv to resume), built like the ones media.c passes on.
 */
#include <string.h>
#include <time.h>
#include <re.h>
#include "log.h"
#include "prov/prov.h"
#include "routing/routing.h"
#include "util/jsonstr.h"
#include "call/internal.h"

#define LOG_MODULE "call"


static struct call *wrapup_find(const char *id)
{
	for (struct le *le = cs.wrapups.head; le; le = le->next) {
		struct call *call = le->data;

		if (!strcmp(call->id, id))
			return call;
	}

	return NULL;
}


const struct call *call_wrapup_of(const char *agent)
{
	for (struct le *le = cs.wrapups.head; le; le = le->next) {
		const struct call *call = le->data;

		if (call->agent && !strcmp(call->agent, agent))
			return call;
	}

	return NULL;
}


static int print_time(struct re_printf *pf, uint64_t ms)
{
	const time_t t = (time_t)(ms / 1000);
	struct tm tm;
	char buf[32];

	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);

	return re_hprintf(pf, "\"%s.%03uZ\"", buf, (unsigned)(ms % 1000));
}


/* The wrap-up is over: the item goes, and with it the agent's
 * reservation (which may offer the agent the next call at once). */
static void wrapup_end(struct call *call, const char *how)
{
	struct routing_item *item = call->item;

	wtimer_cancel(&call->wrapup_tmr);
	call->wrapup_until = 0;
	call->item = NULL;
	list_unlink(&call->le);

	log_info("call %s: %s's wrap-up ended (%s)", call->id, call->agent,
		 how);
	call_event("call.wrapup_ended", call->agent,
		   "{\"call\":%H,\"agent\":%H,\"how\":\"%s\","
		   "\"disposition\":%H}", jsonstr_print, call->id,
		   jsonstr_print, call->agent, how, jsonstr_print,
		   call->disposition);

	routing_item_end(item);
	if (call->agent)
		call_notify_agent(call->agent);   /* load dropped */
	if (item) {
		call->routing_json = mem_deref(call->routing_json);
		(void)re_sdprintf(&call->routing_json, "%H",
				  routing_item_explain, item);
	}
	call_record_touch(call);
	mem_deref(item);
	call_routing_rearm();
	mem_deref(call);
}


static void wrapup_timeout(void *arg)
{
	wrapup_end(arg, "timeout");
}


/* From call_end, with the call out of cs.calls' sight but its reference
 * and routing item still held: true if the agent now wraps up. */
bool call_wrapup_start(struct call *call)
{
	const struct prov_queue *q;

	if (cs.shutting_down || !call->answered || !call->agent ||
	    call->disposition || !call->item)
		return false;

	q = call->queue ? prov_queue_find(call->queue) : NULL;
	if (!q || !q->wrapup_s)
		return false;

	list_unlink(&call->le);
	list_append(&cs.wrapups, &call->le, call);
	call->wrapup_until = call_wallclock() + q->wrapup_s * 1000ull;
	wtimer_start(&call->wrapup_tmr, q->wrapup_s * 1000ull,
		     wrapup_timeout, call);

	call->routing_json = mem_deref(call->routing_json);
	(void)re_sdprintf(&call->routing_json, "%H", routing_item_explain,
			  call->item);
	call_record_touch(call);

	log_info("call %s: %s wraps up for at most %us", call->id,
		 call->agent, q->wrapup_s);
	call_event("call.wrapup", call->agent, "{\"call\":%H,\"agent\":%H,"
		   "\"until\":%H}", jsonstr_print, call->id, jsonstr_print,
		   call->agent, print_time, call->wrapup_until);

	return true;
}


/* Shutdown: wrap-ups end now, so their records are saved with the rest. */
void call_wrapup_close(void)
{
	struct le *le;

	while ((le = cs.wrapups.head))
		wrapup_end(le->data, "shutdown");
}


static struct call *live(const char *id)
{
	return id ? call_find(id) : NULL;
}


int call_control_agent(const char *call_id, char *agent, size_t sz)
{
	const struct call *call = live(call_id);

	if (!call && call_id)
		call = wrapup_find(call_id);
	if (!call)
		return ENOENT;

	str_ncpy(agent, call->agent && call->state != CALL_QUEUED &&
		 call->state != CALL_OFFERING ? call->agent : "", sz);
	return 0;
}


static const char *state_name(const struct call *call)
{
	if (call->wrapup_until)
		return "wrap_up";

	switch (call->state) {

	case CALL_QUEUED:   return "queued";
	case CALL_OFFERING: return "offering";
	case CALL_ANSWERED: return "answered";
	case CALL_DIALING:  return "dialing";
	default:            return "ended";
	}
}


int call_control_json(struct re_printf *pf, const char *call_id)
{
	const struct call *call = live(call_id);
	const bool answered = call && (call->state == CALL_ANSWERED ||
				       call->state == CALL_DIALING);
	int err;

	if (!call && call_id)
		call = wrapup_find(call_id);
	if (!call)
		return ENOENT;

	err = re_hprintf(pf, "{\"id\":%H,\"state\":\"%s\",\"agent\":%H,"
			 "\"muted\":%s,\"held\":%s", jsonstr_print, call->id,
			 state_name(call), jsonstr_print,
			 answered || call->wrapup_until ? call->agent : NULL,
			 call->muted ? "true" : "false",
			 call->held ? "true" : "false");
	if (!err && call->wrapup_until)
		err = re_hprintf(pf, ",\"wrap_up_until\":%H", print_time,
				 call->wrapup_until);
	if (!err)
		err = re_hprintf(pf, "}");

	return err;
}


/* The live, answered call, or why not. */
static int answered(struct call **callp, const char *call_id,
		    const char **why)
{
	struct call *call = live(call_id);
	const char *w = NULL;

	if (!call) {
		if (call_id && wrapup_find(call_id))
			w = "the call has ended (its agent is in wrap-up)";
		else
			return ENOENT;
	}
	else if (call->state == CALL_QUEUED) {
		w = "the call is waiting in its queue: no agent has it";
	}
	else if (call->state == CALL_OFFERING) {
		w = "the call is ringing: no agent has answered it yet";
	}
	else if (call->state == CALL_DIALING) {
		w = "the call is being dialled: nobody has answered yet";
	}
	else if (call->state != CALL_ANSWERED || !call->b) {
		w = "the call has ended";
	}

	if (w) {
		if (why)
			*why = w;
		return EBUSY;
	}

	*callp = call;
	return 0;
}


int call_hangup(const char *call_id, const char **why)
{
	struct call *call = live(call_id);
	int err;

	/* an agent may give up the number it dials */
	if (call && call->state == CALL_DIALING) {
		log_info("call %s: dialling cancelled from the API", call->id);
		call_end(call, "cancelled", "agent", 0);
		return 0;
	}

	err = answered(&call, call_id, why);
	if (err)
		return err;

	log_info("call %s: %s hangs up from the API", call->id, call->agent);
	call_end(call, "completed", "agent", 0);
	return 0;
}


int call_wrapup(const char *call_id, const char *disposition,
		const char *notes, const char **why)
{
	struct call *call = call_id ? wrapup_find(call_id) : NULL;
	char *d = NULL, *n = NULL;

	if (!disposition)
		return EINVAL;

	if (!call) {
		int err = answered(&call, call_id, why);

		if (err)
			return err;
	}

	if (str_dup(&d, disposition) || (notes && str_dup(&n, notes))) {
		mem_deref(d);
		return ENOMEM;
	}

	mem_deref(call->disposition);
	mem_deref(call->notes);
	call->disposition = d;
	call->notes = n;

	if (call->wrapup_until) {
		wrapup_end(call, "disposition");
		return 0;
	}

	/* during the call: kept, and the end of the call skips wrap-up */
	log_info("call %s: disposition set during the call", call->id);
	call_record_touch(call);
	return 0;
}


static void relay_agent_audio(struct call *call)
{
	media_relay_mute(call->relay, MEDIA_B, call->muted || call->held);
}


int call_mute(const char *call_id, bool mute, const char **why)
{
	struct call *call;
	int err = answered(&call, call_id, why);

	if (err)
		return err;

	if (call->muted == mute)
		return 0;

	call->muted = mute;
	relay_agent_audio(call);
	log_info("call %s: agent %s", call->id, mute ? "muted" : "unmuted");
	call_event(mute ? "call.muted" : "call.unmuted", call->agent,
		   "{\"call\":%H,\"agent\":%H}", jsonstr_print, call->id,
		   jsonstr_print, call->agent);
	return 0;
}


int call_hold(const char *call_id, bool hold, const char **why)
{
	struct call *call;
	int err = answered(&call, call_id, why);

	if (err)
		return err;

	if (call->held == hold)
		return 0;

	/* the caller hears nothing from us while held: sendonly says we
	 * may send (music, some day) and expect nothing back */
	err = call_media_direction(call, MEDIA_A, hold ? MEDIA_SENDONLY :
				   MEDIA_SENDRECV);
	if (err) {
		if (why)
			*why = "the caller's leg cannot be re-INVITEd";
		return EBUSY;
	}

	call->held = hold;
	relay_agent_audio(call);
	log_info("call %s: caller %s", call->id, hold ? "held" : "resumed");
	call_event(hold ? "call.held" : "call.resumed", call->agent,
		   "{\"call\":%H,\"agent\":%H}", jsonstr_print, call->id,
		   jsonstr_print, call->agent);
	return 0;
}


static int event_pt(const struct media_sdp *s, uint8_t *pt)
{
	for (size_t i = 0; i < s->nfmt; i++) {
		if (s->fmt[i].codec == MEDIA_TELEPHONE_EVENT) {
			*pt = s->fmt[i].pt;
			return 0;
		}
	}

	return ENOENT;
}


int call_dtmf(const char *call_id, const char *digits, const char **why)
{
	struct call *call;
	uint8_t pt;
	int err;

	if (!media_dtmf_valid(digits) || !digits[0])
		return EINVAL;

	err = answered(&call, call_id, why);
	if (err)
		return err;

	/* what the caller and we agreed on, in the caller's numbering */
	if (event_pt(&call->local[MEDIA_A], &pt)) {
		if (why)
			*why = "the caller did not accept telephone-event";
		return EBUSY;
	}

	if (!call->dtmf) {
		err = media_dtmf_alloc(&call->dtmf, call->relay, MEDIA_A, pt);
		if (err)
			return err;
	}

	err = media_dtmf_send(call->dtmf, digits);
	if (err == EINVAL && why)
		*why = "too many digits are still waiting to be sent";
	if (err == EINVAL)
		return EBUSY;

	if (!err)
		log_info("call %s: sending %zu digit(s) to the caller",
			 call->id, strlen(digits));
	return err;
}
