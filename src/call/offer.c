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
 * An agent with its web page open (desktop.c) is not rung at once: its
 * offer waits for Accept there, under the same push timeout, and Accept
 * rings the phone with an auto-answer hint (call_offer_ring).
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


/* The winner's offer: the call itself now. A desktop offer not yet
 * accepted has no leg, and neither has a call nobody answered. */
static bool is_winner(const struct call *call, const struct offer *o)
{
	return call->b && o->leg == call->b;
}


/* The offer is over without winning: drop it, and give it back to
 * routing unless routing already forgot it. */
void call_offer_lost(struct offer *o, uint16_t code,
		     enum routing_refusal why)
{
	struct call *call = o->call;
	char agent[PROV_ID_MAX + 1];
	const bool open = o->open;

	str_ncpy(agent, o->agent, sizeof(agent));
	record_end(o, code);
	log_info("call %s: agent %s did not take it (%u)", call->id, agent,
		 code);
	call_notify_offer_ended(call, agent, why == ROUTING_DECLINED ?
				"declined" : why == ROUTING_TIMEOUT ?
				"timeout" : "failed");

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
		call_notify_offer_ended(call, agent, "withdrawn");
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

		record_end(o, is_winner(call, o) ? 0 : 487);
		if (is_winner(call, o))
			call_notify_agent(o->agent);
		else
			call_notify_offer_ended(call, o->agent, "ended");
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
			if (is_winner(call, o) || strcmp(o->agent, agent))
				continue;

			o->open = false;  /* routing drops it with the agent */
			record_end(o, 487);
			call_notify_offer_ended(call, o->agent, "removed");
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
		if (!o->rang && (ev->scode == 180 || ev->scode == 183)) {
			o->rang = true;
			call_notify_ringing(call, o->agent);
		}
		break;

	case SIPD_LEG_ANSWERED:
		if (call->outbound && call->state == CALL_DIALING &&
		    !call->b) {
			call_outbound_agent_answered(call, o, ev);
		}
		else if (call->state == CALL_OFFERING) {
			call_answered(call, o, ev);
		}
		else {
			/* another phone of a ring-all won first */
			char agent[PROV_ID_MAX + 1];
			const bool open = o->open;

			str_ncpy(agent, o->agent, sizeof(agent));
			record_end(o, ev->scode);
			call_notify_offer_ended(call, agent, "withdrawn");
			mem_deref(o);          /* BYE */
			if (open)
				routing_offer_withdrawn(call->item, agent);
		}
		break;

	case SIPD_LEG_FAILED:
		if (call->outbound && call->state == CALL_DIALING)
			call_outbound_agent_failed(call, o, ev->scode);
		else
			call_offer_lost(o, ev->scode, refusal_of(ev->scode));
		break;

	case SIPD_LEG_BYE:
		/* an outbound call's agent gave up before the customer
		 * answered */
		if (winner)
			call_end(call, call->state == CALL_DIALING ?
				 "cancelled" : "completed", "agent", 0);
		break;

	case SIPD_LEG_LOST:
		if (winner)
			call_end(call, "error", "system", 0);
		break;

	default:    /* offers, answers: the media of side B */
		call_media_leg_event(call, MEDIA_B, ev);
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
		/* the CANCEL's answer will be 487; a desktop offer not
		 * accepted rang nothing: 408, as a phone's timeout */
		const uint16_t code = o->leg ? 487 : 408;

		sipd_leg_hangup(o->leg, 0, NULL);
		call_offer_lost(o, code, ROUTING_TIMEOUT);
	}
	mem_deref(call);
}


/* The INVITE of an offer to its agent's registered phone; hdrs: extra
 * header lines (each ending in CRLF), or NULL. */
static int offer_invite(struct offer *o, const struct sipd_target *t,
			const char *hdrs, const struct mbuf *sdp)
{
	const struct prov_agent *pa = prov_agent_find(o->agent);
	const struct call *call = o->call;
	char from[300], to[300];

	if (!pa || !pa->sip_user)
		return ENOENT;

	/* the phone shows the other party: the caller, or the number the
	 * agent dials */
	(void)re_snprintf(from, sizeof(from), "sip:%s@%s",
			  call->outbound && !call->xleg ? call->to :
			  call->from_number ? call->from_number : "anonymous",
			  sipd_host());
	(void)re_snprintf(to, sizeof(to), "sip:%s@%s", pa->sip_user,
			  sipd_host());

	return sipd_leg_invite_hdrs(&o->leg, t, from, call->from_name, to,
				    hdrs, sdp, leg_handler, o);
}


/* One offer to one agent: its phone rung now, or, with its page open,
 * an offer waiting for Accept there (desktop.c). */
static int offer_start(struct call *call, const char *agent,
		       const struct mbuf *sdp)
{
	const struct prov_agent *pa = prov_agent_find(agent);
	struct sipd_target t;
	struct offer *o;
	int err;

	if (!pa || !pa->sip_user)
		return ENOENT;

	/* a desktop offer too: Accept will need a phone to ring */
	err = sipd_agent_target(agent, &t);
	if (err)
		return err;

	o = mem_zalloc(sizeof(*o), offer_destructor);
	if (!o)
		return ENOMEM;

	o->call = call;
	o->open = true;
	o->desktop = call_desktop_open(agent);
	err = str_dup(&o->agent, agent);
	if (!err && !o->desktop)
		err = offer_invite(o, &t, NULL, sdp);
	if (err)
		goto out;

	o->rec = mem_ref(call_leg_add(call, "agent", agent, t.uri));
	if (!o->rec) {
		err = ENOMEM;
		goto out;
	}
	list_append(&call->offers, &o->le, o);
	log_info("call %s offered to %s%s", call->id, agent,
		 o->desktop ? " (on the desktop)" : "");
	call_notify_offered(call, agent, o->desktop);

 out:
	if (err)
		mem_deref(o);

	return err;
}


/* RFC 3261 20.9 Call-Info with answer-after (BroadSoft, Polycom,
 * Yealink, Snom, Grandstream, ...) and Alert-Info info=alert-autoanswer
 * (Unify, Linphone): phones honour one or the other; ours is a dummy
 * URI, the parameter is what counts */
static void autoanswer_hdrs(char *hdrs, size_t sz)
{
	(void)re_snprintf(hdrs, sz, "Call-Info: <sip:%s>;answer-after=0\r\n"
			  "Alert-Info: <http://127.0.0.1/autoanswer>;"
			  "info=alert-autoanswer\r\n", sipd_host());
}


int call_offer_ring(struct offer *o)
{
	struct call *call = o->call;
	struct sipd_target t;
	struct mbuf *sdp = NULL;
	char hdrs[400];
	int err;

	err = sipd_agent_target(o->agent, &t);
	if (!err)
		err = call_media_offer_agent(call, &sdp);
	if (!err) {
		autoanswer_hdrs(hdrs, sizeof(hdrs));
		err = offer_invite(o, &t, hdrs, sdp);
	}
	mem_deref(sdp);

	if (err) {
		log_warn("call %s: cannot call %s's phone: %m", call->id,
			 o->agent, err);
		call_offer_lost(o, err == ENOENT ? 480 : 500, ROUTING_FAILED);
		return err;
	}

	/* where it rang, should the phone have moved since the offer */
	o->rec->uri = mem_deref(o->rec->uri);
	(void)str_dup(&o->rec->uri, t.uri);

	/* the first Accept wins: the others' pages drop the offer, their
	 * phones stop ringing; this phone has a push timeout of its own */
	offer_withdraw_others(call, o);
	wtimer_start(&call->push_tmr, call->push_timeout_s * 1000ull,
		     push_timeout, call);
	call_record_touch(call);

	return 0;
}


int call_offer_dial(struct call *call, const char *agent,
		    const struct sipd_target *t, const struct mbuf *sdp)
{
	struct offer *o;
	char hdrs[400];
	int err;

	o = mem_zalloc(sizeof(*o), offer_destructor);
	if (!o)
		return ENOMEM;

	o->call = call;
	autoanswer_hdrs(hdrs, sizeof(hdrs));
	err = str_dup(&o->agent, agent);
	if (!err)
		err = offer_invite(o, t, hdrs, sdp);
	if (!err) {
		o->rec = mem_ref(call_leg_add(call, "agent", agent, t->uri));
		if (!o->rec)
			err = ENOMEM;
	}
	if (err) {
		mem_deref(o);
		return err;
	}

	list_append(&call->offers, &o->le, o);
	return 0;
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
