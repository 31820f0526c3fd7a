/*
 * sync.c — routing mirrors provisioning (agents' skills and capacity,
 * queues' requirements) and the registrar (an agent is available while a
 * phone of theirs is registered). Presence statuses arrive with the
 * routing issue; until then a registered agent is Available.
 */
#include <string.h>
#include <re.h>
#include "log.h"
#include "prov/prov.h"
#include "routing/routing.h"
#include "call/internal.h"

#define LOG_MODULE "call"


static void to_routing(struct routing_skill *out, const struct prov_skill *in,
		       size_t n)
{
	for (size_t i = 0; i < n; i++) {
		out[i].name = in[i].name;
		out[i].level = in[i].level;
	}
}


static void agent_sync(const struct prov_agent *a)
{
	struct routing_skill skills[PROV_SKILLS_MAX];
	const size_t n = a->nskills < PROV_SKILLS_MAX ? a->nskills :
							 PROV_SKILLS_MAX;

	to_routing(skills, a->skills, n);
	if (routing_agent_set(cs.routing, a->id, skills, n, a->capacity))
		log_error("agent %s: cannot update routing", a->id);

	routing_agent_available(cs.routing, a->id,
				a->sip_user && sipd_agent_registered(a->id));
}


static void queue_sync(const struct prov_queue *q)
{
	struct routing_skill skills[PROV_SKILLS_MAX];
	const size_t n = q->nskills < PROV_SKILLS_MAX ? q->nskills :
							 PROV_SKILLS_MAX;

	to_routing(skills, q->skills, n);
	if (routing_queue_set(cs.routing, q->id, skills, n))
		log_error("queue %s: cannot update routing", q->id);
}


static bool agent_apply(const struct prov_agent *a, void *arg)
{
	(void)arg;
	agent_sync(a);
	return false;
}


static bool queue_apply(const struct prov_queue *q, void *arg)
{
	(void)arg;
	queue_sync(q);
	return false;
}


static void prov_changed(enum prov_kind kind, enum prov_op op, const char *id,
			 void *arg)
{
	(void)arg;

	switch (kind) {

	case PROV_AGENT:
		if (op == PROV_REMOVED) {
			sipd_agent_unregister(id);
			routing_agent_remove(cs.routing, id);
		}
		else {
			const struct prov_agent *a = prov_agent_find(id);

			/* no phone any more: drop its registrations */
			if (a && !a->sip_user)
				sipd_agent_unregister(id);
			if (a)
				agent_sync(a);
		}
		break;

	case PROV_QUEUE:
		if (op == PROV_REMOVED) {
			routing_queue_remove(cs.routing, id);
		}
		else {
			const struct prov_queue *q = prov_queue_find(id);

			if (q)
				queue_sync(q);
		}
		break;

	default:
		break;
	}
}


void call_sync_registered(const char *agent, bool registered, void *arg)
{
	(void)arg;
	routing_agent_available(cs.routing, agent, registered);
}


static void routing_tick_handler(void *arg)
{
	(void)arg;
	routing_tick(cs.routing);
	call_routing_rearm();
}


/* Routing has no clock of its own: when a skipped agent becomes
 * eligible again, we wake it. */
void call_routing_rearm(void)
{
	const uint64_t next = routing_next_deadline(cs.routing);
	const uint64_t now = wheel_now_ms();

	if (!next) {
		wtimer_cancel(&cs.routing_tmr);
		return;
	}

	wtimer_start(&cs.routing_tmr, next > now ? next - now : 0,
		     routing_tick_handler, NULL);
}


int call_sync_init(void)
{
	int err = prov_subscribe(prov_changed, NULL);

	if (err)
		return err;

	(void)prov_queue_apply(queue_apply, NULL);
	(void)prov_agent_apply(agent_apply, NULL);

	return 0;
}


void call_sync_close(void)
{
	wtimer_cancel(&cs.routing_tmr);
}
