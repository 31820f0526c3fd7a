/*
 * runtime.c — what the API asks of live state: agents' statuses and
 * load, queue statistics, and why a live call went where it went.
 */
#include <string.h>
#include <time.h>
#include <re.h>
#include "log.h"
#include "prov/prov.h"
#include "routing/routing.h"
#include "store/store.h"
#include "util/jsonstr.h"
#include "call/internal.h"

#define LOG_MODULE "call"


static int print_time(struct re_printf *pf, uint64_t ms)
{
	const time_t t = (time_t)(ms / 1000);
	struct tm tm;
	char buf[32];

	if (!ms)
		return re_hprintf(pf, "null");

	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);

	return re_hprintf(pf, "\"%s.%03uZ\"", buf, (unsigned)(ms % 1000));
}


/* Keeps the status across restarts; the engine only has it in memory. */
void call_status_persist(const char *agent)
{
	struct routing_agent_info ai;

	if (routing_agent_info(cs.routing, agent, &ai))
		return;

	if (store_agent_status_put(cs.store, agent, ai.status,
				   ai.status_since))
		log_warn("agent %s: status not saved", agent);
}


int call_agent_status_set(const char *agent, const char *status)
{
	int err;

	if (!cs.routing || !prov_agent_find(agent))
		return ENOENT;

	if (!routing_status_exists(cs.routing, status))
		return EINVAL;

	err = routing_agent_status(cs.routing, agent, status);
	if (err)
		return err;

	log_info("agent %s: status %s", agent, status);
	call_status_persist(agent);
	call_notify_agent(agent);
	call_routing_rearm();

	return 0;
}


/* ,"wrap_up":{"call","until"} while the agent wraps a call up */
static int print_wrapup(struct re_printf *pf, const char *agent)
{
	const struct call *call = call_wrapup_of(agent);

	if (!call)
		return 0;

	return re_hprintf(pf, ",\"wrap_up\":{\"call\":\"%s\",\"until\":%H}",
			  call->id, print_time, call->wrapup_until);
}


int call_agent_json(struct re_printf *pf, const char *agent)
{
	struct routing_agent_info ai;
	const uint64_t now = call_wallclock();
	int err;

	if (!cs.routing)
		return ENOENT;

	err = routing_agent_info(cs.routing, agent, &ai);
	if (err)
		return err;

	return re_hprintf(pf, "{\"status\":%H,\"status_since\":%H,"
			  "\"time_in_status_s\":%llu,\"present\":%s,"
			  "\"routable\":%s,\"load\":%u,\"capacity\":%u,"
			  "\"accepted_today\":%u,\"talk_time_today_s\":%llu%H}",
			  jsonstr_print, ai.status, print_time, ai.status_since,
			  (unsigned long long)(now > ai.status_since ?
					       (now - ai.status_since) / 1000 :
					       0),
			  ai.present ? "true" : "false",
			  ai.routable ? "true" : "false", ai.load, ai.capacity,
			  ai.accepted_today,
			  (unsigned long long)(ai.talk_ms_today / 1000),
			  print_wrapup, agent);
}


static int print_counts(struct re_printf *pf, const struct routing_counts *c)
{
	const uint32_t denom = c->answered + c->abandoned;
	int err;

	err = re_hprintf(pf, "{\"offered\":%u,\"answered\":%u,"
			 "\"answered_in_sl\":%u,\"abandoned\":%u,"
			 "\"service_level_pct\":", c->offered, c->answered,
			 c->answered_in_sl, c->abandoned);
	if (denom)
		err |= re_hprintf(pf, "%.1f}", c->service_level_pct);
	else
		err |= re_hprintf(pf, "null}");

	return err;
}


int call_queue_stats_json(struct re_printf *pf, const char *queue)
{
	struct routing_queue_stats st;
	int err;

	if (!cs.routing || !prov_queue_find(queue))
		return ENOENT;

	err = routing_queue_stats(cs.routing, queue, &st);
	if (err)
		return err;

	return re_hprintf(pf, "{\"queue\":%H,\"waiting\":%u,"
			  "\"longest_wait_s\":%.1f,\"agents_available\":%u,"
			  "\"agents_routable\":%u,\"last_15_min\":%H,"
			  "\"today\":%H}", jsonstr_print, queue, st.waiting,
			  st.longest_wait_ms / 1000.0, st.agents_available,
			  st.agents_routable, print_counts, &st.last15,
			  print_counts, &st.today);
}


int call_routing_json(struct re_printf *pf, const char *call_id)
{
	const struct call *call = call_find(call_id);

	if (call && call->item)
		return routing_item_explain(pf, call->item);

	/* ended, its record not saved yet: the store cannot answer */
	for (struct le *le = cs.dirty.head; le; le = le->next) {
		call = le->data;
		if (!strcmp(call->id, call_id) && call->routing_json)
			return re_hprintf(pf, "%s", call->routing_json);
	}

	return ENOENT;
}
