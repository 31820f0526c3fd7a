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

#endif
