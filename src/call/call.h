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

#include <stdbool.h>
#include <stddef.h>
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

/* The agent's call controls (control.c), for the API. Each returns
 * ENOENT when there is no live call (nor one in wrap-up) of that id, and
 * EBUSY when its state does not allow it, with *why saying why in words.
 * call_control_agent: the agent the call is with ("" while nobody has
 * answered). */
int  call_control_agent(const char *call_id, char *agent, size_t sz);
/* {"id","state":"queued|offering|answered|wrap_up","agent","muted",
 *  "held"[,"wrap_up_until"]} */
int  call_control_json(struct re_printf *pf, const char *call_id);
int  call_hangup(const char *call_id, const char **why);
/* disposition 1-64 characters, notes NULL or at most 2000: the API
 * checks them. During the call: kept, and the call ends without a
 * wrap-up; during wrap-up: kept, and the wrap-up ends. */
int  call_wrapup(const char *call_id, const char *disposition,
		 const char *notes, const char **why);
int  call_mute(const char *call_id, bool mute, const char **why);
int  call_hold(const char *call_id, bool hold, const char **why);
/* digits: 0-9 * # A-D (EINVAL otherwise, or too many queued) */
int  call_dtmf(const char *call_id, const char *digits, const char **why);
/* Blind transfer (transfer.c) to queue, or to agent (exactly one set):
 * EINVAL no such queue or agent; EBUSY (with *why) the call is not
 * answered, the agent is the call's own, has no phone or serves no
 * queue. */
int  call_transfer(const char *call_id, const char *queue, const char *agent,
		   const char **why);
/* Blind transfer to a number through a trunk (transfer.c, outbound.c):
 * EBUSY as above; EPERM no trunk permits the number. */
int  call_transfer_number(const char *call_id, const char *number,
			  const char **why);

/* Click-to-dial (outbound.c): agent's registered phone is rung with the
 * auto-answer hint, then number through the trunk prov_trunk_for_number
 * picks; the new call's id goes to id. EINVAL number is not E.164,
 * EPERM no trunk permits it, ENOENT no such agent, ENOTCONN the agent
 * has no registered phone, EBUSY the agent has no free capacity (*why
 * says so in words). */
int  call_dial(const char *agent, const char *number, char *id, size_t sz,
	       const char **why);

/* Desktop offers (desktop.c). The API counts each agent's own event
 * streams: open true as one opens, false as it closes. While an agent
 * has one open, its offers wait for Accept there instead of ringing its
 * phone at once. Accept and decline: ENOENT no such live call, EPERM
 * not offered to agent, EALREADY accepted already, EBUSY the offer has
 * ended or does not allow it (accept of an offer ringing the phone) —
 * *why says which in words. */
void call_agent_desktop(const char *agent, bool open);
int  call_offer_accept(const char *call_id, const char *agent,
		       const char **why);
int  call_offer_decline(const char *call_id, const char *agent,
			const char **why);

/* Events for the API's stream (src/api/events.c). type: "call.offered",
 * "agent.status", ...; agent: the agent it concerns (who may see it
 * besides supervisors), or NULL; data: one JSON object. The handler
 * copies what it keeps. One handler; NULL unsets it. */
typedef void (call_event_h)(const char *type, const char *agent,
			    const char *data, void *arg);
/* Listeners of every event, called in the order they were added: the
 * API's event stream, and modules that act on calls without being part
 * of them (CRM sync, next best action). h NULL removes the listener
 * added with that arg. */
int  call_event_listen(call_event_h *h, void *arg);
void call_event_unlisten(void *arg);
/* data as re_printf format and arguments producing the JSON object */
void call_event(const char *type, const char *agent, const char *fmt, ...);

#endif
