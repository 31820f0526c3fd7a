/*
 * routing.h — which agent gets which work item. Pure decision logic: no
 * I/O, no SIP, an injectable clock, so it can be tested and benchmarked
 * alone.
 *
 * Model: agents with skills (level 1-10), a capacity and a load, and an
 * availability (registered and in a routable status); queues with minimum
 * skill levels; work items waiting in a queue. Decisions are made on
 * events only (an item arrives, an agent frees up or becomes available,
 * an offer is declined, an exclusion expires), never by polling.
 *
 * A decision reserves the item's size on the agent's load and is reported
 * through the offer handler after the call that caused it has returned, so
 * the handler may call back into routing freely.
 *
 * The owner holds each item (mem_deref removes it from routing and frees
 * the agent capacity it held).
 */
#ifndef SWITCHBOARD_ROUTING_H
#define SWITCHBOARD_ROUTING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct routing;
struct routing_item;

struct routing_skill {
	const char *name;
	uint8_t level;
};

typedef uint64_t (routing_clock_h)(void *arg);   /* milliseconds */
typedef void (routing_offer_h)(struct routing_item *item, const char *agent,
			       void *arg);

int  routing_alloc(struct routing **rp, routing_clock_h *clock,
		   routing_offer_h *offerh, void *arg);

/* Agents and queues: set creates or replaces (keeping load and idle time) */
int  routing_agent_set(struct routing *r, const char *id,
		       const struct routing_skill *skills, size_t nskills,
		       uint32_t capacity);
void routing_agent_remove(struct routing *r, const char *id);
void routing_agent_available(struct routing *r, const char *id, bool avail);
int  routing_queue_set(struct routing *r, const char *id,
		       const struct routing_skill *skills, size_t nskills);
void routing_queue_remove(struct routing *r, const char *id);

/* Work items */
int  routing_item_add(struct routing_item **itemp, struct routing *r,
		      const char *queue, uint32_t size, void *owner);
void *routing_item_owner(const struct routing_item *item);
const char *routing_item_agent(const struct routing_item *item);
/* The offered agent took it: the item stops waiting, the load stays. */
void routing_offer_accepted(struct routing_item *item);
/* The offered agent declined or did not answer: its load is released and
 * the item waits again at the head of its queue; that agent is not
 * offered this item again for block_ms. */
void routing_offer_declined(struct routing_item *item, uint64_t block_ms);

/* Time: when the engine next needs routing_tick (0 = never), and the
 * tick itself (expired exclusions may allow new decisions). */
uint64_t routing_next_deadline(const struct routing *r);
void routing_tick(struct routing *r);

/* Read-outs */
uint32_t routing_waiting(const struct routing *r, const char *queue);
bool routing_agent_load(const struct routing *r, const char *id,
			uint32_t *load, uint32_t *capacity);

#endif
