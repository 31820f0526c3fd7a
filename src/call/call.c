/*
 * call.c — the call state machine.
 *
 * A trunk's INVITE becomes a call: it is routed by its Request-URI to a
 * queue, gets a media relay, hears 180 Ringing, and waits as a routing
 * item. Each routing decision becomes an INVITE to the agent's phone;
 * busy, declined or unanswered within push_timeout_s sends the item back
 * to routing (the agent is skipped for DECLINE_BLOCK_MS); an answer
 * bridges the two legs through the relay. max_wait_s without an answer
 * ends the wait with 480. Either party's BYE ends both legs.
 *
 * Ownership: cs.calls holds one reference to each live call; the record
 * saver holds one while the record is unsaved. A call owns its legs,
 * relay and routing item, and releases the routing item last, because
 * freeing agent capacity may start the next offer at once.
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

enum { DECLINE_BLOCK_MS = 30000 };

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

	wtimer_cancel(&call->push_tmr);
	wtimer_cancel(&call->wait_tmr);
	list_unlink(&call->le);
	list_unlink(&call->le_dirty);

	sipd_leg_hangup(call->b, 503, "Service Unavailable");
	sipd_leg_hangup(call->a, 503, "Service Unavailable");
	mem_deref(call->b);
	mem_deref(call->a);
	mem_deref(call->relay);

	for (size_t i = 0; i < call->nlegs; i++) {
		mem_deref(call->legs[i].agent);
		mem_deref(call->legs[i].uri);
	}

	mem_deref(call->from);
	mem_deref(call->from_number);
	mem_deref(call->from_name);
	mem_deref(call->to);
	mem_deref(call->trunk);
	mem_deref(call->queue);
	mem_deref(call->agent);

	mem_deref(call->item);
}


static void leg_stats(struct call *call)
{
	if (!call->relay)
		return;

	media_relay_stats(call->relay, MEDIA_A, &call->legs[0].rtp_in,
			  &call->legs[0].rtp_out);
	if (call->cur && call->cur->answered)
		media_relay_stats(call->relay, MEDIA_B, &call->cur->rtp_in,
				  &call->cur->rtp_out);
}


/* Ends the agent attempt in progress, if any, recording its code. */
static void agent_attempt_over(struct call *call, uint16_t code)
{
	struct call_leg *cur = call->cur;

	wtimer_cancel(&call->push_tmr);

	if (cur) {
		if (!cur->final_code)
			cur->final_code = code;
		cur->ended = call_wallclock();
	}
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
	leg_stats(call);

	if (call->cur && !call->cur->ended) {
		call->cur->ended = call->ended;
		if (!call->cur->final_code)
			call->cur->final_code = 487;
	}
	call->legs[0].ended = call->ended;

	if (!sipd_leg_established(call->a) && !call->caller_code)
		call->caller_code = code;
	if (!call->legs[0].final_code)
		call->legs[0].final_code = call->caller_code;

	sipd_leg_hangup(call->b, 0, NULL);
	sipd_leg_hangup(call->a, code, code == 404 ? "Not Found" :
			code == 480 ? "Temporarily Unavailable" :
			code == 488 ? "Not Acceptable Here" :
			"Service Unavailable");

	log_info("call %s ended: %s (by %s)%s%s", call->id, reason,
		 by ? by : "-", call->agent ? ", agent " : "",
		 call->agent ? call->agent : "");

	call_record_touch(call);

	/* Last: freeing capacity may offer another call right away. */
	item = call->item;
	call->item = NULL;
	list_unlink(&call->le);
	mem_deref(item);
	mem_deref(call);

	if (cs.shutting_down && list_isempty(&cs.calls) && cs.idleh) {
		call_idle_h *h = cs.idleh;

		cs.idleh = NULL;
		call_record_flush();
		h(cs.idle_arg);
	}
}


static void offer_failed(struct call *call, uint16_t code)
{
	agent_attempt_over(call, code);
	call->b = mem_deref(call->b);
	call->state = CALL_QUEUED;

	log_info("call %s: agent %s did not take it (%u)", call->id,
		 call->cur && call->cur->agent ? call->cur->agent : "?", code);
	call->cur = NULL;

	call_record_touch(call);
	routing_offer_declined(call->item, DECLINE_BLOCK_MS);
	call_routing_rearm();
}


static void answered(struct call *call, const struct sipd_leg_ev *ev)
{
	struct mbuf *answer = NULL;
	int err;

	err = call_media_agent_answered(call, ev->sdp, &answer);
	if (!err)
		err = sipd_leg_answer(call->a, answer);
	mem_deref(answer);

	if (err) {
		log_warn("call %s: cannot bridge the agent's answer: %m",
			 call->id, err);
		sipd_leg_hangup(call->b, 0, NULL);
		offer_failed(call, 488);
		return;
	}

	wtimer_cancel(&call->push_tmr);
	wtimer_cancel(&call->wait_tmr);

	call->state = CALL_ANSWERED;
	call->answered = call_wallclock();
	call->caller_code = 200;
	call->legs[0].final_code = 200;
	call->legs[0].answered = call->answered;
	call->cur->final_code = ev->scode;
	call->cur->answered = call->answered;
	call->agent = mem_deref(call->agent);
	(void)str_dup(&call->agent, call->cur->agent);

	routing_offer_accepted(call->item);
	call_record_touch(call);

	log_info("call %s answered by %s", call->id, call->agent);
}


static void agent_leg_handler(struct sipd_leg *leg,
			      const struct sipd_leg_ev *ev, void *arg)
{
	struct call *call = arg;
	(void)leg;

	switch (ev->type) {

	case SIPD_LEG_PROGRESS:
		break;

	case SIPD_LEG_ANSWERED:
		answered(call, ev);
		break;

	case SIPD_LEG_FAILED:
		offer_failed(call, ev->scode);
		break;

	case SIPD_LEG_BYE:
		agent_attempt_over(call, 0);
		call_end(call, "completed", "agent", 0);
		break;

	case SIPD_LEG_LOST:
		agent_attempt_over(call, 0);
		call_end(call, "error", "system", 0);
		break;

	case SIPD_LEG_OFFER:
		call_media_offer(call, MEDIA_B, ev);
		break;

	case SIPD_LEG_ACK_ANSWER:
		call_media_ack_answer(call, MEDIA_B, ev);
		break;

	case SIPD_LEG_REOFFER_ANSWERED:
	case SIPD_LEG_REOFFER_FAILED:
		call_media_reoffer_answered(call, MEDIA_B, ev);
		break;

	default:
		break;
	}
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

	case SIPD_LEG_OFFER:
		call_media_offer(call, MEDIA_A, ev);
		break;

	case SIPD_LEG_ACK_ANSWER:
		call_media_ack_answer(call, MEDIA_A, ev);
		break;

	case SIPD_LEG_REOFFER_ANSWERED:
	case SIPD_LEG_REOFFER_FAILED:
		call_media_reoffer_answered(call, MEDIA_A, ev);
		break;

	default:
		break;
	}
}


static void push_timeout(void *arg)
{
	struct call *call = arg;

	log_info("call %s: no answer from %s in %us", call->id,
		 call->cur && call->cur->agent ? call->cur->agent : "?",
		 call->push_timeout_s);

	/* CANCEL: the phone's final answer will be 487 */
	sipd_leg_hangup(call->b, 0, NULL);
	offer_failed(call, 487);
}


static void wait_timeout(void *arg)
{
	struct call *call = arg;

	log_info("call %s: nobody answered in %us", call->id,
		 call->max_wait_s);
	call_end(call, "no_agent", "system", 480);
}


/* Routing picked an agent: ring its phone. */
static void offer_handler(struct routing_item *item, const char *agent,
			  void *arg)
{
	struct call *call = routing_item_owner(item);
	const struct prov_agent *pa = prov_agent_find(agent);
	struct sipd_target t;
	struct mbuf *sdp = NULL;
	char from[300], to[300];
	int err;
	(void)arg;

	/* not expected: routing offers only waiting items; give the
	 * reserved capacity back rather than strand it */
	if (!call || call->state != CALL_QUEUED) {
		routing_offer_declined(item, 0);
		return;
	}

	err = pa && pa->sip_user ? sipd_agent_target(agent, &t) : ENOENT;
	if (err) {
		/* unregistered meanwhile: skip it for this call */
		routing_offer_declined(item, DECLINE_BLOCK_MS);
		call_routing_rearm();
		return;
	}

	/* Media ports only once an agent is rung: a queue of waiting callers
	 * must not hold four descriptors each while nothing flows. */
	if (!call->relay) {
		err = media_relay_alloc(&call->relay);
		if (err) {
			log_warn("call %s: no media ports: %m", call->id, err);
			call_end(call, "error", "system", 503);
			return;
		}
		media_relay_set_remote(call->relay, MEDIA_A,
				       &call->offer_a.addr);
	}

	call->cur = call_leg_add(call, "agent", agent, t.uri);
	call->state = CALL_OFFERING;
	if (!call->offered)
		call->offered = call_wallclock();

	(void)re_snprintf(from, sizeof(from), "sip:%s@%s",
			  call->from_number ? call->from_number : "anonymous",
			  sipd_host());
	(void)re_snprintf(to, sizeof(to), "sip:%s@%s", pa->sip_user,
			  sipd_host());

	err = call_media_offer_agent(call, &sdp);
	if (!err)
		err = sipd_leg_invite(&call->b, &t, from, call->from_name, to,
				      sdp, agent_leg_handler, call);
	mem_deref(sdp);

	if (err) {
		log_warn("call %s: cannot call agent %s: %m", call->id, agent,
			 err);
		offer_failed(call, 500);
		return;
	}

	log_info("call %s offered to %s", call->id, agent);
	wtimer_start(&call->push_tmr, call->push_timeout_s * 1000ull,
		     push_timeout, call);
	call_record_touch(call);
}


static void make_id(char *id, size_t sz)
{
	/* time-ordered, so ids sort like arrivals */
	(void)re_snprintf(id, sz, "c%011llx%08x",
			  (unsigned long long)call_wallclock(),
			  (unsigned)(crypto_rand_u64() & 0xffffffffu));
}


static int call_alloc(struct call **callp, struct sipd_leg *leg,
		      const struct sip_msg *msg, const char *trunk)
{
	struct call *call;
	int err;

	call = mem_zalloc(sizeof(*call), call_destructor);
	if (!call)
		return ENOMEM;

	make_id(call->id, sizeof(call->id));
	call->state = CALL_QUEUED;
	call->arrived = call_wallclock();
	call->sess_id = crypto_rand_u64() & 0xffffffffu;
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

	call->cur = NULL;
	(void)call_leg_add(call, "caller", NULL, call->from);
	call->legs[0].started = call->arrived;

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
		     wait_timeout, call);
	call_record_touch(call);

	err = routing_item_add(&call->item, cs.routing, call->queue, 1, call);
	if (err) {
		call_end(call, "error", "system", 500);
		return;
	}

	call_routing_rearm();
}


static uint64_t routing_clock(void *arg)
{
	(void)arg;
	return wheel_now_ms();
}


int call_init(struct store *st, const struct sipd_conf *sc)
{
	int err;

	memset(&cs, 0, sizeof(cs));
	cs.store = st;

	err = routing_alloc(&cs.routing, routing_clock, offer_handler, NULL);
	if (err)
		return err;

	err = sipd_init(sc, st, invite_handler, call_sync_registered, NULL);
	if (err)
		return err;

	return call_sync_init();
}


void call_shutdown(call_idle_h *idleh, void *arg)
{
	struct le *le;

	cs.shutting_down = true;
	cs.idleh = idleh;
	cs.idle_arg = arg;

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

	call_record_close();
	call_sync_close();
	cs.routing = mem_deref(cs.routing);
}


uint32_t call_count(void)
{
	return list_count(&cs.calls);
}
