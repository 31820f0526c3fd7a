/*
 * stats.c — queue counters (the last 15 minutes in per-minute buckets,
 * and the UTC day) and what an agent looks like right now.
 */
#include <string.h>
#include <re.h>
#include "routing/internal.h"


static void bump(struct counts *c, enum stat what)
{
	switch (what) {

	case ST_OFFERED:   ++c->offered;   break;
	case ST_ANSWERED:  ++c->answered;  break;
	case ST_IN_SL:     ++c->in_sl;     break;
	case ST_ABANDONED: ++c->abandoned; break;
	}
}


void stats_count(struct rqueue *q, uint64_t now, enum stat what)
{
	struct qstats *s = &q->stats;
	const uint64_t day = now / DAY_MS, minute = now / MINUTE_MS;
	const size_t b = minute % WINDOW_MIN;

	if (s->day != day) {
		s->day = day;
		memset(&s->today, 0, sizeof(s->today));
	}

	/* a bucket last used 15 or more minutes ago starts over */
	if (s->min[b].minute != minute) {
		s->min[b].minute = minute;
		memset(&s->min[b].c, 0, sizeof(s->min[b].c));
	}

	bump(&s->today, what);
	bump(&s->min[b].c, what);
}


static void counts_out(struct routing_counts *out, const struct counts *c)
{
	const uint32_t base = c->answered + c->abandoned;

	out->offered = c->offered;
	out->answered = c->answered;
	out->answered_in_sl = c->in_sl;
	out->abandoned = c->abandoned;
	out->service_level_pct = base ? 100.0 * c->in_sl / base : 100.0;
}


int routing_queue_stats(const struct routing *r, const char *queue,
			struct routing_queue_stats *st)
{
	const struct rqueue *q;
	const struct qstats *s;
	struct counts last = {0, 0, 0, 0};
	uint64_t now, minute;
	struct tnode *oldest;
	struct le *le;

	if (!r || !queue || !st)
		return EINVAL;

	q = queue_find(r, queue);
	if (!q)
		return ENOENT;

	now = r->clock(r->arg);
	minute = now / MINUTE_MS;
	s = &q->stats;
	memset(st, 0, sizeof(*st));

	st->waiting = tree_count(&q->age);
	oldest = q->age.first;
	if (oldest) {
		const uint64_t arrival = (uint64_t)oldest->ka;

		st->longest_wait_ms = now > arrival ? now - arrival : 0;
	}

	/* members that can serve the queue at some stage */
	LIST_FOREACH(&q->members, le) {
		const struct member *m = le->data;

		if (m->stage == STAGE_NONE || !agent_routable(m->a))
			continue;

		++st->agents_routable;
		if (agent_free(m->a))
			++st->agents_available;
	}

	for (size_t i = 0; i < WINDOW_MIN; i++) {
		const uint64_t m = s->min[i].minute;

		if (m + WINDOW_MIN <= minute || m > minute)
			continue;

		last.offered += s->min[i].c.offered;
		last.answered += s->min[i].c.answered;
		last.in_sl += s->min[i].c.in_sl;
		last.abandoned += s->min[i].c.abandoned;
	}

	counts_out(&st->last15, &last);
	if (s->day == now / DAY_MS)
		counts_out(&st->today, &s->today);
	else
		counts_out(&st->today, &(struct counts){0, 0, 0, 0});

	return 0;
}


int routing_agent_info(const struct routing *r, const char *agent,
		       struct routing_agent_info *ai)
{
	const struct ragent *a;
	bool today;

	if (!r || !agent || !ai)
		return EINVAL;

	a = agent_find(r, agent);
	if (!a)
		return ENOENT;

	today = a->day == r->clock(r->arg) / DAY_MS;

	memset(ai, 0, sizeof(*ai));
	ai->status = a->status ? a->status->id : NULL;
	ai->status_since = a->status_since;
	ai->present = a->present;
	ai->routable = agent_routable(a);
	ai->load = a->load;
	ai->capacity = a->capacity;
	ai->accepted_today = today ? a->accepted : 0;
	ai->talk_ms_today = today ? a->talk_ms : 0;

	return 0;
}
