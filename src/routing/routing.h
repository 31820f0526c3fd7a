/*
 * routing.h — which agent gets which work item: Omni-Channel-class skills
 * routing with the common strategies, explainable, decided in
 * microseconds. Pure C: no I/O, no SIP, no timers of its own, an
 * injectable clock — so it can be tested and benchmarked alone.
 *
 * Model
 *   statuses  a catalogue of presence statuses, each routable or not
 *   agents    skills (1-10), capacity in units, a status, present or not
 *             (a phone registered), queue memberships (tier level,
 *             position, weight) or none (then: every queue whose skills
 *             the agent meets)
 *   queues    strategy, minimum skill levels, relaxation steps, tiers,
 *             overflow, priority aging, service-level threshold, how long
 *             a decliner is skipped, the status a missed offer leaves
 *   items     work (a call today; nothing here assumes voice): a queue, a
 *             size in units, a priority 0-10, extra required skills
 *
 * Decisions are made on events only — an item arrives, an agent becomes
 * routable or frees capacity, an offer is declined, a relaxation/tier step
 * or overflow or decline block comes due (routing_tick at
 * routing_next_deadline) — never by polling, and never by scanning all
 * agents × all items: agents are indexed per (queue, stage) by the
 * strategy's order, items per (queue, stage) by priority and age.
 * Invariant after every public call returns: no routable agent with
 * room for a waiting item it qualifies for (and has not recently
 * declined) is left without an offer for it.
 *
 * An offer reserves the item's size on each offered agent and is
 * reported through the offer handler after the engine's state is
 * consistent, so the handler may call back in. Ring-all offers an item
 * to every qualified free agent at once; the first to accept wins and
 * the owner withdraws the others (routing_offer_withdrawn).
 *
 * Ordering across queues: effective priority (priority + aging × minutes
 * waited), then arrival. One agent may serve several queues.
 *
 * Every decision keeps an explanation (routing_item_explain).
 *
 * Times are milliseconds of the injected clock (wall clock, Unix epoch:
 * "today" in statistics is the UTC day). The owner holds each item;
 * mem_deref removes it from routing and releases what it holds.
 */
#ifndef SWITCHBOARD_ROUTING_H
#define SWITCHBOARD_ROUTING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct re_printf;
struct routing;
struct routing_item;

enum routing_strategy {
	ROUTING_LONGEST_IDLE = 0,  /* default: idle the longest first */
	ROUTING_RING_ALL,          /* every qualified free agent at once */
	ROUTING_ROUND_ROBIN,       /* member order, resuming after the last */
	ROUTING_TOP_DOWN,          /* member order, always from the top */
	ROUTING_FEWEST_CALLS,      /* fewest items accepted today */
	ROUTING_LEAST_TALK_TIME,   /* least time on accepted items today */
	ROUTING_RANDOM,
	ROUTING_WEIGHTED_RANDOM,   /* by member weight */
	ROUTING_LEAST_ACTIVE,      /* Omni-Channel: lowest load */
	ROUTING_MOST_AVAILABLE,    /* Omni-Channel: most free capacity */
	ROUTING_TIERS,             /* tier level 1 first; the next level
				    * joins every tier_wait_s; longest idle
				    * within the allowed levels */
	ROUTING_STRATEGIES
};

int  routing_strategy_parse(enum routing_strategy *s, const char *name);
const char *routing_strategy_name(enum routing_strategy s);

struct routing_skill {
	const char *name;
	uint8_t level;             /* 1..10 */
};

/* After after_s seconds of waiting, skill's minimum level becomes level;
 * level 0 drops the requirement. Steps apply cumulatively, in after_s
 * order, and only lower: a level above the minimum in force (or any level
 * for a dropped skill) changes nothing, so who qualifies only widens.
 * skill must be one of the queue's (EINVAL); at most 31 steps. Waiting
 * counts from when the item entered the queue (an overflow restarts
 * it). */
struct routing_relax {
	uint32_t after_s;
	const char *skill;
	uint8_t level;
};

struct routing_queue_conf {
	const char *id;
	enum routing_strategy strategy;
	const struct routing_skill *skills;   /* minimum levels */
	size_t nskills;
	const struct routing_relax *relax;
	size_t nrelax;
	uint32_t tier_wait_s;      /* ROUTING_TIERS: seconds per level */
	const char *overflow_to;   /* queue id, or NULL */
	uint32_t overflow_after_s; /* 0: never (with overflow_to set) */
	double aging_per_min;      /* priority points per minute waited */
	uint32_t service_level_s;  /* "answered within"; 0 = 20 */
	uint32_t decline_block_s;  /* decliner skipped this long; 0: not
				    * (but 1 ms, 1 s after a FAILED) */
	const char *missed_status; /* status after a push timeout, or NULL */
};

struct routing_member {
	const char *queue;
	uint8_t level;             /* tier, 1 = first; 0 = 1; at most 32 */
	uint32_t position;         /* top-down / round-robin order */
	uint32_t weight;           /* weighted-random; 0 = 1 */
};

struct routing_agent_conf {
	const char *id;
	const struct routing_skill *skills;
	size_t nskills;
	uint32_t capacity;         /* units, >= 1 */
	const struct routing_member *queues;  /* NULL: skill-qualified */
	size_t nqueues;
};

struct routing_item_conf {
	const char *queue;
	uint32_t size;             /* units, >= 1 */
	uint8_t priority;          /* 0..10, higher first */
	const struct routing_skill *skills;   /* beyond the queue's */
	size_t nskills;
	void *owner;
};

/* agents: n offered agents (n > 1 only for ring-all) */
typedef void (routing_offer_h)(struct routing_item *item,
			       const char *const *agents, size_t n,
			       void *arg);
typedef uint64_t (routing_clock_h)(void *arg);

/* Where an item stands. WAITING: in its queue, no offer out. OFFERED:
 * offers out, none accepted. ACCEPTED: an agent took it. */
enum routing_item_state {
	ROUTING_ITEM_WAITING = 0,
	ROUTING_ITEM_OFFERED,
	ROUTING_ITEM_ACCEPTED,
};

enum routing_refusal {
	ROUTING_DECLINED = 0,      /* the agent said no (busy, 486/603) */
	ROUTING_TIMEOUT,           /* no answer within push_timeout_s */
	ROUTING_FAILED,            /* unreachable (no phone, error) */
};

int  routing_alloc(struct routing **rp, routing_clock_h *clock,
		   routing_offer_h *offerh, void *arg);
/* The random and weighted-random strategies draw from a generator seeded
 * at random by routing_alloc; a fixed seed makes their picks repeatable
 * (tests, benchmarks). */
void routing_seed(struct routing *r, uint64_t seed);

/* Statuses. A fresh engine knows available (routable), busy, break,
 * lunch, offline and missed (not routable); set adds or changes one.
 * "available" stays routable (EINVAL) and cannot be removed (EPERM); a
 * status some agent is in cannot be removed (EBUSY). */
int  routing_status_set(struct routing *r, const char *id, bool routable);
int  routing_status_remove(struct routing *r, const char *id);
bool routing_status_exists(const struct routing *r, const char *id);

/* Queues and agents: set creates or replaces, keeping runtime state
 * (waiting items, load, status, counters). Removing a queue leaves its
 * waiting items waiting for nobody until their owners end them. */
int  routing_queue_set(struct routing *r, const struct routing_queue_conf *c);
void routing_queue_remove(struct routing *r, const char *id);
int  routing_agent_set(struct routing *r, const struct routing_agent_conf *c);
void routing_agent_remove(struct routing *r, const char *id);

/* New agents start "available" and not present; routable = status
 * routable && present. ENOENT: no such agent or status. */
int  routing_agent_status(struct routing *r, const char *agent,
			  const char *status);
void routing_agent_present(struct routing *r, const char *agent,
			   bool present);

/* Work the owner gives an agent outside routing (a call the agent
 * places itself): units of its capacity are taken as an accepted item's
 * would be, so routing offers it nothing on them, whatever its status.
 * reserve: ENOENT no such agent, EBUSY fewer than units free (offers
 * ringing and accepted items hold theirs). release gives back at most
 * what was reserved, and may offer the agent work at once. */
int  routing_agent_reserve(struct routing *r, const char *agent,
			   uint32_t units);
void routing_agent_release(struct routing *r, const char *agent,
			   uint32_t units);

/* Work items. add: ENOENT when there is no such queue. */
int  routing_item_add(struct routing_item **itemp, struct routing *r,
		      const struct routing_item_conf *c);
void *routing_item_owner(const struct routing_item *item);
/* The work is over (mem_deref does the same): the item leaves the engine,
 * its offers end (outcome "ended"), the capacity they held comes free.
 * Its explanation stays readable until it is freed. */
void routing_item_end(struct routing_item *item);
const char *routing_item_queue(const struct routing_item *item);
enum routing_item_state routing_item_state(const struct routing_item *item);

/* The agent took it: the item stops waiting; its other ring-all offers
 * stay reserved until the owner withdraws them. ENOENT: no offer of the
 * item to that agent; EALREADY: the item was accepted already. */
int  routing_offer_accepted(struct routing_item *item, const char *agent);
/* The agent did not take it: its reservation is released, it is skipped
 * for this item for the queue's decline_block_s, and on TIMEOUT it is
 * moved to the queue's missed_status. When no offer of the item is left,
 * it waits again, ahead of everything that arrived after it. */
int  routing_offer_declined(struct routing_item *item, const char *agent,
			    enum routing_refusal why);
/* The owner cancelled this agent's offer (another ring-all agent won).
 * Withdrawing an accepted offer ends that agent's work on the item. */
int  routing_offer_withdrawn(struct routing_item *item, const char *agent);

/* Time: the next moment routing_tick has work (0 = none), and the tick. */
uint64_t routing_next_deadline(const struct routing *r);
void routing_tick(struct routing *r);

/* Read-outs */
struct routing_counts {
	uint32_t offered;          /* items that entered the queue */
	uint32_t answered;         /* accepted */
	uint32_t answered_in_sl;   /* accepted within service_level_s */
	uint32_t abandoned;        /* ended while waiting or offered */
	double service_level_pct;  /* 100 × answered_in_sl / (answered +
				    * abandoned); 100 when both are 0 */
};

struct routing_queue_stats {
	uint32_t waiting;
	uint64_t longest_wait_ms;
	uint32_t agents_available; /* routable members with free capacity */
	uint32_t agents_routable;
	struct routing_counts last15, today;
};

struct routing_agent_info {
	const char *status;
	uint64_t status_since;
	bool present, routable;
	uint32_t load, capacity;
	uint32_t accepted_today;
	uint64_t talk_ms_today;
};

int  routing_queue_stats(const struct routing *r, const char *queue,
			 struct routing_queue_stats *st);
int  routing_agent_info(const struct routing *r, const char *agent,
			struct routing_agent_info *ai);

/* The item's decisions as JSON: {"decisions":[...]}; see docs/API.md. */
int  routing_item_explain(struct re_printf *pf,
			  const struct routing_item *item);

#endif
