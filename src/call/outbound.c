/*
 * outbound.c — calls switchboard places through a trunk: an agent's
 * click-to-dial, and the far leg of a blind transfer to a number.
 *
 * Click-to-dial rings the agent's own phone first, with the auto-answer
 * hint of a desktop Accept, and only once it has answered INVITEs the
 * trunk: nothing costs money until the agent is on the line, and a
 * phone that is busy or gone never reaches the carrier. Relay side A is
 * the customer and side B the agent, as for a call that came in, so
 * mute, hold, DTMF, transfer and the records work unchanged. The agent's
 * capacity is reserved in routing for the whole call (one unit, as an
 * inbound call takes), so routing offers it nothing meanwhile, whatever
 * its status; there is no queue, so no wrap-up either.
 *
 * A transfer to a number: the agent has left (transfer.c), the caller
 * stays on side A and the number's party, once it answers, is bridged to
 * side B. If it does not, the call ends ("transfer_failed"): the caller
 * is not put back in a queue it has been served from.
 *
 * The number decides the trunk (prov_trunk_for_number), and only a
 * trunk's own outbound prefixes are ever dialled: the toll-fraud rule
 * that no unauthenticated party reaches a trunk holds because only a
 * logged-in agent's API request starts any of this.
 */
#include <string.h>
#include <re.h>
#include "log.h"
#include "prov/prov.h"
#include "routing/routing.h"
#include "util/jsonstr.h"
#include "call/internal.h"

#define LOG_MODULE "call"

enum {
	AGENT_RING_S = 30,     /* the agent's phone should answer by itself */
	CUSTOMER_RING_S = 60,  /* then it is "no_answer" */
};


/* The trunk's INVITE for number: Request-URI sip:<number>@HOST:PORT. */
static int dial_target(struct sipd_target **tp, const struct prov_trunk *tr,
		       const char *number)
{
	const struct prov_outbound *ob = tr->outbound;
	struct sipd_target *t;

	t = mem_zalloc(sizeof(*t), NULL);
	if (!t)
		return ENOMEM;

	t->dst = ob->dst;
	t->tp = ob->tcp ? SIP_TRANSP_TCP : SIP_TRANSP_UDP;
	(void)re_snprintf(t->uri, sizeof(t->uri), "sip:%s@%J%s", number,
			  &ob->dst, ob->tcp ? ";transport=tcp" : "");

	*tp = t;
	return 0;
}


static const char *failure_reason(uint16_t scode)
{
	switch (scode) {

	case 486:
	case 600:
		return "busy";

	case 408:
	case 480:
	case 487:
		return "no_answer";

	default:
		return "failed";
	}
}


void call_outbound_release(struct call *call)
{
	char *agent = call->reserved;

	if (!agent)
		return;

	/* first: releasing may offer the agent a call at once */
	call->reserved = NULL;
	routing_agent_release(cs.routing, agent, 1);
	call_notify_agent(agent);
	call_routing_rearm();
	mem_deref(agent);
}


void call_outbound_end(struct call *call)
{
	uint64_t in = 0, out = 0;

	if (!call->xleg)
		return;

	if (call->xrec) {
		if (call->relay && call->b == call->xleg) {
			media_relay_stats(call->relay, MEDIA_B, &in, &out);
			call->xrec->rtp_in = in - call->rtp_b0_in;
			call->xrec->rtp_out = out - call->rtp_b0_out;
		}
		if (!call->xrec->final_code)
			call->xrec->final_code = 487;
		call->xrec->ended = call->ended;
	}

	if (call->b == call->xleg)
		call->b = NULL;
	sipd_leg_hangup(call->xleg, 0, NULL);
}


void call_outbound_destroy(struct call *call)
{
	call_outbound_release(call);
	sipd_leg_hangup(call->xleg, 0, NULL);
	mem_deref(call->xleg);
	mem_deref(call->xrec);
	mem_deref(call->dial);
}


static void ring_timeout(void *arg)
{
	struct call *call = arg;

	log_info("call %s: %s did not answer in %us", call->id, call->xleg ?
		 "the number" : "the customer", CUSTOMER_RING_S);
	if (call->xrec)
		call->xrec->final_code = 487;     /* we CANCEL it */
	else if (call->caller)
		call->caller_code = 487;
	call_end(call, call->xleg ? "transfer_failed" : "no_answer", "system",
		 0);
}


/* The customer's leg (side A) of a click-to-dial. */
static void customer_handler(struct sipd_leg *leg, const struct sipd_leg_ev *ev,
			     void *arg)
{
	struct call *call = arg;
	int err;
	(void)leg;

	switch (ev->type) {

	case SIPD_LEG_ANSWERED:
		if (call->state != CALL_DIALING)
			break;

		wtimer_cancel(&call->wait_tmr);
		call->caller_code = ev->scode;
		call->caller->final_code = ev->scode;
		err = call_media_answered(call, MEDIA_A, ev->sdp);
		if (err) {
			log_info("call %s: the customer's answer is unusable "
				 "(%m)", call->id, err);
			call_end(call, "error", "system", 0);
			break;
		}

		call->state = CALL_ANSWERED;
		call->answered = call_wallclock();
		call->caller->answered = call->answered;
		log_info("call %s: %s answered", call->id, call->to);
		call_notify_answered(call);
		call_transcribe_start(call);
		call_record_touch(call);
		break;

	case SIPD_LEG_FAILED:
		log_info("call %s: %s refused it (%u)", call->id, call->to,
			 ev->scode);
		call->caller_code = ev->scode;
		call->caller->final_code = ev->scode;
		call_end(call, failure_reason(ev->scode), "system", 0);
		break;

	case SIPD_LEG_BYE:
		call_end(call, "completed", "customer", 0);
		break;

	case SIPD_LEG_LOST:
		call_end(call, "error", "system", 0);
		break;

	default:    /* offers, answers: the media of side A */
		call_media_leg_event(call, MEDIA_A, ev);
		break;
	}
}


void call_outbound_agent_answered(struct call *call, struct offer *o,
				  const struct sipd_leg_ev *ev)
{
	char from[300], to[300];
	struct mbuf *sdp = NULL;
	const char *cid;
	int err;

	wtimer_cancel(&call->push_tmr);
	call->b = o->leg;
	o->rec->final_code = ev->scode;
	o->rec->answered = call_wallclock();

	err = call_media_answered(call, MEDIA_B, ev->sdp);
	if (!err)
		err = call_media_dial_customer(call, &sdp);
	if (err) {
		log_warn("call %s: %s's phone answered unusably: %m",
			 call->id, o->agent, err);
		mem_deref(sdp);
		call_end(call, "error", "system", 0);
		return;
	}

	cid = call->from_number ? call->from_number : "anonymous";
	(void)re_snprintf(from, sizeof(from), "sip:%s@%s", cid, sipd_host());
	(void)re_snprintf(to, sizeof(to), "sip:%s@%J", call->to,
			  &call->dial->dst);

	err = sipd_leg_invite(&call->a, call->dial, from, NULL, to, sdp,
			      customer_handler, call);
	mem_deref(sdp);
	if (!err) {
		call->caller = mem_ref(call_leg_add(call, "customer", NULL,
						    call->dial->uri));
		if (!call->caller)
			err = ENOMEM;
	}
	if (err) {
		log_warn("call %s: cannot call the trunk: %m", call->id, err);
		call_end(call, "error", "system", 0);
		return;
	}

	log_info("call %s: %s on the line, calling %s through %s", call->id,
		 o->agent, call->to, call->trunk);
	wtimer_start(&call->wait_tmr, CUSTOMER_RING_S * 1000ull, ring_timeout,
		     call);
	call_record_touch(call);
}


void call_outbound_agent_failed(struct call *call, struct offer *o,
				uint16_t scode)
{
	log_info("call %s: %s's phone did not take it (%u)", call->id,
		 o->agent, scode);
	o->rec->final_code = scode;
	o->rec->ended = call_wallclock();
	call_end(call, "agent_failed", "system", 0);
}


static void agent_timeout(void *arg)
{
	struct call *call = arg;
	struct offer *o = list_ledata(call->offers.head);

	if (o && o->rec)
		o->rec->final_code = 408;
	log_info("call %s: the agent's phone did not answer in %us",
		 call->id, AGENT_RING_S);
	call_end(call, "agent_failed", "system", 0);
}


int call_dial(const char *agent, const char *number, char *id, size_t sz,
	      const char **why)
{
	const struct prov_agent *pa = prov_agent_find(agent);
	const struct prov_trunk *tr;
	struct sipd_target t;
	struct call *call;
	struct mbuf *sdp = NULL;
	int err;

	if (!prov_number_valid(number))
		return EINVAL;

	if (cs.shutting_down) {
		*why = "switchboard is shutting down";
		return EBUSY;
	}

	tr = prov_trunk_for_number(number);
	if (!tr)
		return EPERM;

	if (!pa)
		return ENOENT;
	if (!pa->sip_user || sipd_agent_target(agent, &t)) {
		*why = "your phone is not registered: switchboard calls it "
			"first";
		return ENOTCONN;
	}

	/* the agent's unit first: a busy agent costs nothing more */
	err = routing_agent_reserve(cs.routing, agent, 1);
	if (err) {
		*why = err == EBUSY ? "you are on a call, in wrap-up or being "
			"offered one" : "you cannot take calls now";
		return EBUSY;
	}

	call = call_new(CALL_DIALING);
	if (!call || str_dup(&call->reserved, agent)) {
		routing_agent_release(cs.routing, agent, 1);
		mem_deref(call);
		return ENOMEM;
	}

	call->outbound = true;
	err  = str_dup(&call->agent, agent);
	err |= str_dup(&call->to, number);
	err |= str_dup(&call->trunk, tr->id);
	err |= str_dup(&call->from_number, tr->outbound->caller_id);
	err |= re_sdprintf(&call->from, "sip:%s@%s",
			   tr->outbound->caller_id, sipd_host());
	if (err) {
		err = ENOMEM;
		goto out;
	}

	err = dial_target(&call->dial, tr, number);
	if (!err)
		err = media_relay_alloc(&call->relay);
	if (!err)
		err = call_media_dial_agent(call, &sdp);
	if (!err)
		err = call_offer_dial(call, agent, &t, sdp);
	mem_deref(sdp);
	if (err)
		goto out;

	/* live: from here call_end ends it */
	list_append(&cs.calls, &call->le, call);
	str_ncpy(id, call->id, sz);
	call->offered = call->arrived;

	log_info("call %s: %s dials %s through trunk %s", call->id, agent,
		 number, tr->id);
	wtimer_start(&call->push_tmr, AGENT_RING_S * 1000ull, agent_timeout,
		     call);
	call_event("call.dialing", agent, "{\"call\":\"%s\",\"agent\":%H,"
		   "\"to\":%H,\"trunk\":%H}", call->id, jsonstr_print, agent,
		   jsonstr_print, number, jsonstr_print, tr->id);
	call_notify_agent(agent);
	call_record_touch(call);
	return 0;

 out:
	log_warn("%s cannot dial %s: %m", agent, number, err);
	mem_deref(call);
	return err;
}


/* A ringing number of a transfer: the caller waits on side A. */
static void external_handler(struct sipd_leg *leg,
			     const struct sipd_leg_ev *ev, void *arg)
{
	struct call *call = arg;
	int err;
	(void)leg;

	switch (ev->type) {

	case SIPD_LEG_ANSWERED:
		if (call->state != CALL_DIALING)
			break;

		wtimer_cancel(&call->wait_tmr);
		call->xrec->final_code = ev->scode;
		err = call_media_answered(call, MEDIA_B, ev->sdp);
		if (err) {
			log_info("call %s: the number's answer is unusable "
				 "(%m)", call->id, err);
			call_end(call, "transfer_failed", "system", 0);
			break;
		}

		call->state = CALL_ANSWERED;
		call->b = call->xleg;
		call->xrec->answered = call_wallclock();
		log_info("call %s: transferred to %s, answered", call->id,
			 call->xrec->uri);
		call_transcribe_start(call);
		call_record_touch(call);
		break;

	case SIPD_LEG_FAILED:
		log_info("call %s: the transfer's number refused it (%u)",
			 call->id, ev->scode);
		call->xrec->final_code = ev->scode;
		call_end(call, "transfer_failed", "system", 0);
		break;

	case SIPD_LEG_BYE:
		call_end(call, "completed", "external", 0);
		break;

	case SIPD_LEG_LOST:
		call_end(call, "error", "system", 0);
		break;

	default:    /* offers, answers: the media of side B */
		call_media_leg_event(call, MEDIA_B, ev);
		break;
	}
}


int call_transfer_dial(struct call *call, const char *number)
{
	const struct prov_trunk *tr = prov_trunk_for_number(number);
	char from[300], to[300];
	struct mbuf *sdp = NULL;
	int err;

	if (!tr)
		return EPERM;

	call->dial = mem_deref(call->dial);
	err = dial_target(&call->dial, tr, number);
	if (!err)
		err = call_media_offer_agent(call, &sdp);
	if (err) {
		mem_deref(sdp);
		return err;
	}

	/* the trunk's own caller id: carriers refuse numbers not theirs */
	(void)re_snprintf(from, sizeof(from), "sip:%s@%s",
			  tr->outbound->caller_id, sipd_host());
	(void)re_snprintf(to, sizeof(to), "sip:%s@%J", number,
			  &call->dial->dst);

	err = sipd_leg_invite(&call->xleg, call->dial, from, NULL, to, sdp,
			      external_handler, call);
	mem_deref(sdp);
	if (err)
		return err;

	call->xrec = mem_ref(call_leg_add(call, "external", NULL,
					  call->dial->uri));
	call->state = CALL_DIALING;
	log_info("call %s: calling %s through %s for the transfer", call->id,
		 number, tr->id);
	wtimer_start(&call->wait_tmr, CUSTOMER_RING_S * 1000ull, ring_timeout,
		     call);
	return 0;
}
