/*
 * desktop.c — agents' desktops, and the offers they accept or decline.
 *
 * An agent "has a desktop" while at least one event stream of its own
 * session is open (the API counts them: several tabs, and a reload
 * whose new stream opens before the old one is gone). Routing's offer
 * to such an agent does not ring its phone: the offer waits for Accept
 * on the page (offer.c), within the queue's push_timeout_s like a
 * ringing phone. Accept rings the phone with an auto-answer hint, so
 * the agent does not answer twice; the phone's answer bridges the call
 * as before. Decline gives the offer back to routing as a phone's 486
 * would. An agent without a desktop is rung at once, as always: a desk
 * phone alone must be enough to take calls.
 *
 * Memory: one small record per agent with a desktop open.
 */
#include <string.h>
#include <re.h>
#include "log.h"
#include "prov/prov.h"
#include "routing/routing.h"
#include "call/internal.h"

#define LOG_MODULE "call"

enum { HASH_SIZE = 64 };

struct desk {
	struct le he;              /* dk.agents */
	char *id;
	uint32_t open;             /* event streams open */
};

static struct {
	struct hash *agents;
} dk;


static void desk_destructor(void *arg)
{
	struct desk *d = arg;

	hash_unlink(&d->he);
	mem_deref(d->id);
}


static bool desk_cmp(struct le *le, void *arg)
{
	const struct desk *d = le->data;

	return !strcmp(d->id, arg);
}


static struct desk *desk_find(const char *agent)
{
	if (!dk.agents || !agent)
		return NULL;

	return list_ledata(hash_lookup(dk.agents, hash_joaat_str(agent),
				       desk_cmp, (void *)agent));
}


void call_agent_desktop(const char *agent, bool open)
{
	struct desk *d = desk_find(agent);

	if (!open) {
		if (d && !--d->open)
			mem_deref(d);
		return;
	}

	/* not before call_init nor after call_close: nothing to free */
	if (!agent || !agent[0] || !cs.routing)
		return;

	if (!dk.agents && hash_alloc(&dk.agents, HASH_SIZE))
		return;

	if (!d) {
		d = mem_zalloc(sizeof(*d), desk_destructor);
		if (!d || str_dup(&d->id, agent)) {
			mem_deref(d);
			return;
		}
		hash_append(dk.agents, hash_joaat_str(agent), &d->he, d);
	}

	++d->open;
}


bool call_desktop_open(const char *agent)
{
	return desk_find(agent) != NULL;
}


void call_desktop_close(void)
{
	hash_flush(dk.agents);
	dk.agents = mem_deref(dk.agents);
}


static struct offer *offer_of(const struct call *call, const char *agent)
{
	for (struct le *le = call->offers.head; le; le = le->next) {
		struct offer *o = le->data;

		/* not the winner's: that is the call, no more an offer */
		if (!strcmp(o->agent, agent) &&
		    (!call->b || o->leg != call->b))
			return o;
	}

	return NULL;
}


static bool was_offered(const struct call *call, const char *agent)
{
	for (struct le *le = call->legl.head; le; le = le->next) {
		const struct call_leg *l = le->data;

		if (l->agent && !strcmp(l->agent, agent))
			return true;
	}

	return false;
}


/* The agent's open offer of the call, or why not: ENOENT no such live
 * call, EPERM never offered to the agent, EALREADY the agent has it
 * already, EBUSY the offer has ended. */
static int offer_get(struct offer **op, const char *call_id,
		     const char *agent, const char **why)
{
	struct call *call = call_id ? call_find(call_id) : NULL;
	const char *w;

	if (!call)
		return ENOENT;

	if (!agent || !agent[0]) {
		*why = "only the agent the call is offered to may answer "
			"its offer";
		return EPERM;
	}

	*op = offer_of(call, agent);
	if (*op)
		return 0;

	if (call->state == CALL_ANSWERED && call->agent &&
	    !strcmp(call->agent, agent)) {
		*why = "already accepted: the call is answered";
		return EALREADY;
	}

	if (!was_offered(call, agent)) {
		*why = "the call is not offered to you";
		return EPERM;
	}

	w = call->state == CALL_ANSWERED ? "the offer to you has ended: "
		"another agent took the call" : "the offer to you has ended";
	*why = w;
	return EBUSY;
}


int call_offer_accept(const char *call_id, const char *agent,
		      const char **why)
{
	struct offer *o;
	int err;

	err = offer_get(&o, call_id, agent, why);
	if (err)
		return err;

	if (!o->desktop) {
		*why = "the offer rings your phone: answer it there";
		return EBUSY;
	}
	if (o->leg) {
		*why = "already accepted: your phone is being called";
		return EALREADY;
	}

	log_info("call %s: %s accepts on the desktop", o->call->id, agent);
	err = call_offer_ring(o);
	if (err)
		*why = "your phone could not be called (is it registered?)";

	return err ? EBUSY : 0;
}


int call_offer_decline(const char *call_id, const char *agent,
		       const char **why)
{
	struct offer *o;
	int err;

	err = offer_get(&o, call_id, agent, why);
	if (err)
		return err;

	if (o->desktop && o->leg) {
		*why = "already accepted: your phone is being called";
		return EALREADY;
	}

	log_info("call %s: %s declines on the desktop", o->call->id, agent);
	call_offer_lost(o, 603, ROUTING_DECLINED);
	return 0;
}
