/*
 * explain.c — why an item went where it went.
 *
 * While deciding, decide.c fills r->xb: the agents offered the item, the
 * candidates in strategy order (up to LIST_CANDIDATES) and the ones it
 * skipped and why. xb_commit adds why other members of the queue were not
 * candidates — looking at no more than LIST_MEMBERS of them, so a
 * decision's cost stays bounded however large the queue — and keeps the
 * record on the item as one allocation: numbers, and the names it needs
 * (agents, statuses, queues) copied into a pool at its end, so a record
 * depends on nothing that may go away (removed agents, the engine) but
 * the skill names, which it holds a reference to. Text is made only when
 * someone asks (routing_item_explain), so deciding stays cheap.
 */
#include <time.h>
#include <string.h>
#include <re.h>
#include "util/jsonstr.h"
#include "routing/internal.h"

/* As kept: names are offsets into the record's pool. */
struct dcand {
	uint32_t agent;
	uint8_t level;
	int64_t ka, kb;
	uint64_t x, y;
};

struct doffer {
	struct dcand c;
	uint64_t at;
	uint8_t outcome;
};

struct dwhy {
	uint32_t agent, status;
	uint64_t v;
	uint32_t w;
	uint16_t skill;
	uint8_t why, have, need;
};

struct decision {
	struct le le;              /* item->decisions */
	struct skilltab *sk;
	uint32_t queue, from;      /* pool offsets; from: 0 when none */
	uint64_t at, waited_ms;
	double eff;
	uint32_t size;
	uint8_t trg, strategy, priority, maxlevel;
	bool by_agent, rr_set;
	uint32_t rr_after;
	uint16_t stage, nreqs;
	uint32_t nchosen, ncand, nskip, nwhy, not_examined;
	struct req *reqs;
	struct doffer *chosen;
	struct dcand *cand;
	struct dwhy *skip, *why;
	char *pool;                /* offset 0 is "" */
};

static const char *const trg_names[] = {
	[TRG_NONE]      = "none",
	[TRG_ARRIVAL]   = "arrival",
	[TRG_STAGE]     = "stage",
	[TRG_OVERFLOW]  = "overflow",
	[TRG_RETURNED]  = "returned",
	[TRG_BLOCK_END] = "block_ended",
	[TRG_AGENT]     = "agent_free",
	[TRG_CONFIG]    = "config",
};

static const char *const out_names[] = {
	[OUT_PENDING]   = "pending",
	[OUT_ACCEPTED]  = "accepted",
	[OUT_DECLINED]  = "declined",
	[OUT_TIMEOUT]   = "timeout",
	[OUT_FAILED]    = "failed",
	[OUT_WITHDRAWN] = "withdrawn",
	[OUT_ENDED]     = "ended",
	[OUT_REMOVED]   = "agent_removed",
};

static const char *const why_codes[] = {
	[0]             = "candidate",
	[WHY_STATUS]    = "status",
	[WHY_ABSENT]    = "not_present",
	[WHY_FULL]      = "at_capacity",
	[WHY_NOROOM]    = "no_room",
	[WHY_BLOCKED]   = "declined_recently",
	[WHY_TIER]      = "tier",
	[WHY_SKILL]     = "skill",
	[WHY_ITEMSKILL] = "item_skill",
};


static void decision_destructor(void *arg)
{
	struct decision *d = arg;

	mem_deref(d->sk);
}


void xb_begin(struct routing *r, struct routing_item *it, enum trigger t,
	      bool by_agent)
{
	struct xbuild *xb = &r->xb;

	xb->it = it;
	xb->trg = t;
	xb->by_agent = by_agent;
	xb->nchosen = xb->ncand = xb->nskip = xb->nwhy = 0;
	xb->rr_set = false;
	xb->rr_after = 0;
	++r->epoch;
}


static void cand_fill(struct xcand *c, const struct member *m, uint64_t x,
		      uint64_t y)
{
	c->a = m->a;
	strategy_key(m, &c->ka, &c->kb);
	c->x = x;
	c->y = y;
	c->level = m->level;
}


void xb_candidate(struct routing *r, const struct member *m, uint64_t x,
		  uint64_t y)
{
	struct xbuild *xb = &r->xb;

	m->a->mark = r->epoch;
	if (xb->ncand < LIST_CANDIDATES)
		cand_fill(&xb->cand[xb->ncand++], m, x, y);
}


int xb_chosen(struct routing *r, const struct member *m, uint64_t x,
	      uint64_t y)
{
	struct xbuild *xb = &r->xb;
	struct xoffer *o;

	if (vec_grow((void **)&xb->chosen, &xb->capchosen, xb->nchosen + 1,
		     sizeof(*xb->chosen)))
		return ENOMEM;

	o = &xb->chosen[xb->nchosen++];
	memset(o, 0, sizeof(*o));
	cand_fill(&o->c, m, x, y);
	o->outcome = OUT_PENDING;
	m->a->mark = r->epoch;

	return 0;
}


/* The details of a reason already known. */
static void why_fill(struct xwhy *w, const struct routing_item *it,
		     const struct ragent *a, uint8_t why, uint64_t now)
{
	memset(w, 0, sizeof(*w));
	w->a = (struct ragent *)a;
	w->why = why;

	switch (why) {

	case WHY_STATUS:
		w->st = a->status;
		break;

	case WHY_FULL:
	case WHY_NOROOM:
		w->v = (uint64_t)a->load << 32 | a->capacity;
		w->w = it->size;
		break;

	case WHY_BLOCKED: {
		const struct block *b = item_block(it, a, now);

		w->v = b ? b->until : 0;
		break;
	}

	case WHY_ITEMSKILL: {
		const struct iclass *c = it->cls;
		const struct req *u = reqs_unmet(a->skills, a->nskills,
						 c->extra, c->nextra);

		if (u) {
			w->skill = u->skill;
			w->need = u->level;
			w->have = reqs_level(a->skills, a->nskills, u->skill);
		}
		break;
	}

	default:
		break;
	}
}


void xb_skipped(struct routing *r, const struct routing_item *it,
		const struct member *m, uint8_t why)
{
	struct xbuild *xb = &r->xb;

	if (m->a->mark == r->epoch)
		return;                /* drawn twice: listed once */

	m->a->mark = r->epoch;
	if (xb->nskip < LIST_SKIPPED)
		why_fill(&xb->skip[xb->nskip++], it, m->a, why, r->now);
}


/* Why a member of the item's queue is not a candidate for it now, or 0
 * when it is one. */
uint8_t why_not(struct xwhy *w, const struct routing_item *it,
		const struct member *m, uint64_t now)
{
	const struct ragent *a = m->a;
	const struct rqueue *q = it->q;
	const struct iclass *c = it->cls;
	uint8_t why = 0;

	if (!a->status || !a->status->routable)
		why = WHY_STATUS;
	else if (!a->present)
		why = WHY_ABSENT;
	else if (item_blocked(it, a, now))
		why = WHY_BLOCKED;
	else if (agent_free(a) == 0)
		why = WHY_FULL;
	else if (agent_free(a) < it->size)
		why = WHY_NOROOM;
	else if (m->stage == STAGE_NONE || m->stage > it->stage)
		why = WHY_SKILL;        /* or tier: refined below */
	else if (c->nextra && reqs_unmet(a->skills, a->nskills, c->extra,
					 c->nextra))
		why = WHY_ITEMSKILL;

	if (!why)
		return 0;

	why_fill(w, it, a, why, now);

	if (why == WHY_SKILL) {
		const struct stage *st = &q->stages[it->stage];
		const struct req *u;

		if (m->level > st->maxlevel) {
			w->why = WHY_TIER;
			w->have = m->level;
			w->need = st->maxlevel;
			return WHY_TIER;
		}

		u = reqs_unmet(a->skills, a->nskills, st->reqs, st->nreqs);
		if (u) {
			w->skill = u->skill;
			w->need = u->level;
			w->have = reqs_level(a->skills, a->nskills, u->skill);
		}
	}

	return w->why;
}


/* The stage's minimums and the item's own, the higher of two. */
static uint16_t reqs_merge(struct req *out, const struct req *a, uint16_t na,
			   const struct req *b, uint16_t nb)
{
	uint16_t i = 0, j = 0, n = 0;

	while (i < na || j < nb) {
		if (j >= nb || (i < na && a[i].skill < b[j].skill)) {
			out[n++] = a[i++];
		}
		else if (i >= na || b[j].skill < a[i].skill) {
			out[n++] = b[j++];
		}
		else {
			out[n] = a[i];
			out[n++].level = MAX(a[i].level, b[j].level);
			++i;
			++j;
		}
	}

	return n;
}


static void attach(struct routing_item *it, struct decision *d)
{
	/* keep the first (arrival) and the latest ones */
	if (it->ndecisions >= DECISIONS_KEPT && it->decisions.head &&
	    it->decisions.head->next) {
		struct le *le = it->decisions.head->next;

		list_unlink(le);
		mem_deref(le->data);
		--it->ndecisions;
		++it->dropped;
	}

	list_append(&it->decisions, &d->le, d);
	++it->ndecisions;
}


/* Copies s into the pool; its offset. */
static uint32_t pool_put(struct decision *d, size_t *used, const char *s)
{
	const size_t len = strlen(s) + 1;
	const uint32_t off = (uint32_t)*used;

	memcpy(d->pool + off, s, len);
	*used += len;

	return off;
}


static void cand_keep(struct dcand *out, const struct xcand *in,
		      struct decision *d, size_t *used)
{
	out->agent = pool_put(d, used, in->a->id);
	out->level = in->level;
	out->ka = in->ka;
	out->kb = in->kb;
	out->x = in->x;
	out->y = in->y;
}


static void why_keep(struct dwhy *out, const struct xwhy *in,
		     struct decision *d, size_t *used)
{
	out->agent = pool_put(d, used, in->a->id);
	out->status = in->st ? pool_put(d, used, in->st->id) : 0;
	out->v = in->v;
	out->w = in->w;
	out->skill = in->skill;
	out->why = in->why;
	out->have = in->have;
	out->need = in->need;
}


static size_t why_len(const struct xwhy *w)
{
	return strlen(w->a->id) + 1 + (w->st ? strlen(w->st->id) + 1 : 0);
}


struct decision *xb_commit(struct routing *r, struct routing_item *it)
{
	struct xbuild *xb = &r->xb;
	struct rqueue *q = it->q;
	const struct stage *st = &q->stages[it->stage];
	const struct iclass *c = it->cls;
	uint32_t examined = 0;
	size_t size, nreqs, pool = 1, used = 1;
	struct decision *d;
	struct le *le;
	uint8_t *p;

	LIST_FOREACH(&q->members, le) {
		const struct member *m = le->data;

		if (examined == LIST_MEMBERS)
			break;
		++examined;

		if (m->a->mark == r->epoch)
			continue;

		if (why_not(&xb->why[xb->nwhy], it, m, r->now))
			++xb->nwhy;
	}

	/* the names it keeps */
	pool += strlen(q->id) + 1;
	if (it->from)
		pool += strlen(it->from->id) + 1;
	for (size_t i = 0; i < xb->nchosen; i++)
		pool += strlen(xb->chosen[i].c.a->id) + 1;
	for (uint32_t i = 0; i < xb->ncand; i++)
		pool += strlen(xb->cand[i].a->id) + 1;
	for (uint32_t i = 0; i < xb->nskip; i++)
		pool += why_len(&xb->skip[i]);
	for (uint32_t i = 0; i < xb->nwhy; i++)
		pool += why_len(&xb->why[i]);

	nreqs = (size_t)st->nreqs + c->nextra;
	size = sizeof(*d) + xb->nchosen * sizeof(struct doffer) +
		xb->ncand * sizeof(struct dcand) +
		(xb->nskip + xb->nwhy) * sizeof(struct dwhy) +
		nreqs * sizeof(struct req) + pool;

	/* out of memory: the decision stands, unexplained */
	d = mem_alloc(size, decision_destructor);
	if (!d)
		return NULL;

	memset(d, 0, sizeof(*d));
	p = (uint8_t *)(d + 1);
	d->chosen = (struct doffer *)p;
	p += xb->nchosen * sizeof(struct doffer);
	d->cand = (struct dcand *)p;
	p += xb->ncand * sizeof(struct dcand);
	d->skip = (struct dwhy *)p;
	p += xb->nskip * sizeof(struct dwhy);
	d->why = (struct dwhy *)p;
	p += xb->nwhy * sizeof(struct dwhy);
	d->reqs = (struct req *)p;
	p += nreqs * sizeof(struct req);
	d->pool = (char *)p;
	d->pool[0] = '\0';

	d->sk = mem_ref(r->sk);
	d->queue = pool_put(d, &used, q->id);
	if (it->from) {
		d->from = pool_put(d, &used, it->from->id);
		it->from = mem_deref(it->from);
	}

	d->at = r->now;
	d->waited_ms = r->now - it->arrival;
	d->eff = item_eff(it, r->now);
	d->size = it->size;
	d->trg = (uint8_t)xb->trg;
	d->strategy = (uint8_t)q->strategy;
	d->priority = it->priority;
	d->maxlevel = q->strategy == ROUTING_TIERS ? st->maxlevel : 0;
	d->by_agent = xb->by_agent;
	d->rr_set = xb->rr_set;
	d->rr_after = xb->rr_after;
	d->stage = it->stage;
	d->nreqs = reqs_merge(d->reqs, st->reqs, st->nreqs, c->extra,
			      c->nextra);
	d->not_examined = q->nmembers > examined ? q->nmembers - examined : 0;

	d->nchosen = (uint32_t)xb->nchosen;
	for (uint32_t i = 0; i < d->nchosen; i++) {
		cand_keep(&d->chosen[i].c, &xb->chosen[i].c, d, &used);
		d->chosen[i].at = 0;
		d->chosen[i].outcome = OUT_PENDING;
	}

	d->ncand = xb->ncand;
	for (uint32_t i = 0; i < d->ncand; i++)
		cand_keep(&d->cand[i], &xb->cand[i], d, &used);

	d->nskip = xb->nskip;
	for (uint32_t i = 0; i < d->nskip; i++)
		why_keep(&d->skip[i], &xb->skip[i], d, &used);

	d->nwhy = xb->nwhy;
	for (uint32_t i = 0; i < d->nwhy; i++)
		why_keep(&d->why[i], &xb->why[i], d, &used);

	attach(it, d);
	return d;
}


void explain_outcome(struct decision *d, uint32_t idx, enum outcome out,
		     uint64_t at)
{
	if (!d || idx >= d->nchosen)
		return;

	/* an accepted offer stays accepted when the work ends */
	if (d->chosen[idx].outcome != OUT_PENDING)
		return;

	d->chosen[idx].outcome = (uint8_t)out;
	d->chosen[idx].at = at;
}


/* ------------------------------------------------------------------ */

static int print_time(struct re_printf *pf, void *arg)
{
	const uint64_t ms = *(const uint64_t *)arg;
	const time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (!gmtime_r(&t, &tm))
		return re_hprintf(pf, "null");

	return re_hprintf(pf, "\"%04d-%02d-%02dT%02d:%02d:%02d.%03uZ\"",
			  tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
			  tm.tm_hour, tm.tm_min, tm.tm_sec,
			  (unsigned)(ms % 1000));
}


/* Text for a time inside a sentence (no quotes). */
static void time_text(char *buf, size_t sz, uint64_t ms)
{
	const time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (!gmtime_r(&t, &tm)) {
		re_snprintf(buf, sz, "?");
		return;
	}

	re_snprintf(buf, sz, "%04d-%02d-%02dT%02d:%02d:%02d.%03uZ",
		    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		    tm.tm_min, tm.tm_sec, (unsigned)(ms % 1000));
}


/* The strategy key that put a candidate where it was. */
static void key_text(char *buf, size_t sz, const struct decision *d,
		     const struct dcand *c)
{
	char t[40];

	switch (d->strategy) {

	case ROUTING_ROUND_ROBIN:
		if (d->rr_set)
			re_snprintf(buf, sz, "position %lld after %u",
				    (long long)c->ka, d->rr_after);
		else
			re_snprintf(buf, sz, "position %lld, first turn",
				    (long long)c->ka);
		break;

	case ROUTING_TOP_DOWN:
		re_snprintf(buf, sz, "position %lld", (long long)c->ka);
		break;

	case ROUTING_FEWEST_CALLS:
		time_text(t, sizeof(t), (uint64_t)c->kb);
		re_snprintf(buf, sz, "%lld calls today, idle since %s",
			    (long long)c->ka, t);
		break;

	case ROUTING_LEAST_TALK_TIME:
		time_text(t, sizeof(t), (uint64_t)c->kb);
		re_snprintf(buf, sz, "talk time %lld.%03lld s today, "
			    "idle since %s", (long long)(c->ka / 1000),
			    (long long)(c->ka % 1000), t);
		break;

	case ROUTING_RANDOM:
		re_snprintf(buf, sz, "random pick %llu of %llu",
			    (unsigned long long)c->x,
			    (unsigned long long)c->y);
		break;

	case ROUTING_WEIGHTED_RANDOM:
		re_snprintf(buf, sz, "weighted pick: weight %llu of %llu",
			    (unsigned long long)c->x,
			    (unsigned long long)c->y);
		break;

	case ROUTING_LEAST_ACTIVE:
		time_text(t, sizeof(t), (uint64_t)c->kb);
		re_snprintf(buf, sz, "load %lld, idle since %s",
			    (long long)c->ka, t);
		break;

	case ROUTING_MOST_AVAILABLE:
		time_text(t, sizeof(t), (uint64_t)c->kb);
		re_snprintf(buf, sz, "%lld units free, idle since %s",
			    (long long)-c->ka, t);
		break;

	case ROUTING_TIERS:
		time_text(t, sizeof(t), (uint64_t)c->ka);
		re_snprintf(buf, sz, "tier level %u, idle since %s",
			    c->level, t);
		break;

	default:
		time_text(t, sizeof(t), (uint64_t)c->ka);
		re_snprintf(buf, sz, "idle since %s", t);
		break;
	}
}


static void why_text(char *buf, size_t sz, const struct decision *d,
		     const struct dwhy *w)
{
	const char *skill = skill_name(d->sk, w->skill);
	char t[40];

	switch (w->why) {

	case WHY_STATUS:
		re_snprintf(buf, sz, "status %s", d->pool + w->status);
		break;

	case WHY_ABSENT:
		re_snprintf(buf, sz, "no phone registered");
		break;

	case WHY_FULL:
		re_snprintf(buf, sz, "at capacity (load %u/%u)",
			    (unsigned)(w->v >> 32), (unsigned)w->v);
		break;

	case WHY_NOROOM:
		re_snprintf(buf, sz, "no room for size %u (load %u/%u)",
			    w->w, (unsigned)(w->v >> 32), (unsigned)w->v);
		break;

	case WHY_BLOCKED:
		time_text(t, sizeof(t), w->v);
		re_snprintf(buf, sz, "declined it recently (skipped until %s)",
			    t);
		break;

	case WHY_TIER:
		re_snprintf(buf, sz, "tier level %u, levels up to %u so far",
			    w->have, w->need);
		break;

	case WHY_SKILL:
		if (!w->need)
			re_snprintf(buf, sz, "skills not met at any stage");
		else if (w->have)
			re_snprintf(buf, sz, "%s %u < %u", skill, w->have,
				    w->need);
		else
			re_snprintf(buf, sz, "%s missing (needs %u)", skill,
				    w->need);
		break;

	case WHY_ITEMSKILL:
		if (w->have)
			re_snprintf(buf, sz, "item needs %s %u, has %u", skill,
				    w->need, w->have);
		else
			re_snprintf(buf, sz, "item needs %s %u, has none",
				    skill, w->need);
		break;

	default:
		re_snprintf(buf, sz, "?");
		break;
	}
}


static int print_whys(struct re_printf *pf, const struct decision *d,
		      const struct dwhy *v, uint32_t n)
{
	char text[256];
	int err = 0;

	for (uint32_t i = 0; i < n && !err; i++) {
		why_text(text, sizeof(text), d, &v[i]);
		err = re_hprintf(pf, "%s{\"agent\":%H,\"code\":\"%s\","
				 "\"reason\":%H}", i ? "," : "",
				 jsonstr_print, d->pool + v[i].agent,
				 why_codes[v[i].why], jsonstr_print, text);
	}

	return err;
}


static const char *rule(const struct decision *d)
{
	if (d->by_agent)
		return "the agent could take work; this was the best waiting "
			"item it qualifies for";

	switch (d->strategy) {

	case ROUTING_RING_ALL:
		return "every qualified free agent";

	case ROUTING_RANDOM:
	case ROUTING_WEIGHTED_RANDOM:
		return "a random draw among the qualified free agents";

	default:
		return "the first qualified free agent in strategy order";
	}
}


static int print_decision(struct re_printf *pf, const struct decision *d)
{
	char text[160];
	uint64_t milli;
	int err;

	err = re_hprintf(pf, "{\"at\":%H,\"trigger\":\"%s\",\"queue\":%H",
			 print_time, (void *)&d->at, trg_names[d->trg],
			 jsonstr_print, d->pool + d->queue);
	if (d->from)
		err |= re_hprintf(pf, ",\"overflow_from\":%H", jsonstr_print,
				  d->pool + d->from);

	/* thousandths, rounded: re_hprintf's %f truncates */
	milli = (uint64_t)(d->eff * 1000 + 0.5);
	err |= re_hprintf(pf, ",\"stage\":%u,\"waited_ms\":%llu,"
			  "\"priority\":%u,\"effective_priority\":%llu.%03u,"
			  "\"size\":%u,\"requires\":[",
			  d->stage, (unsigned long long)d->waited_ms,
			  d->priority, (unsigned long long)(milli / 1000),
			  (unsigned)(milli % 1000), d->size);

	for (uint16_t i = 0; i < d->nreqs; i++)
		err |= re_hprintf(pf, "%s{\"skill\":%H,\"min\":%u}",
				  i ? "," : "", jsonstr_print,
				  skill_name(d->sk, d->reqs[i].skill),
				  d->reqs[i].level);
	err |= re_hprintf(pf, "]");

	if (d->maxlevel)
		err |= re_hprintf(pf, ",\"max_tier_level\":%u", d->maxlevel);

	err |= re_hprintf(pf, ",\"strategy\":\"%s\",\"result\":\"%s\","
			  "\"rule\":\"%s\",\"offers\":[",
			  routing_strategy_name(d->strategy),
			  d->nchosen ? "offered" : "no_agent", rule(d));

	for (uint32_t i = 0; i < d->nchosen; i++) {
		const struct doffer *o = &d->chosen[i];

		key_text(text, sizeof(text), d, &o->c);
		err |= re_hprintf(pf, "%s{\"agent\":%H,\"key\":%H,"
				  "\"outcome\":\"%s\",\"outcome_at\":",
				  i ? "," : "", jsonstr_print,
				  d->pool + o->c.agent,
				  jsonstr_print, text, out_names[o->outcome]);
		if (o->outcome == OUT_PENDING)
			err |= re_hprintf(pf, "null}");
		else
			err |= re_hprintf(pf, "%H}", print_time,
					  (void *)&o->at);
	}

	err |= re_hprintf(pf, "],\"candidates\":[");
	for (uint32_t i = 0; i < d->ncand; i++) {
		key_text(text, sizeof(text), d, &d->cand[i]);
		err |= re_hprintf(pf, "%s{\"agent\":%H,\"key\":%H}",
				  i ? "," : "", jsonstr_print,
				  d->pool + d->cand[i].agent,
				  jsonstr_print, text);
	}

	err |= re_hprintf(pf, "],\"skipped\":[");
	err |= print_whys(pf, d, d->skip, d->nskip);
	err |= re_hprintf(pf, "],\"not_candidates\":[");
	err |= print_whys(pf, d, d->why, d->nwhy);
	err |= re_hprintf(pf, "],\"members_not_examined\":%u}",
			  d->not_examined);

	return err;
}


int routing_item_explain(struct re_printf *pf,
			 const struct routing_item *item)
{
	struct le *le;
	int err;

	if (!pf || !item)
		return EINVAL;

	err = re_hprintf(pf, "{\"decisions\":[");
	LIST_FOREACH(&item->decisions, le) {
		err |= re_hprintf(pf, "%s", le == item->decisions.head ?
				  "" : ",");
		err |= print_decision(pf, le->data);
	}
	err |= re_hprintf(pf, "],\"dropped\":%u}", item->dropped);

	return err;
}
