/*
 * sync.c — routing mirrors provisioning (statuses, queues, agents), the
 * registrar (an agent is present while a phone of theirs is registered)
 * and the store (the status each agent was in when switchboard stopped).
 */
#include <string.h>
#include <re.h>
#include "log.h"
#include "prov/prov.h"
#include "routing/routing.h"
#include "store/store.h"
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


void call_agent_skill(char *buf, size_t sz, const char *agent)
{
	(void)re_snprintf(buf, sz, "@%s", agent);
}


static void agent_sync(const struct prov_agent *a)
{
	struct routing_skill skills[PROV_SKILLS_MAX + 1];
	char self[PROV_ID_MAX + 2];
	struct routing_member *members = NULL;
	struct routing_agent_conf c = {
		.id = a->id,
		.skills = skills,
		.nskills = a->nskills < PROV_SKILLS_MAX ? a->nskills :
							 PROV_SKILLS_MAX,
		.capacity = a->capacity,
	};

	to_routing(skills, a->skills, c.nskills);

	/* "@<id>": only this agent has it, so a call transferred to the
	 * agent requires it (transfer.c); '@' is no provisioned skill's */
	call_agent_skill(self, sizeof(self), a->id);
	skills[c.nskills].name = self;
	skills[c.nskills].level = 1;
	++c.nskills;

	if (a->queues_listed) {
		members = mem_zalloc((a->nqueues + 1) * sizeof(*members),
				     NULL);
		if (!members) {
			log_error("agent %s: cannot update routing", a->id);
			return;
		}

		for (size_t i = 0; i < a->nqueues; i++) {
			members[i].queue = a->queues[i].queue;
			members[i].level = a->queues[i].level;
			members[i].position = a->queues[i].position;
			members[i].weight = a->queues[i].weight;
		}

		/* listed, possibly none: never "every qualified queue" */
		c.queues = members;
		c.nqueues = a->nqueues;
	}

	if (routing_agent_set(cs.routing, &c))
		log_error("agent %s: cannot update routing", a->id);

	routing_agent_present(cs.routing, a->id,
			      a->sip_user && sipd_agent_registered(a->id));
	mem_deref(members);
}


static void queue_sync(const struct prov_queue *q)
{
	struct routing_skill skills[PROV_SKILLS_MAX];
	struct routing_relax relax[PROV_RELAX_MAX];
	struct routing_queue_conf c = {
		.id = q->id,
		.skills = skills,
		.nskills = q->nskills < PROV_SKILLS_MAX ? q->nskills :
							 PROV_SKILLS_MAX,
		.relax = relax,
		.nrelax = q->nrelax < PROV_RELAX_MAX ? q->nrelax :
						      PROV_RELAX_MAX,
		.tier_wait_s = q->tier_wait_s,
		.overflow_to = q->overflow_queue,
		.overflow_after_s = q->overflow_after_s,
		.aging_per_min = q->aging_per_min,
		.service_level_s = q->service_level_s,
		.decline_block_s = q->decline_block_s,
		.missed_status = q->missed_status,
	};

	if (routing_strategy_parse(&c.strategy, q->strategy ? q->strategy :
				   "longest-idle")) {
		log_error("queue %s: unknown strategy '%s'", q->id,
			  q->strategy);
		return;
	}

	to_routing(skills, q->skills, c.nskills);
	for (size_t i = 0; i < c.nrelax; i++) {
		relax[i].after_s = q->relax[i].after_s;
		relax[i].skill = q->relax[i].skill;
		relax[i].level = q->relax[i].level;
	}

	if (routing_queue_set(cs.routing, &c))
		log_error("queue %s: cannot update routing", q->id);
}


static void status_sync(const struct prov_status *s)
{
	if (routing_status_set(cs.routing, s->id, s->routable))
		log_error("status %s: cannot update routing", s->id);
}


static bool agent_touch(const struct prov_agent *a, void *arg)
{
	(void)arg;
	call_notify_agent(a->id);
	return false;
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


static bool status_apply(const struct prov_status *s, void *arg)
{
	(void)arg;
	status_sync(s);
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
			call_agent_removed(id);
			routing_agent_remove(cs.routing, id);
		}
		else {
			const struct prov_agent *a = prov_agent_find(id);

			/* no phone any more: drop its registrations */
			if (a && !a->sip_user)
				sipd_agent_unregister(id);
			if (a)
				agent_sync(a);
			call_notify_agent(id);
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

	case PROV_STATUS:
		if (op == PROV_REMOVED) {
			(void)routing_status_remove(cs.routing, id);
		}
		else {
			const struct prov_status *s = prov_status_find(id);

			if (s)
				status_sync(s);
		}
		/* who is routable may have changed for many agents */
		(void)prov_agent_apply(agent_touch, NULL);
		break;

	default:
		break;
	}

	call_routing_rearm();
}


void call_sync_registered(const char *agent, bool registered, void *arg)
{
	(void)arg;
	routing_agent_present(cs.routing, agent, registered);
	call_notify_agent(agent);
	call_routing_rearm();
}


static void routing_tick_handler(void *arg)
{
	(void)arg;
	routing_tick(cs.routing);
	call_routing_rearm();
}


/* Routing has no timers of its own: when a relaxation step, an overflow
 * or the end of a decline block comes due, we wake it. */
void call_routing_rearm(void)
{
	const uint64_t next = routing_next_deadline(cs.routing);
	const uint64_t now = call_wallclock();

	/* whatever called this may have changed a queue's numbers */
	call_notify_queues();

	if (!next) {
		wtimer_cancel(&cs.routing_tmr);
		return;
	}

	wtimer_start(&cs.routing_tmr, next > now ? next - now : 0,
		     routing_tick_handler, NULL);
}


static int status_restore(const char *agent, const char *status,
			  uint64_t since, void *arg)
{
	(void)arg;
	(void)since;

	/* a status deleted meanwhile, or an agent gone: start over */
	if (routing_agent_status(cs.routing, agent, status))
		log_warn("agent %s: saved status '%s' no longer applies",
			 agent, status);

	return 0;
}


int call_sync_init(void)
{
	int err = prov_subscribe(prov_changed, NULL);

	if (err)
		return err;

	(void)prov_status_apply(status_apply, NULL);
	(void)prov_queue_apply(queue_apply, NULL);
	(void)prov_agent_apply(agent_apply, NULL);

	err = store_agent_status_foreach(cs.store, status_restore, NULL);
	call_routing_rearm();

	return err;
}


void call_sync_close(void)
{
	wtimer_cancel(&cs.routing_tmr);
}
