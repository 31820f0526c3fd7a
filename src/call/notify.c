/*
 * notify.c — what the call module tells the API's event stream
 * (call_event, event.c): the call.* events of a call's life, and
 * agent.status and queue.stats.
 *
 * An agent's status, presence, load or capacity changes in many places
 * (the API, the registrar, offers, answers, ends, routing's missed
 * status, provisioning). Rather than emit at each, those places mark the
 * agent (call_notify_agent), and on the next turn of the loop each
 * marked agent is compared with what was last sent: one agent.status
 * per real change, however many steps made it. Queues likewise (every
 * queue is marked: an agent serves queues we do not track here), with
 * at most one queue.stats per queue per QUEUE_MIN_MS; the last change
 * always goes out, at most that much later. Code outside call.c,
 * offer.c, sync.c and runtime.c that changes an agent's load (control.c
 * ending a wrap-up) must call call_notify_agent too.
 *
 * Memory: one small record per agent and per queue that exists.
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
	QUEUE_MIN_MS = 1000,
	HASH_SIZE = 256,
};

/* What an agent.status last said. */
struct seen_agent {
	struct le he;              /* nt.agents */
	struct le dle;             /* nt.dirty, while marked */
	char *id;
	bool sent;
	char status[PROV_ID_MAX + 1];
	uint64_t status_since;
	bool present, routable;
	uint32_t load, capacity, accepted_today;
};

/* What a queue.stats last said, and when. */
struct seen_queue {
	struct le he;              /* nt.queues */
	char *id;
	bool sent;
	uint32_t gen;
	uint32_t waiting, available, routable;
	uint64_t sent_at;
};

static struct {
	struct hash *agents, *queues;
	struct list dirty;
	bool queues_dirty;
	uint32_t gen;
	struct tmr tmr;
	uint64_t due;              /* when tmr fires; 0: not armed */
} nt;


static void agent_destructor(void *arg)
{
	struct seen_agent *a = arg;

	hash_unlink(&a->he);
	list_unlink(&a->dle);
	mem_deref(a->id);
}


static void queue_destructor(void *arg)
{
	struct seen_queue *q = arg;

	hash_unlink(&q->he);
	mem_deref(q->id);
}


static bool agent_cmp(struct le *le, void *arg)
{
	const struct seen_agent *a = le->data;

	return !strcmp(a->id, arg);
}


static bool queue_cmp(struct le *le, void *arg)
{
	const struct seen_queue *q = le->data;

	return !strcmp(q->id, arg);
}


static void flush(void *arg);


static void arm(uint64_t delay)
{
	const uint64_t due = call_wallclock() + delay;

	if (nt.due && nt.due <= due)
		return;

	nt.due = due;
	tmr_start(&nt.tmr, delay, flush, NULL);
}


static bool ensure(void)
{
	if (nt.agents)
		return true;

	/* not before call_init nor after call_close */
	if (!cs.routing)
		return false;

	if (hash_alloc(&nt.agents, HASH_SIZE) ||
	    hash_alloc(&nt.queues, HASH_SIZE)) {
		nt.agents = mem_deref(nt.agents);
		nt.queues = mem_deref(nt.queues);
		return false;
	}

	return true;
}


void call_notify_queues(void)
{
	if (!ensure())
		return;

	nt.queues_dirty = true;
	arm(0);
}


void call_notify_agent(const char *agent)
{
	struct seen_agent *a;

	if (!agent || !ensure())
		return;

	a = list_ledata(hash_lookup(nt.agents, hash_joaat_str(agent), agent_cmp,
				    (void *)agent));
	if (!a) {
		a = mem_zalloc(sizeof(*a), agent_destructor);
		if (!a || str_dup(&a->id, agent)) {
			mem_deref(a);
			return;
		}
		hash_append(nt.agents, hash_joaat_str(agent), &a->he, a);
	}

	if (!list_contains(&nt.dirty, &a->dle))
		list_append(&nt.dirty, &a->dle, a);

	call_notify_queues();
}


static int agent_json(struct re_printf *pf, const char *agent)
{
	char *obj = NULL;
	int err;

	/* call_agent_json's object with "agent" in front */
	err = re_sdprintf(&obj, "%H", call_agent_json, agent);
	if (!err)
		err = re_hprintf(pf, "{\"agent\":%H,%s", jsonstr_print, agent,
				 obj + 1);

	mem_deref(obj);
	return err;
}


static void agent_check(struct seen_agent *a)
{
	struct routing_agent_info ai;

	if (!cs.routing || routing_agent_info(cs.routing, a->id, &ai)) {
		mem_deref(a);              /* the agent is gone */
		return;
	}

	if (a->sent && !strcmp(a->status, ai.status) &&
	    a->status_since == ai.status_since && a->present == ai.present &&
	    a->routable == ai.routable && a->load == ai.load &&
	    a->capacity == ai.capacity &&
	    a->accepted_today == ai.accepted_today)
		return;

	a->sent = true;
	str_ncpy(a->status, ai.status, sizeof(a->status));
	a->status_since = ai.status_since;
	a->present = ai.present;
	a->routable = ai.routable;
	a->load = ai.load;
	a->capacity = ai.capacity;
	a->accepted_today = ai.accepted_today;

	call_event("agent.status", a->id, "%H", agent_json, a->id);
}


static bool queue_check(const struct prov_queue *pq, void *arg)
{
	const uint64_t now = call_wallclock();
	struct routing_queue_stats st;
	struct seen_queue *q;
	uint64_t *next = arg;

	if (!cs.routing || routing_queue_stats(cs.routing, pq->id, &st))
		return false;

	q = list_ledata(hash_lookup(nt.queues, hash_joaat_str(pq->id),
				    queue_cmp, (void *)pq->id));
	if (!q) {
		q = mem_zalloc(sizeof(*q), queue_destructor);
		if (!q || str_dup(&q->id, pq->id)) {
			mem_deref(q);
			return false;
		}
		hash_append(nt.queues, hash_joaat_str(pq->id), &q->he, q);
	}
	q->gen = nt.gen;

	if (q->sent && q->waiting == st.waiting &&
	    q->available == st.agents_available &&
	    q->routable == st.agents_routable)
		return false;

	if (q->sent && now < q->sent_at + QUEUE_MIN_MS) {
		if (!*next || q->sent_at + QUEUE_MIN_MS < *next)
			*next = q->sent_at + QUEUE_MIN_MS;
		return false;
	}

	q->sent = true;
	q->sent_at = now;
	q->waiting = st.waiting;
	q->available = st.agents_available;
	q->routable = st.agents_routable;

	call_event("queue.stats", NULL, "%H", call_queue_stats_json, q->id);
	return false;
}


/* Forgets the queues that were not seen in this pass: deleted. */
static void queues_prune(void)
{
	for (uint32_t i = 0; i < HASH_SIZE; i++) {
		struct le *le = list_head(hash_list(nt.queues, i));

		while (le) {
			struct seen_queue *q = le->data;

			le = le->next;
			if (q->gen != nt.gen)
				mem_deref(q);
		}
	}
}


static void flush(void *arg)
{
	struct le *le;
	uint64_t next = 0;
	(void)arg;

	nt.due = 0;

	while ((le = nt.dirty.head)) {
		struct seen_agent *a = le->data;

		list_unlink(&a->dle);
		agent_check(a);
	}

	if (!nt.queues_dirty)
		return;

	nt.queues_dirty = false;
	++nt.gen;
	(void)prov_queue_apply(queue_check, &next);
	queues_prune();

	/* a change held back by the rate limit goes out when it may */
	if (next) {
		const uint64_t now = call_wallclock();

		nt.queues_dirty = true;
		arm(next > now ? next - now : 0);
	}
}


void call_notify_close(void)
{
	tmr_cancel(&nt.tmr);
	nt.due = 0;
	list_clear(&nt.dirty);
	hash_flush(nt.agents);
	hash_flush(nt.queues);
	nt.agents = mem_deref(nt.agents);
	nt.queues = mem_deref(nt.queues);
	nt.queues_dirty = false;
}


/* -- call.* ------------------------------------------------------------ */

static double waited_s(const struct call *call)
{
	const uint64_t now = call_wallclock();

	return now > call->arrived ? (now - call->arrived) / 1000.0 : 0.0;
}


void call_notify_offered(const struct call *call, const char *agent,
			 bool desktop)
{
	/* accept_via: whether the page's Accept rings the phone (desktop)
	 * or the phone rings now and answering it accepts (desktop.c) */
	call_event("call.offered", agent, "{\"call\":\"%s\",\"agent\":%H,"
		   "\"queue\":%H,\"from\":%H,\"from_name\":%H,"
		   "\"waited_s\":%.1f,\"push_timeout_s\":%u,"
		   "\"accept_via\":\"%s\",\"to\":%H}", call->id,
		   jsonstr_print, agent, jsonstr_print, call->queue,
		   jsonstr_print, call->from_number, jsonstr_print,
		   call->from_name, waited_s(call), call->push_timeout_s,
		   desktop ? "desktop" : "phone", jsonstr_print, call->to);
	call_notify_agent(agent);
}


void call_notify_ringing(const struct call *call, const char *agent)
{
	call_event("call.ringing", agent, "{\"call\":\"%s\",\"agent\":%H,"
		   "\"queue\":%H}", call->id, jsonstr_print, agent,
		   jsonstr_print, call->queue);
}


void call_notify_offer_ended(const struct call *call, const char *agent,
			     const char *outcome)
{
	call_event("call.offer_ended", agent, "{\"call\":\"%s\",\"agent\":%H,"
		   "\"outcome\":\"%s\"}", call->id, jsonstr_print, agent,
		   outcome);
	call_notify_agent(agent);
}


void call_notify_answered(const struct call *call)
{
	call_event("call.answered", call->agent, "{\"call\":\"%s\","
		   "\"agent\":%H,\"queue\":%H,\"from\":%H,\"waited_s\":%.1f,"
		   "\"direction\":\"%s\",\"to\":%H}",
		   call->id, jsonstr_print, call->agent, jsonstr_print,
		   call->queue, jsonstr_print, call->from_number,
		   waited_s(call), call->outbound ? "outbound" : "inbound",
		   jsonstr_print, call->to);
	call_notify_agent(call->agent);
}


void call_notify_ended(const struct call *call)
{
	/* from, to, direction, arrived_ms: what CRM sync needs to record a
	 * call that was never offered (src/crm) */
	call_event("call.ended", call->agent, "{\"call\":\"%s\",\"agent\":%H,"
		   "\"queue\":%H,\"reason\":%H,\"by\":%H,\"from\":%H,"
		   "\"to\":%H,\"direction\":\"%s\",\"arrived_ms\":%llu}",
		   call->id, jsonstr_print, call->agent, jsonstr_print,
		   call->queue, jsonstr_print, call->end_reason, jsonstr_print,
		   call->hangup_by, jsonstr_print, call->from_number,
		   jsonstr_print, call->to,
		   call->outbound ? "outbound" : "inbound",
		   (unsigned long long)call->arrived);
	call_notify_agent(call->agent);
	call_notify_queues();
}
