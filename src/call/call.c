/*
 * call.c — the call's life.
 *
 * A trunk's INVITE becomes a call: it is routed by its Request-URI to a
 * queue, hears 180 Ringing, and waits as a routing item. Routing's
 * decisions ring agents' phones (offer.c); the first answer is bridged
 * to the caller through the relay. max_wait_s without an answer ends
 * the wait with 480. Either party's BYE ends both legs.
 *
 * Ownership: cs.calls holds one reference to each live call; the record
 * saver holds one while the record is unsaved. A call owns its caller
 * leg, its offers (and through them the agents' legs), relay and
 * routing item, and releases the routing item last, because freeing
 * agent capacity may start the next offer at once.
 */
#include <string.h>
#include <time.h>
#include <re.h>
#include "log.h"
#include "prov/prov.h"
#include "routing/routing.h"
#include "store/store.h"
#include "util/crypto.h"
#include "util/jsonstr.h"
#include "call/internal.h"

#define LOG_MODULE "call"

struct call_state_global cs;


uint64_t call_wallclock(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}


static void call_destructor(void *arg)
{
	struct call *call = arg;

	wtimer_cancel(&call->wait_tmr);
	list_unlink(&call->le);
	list_unlink(&call->le_dirty);

	call_offers_close(call);
	sipd_leg_hangup(call->a, 503, "Service Unavailable");
	mem_deref(call->a);
	call_transcribe_stop(call);
	mem_deref(call->nba);
	mem_deref(call->relay);

	list_flush(&call->legl);
	mem_deref(call->caller);

	mem_deref(call->from);
	mem_deref(call->from_number);
	mem_deref(call->from_name);
	mem_deref(call->to);
	mem_deref(call->trunk);
	mem_deref(call->queue);
	mem_deref(call->agent);
	mem_deref(call->routing_json);
	mem_deref(call->disposition);
	mem_deref(call->notes);
	mem_deref(call->dtmf);
	call_outbound_destroy(call);

	mem_deref(call->item);
}


struct call *call_find(const char *id)
{
	for (struct le *le = cs.calls.head; le; le = le->next) {
		struct call *call = le->data;

		if (!strcmp(call->id, id))
			return call;
	}

	return NULL;
}


static void caller_stats(struct call *call)
{
	if (!call->relay || !call->caller)
		return;

	media_relay_stats(call->relay, MEDIA_A, &call->caller->rtp_in,
			  &call->caller->rtp_out);
}


void call_end(struct call *call, const char *reason, const char *by,
	      uint16_t code)
{
	struct routing_item *item;

	if (call->state == CALL_ENDED)
		return;

	call->state = CALL_ENDED;
	call->ended = call_wallclock();
	call->end_reason = reason;
	call->hangup_by = by;

	wtimer_cancel(&call->wait_tmr);
	call_transcribe_stop(call);
	caller_stats(call);

	/* the winner's talk, for the record */
	for (struct le *le = call->offers.head; le; le = le->next) {
		struct offer *o = le->data;

		if (call->b && o->leg == call->b && call->relay) {
			media_relay_stats(call->relay, MEDIA_B, &o->rec->rtp_in,
					  &o->rec->rtp_out);
			o->rec->rtp_in -= call->rtp_b0_in;
			o->rec->rtp_out -= call->rtp_b0_out;
		}
	}

	if (!sipd_leg_established(call->a) && !call->caller_code)
		call->caller_code = code;
	if (call->caller) {
		call->caller->ended = call->ended;
		if (!call->caller->final_code)
			call->caller->final_code = call->caller_code;
	}

	call_outbound_end(call);
	call_offers_close(call);
	sipd_leg_hangup(call->a, code, code == 404 ? "Not Found" :
			code == 480 ? "Temporarily Unavailable" :
			code == 488 ? "Not Acceptable Here" :
			"Service Unavailable");

	log_info("call %s ended: %s (by %s)%s%s", call->id, reason,
		 by ? by : "-", call->agent ? ", agent " : "",
		 call->agent ? call->agent : "");
	call_notify_ended(call);

	/* the agent's wrap-up keeps the item, and so the agent's capacity
	 * (control.c) */
	if (call_wrapup_start(call))
		return;

	/* Last: freeing capacity may offer another call right away. The
	 * explanation is taken after the item's offers have ended, so an
	 * offer still ringing reads "ended", not "pending". */
	item = call->item;
	call->item = NULL;
	list_unlink(&call->le);
	call_outbound_release(call);
	routing_item_end(item);
	if (item)
		(void)re_sdprintf(&call->routing_json, "%H",
				  routing_item_explain, item);
	call_record_touch(call);
	mem_deref(item);
	mem_deref(call);

	if (cs.shutting_down && list_isempty(&cs.calls) && cs.idleh) {
		call_idle_h *h = cs.idleh;

		cs.idleh = NULL;
		call_record_flush();
		h(cs.idle_arg);
	}
}


/* An offer's phone answered first: bridge it to the caller — who has
 * been answered already when the call was transferred (transfer.c). */
void call_answered(struct call *call, struct offer *o,
		   const struct sipd_leg_ev *ev)
{
	const bool again = sipd_leg_established(call->a);
	struct mbuf *answer = NULL;
	int err;

	if (again) {
		err = call_media_answered(call, MEDIA_B, ev->sdp);
	}
	else {
		err = call_media_agent_answered(call, ev->sdp, &answer);
		if (!err)
			err = sipd_leg_answer(call->a, answer);
	}
	mem_deref(answer);

	if (err) {
		char agent[PROV_ID_MAX + 1];
		const bool open = o->open;

		log_warn("call %s: cannot bridge %s's answer: %m", call->id,
			 o->agent, err);
		str_ncpy(agent, o->agent, sizeof(agent));
		o->rec->final_code = 488;
		o->rec->ended = call_wallclock();
		call_notify_offer_ended(call, agent, "failed");
		mem_deref(o);                  /* BYE */
		if (list_isempty(&call->offers)) {
			wtimer_cancel(&call->push_tmr);
			call->state = CALL_QUEUED;
		}
		if (open)
			routing_offer_declined(call->item, agent,
					       ROUTING_FAILED);
		call_routing_rearm();
		return;
	}

	wtimer_cancel(&call->push_tmr);
	wtimer_cancel(&call->wait_tmr);

	call->state = CALL_ANSWERED;
	call->b = o->leg;
	o->rec->final_code = ev->scode;
	o->rec->answered = call_wallclock();
	if (!again) {
		call->answered = o->rec->answered;
		call->caller_code = 200;
		call->caller->final_code = 200;
		call->caller->answered = call->answered;
	}
	o->open = false;
	call->agent = mem_deref(call->agent);
	(void)str_dup(&call->agent, o->agent);

	log_info("call %s answered by %s", call->id, call->agent);
	call_notify_answered(call);
	call_transcribe_start(call);

	err = routing_offer_accepted(call->item, o->agent);
	if (err)
		log_warn("call %s: routing did not know %s's offer: %m",
			 call->id, o->agent, err);
	offer_withdraw_others(call, o);
	call_record_touch(call);
}


static void caller_leg_handler(struct sipd_leg *leg,
			       const struct sipd_leg_ev *ev, void *arg)
{
	struct call *call = arg;
	(void)leg;

	switch (ev->type) {

	case SIPD_LEG_CANCELLED:
		call->caller_code = 487;
		call_end(call, "cancelled", "caller", 487);
		break;

	case SIPD_LEG_BYE:
		call_end(call, "completed", "caller", 0);
		break;

	case SIPD_LEG_LOST:
		call_end(call, "error", "system", 0);
		break;

	default:    /* offers, answers: the media of side A */
		call_media_leg_event(call, MEDIA_A, ev);
		break;
	}
}


void call_wait_timeout(void *arg)
{
	struct call *call = arg;

	log_info("call %s: nobody answered in %us", call->id,
		 call->max_wait_s);
	call_end(call, "no_agent", "system", 480);
}


static void make_id(char *id, size_t sz)
{
	/* time-ordered, so ids sort like arrivals */
	(void)re_snprintf(id, sz, "c%011llx%08x",
			  (unsigned long long)call_wallclock(),
			  (unsigned)(crypto_rand_u64() & 0xffffffffu));
}


struct call *call_new(enum call_state state)
{
	struct call *call = mem_zalloc(sizeof(*call), call_destructor);

	if (!call)
		return NULL;

	make_id(call->id, sizeof(call->id));
	call->state = state;
	call->arrived = call_wallclock();
	call->sess_id = crypto_rand_u64() & 0xffffffffu;

	return call;
}


static int call_alloc(struct call **callp, struct sipd_leg *leg,
		      const struct sip_msg *msg, const char *trunk)
{
	struct call *call;
	int err;

	call = call_new(CALL_QUEUED);
	if (!call)
		return ENOMEM;

	call->a = mem_ref(leg);

	err  = pl_strdup(&call->from, &msg->from.auri);
	err |= pl_strdup(&call->to, &msg->uri.user);
	err |= str_dup(&call->trunk, trunk);
	if (pl_isset(&msg->from.uri.user))
		err |= pl_strdup(&call->from_number, &msg->from.uri.user);
	if (pl_isset(&msg->from.dname)) {
		struct pl dn = msg->from.dname;

		if (dn.l >= 2 && dn.p[0] == '"') {
			++dn.p;
			dn.l -= 2;
		}
		err |= pl_strdup(&call->from_name, &dn);
	}
	if (err)
		goto out;

	jsonstr_sanitize(call->from);
	jsonstr_sanitize(call->from_number);
	jsonstr_sanitize(call->from_name);
	jsonstr_sanitize(call->to);

	call->caller = mem_ref(call_leg_add(call, "caller", NULL, call->from));
	if (!call->caller) {
		err = ENOMEM;
		goto out;
	}
	call->caller->started = call->arrived;

 out:
	if (err)
		mem_deref(call);
	else
		*callp = call;

	return err;
}


/* A trunk's INVITE. Refusals that happen here are recorded too, so a
 * misrouted number shows up in the call list. */
static void invite_handler(struct sipd_leg *leg, const struct sip_msg *msg,
			   const char *trunk, void *arg)
{
	const struct prov_route *route;
	const struct prov_queue *q;
	const struct mbuf *body;
	struct call *call = NULL;
	int err;
	(void)arg;

	if (cs.shutting_down) {
		(void)sipd_leg_reject(leg, 503, "Service Unavailable");
		return;
	}

	err = call_alloc(&call, leg, msg, trunk);
	if (err) {
		(void)sipd_leg_reject(leg, 500, "Server Error");
		return;
	}

	list_append(&cs.calls, &call->le, call);
	sipd_leg_set_handler(leg, caller_leg_handler, call);

	route = prov_route_find(&msg->uri.user);
	q = route ? prov_queue_find(route->queue) : NULL;
	if (!q) {
		log_info("call %s from %s to %s: no route", call->id,
			 call->from, call->to);
		call_end(call, "no_route", "system", 404);
		return;
	}

	(void)str_dup(&call->queue, q->id);
	call->push_timeout_s = q->push_timeout_s;
	call->max_wait_s = q->max_wait_s;

	err = sipd_msg_sdp(msg, &body);
	if (!err)
		err = media_sdp_parse(&call->offer_a, body);
	if (err) {
		log_info("call %s: unusable SDP offer (%m)", call->id, err);
		call_end(call, "error", "system", 488);
		return;
	}

	log_info("call %s from %s to %s: queue %s", call->id, call->from,
		 call->to, call->queue);

	(void)sipd_leg_progress(leg, 180, "Ringing", NULL);
	wtimer_start(&call->wait_tmr, call->max_wait_s * 1000ull,
		     call_wait_timeout, call);
	call_record_touch(call);

	{
		const struct routing_item_conf ic = {
			.queue = call->queue,
			.size = 1,
			.priority = 0,
			.owner = call,
		};

		err = routing_item_add(&call->item, cs.routing, &ic);
	}
	if (err) {
		call_end(call, "error", "system", 500);
		return;
	}

	call_routing_rearm();
}


/* Routing's clock is the wall clock: its statistics count "today". */
static uint64_t routing_clock(void *arg)
{
	(void)arg;
	return call_wallclock();
}


int call_init(struct store *st, const struct sipd_conf *sc)
{
	int err;

	memset(&cs, 0, sizeof(cs));
	cs.store = st;

	err = routing_alloc(&cs.routing, routing_clock, call_offer_handler,
			    NULL);
	if (err)
		return err;

	err = sipd_init(sc, st, invite_handler, call_sync_registered, NULL);
	if (err)
		return err;

	call_transcribe_init();
	return call_sync_init();
}


void call_shutdown(call_idle_h *idleh, void *arg)
{
	struct le *le;

	cs.shutting_down = true;
	cs.idleh = idleh;
	cs.idle_arg = arg;
	call_wrapup_close();

	if (list_isempty(&cs.calls)) {
		cs.idleh = NULL;
		call_record_flush();
		if (idleh)
			idleh(arg);
		return;
	}

	log_info("ending %u call(s)", list_count(&cs.calls));

	while ((le = cs.calls.head)) {
		struct call *call = le->data;

		call_end(call, "shutdown", "system", 503);
	}
}


void call_close(void)
{
	struct le *le;

	cs.idleh = NULL;
	cs.shutting_down = true;

	while ((le = cs.calls.head))
		call_end(le->data, "shutdown", "system", 503);
	call_wrapup_close();

	call_record_close();
	call_sync_close();
	call_notify_close();
	call_desktop_close();
	cs.routing = mem_deref(cs.routing);
}


uint32_t call_count(void)
{
	return list_count(&cs.calls);
}
