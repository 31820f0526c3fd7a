/*
 * offer.c — ringing agents' phones for a routing decision.
 *
 * A decision names one agent, or with ring-all every qualified free
 * agent; each gets an INVITE of its own (an offer). The first to answer
 * wins: it is bridged to the caller and the others are CANCELled and
 * withdrawn from routing. A phone that is busy, declines, fails or does
 * not answer within the queue's push_timeout_s gives its offer back to
 * routing, which skips that agent for the queue's decline block (and on
 * a timeout may move it to the queue's missed status). When no offer is
 * left, the call waits in its queue again.
 *
 * Routing is told last in every path, because it may make the next
 * decision — and call back in here — before it returns.
 */
#include <string.h>
#include <re.h>
#include "log.h"
#include "prov/prov.h"
#include "routing/routing.h"
#include "call/internal.h"

#define LOG_MODULE "call"


static void offer_destructor(void *arg)
{
	struct offer *o = arg;

	list_unlink(&o->le);
	sipd_leg_hangup(o->leg, 0, NULL);
	mem_deref(o->leg);
	mem_deref(o->rec);
	mem_deref(o->agent);
}


static enum routing_refusal refusal_of(uint16_t scode)
{
	switch (scode) {

	case 480:
	case 486:
	case 600:
	case 603:
		return ROUTING_DECLINED;

	case 408:
		return ROUTING_TIMEOUT;

	default:
		return ROUTING_FAILED;
	}
}


static void record_end(struct offer *o, uint16_t code)
{
	if (!o->rec)
		return;

	if (!o->rec->final_code)
		o->rec->final_code = code;
	if (!o->rec->ended)
		o->rec->ended = call_wallclock();
}


/* The offer is over without winning: drop it, and give it back to
 * routing unless routing already forgot it. */
static void offer_lost(struct offer *o, uint16_t code,
		       enum routing_refusal why)
{
	struct call *call = o->call;
	char agent[PROV_ID_MAX + 1];
	const bool open = o->open;

	str_ncpy(agent, o->agent, sizeof(agent));
	record_end(o, code);
	log_info("call %s: agent %s did not take it (%u)", call->id, agent,
		 code);

	o->open = false;
	mem_deref(o);

	if (list_isempty(&call->offers) && call->state == CALL_OFFERING) {
		wtimer_cancel(&call->push_tmr);
		call->state = CALL_QUEUED;
	}

	call_record_touch(call);

	if (open) {
		routing_offer_declined(call->item, agent, why);
		if (why == ROUTING_TIMEOUT)
			call_status_persist(agent);
		call_routing_rearm();
	}
}


void offer_withdraw_others(struct call *call, struct offer *winner)
{
	struct le *le = call->offers.head;

	while (le) {
		struct offer *o = le->data;
		char agent[PROV_ID_MAX + 1];
		bool open;

		le = le->next;
		if (o == winner)
			continue;

		str_ncpy(agent, o->agent, sizeof(agent));
		open = o->open;
		record_end(o, 487);
		mem_deref(o);             /* CANCELs its INVITE */

		if (open)
			routing_offer_withdrawn(call->item, agent);
	}
}


void call_offers_close(struct call *call)
{
	struct le *le;

	wtimer_cancel(&call->push_tmr);

	while ((le = call->offers.head)) {
		struct offer *o = le->data;

		record_end(o, o->leg == call->b ? 0 : 487);
		mem_deref(o);
	}

	call->b = NULL;
}


/* An agent is being deleted: its phones stop ringing first, so that
 * routing, which then forgets the agent, finds those calls waiting and
 * may offer them to someone else. A call it is talking on goes on. */
void call_agent_removed(const char *agent)
{
	for (struct le *le = cs.calls.head; le; le = le->next) {
		struct call *call = le->data;
		struct le *ol = call->offers.head;
		bool changed = false;

		while (ol) {
			struct offer *o = ol->data;

			ol = ol->next;
			if (o->leg == call->b || strcmp(o->agent, agent))
				continue;

			o->open = false;  /* routing drops it with the agent */
			record_end(o, 487);
			mem_deref(o);     /* CANCELs its INVITE */
			changed = true;
		}

		if (!changed)
			continue;

		if (list_isempty(&call->offers) &&
		    call->state == CALL_OFFERING) {
			wtimer_cancel(&call->push_tmr);
			call->state = CALL_QUEUED;
		}
		call_record_touch(call);
	}
}


static void leg_handler(struct sipd_leg *leg, const struct sipd_leg_ev *ev,
			void *arg)
{
	struct offer *o = arg;
	struct call *call = o->call;
	const bool winner = leg == call->b;
	(void)leg;

	switch (ev->type) {

	case SIPD_LEG_PROGRESS:
		break;

	case SIPD_LEG_ANSWERED:
		if (call->state == CALL_OFFERING) {
			call_answered(call, o, ev);
		}
		else {
			/* another phone of a ring-all won first */
			char agent[PROV_ID_MAX + 1];
			const bool open = o->open;

			str_ncpy(agent, o->agent, sizeof(agent));
			record_end(o, ev->scode);
			mem_deref(o);          /* BYE */
			if (open)
				routing_offer_withdrawn(call->item, agent);
		}
		break;

	case SIPD_LEG_FAILED:
		offer_lost(o, ev->scode, refusal_of(ev->scode));
		break;

	case SIPD_LEG_BYE:
		if (winner)
			call_end(call, "completed", "agent", 0);
		break;

	case SIPD_LEG_LOST:
		if (winner)
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


static struct offer *first_timed_out(const struct call *call)
{
	for (struct le *le = call->offers.head; le; le = le->next) {
		struct offer *o = le->data;

		if (o->timed_out)
			return o;
	}

	return NULL;
}


static void push_timeout(void *arg)
{
	struct call *call = arg;
	struct offer *o;

	log_info("call %s: no answer in %us", call->id, call->push_timeout_s);

	/* Only the offers ringing now: giving one back to routing may ring
	 * the next agent at once, and that offer has its own time. */
	for (struct le *le = call->offers.head; le; le = le->next)
		((struct offer *)le->data)->timed_out = true;

	mem_ref(call);
	while (call->state == CALL_OFFERING && (o = first_timed_out(call))) {
		/* the CANCEL's answer will be 487 */
		sipd_leg_hangup(o->leg, 0, NULL);
		offer_lost(o, 487, ROUTING_TIMEOUT);
	}
	mem_deref(call);
}


/* One INVITE to one agent's registered phone. */
static int offer_start(struct call *call, const char *agent,
		       const struct mbuf *sdp)
{
	const struct prov_agent *pa = prov_agent_find(agent);
	struct sipd_target t;
	struct offer *o;
	char from[300], to[300];
	int err;

	if (!pa || !pa->sip_user)
		return ENOENT;

	err = sipd_agent_target(agent, &t);
	if (err)
		return err;

	o = mem_zalloc(sizeof(*o), offer_destructor);
	if (!o)
		return ENOMEM;

	o->call = call;
	o->open = true;
	err = str_dup(&o->agent, agent);
	if (err)
		goto out;

	(void)re_snprintf(from, sizeof(from), "sip:%s@%s",
			  call->from_number ? call->from_number : "anonymous",
			  sipd_host());
	(void)re_snprintf(to, sizeof(to), "sip:%s@%s", pa->sip_user,
			  sipd_host());

	err = sipd_leg_invite(&o->leg, &t, from, call->from_name, to, sdp,
			      leg_handler, o);
	if (err)
		goto out;

	o->rec = mem_ref(call_leg_add(call, "agent", agent, t.uri));
	if (!o->rec) {
		err = ENOMEM;
		goto out;
	}
	list_append(&call->offers, &o->le, o);
	log_info("call %s offered to %s", call->id, agent);

 out:
	if (err)
		mem_deref(o);

	return err;
}


void call_offer_handler(struct routing_item *item, const char *const *agents,
			size_t n, void *arg)
{
	struct call *call = routing_item_owner(item);
	const char **failed = NULL;
	size_t nfailed = 0;
	struct mbuf *sdp = NULL;
	int err;
	(void)arg;

	/* ending every call: an agent freed by one must not be rung for
	 * the next; the reservation goes with the item in a moment */
	if (cs.shutting_down)
		return;

	/* not expected: routing offers only waiting items; give the
	 * reservations back rather than strand them */
	if (!call || call->state != CALL_QUEUED) {
		for (size_t i = 0; i < n; i++)
			routing_offer_declined(item, agents[i],
					       ROUTING_FAILED);
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

	err = call_media_offer_agent(call, &sdp);
	if (err) {
		call_end(call, "error", "system", 500);
		return;
	}

	failed = mem_zalloc(n * sizeof(*failed), NULL);
	if (!failed) {
		mem_deref(sdp);
		call_end(call, "error", "system", 500);
		return;
	}

	call->state = CALL_OFFERING;
	if (!call->offered)
		call->offered = call_wallclock();

	for (size_t i = 0; i < n; i++) {
		err = offer_start(call, agents[i], sdp);
		if (err) {
			log_warn("call %s: cannot call agent %s: %m",
				 call->id, agents[i], err);
			failed[nfailed++] = agents[i];
		}
	}
	mem_deref(sdp);

	if (list_isempty(&call->offers))
		call->state = CALL_QUEUED;
	else
		wtimer_start(&call->push_tmr, call->push_timeout_s * 1000ull,
			     push_timeout, call);

	call_record_touch(call);

	/* last: routing may decide again at once */
	for (size_t i = 0; i < nfailed; i++)
		routing_offer_declined(item, failed[i], ROUTING_FAILED);
	if (nfailed)
		call_routing_rearm();
	mem_deref(failed);
}
