/*
 * internal.h — the routing engine's private model, shared by the files of
 * src/routing/ and by nothing else.
 *
 * Design
 *
 * A queue's "stages" are the moments at which who may serve a waiting
 * item widens: every relaxation step and, for ROUTING_TIERS, every tier
 * step, merged and sorted. Stage s has effective skill minimums and a
 * highest tier level; an agent that qualifies at stage s qualifies at
 * every later one, so an agent's place in a queue is one number, its
 * first stage.
 *
 *   agents  A member (agent × queue) that is routable and has a free unit
 *           sits in exactly one tree: queue->stages[first stage].agents,
 *           ordered by the queue's strategy key (tree.c: a treap with
 *           subtree sizes, weight sums and the largest free capacity, so
 *           random and weighted picks are O(log n) and members without
 *           room for an item are pruned). Agents an item at stage s may
 *           get are those of trees 0..s, merged in key order.
 *   items   A waiting item sits in one tree per (queue, class, stage),
 *           where a class is the set of extra skills items carry (most
 *           have none), ordered by a key that needs no clock: within a
 *           queue aging adds the same k points a minute to every item,
 *           so priority + k × waited orders like priority × 60000 / k −
 *           arrival (k = 0: priority, then arrival). The tree keeps the
 *           smallest item size below each node. Every waiting item is also
 *           in its queue's arrival tree (longest wait) and in the deadline
 *           heap (next stage, overflow, end of a decline block).
 *
 * Decisions (decide.c) are of two kinds and each costs O(trees × log n):
 *   item    an item arrives, reaches a stage, overflows, comes back or a
 *           block ends: walk the agent trees 0..stage in strategy order
 *           and take the first agent with room that it may go to.
 *   agent   an agent becomes routable or frees capacity: look at the head
 *           of each item tree it qualifies for (its queues, classes whose
 *           skills it has, stages from its first) and take the best by
 *           effective priority now, then arrival.
 * Before each event the invariant holds — no routable agent with room
 * qualifies for a waiting item — so an event only has to look at what it
 * changed. Every public call first applies the deadlines that are due, so
 * the invariant holds at the clock's "now" when it returns.
 *
 * Offers are announced by flush (routing.c) after the state is
 * consistent; the handler may call back in, and what it causes is
 * announced by the same flush loop.
 */
#ifndef SWITCHBOARD_ROUTING_INTERNAL_H
#define SWITCHBOARD_ROUTING_INTERNAL_H

#include "routing/routing.h"

#define STAGES_MAX      64
#define RELAX_MAX       31
#define LEVEL_MAX       32
#define STAGE_NONE      0xffff
#define LIST_CANDIDATES 10         /* per decision, in strategy order */
#define LIST_SKIPPED    10
#define LIST_MEMBERS    20         /* members looked at for "why not" */
#define DECISIONS_KEPT  16         /* per item: the first and the last */
#define MINUTE_MS       60000ull
#define DAY_MS          86400000ull
#define WINDOW_MIN      15

/* The struct that holds member m at address p. */
#define OWNER_OF(p, type, m) \
	((type *)(void *)((char *)(p) - offsetof(type, m)))

struct xwhy;

/* A skill requirement or an agent's skill; arrays sorted by skill id. */
struct req {
	uint16_t skill;
	uint8_t level;
};

/* tree.c — an intrusive treap. Agent trees aggregate the largest free
 * capacity below a node (val = free units); item trees the smallest item
 * size (val = size, minagg). Keys: ka, kb, kc, then kid (strcmp); agent
 * nodes put id_prefix(id) in kc, so ids are rarely compared whole. */
struct tnode {
	struct tnode *l, *r;
	uint32_t hp;               /* heap priority, random */
	uint32_t size;             /* nodes in this subtree */
	uint64_t weight, wsum;
	uint32_t val, agg;
	uint64_t mask, magg;       /* agent trees: skills held (id % 64) */
	int64_t ka, kb;
	uint64_t kc;
	const char *kid;
	bool minagg;
};

struct tree {
	struct tnode *root, *first;
};

int  tnode_cmp(const struct tnode *a, const struct tnode *b);
uint64_t id_prefix(const char *id);
void tnode_init(struct tnode *n, uint32_t hp, bool minagg);
void tree_insert(struct tree *t, struct tnode *n);
void tree_remove(struct tree *t, struct tnode *n);
void tree_refresh(struct tree *t, struct tnode *n);
struct tnode *tree_first(const struct tree *t, const struct tnode *after,
			 uint32_t bound);
struct tnode *tree_first_with(const struct tree *t, const struct tnode *after,
			      uint32_t bound, uint64_t mask);
struct tnode *tree_at(const struct tree *t, uint32_t i);
struct tnode *tree_at_weight(const struct tree *t, uint64_t w);
static inline uint32_t tree_count(const struct tree *t)
{
	return t->root ? t->root->size : 0;
}
static inline uint64_t tree_weight(const struct tree *t)
{
	return t->root ? t->root->wsum : 0;
}

/* skill.c — skill names interned as small ids, shared with the
 * explanations (which hold a reference, so they outlive the engine). */
struct skilltab {
	struct hash *h;
	char **names;
	uint32_t n, cap;
};

int  skilltab_alloc(struct skilltab **tp);
int  skill_intern(struct skilltab *t, const char *name, uint16_t *id);
const char *skill_name(const struct skilltab *t, uint16_t id);
int  reqs_from(struct skilltab *t, struct req **out, uint16_t *n,
	       const struct routing_skill *in, size_t nin);
uint8_t reqs_level(const struct req *v, uint16_t n, uint16_t skill);
uint64_t reqs_mask(const struct req *v, uint16_t n);
const struct req *reqs_unmet(const struct req *have, uint16_t nhave,
			     const struct req *need, uint16_t nneed);
bool reqs_equal(const struct req *a, uint16_t na, const struct req *b,
		uint16_t nb);

/* status.c */
struct rstatus {
	struct le he;              /* r->statuses */
	char *id;
	bool routable;
	struct list agents;
};

struct rstatus *status_find(const struct routing *r, const char *id);
int  status_defaults(struct routing *r);

/* agent.c */
struct ragent {
	struct le he;              /* r->agents */
	struct le le;              /* r->agentl */
	struct le le_status;       /* status->agents */
	struct le le_impl;         /* r->implicit: serves skill-qualified */
	struct routing *r;         /* NULL once removed */
	char *id;
	struct req *skills;
	uint16_t nskills;
	uint64_t mask;             /* reqs_mask(skills) */
	bool present;
	uint32_t capacity, load;   /* load: offers' sizes + reserved */
	uint32_t reserved;         /* routing_agent_reserve's units */
	struct rstatus *status;    /* referenced */
	uint64_t status_since, idle_since;
	struct list members;       /* struct member, owned */
	struct list offers;        /* struct offer (owned by items) */
	uint64_t mark;             /* r->epoch: named by this decision */
	uint64_t day;              /* of the counters below */
	uint32_t accepted;
	uint64_t talk_ms;
};

/* An agent in a queue: explicit (configured, by queue id, resolved while
 * that queue exists) or implicit (the agent meets the queue's loosest
 * skills). */
struct member {
	struct le le_a;            /* a->members */
	struct le le_q;            /* q->members while resolved */
	struct le he;              /* r->xmembers by queue id (explicit) */
	struct ragent *a;
	struct rqueue *q;
	char *qid;                 /* explicit only */
	uint8_t level;
	uint32_t position, weight;
	uint16_t stage;            /* first stage it qualifies at */
	struct tree *tree;         /* the tree node is in, or NULL */
	struct tnode node;
};

struct ragent *agent_find(const struct routing *r, const char *id);
bool agent_routable(const struct ragent *a);
uint32_t agent_free(const struct ragent *a);
void agent_day(struct ragent *a, uint64_t day);
void agent_reindex(struct ragent *a);
void member_update(struct member *m);
void member_unplace(struct member *m);
void member_stage(struct member *m);
int  member_implicit_add(struct ragent *a, struct rqueue *q);
void member_free(struct member *m);
void agent_change_status(struct ragent *a, struct rstatus *st);
void agent_detach(struct ragent *a);

/* queue.c */
struct stage {
	uint64_t at_ms;            /* waited in the queue */
	struct req *reqs;
	uint16_t nreqs;
	uint8_t maxlevel;          /* tiers; LEVEL_MAX otherwise */
	struct tree agents;
};

struct iclass {
	struct le le;              /* q->classes */
	struct rqueue *q;
	struct req *extra;
	uint16_t nextra;
	uint64_t mask;             /* reqs_mask(extra) */
	struct tree *items;        /* per stage */
};

struct counts {
	uint32_t offered, answered, in_sl, abandoned;
};

struct qstats {
	uint64_t day;
	struct counts today;
	struct {
		uint64_t minute;
		struct counts c;
	} min[WINDOW_MIN];
};

struct rqueue {
	struct le he;              /* r->queues */
	struct le le;              /* r->queuel */
	struct routing *r;
	bool removed;
	char *id;
	enum routing_strategy strategy;
	struct req *skills;
	uint16_t nskills;
	struct relax {
		uint32_t after_s;
		uint16_t skill;
		uint8_t level;
	} *relax;                  /* sorted by after_s */
	uint16_t nrelax;
	uint32_t tier_wait_s;
	char *overflow_to;
	uint32_t overflow_after_s;
	double aging;
	uint32_t sl_s, block_s;
	char *missed_status;
	struct stage *stages;
	uint16_t nstages;
	struct list classes;
	struct list members;
	uint32_t nmembers;
	uint32_t levels[LEVEL_MAX + 1];  /* members per tier level */
	uint8_t maxlevel;          /* the highest the stages were built for */
	bool dirty;                /* stages must be rebuilt */
	struct tree age;           /* waiting items by arrival */
	bool rr_set;
	struct tnode rr;           /* round-robin: the last agent's key */
	char *rr_id;
	struct qstats stats;
};

struct rqueue *queue_find(const struct routing *r, const char *id);
bool queue_admits(const struct rqueue *q, const struct ragent *a);
uint16_t queue_stage_at(const struct rqueue *q, uint64_t waited_ms);
int  iclass_get(struct iclass **cp, struct rqueue *q, const struct req *x,
		uint16_t n);
void queue_levels(struct rqueue *q, uint8_t level, int delta);
void queue_rekey(struct rqueue *q);
void queue_flush_dirty(struct routing *r);

/* strategy.c */
void strategy_key(const struct member *m, int64_t *ka, int64_t *kb);

/* item.c */
enum trigger {
	TRG_NONE = 0,
	TRG_ARRIVAL,
	TRG_STAGE,
	TRG_OVERFLOW,
	TRG_RETURNED,
	TRG_BLOCK_END,
	TRG_AGENT,
	TRG_CONFIG,
};

struct block {
	struct le le;
	uint64_t until;
	char agent[];
};

enum outcome {
	OUT_PENDING = 0,
	OUT_ACCEPTED,
	OUT_DECLINED,
	OUT_TIMEOUT,
	OUT_FAILED,
	OUT_WITHDRAWN,
	OUT_ENDED,
	OUT_REMOVED,
};

struct decision;

struct offer {
	struct le le_i;            /* item->offers */
	struct le le_a;            /* agent->offers */
	struct routing_item *item;
	struct ragent *a;          /* referenced */
	struct decision *dec;      /* referenced: outcome goes there */
	uint32_t dec_idx;
	uint64_t accepted_at;
	bool accepted, announced;
};

struct routing_item {
	struct le le;              /* r->items */
	struct le le_pend;         /* r->pending */
	struct routing *r;         /* NULL once the engine is gone */
	struct rqueue *q;          /* referenced */
	struct rqueue *from;       /* overflowed from (referenced), until
				      the next decision records it */
	struct iclass *cls;        /* referenced */
	void *owner;
	uint32_t size;
	uint8_t priority;
	enum routing_item_state state;
	bool placed, overflow_done;
	uint16_t stage;
	uint64_t arrival, entered, seq;
	uint64_t deadline;
	size_t heapi;              /* 1-based; 0: not in the heap */
	enum trigger trg;          /* why the next decision happens */
	struct tnode node;         /* cls->items[stage] */
	struct tnode anode;        /* q->age */
	struct list offers;
	struct list blocks;
	struct list decisions;
	uint32_t ndecisions, dropped;
};

void item_place(struct routing_item *it);
void item_unplace(struct routing_item *it);
void item_restage(struct routing_item *it);
double item_eff(const struct routing_item *it, uint64_t now);
bool item_better(const struct routing_item *a, const struct routing_item *b,
		 uint64_t now);
bool item_blocked(const struct routing_item *it, const struct ragent *a,
		  uint64_t now);
const struct block *item_block(const struct routing_item *it,
			       const struct ragent *a, uint64_t now);

/* heap.c — waiting items by deadline */
void heap_set(struct routing *r, struct routing_item *it, uint64_t when);
struct routing_item *heap_top(const struct routing *r);

/* decide.c */
void decide_item(struct routing_item *it, enum trigger trg);
void decide_batch(struct routing *r, struct routing_item **v, size_t n);
void agent_serve(struct ragent *a, enum trigger trg);
void serve_members(struct rqueue *q);

/* offer.c */
int  offer_make(struct routing_item *it, struct ragent *a,
		struct decision *dec, uint32_t idx);
void offer_free(struct offer *o, enum outcome out);

/* explain.c — a decision is built in r->xb while deciding, then kept */
enum why {
	WHY_STATUS = 1,            /* status not routable */
	WHY_ABSENT,                /* no phone registered */
	WHY_FULL,                  /* no free capacity */
	WHY_NOROOM,                /* free capacity below the item's size */
	WHY_BLOCKED,               /* declined it recently */
	WHY_TIER,                  /* tier level not allowed yet */
	WHY_SKILL,                 /* below the stage's minimum */
	WHY_ITEMSKILL,             /* below an item-level skill */
};

void xb_begin(struct routing *r, struct routing_item *it, enum trigger t,
	      bool by_agent);
void xb_candidate(struct routing *r, const struct member *m, uint64_t x,
		  uint64_t y);
int  xb_chosen(struct routing *r, const struct member *m, uint64_t x,
	       uint64_t y);
void xb_skipped(struct routing *r, const struct routing_item *it,
		const struct member *m, uint8_t why);
struct decision *xb_commit(struct routing *r, struct routing_item *it);
void explain_outcome(struct decision *d, uint32_t idx, enum outcome out,
		     uint64_t at);
uint8_t why_not(struct xwhy *w, const struct routing_item *it,
		const struct member *m, uint64_t now);

/* stats.c */
enum stat { ST_OFFERED, ST_ANSWERED, ST_IN_SL, ST_ABANDONED };
void stats_count(struct rqueue *q, uint64_t now, enum stat what);

/* routing.c — the decision being built (explain.c keeps it) */
struct xcand {                     /* a candidate and its strategy key */
	struct ragent *a;
	int64_t ka, kb;
	uint64_t x, y;             /* random: pick, pool; weighted: weight,
				      total weight */
	uint8_t level;
};

struct xoffer {                    /* an offered agent and the outcome */
	struct xcand c;
	uint64_t at;
	uint8_t outcome;
};

struct xwhy {                      /* an agent that was not taken */
	struct ragent *a;
	struct rstatus *st;        /* WHY_STATUS */
	uint64_t v;                /* until (blocked); load, cap (room) */
	uint32_t w;                /* item size; tier allowed */
	uint16_t skill;
	uint8_t why, have, need;
};

struct xbuild {
	struct routing_item *it;
	enum trigger trg;
	bool by_agent;             /* agent decision: the agent went looking */
	struct xoffer *chosen;
	size_t nchosen, capchosen;
	struct xcand cand[LIST_CANDIDATES];
	uint32_t ncand;
	struct xwhy skip[LIST_SKIPPED];
	uint32_t nskip;
	struct xwhy why[LIST_MEMBERS];
	uint32_t nwhy;
	bool rr_set;
	uint32_t rr_after;
};

struct routing {
	routing_clock_h *clock;
	routing_offer_h *offerh;
	void *arg;
	uint64_t now, day;
	uint64_t rng[4];           /* strategies: xoshiro256** */
	uint64_t hprng;            /* tree priorities */
	struct hash *statuses;
	struct hash *agents;
	struct hash *queues;
	struct hash *xmembers;
	struct list agentl;
	struct list implicit;
	struct list queuel;
	struct skilltab *sk;
	struct list items;
	struct list pending;
	struct routing_item **heap;
	size_t nheap, capheap;
	uint64_t seq;
	bool flushing, dying;
	struct xbuild xb;
	uint64_t epoch;            /* marks the agents a decision named */
	struct ragent **deliver_a;
	size_t capdeliver_a;
	const char **deliver;
	size_t capdeliver;
	struct routing_item **due;
	size_t capdue;
	struct ragent **freed;
	size_t capfreed;
	struct member **mv;
	size_t capmv;
};

void engine_enter(struct routing *r);
void engine_flush(struct routing *r);
uint64_t rng_below(struct routing *r, uint64_t n);
uint32_t hp_next(struct routing *r);
int  vec_grow(void **v, size_t *cap, size_t need, size_t elem);

#endif
