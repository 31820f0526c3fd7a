/*
 * transfer.c — blind transfer of an answered call to a queue, an agent
 * or a number.
 *
 * The agent's phone gets BYE (its record leg ends there); the caller
 * stays connected, hearing nothing, with no re-INVITE: the relay's
 * caller side is untouched and side B goes to whichever agent answers
 * next (media.c offers that agent only the formats the caller agreed
 * to). The call is routed again as a new work item: the old item ends,
 * which frees the transferring agent's capacity (no wrap-up for it),
 * and the new one enters the target queue as an arrival of now, with
 * that queue's push timeout and max_wait_s (when that passes, the
 * caller gets BYE and the call ends "no_agent").
 *
 * To an agent: the item requires the skill "@<agent>" that only that
 * agent has (sync.c), in a queue the agent serves and qualifies for at
 * once — the call's own queue if it is one, else the agent's first
 * listed queue, else (an agent without a list) the first queue whose
 * minimums it meets.
 *
 * To a number: no new item; the number is called through the trunk that
 * permits it and bridged to the caller when it answers (outbound.c).
 */
#include <string.h>
#include <re.h>
#include "log.h"
#include "prov/prov.h"
#include "routing/routing.h"
#include "util/jsonstr.h"
#include "call/internal.h"

#define LOG_MODULE "call"


static bool meets(const struct prov_agent *a, const struct prov_queue *q)
{
	for (size_t i = 0; i < q->nskills; i++) {
		bool ok = false;

		for (size_t j = 0; j < a->nskills && !ok; j++)
			ok = !strcmp(a->skills[j].name, q->skills[i].name) &&
				a->skills[j].level >= q->skills[i].level;

		if (!ok)
			return false;
	}

	return true;
}


static bool serves(const struct prov_agent *a, const struct prov_queue *q)
{
	bool member = !a->queues_listed;

	for (size_t i = 0; i < a->nqueues && !member; i++)
		member = !strcmp(a->queues[i].queue, q->id);

	return member && meets(a, q);
}


static bool first_served(const struct prov_queue *q, void *arg)
{
	return serves(arg, q);
}


/* The queue a call for agent a goes to, or NULL. */
static const struct prov_queue *agent_queue(const struct prov_agent *a,
					    const char *current)
{
	const struct prov_queue *q = current ? prov_queue_find(current) :
		NULL;

	if (q && serves(a, q))
		return q;

	for (size_t i = 0; i < a->nqueues; i++) {
		q = prov_queue_find(a->queues[i].queue);
		if (q && serves(a, q))
			return q;
	}

	if (a->queues_listed)
		return NULL;

	return prov_queue_apply(first_served, (void *)a);
}


/* The answered call's agent leaves it: BYE, its record leg ends with
 * its packets so far, and the call waits again with no agent. */
static void agent_leaves(struct call *call)
{
	uint64_t in = 0, out = 0;

	media_relay_stats(call->relay, MEDIA_B, &in, &out);

	for (struct le *le = call->offers.head; le; le = le->next) {
		struct offer *o = le->data;

		if (o->leg != call->b)
			continue;

		o->rec->rtp_in = in - call->rtp_b0_in;
		o->rec->rtp_out = out - call->rtp_b0_out;
		o->rec->ended = call_wallclock();
		mem_deref(o);              /* BYE */
		break;
	}

	call->rtp_b0_in = in;
	call->rtp_b0_out = out;
	call->b = NULL;
	call->agent = mem_deref(call->agent);
	call->state = CALL_QUEUED;
	call_outbound_release(call);        /* an agent's own call */

	/* a held caller is taken off hold (a re-INVITE to sendrecv): the
	 * next agent starts afresh; the new agent's side is unmuted */
	if (call->held)
		(void)call_media_direction(call, MEDIA_A, MEDIA_SENDRECV);
	call->held = false;
	call->muted = false;
	media_relay_mute(call->relay, MEDIA_B, false);
}


/* The call is answered by an agent, or *why says why not. */
static bool transferable(const struct call *call, const char **why)
{
	if (call->state == CALL_ANSWERED && call->b && call->agent)
		return true;

	*why = call->state == CALL_QUEUED ? "the call is waiting in its "
		"queue: no agent has it" : call->state == CALL_OFFERING ?
		"the call is ringing: no agent has answered it yet" :
		call->state == CALL_DIALING ? "the call is being dialled: "
		"nobody has answered it yet" : call->state == CALL_ANSWERED ?
		"no agent is on the call" : "the call has ended";
	return false;
}


/* The item the agent worked on ends: its capacity comes free, which may
 * offer it another call at once. Its explanation goes with it; the
 * record keeps the next item's, if any. */
static void item_leaves(struct call *call, const char *from)
{
	struct routing_item *old = call->item;

	call->item = NULL;
	routing_item_end(old);
	mem_deref(old);
	call_notify_agent(from);
}


int call_transfer_number(const char *call_id, const char *number,
			 const char **why)
{
	struct call *call = call_id ? call_find(call_id) : NULL;
	char from[PROV_ID_MAX + 1];
	int err;

	if (!call) {
		if (call_id && !call_control_agent(call_id, from,
						   sizeof(from))) {
			*why = "the call has ended (its agent is in wrap-up)";
			return EBUSY;
		}
		return ENOENT;
	}

	if (!transferable(call, why))
		return EBUSY;

	/* before the agent leaves: a refused number changes nothing */
	if (!prov_trunk_for_number(number))
		return EPERM;

	str_ncpy(from, call->agent, sizeof(from));
	log_info("call %s: %s transfers it to %s", call->id, from, number);

	agent_leaves(call);
	call_event("call.transferred", from, "{\"call\":\"%s\","
		   "\"from_agent\":%H,\"to_number\":%H}", call->id,
		   jsonstr_print, from, jsonstr_print, number);
	item_leaves(call, from);

	err = call_transfer_dial(call, number);
	call_record_touch(call);
	if (err) {
		log_warn("call %s: cannot call %s: %m", call->id, number, err);
		call_end(call, "transfer_failed", "system", 0);
	}

	return 0;
}


int call_transfer(const char *call_id, const char *queue, const char *agent,
		  const char **why)
{
	struct call *call = call_id ? call_find(call_id) : NULL;
	const struct prov_agent *pa = NULL;
	const struct prov_queue *q;
	struct routing_skill need;
	char from[PROV_ID_MAX + 1], self[PROV_ID_MAX + 2];
	int err;

	if (!call) {
		if (call_id && !call_control_agent(call_id, from,
						   sizeof(from))) {
			*why = "the call has ended (its agent is in wrap-up)";
			return EBUSY;
		}
		return ENOENT;
	}

	if (!transferable(call, why))
		return EBUSY;

	if (agent) {
		pa = prov_agent_find(agent);
		if (!pa)
			return EINVAL;
		if (!strcmp(agent, call->agent)) {
			*why = "the call is with that agent already";
			return EBUSY;
		}
		if (!pa->sip_user) {
			*why = "that agent has no SIP phone to take the call";
			return EBUSY;
		}
		q = agent_queue(pa, call->queue);
		if (!q) {
			*why = "that agent serves no queue it qualifies for, "
				"so no call can be routed to it";
			return EBUSY;
		}
	}
	else {
		q = queue ? prov_queue_find(queue) : NULL;
		if (!q)
			return EINVAL;
	}

	str_ncpy(from, call->agent, sizeof(from));
	log_info("call %s: %s transfers it to %s %s", call->id, from,
		 agent ? "agent" : "queue", agent ? agent : q->id);

	agent_leaves(call);

	call->queue = mem_deref(call->queue);
	(void)str_dup(&call->queue, q->id);
	call->push_timeout_s = q->push_timeout_s;
	call->max_wait_s = q->max_wait_s;

	call_event("call.transferred", from, "{\"call\":\"%s\","
		   "\"from_agent\":%H,\"%s\":%H}", call->id, jsonstr_print,
		   from, agent ? "to_agent" : "to_queue", jsonstr_print,
		   agent ? agent : q->id);

	/* the old item last of the old */
	item_leaves(call, from);

	call_agent_skill(self, sizeof(self), agent ? agent : "");
	need.name = self;
	need.level = 1;
	{
		const struct routing_item_conf ic = {
			.queue = call->queue,
			.size = 1,
			.priority = 0,
			.skills = agent ? &need : NULL,
			.nskills = agent ? 1 : 0,
			.owner = call,
		};

		wtimer_start(&call->wait_tmr, call->max_wait_s * 1000ull,
			     call_wait_timeout, call);
		err = routing_item_add(&call->item, cs.routing, &ic);
	}
	call_record_touch(call);
	if (err) {
		log_warn("call %s: cannot route the transfer: %m", call->id,
			 err);
		call_end(call, "error", "system", 0);
		return 0;
	}

	call_routing_rearm();
	return 0;
}
