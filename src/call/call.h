/*
 * call.h — the call state machine. One struct call owns everything of one
 * customer call: the caller's leg, the agent leg being offered or
 * answered, the media relay, the routing item and the call record.
 * Ending a call is mem_deref(call); destructors release the rest.
 *
 *   arriving -> queued -> offering -> answered -> ended
 *                  ^          |
 *                  +----------+  agent busy / no answer: next agent
 */
#ifndef SWITCHBOARD_CALL_H
#define SWITCHBOARD_CALL_H

#include <stdint.h>

struct store;
struct sipd_conf;

typedef void (call_idle_h)(void *arg);

/* Starts SIP (the call module is its only user) and routing. */
int  call_init(struct store *st, const struct sipd_conf *sc);
/* Ends every call (BYE, CANCEL or 503 as their state needs), refuses new
 * ones, and calls idleh once the last call record is saved. */
void call_shutdown(call_idle_h *idleh, void *arg);
void call_close(void);
uint32_t call_count(void);

/* Runtime read-outs and controls for the API (src/api). Each prints
 * one JSON object with %H-style re_printf; ENOENT: no such agent, queue
 * or live call; EINVAL: unknown status. */
struct re_printf;
int  call_agent_status_set(const char *agent, const char *status);
/* {"status","status_since","time_in_status_s","present","routable",
 *  "load","capacity","accepted_today","talk_time_today_s"} */
int  call_agent_json(struct re_printf *pf, const char *agent);
/* {"queue","waiting","longest_wait_s","agents_available",
 *  "agents_routable","last_15_min":{...},"today":{...}} with
 *  {"offered","answered","answered_in_sl","abandoned",
 *  "service_level_pct"} */
int  call_queue_stats_json(struct re_printf *pf, const char *queue);
/* the routing explanation of a live call: {"decisions":[...]} */
int  call_routing_json(struct re_printf *pf, const char *call_id);

#endif
