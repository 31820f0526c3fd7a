/*
 * strategy.c — strategy names, and the key each strategy orders a
 * queue's free agents by. The pick itself is in decide.c: the first agent
 * in key order (longest-idle, round-robin, top-down, fewest-calls,
 * least-talk-time, least-active, most-available, tiers), every agent
 * (ring-all) or a draw by count or weight (random, weighted-random).
 *
 * Ties fall through to idle_since (longest idle first) and then to the
 * agent id (tnode_cmp), so every order is total and repeatable.
 */
#include <string.h>
#include <re.h>
#include "routing/internal.h"

static const char *const names[ROUTING_STRATEGIES] = {
	[ROUTING_LONGEST_IDLE]    = "longest-idle",
	[ROUTING_RING_ALL]        = "ring-all",
	[ROUTING_ROUND_ROBIN]     = "round-robin",
	[ROUTING_TOP_DOWN]        = "top-down",
	[ROUTING_FEWEST_CALLS]    = "fewest-calls",
	[ROUTING_LEAST_TALK_TIME] = "least-talk-time",
	[ROUTING_RANDOM]          = "random",
	[ROUTING_WEIGHTED_RANDOM] = "weighted-random",
	[ROUTING_LEAST_ACTIVE]    = "least-active",
	[ROUTING_MOST_AVAILABLE]  = "most-available",
	[ROUTING_TIERS]           = "tiers",
};


int routing_strategy_parse(enum routing_strategy *s, const char *name)
{
	if (!s || !name)
		return EINVAL;

	for (int i = 0; i < ROUTING_STRATEGIES; i++) {
		if (!strcmp(names[i], name)) {
			*s = (enum routing_strategy)i;
			return 0;
		}
	}

	return ENOENT;
}


const char *routing_strategy_name(enum routing_strategy s)
{
	return (unsigned)s < ROUTING_STRATEGIES ? names[s] : "?";
}


/* Counters of another day count as zero until the agent's next accept or
 * release resets them (agent_day); at midnight queue_rekey re-sorts. */
void strategy_key(const struct member *m, int64_t *ka, int64_t *kb)
{
	const struct ragent *a = m->a;
	const bool today = a->r && a->day == a->r->day;

	*ka = 0;
	*kb = (int64_t)a->idle_since;

	switch (m->q->strategy) {

	case ROUTING_ROUND_ROBIN:
	case ROUTING_TOP_DOWN:
		*ka = m->position;
		*kb = 0;
		break;

	case ROUTING_FEWEST_CALLS:
		*ka = today ? a->accepted : 0;
		break;

	case ROUTING_LEAST_TALK_TIME:
		*ka = today ? (int64_t)a->talk_ms : 0;
		break;

	case ROUTING_RANDOM:
	case ROUTING_WEIGHTED_RANDOM:
		/* only the order of draws: by id */
		*kb = 0;
		break;

	case ROUTING_LEAST_ACTIVE:
		*ka = a->load;
		break;

	case ROUTING_MOST_AVAILABLE:
		*ka = -(int64_t)agent_free(a);
		break;

	case ROUTING_LONGEST_IDLE:
	case ROUTING_RING_ALL:
	case ROUTING_TIERS:
	default:
		*ka = (int64_t)a->idle_since;
		*kb = 0;
		break;
	}
}
