/*
 * deliver.c — the outbox: every request to Salesforce or a webhook is a
 * row in the store before it is sent, and leaves the store only when the
 * receiver answered 2xx. A copy of the rows still to send lives in
 * memory, grouped per (destination, call):
 *
 *   - ordered per call: a group sends its oldest row, and the next only
 *     after that one was taken or parked; groups are independent;
 *   - retries: a transport error, 408, 429 or 5xx is tried again after
 *     retry_min_ms * 2^(attempts-1), capped at retry_max_ms, with jitter
 *     (a random half to all of it); a Retry-After on a 429 or 5xx sets
 *     the wait instead, and a 429 or 503 pauses the whole destination
 *     (the limit is the org's, not the call's);
 *   - a 401 is retried too, with a freshly signed token;
 *   - any other 4xx parks the row (failed = 1, status and the start of
 *     the response kept): it is shown, not retried forever, and the
 *     call's next rows go on;
 *   - client-side rate limits: token buckets (a second's worth of burst)
 *     for new VoiceCalls and for transcript messages, Salesforce's
 *     documented org limits by default.
 *
 * Delivery is at least once: a crash between a 2xx and the delete sends
 * the row again after the restart.
 *
 * The pump walks every group with something due; groups are visited in
 * the order they were created, so under a rate limit the oldest call goes
 * first.
 */
#include <string.h>
#include <curl/curl.h>
#include <re.h>
#include "log.h"
#include "store/store.h"
#include "util/crypto.h"
#include "util/jsonstr.h"
#include "crm/internal.h"

#define LOG_MODULE "crm"

enum { IN_FLIGHT_MAX = 32, HASH_SIZE = 256 };

struct row {
	struct le le;
	int64_t id;
	char *kind, *method, *path, *body;
	uint64_t created;
	uint32_t attempts;
};

struct group {
	struct le he, le;
	char *dest, *okey;
	struct list rows;
	bool busy;
	uint64_t next_at;
};

/* a destination's pause after a 429 / 503 */
struct pause {
	struct le le;
	char *dest;
	uint64_t until;
};

struct bucket {
	double rate, tokens;
	uint64_t at;
};

static struct {
	struct store *st;
	uint32_t retry_min_ms, retry_max_ms;
	struct hash *groups;
	struct list groupl;
	struct list pauses;
	struct tmr pump;
	struct bucket calls, utts;
	uint64_t depth, delivered, retried, failed;
	char last_error[CRM_ERR_MAX];
	uint64_t last_error_at;
	bool up;
} dl;


static void row_destructor(void *arg)
{
	struct row *r = arg;

	list_unlink(&r->le);
	mem_deref(r->kind);
	mem_deref(r->method);
	mem_deref(r->path);
	mem_deref(r->body);
}


static void group_destructor(void *arg)
{
	struct group *g = arg;

	hash_unlink(&g->he);
	list_unlink(&g->le);
	list_flush(&g->rows);
	mem_deref(g->dest);
	mem_deref(g->okey);
}


static void pause_destructor(void *arg)
{
	struct pause *p = arg;

	list_unlink(&p->le);
	mem_deref(p->dest);
}


static uint32_t group_hash(const char *dest, const char *okey)
{
	return hash_joaat_str(dest) ^ hash_joaat_str(okey);
}


struct gkey {
	const char *dest, *okey;
};


static bool group_cmp(struct le *le, void *arg)
{
	const struct group *g = le->data;
	const struct gkey *k = arg;

	return !strcmp(g->dest, k->dest) && !strcmp(g->okey, k->okey);
}


static struct group *group_get(const char *dest, const char *okey)
{
	struct gkey k = {dest, okey};
	struct group *g;

	g = list_ledata(hash_lookup(dl.groups, group_hash(dest, okey),
				    group_cmp, &k));
	if (g)
		return g;

	g = mem_zalloc(sizeof(*g), group_destructor);
	if (!g)
		return NULL;

	if (str_dup(&g->dest, dest) || str_dup(&g->okey, okey))
		return mem_deref(g);

	hash_append(dl.groups, group_hash(dest, okey), &g->he, g);
	list_append(&dl.groupl, &g->le, g);
	return g;
}


static void pump_soon(void);


static int row_append(const struct store_outbox_row *sr)
{
	struct group *g;
	struct row *r;
	int err;

	g = group_get(sr->dest, sr->okey);
	if (!g)
		return ENOMEM;

	r = mem_zalloc(sizeof(*r), row_destructor);
	if (!r)
		return ENOMEM;

	r->id = sr->id;
	r->created = sr->created;
	r->attempts = sr->attempts;
	err = str_dup(&r->kind, sr->kind) | str_dup(&r->method, sr->method) |
		str_dup(&r->path, sr->path) | str_dup(&r->body, sr->body);
	if (err) {
		mem_deref(r);
		return ENOMEM;
	}

	list_append(&g->rows, &r->le, r);
	++dl.depth;
	return 0;
}


int crm_outbox_add(const char *dest, const char *okey, const char *kind,
		   const char *method, const char *path, const char *body)
{
	struct store_outbox_row sr = {
		.dest = dest, .okey = okey, .kind = kind, .method = method,
		.path = path, .body = body, .created = crm_now_ms(),
	};
	int err;

	if (!dl.up)
		return ENODEV;

	err = store_outbox_add(dl.st, &sr);
	if (err) {
		log_error("outbox: cannot save a %s for %s (%m): lost", kind,
			  dest, err);
		return err;
	}

	err = row_append(&sr);
	if (err)
		log_error("outbox: row %lld saved, not queued (%m): sent "
			  "after a restart", (long long)sr.id, err);

	pump_soon();
	return err;
}


static void set_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)re_vsnprintf(dl.last_error, sizeof(dl.last_error), fmt, ap);
	va_end(ap);
	jsonstr_sanitize(dl.last_error);
	dl.last_error_at = crm_now_ms();
}


/* bucket: may one more go now? else *wait_ms until one may */
static bool bucket_take(struct bucket *b, uint64_t now, uint64_t *wait_ms)
{
	if (b->rate <= 0)
		return true;

	b->tokens += (double)(now - b->at) * b->rate / 1000.0;
	if (b->tokens > b->rate)
		b->tokens = b->rate;
	b->at = now;

	if (b->tokens >= 1.0) {
		b->tokens -= 1.0;
		return true;
	}

	*wait_ms = (uint64_t)((1.0 - b->tokens) * 1000.0 / b->rate) + 1;
	return false;
}


static struct pause *pause_find(const char *dest)
{
	struct le *le;

	LIST_FOREACH(&dl.pauses, le) {
		struct pause *p = le->data;

		if (!strcmp(p->dest, dest))
			return p;
	}

	return NULL;
}


static void pause_dest(const char *dest, uint64_t until)
{
	struct pause *p = pause_find(dest);

	if (!p) {
		p = mem_zalloc(sizeof(*p), pause_destructor);
		if (!p || str_dup(&p->dest, dest)) {
			mem_deref(p);
			return;
		}
		list_append(&dl.pauses, &p->le, p);
	}

	if (until > p->until)
		p->until = until;
}


static uint64_t backoff_ms(uint32_t attempts)
{
	uint64_t d = dl.retry_min_ms;

	for (uint32_t i = 1; i < attempts && d < dl.retry_max_ms; i++)
		d *= 2;
	if (d > dl.retry_max_ms)
		d = dl.retry_max_ms;

	/* full jitter over the upper half: a crowd of retries spreads */
	return d / 2 + crypto_rand_u64() % (d / 2 + 1);
}


static void row_done(struct group *g, struct row *r)
{
	mem_deref(r);
	--dl.depth;
	g->busy = false;
	if (list_isempty(&g->rows))
		mem_deref(g);
}


static void response_handler(int err, uint16_t status,
			     const char *retry_after, const char *body,
			     void *arg)
{
	struct group *g = arg;
	struct row *r = list_ledata(list_head(&g->rows));
	const uint64_t now = crm_now_ms();
	const bool sf = !strcmp(g->dest, CRM_SF);
	uint32_t ra;

	if (!r) {
		g->busy = false;
		return;
	}

	if (!err && status >= 200 && status < 300) {
		if (store_outbox_delete(dl.st, r->id))
			log_warn("outbox: row %lld delivered, not deleted: "
				 "sent again after a restart",
				 (long long)r->id);
		++dl.delivered;
		row_done(g, r);
		pump_soon();
		return;
	}

	/* 401 is about our token, not the request: sign afresh and retry
	 * (a certificate being rotated must not park every call) */
	if (!err && status >= 400 && status < 500 && status != 408 &&
	    status != 429 && status != 401) {
		char *msg = NULL;

		(void)re_sdprintf(&msg, "HTTP %u: %s", status, body);
		/* not the webhook's URL: it may hold a token */
		log_warn("outbox: %s %s for call %s refused with %u: "
			 "parked", r->kind, sf ? CRM_SF : "webhook", g->okey,
			 status);
		(void)store_outbox_park(dl.st, r->id, status, msg);
		/* health is open to all: the answer's text stays in the
		 * row (GET /api/v1/outbox, admins) */
		set_error("%s %s refused: HTTP %u", r->kind,
			  sf ? CRM_SF : "webhook", status);
		mem_deref(msg);
		++dl.failed;
		row_done(g, r);
		pump_soon();
		return;
	}

	/* try again */
	if (sf && status == 401)
		crm_sf_refused(status);
	++r->attempts;
	++dl.retried;
	g->busy = false;
	if (err)
		set_error("%s %s: %m", r->kind, sf ? CRM_SF : "webhook", err);
	else
		set_error("%s %s: HTTP %u", r->kind, sf ? CRM_SF : "webhook",
			  status);
	(void)store_outbox_attempt(dl.st, r->id, r->attempts, status,
				   dl.last_error);

	if (!err && status >= 429 && retry_after &&
	    !crm_retry_after(retry_after, now / 1000, &ra)) {
		g->next_at = now + ra * 1000ull;
		if (status == 429 || status == 503)
			pause_dest(g->dest, g->next_at);
		log_info("outbox: %u from %s, Retry-After %us", status,
			 sf ? CRM_SF : "webhook", ra);
	}
	else {
		g->next_at = now + backoff_ms(r->attempts);
	}

	pump_soon();
}


static int send_row(struct group *g, struct row *r)
{
	struct curl_slist *hdrs = NULL;
	char *url = NULL;
	int err;

	if (!strcmp(g->dest, CRM_SF))
		err = crm_sf_request(r->path, &url, &hdrs);
	else
		err = crm_webhook_request(g->dest, r->kind, r->body, &hdrs) ||
			str_dup(&url, g->dest);

	if (err) {
		curl_slist_free_all(hdrs);
		mem_deref(url);
		return err;
	}

	err = crm_http_send(r->method, url, hdrs, r->body, response_handler,
			    g);
	mem_deref(url);
	if (!err)
		g->busy = true;

	return err;
}


static void pump(void *arg)
{
	const uint64_t now = crm_now_ms();
	uint64_t wake = UINT64_MAX;
	struct le *le;
	(void)arg;

	le = list_head(&dl.groupl);
	while (le) {
		struct group *g = le->data;
		struct row *r = list_ledata(list_head(&g->rows));
		struct bucket *b = NULL;
		struct pause *p;
		uint64_t wait = 0;
		int err;

		le = le->next;
		if (g->busy || !r)
			continue;

		if (crm_http_in_flight() >= IN_FLIGHT_MAX)
			break;         /* a response pumps again */

		if (g->next_at > now) {
			wake = min(wake, g->next_at);
			continue;
		}

		p = pause_find(g->dest);
		if (p && p->until > now) {
			wake = min(wake, p->until);
			continue;
		}

		if (!strcmp(g->dest, CRM_SF)) {
			if (!strcmp(r->kind, "create"))
				b = &dl.calls;
			else if (!strcmp(r->kind, "message"))
				b = &dl.utts;
		}
		if (b && !bucket_take(b, now, &wait)) {
			wake = min(wake, now + wait);
			continue;
		}

		err = send_row(g, r);
		if (err == ENOENT) {
			/* its destination is no longer configured */
			(void)store_outbox_park(dl.st, r->id, 0,
						"destination not configured");
			++dl.failed;
			row_done(g, r);
		}
		else if (err) {
			g->next_at = now + backoff_ms(++r->attempts);
			wake = min(wake, g->next_at);
		}
	}

	if (wake != UINT64_MAX)
		tmr_start(&dl.pump, wake - now, pump, NULL);
}


static void pump_soon(void)
{
	if (dl.up)
		tmr_start(&dl.pump, 0, pump, NULL);
}


static int load_handler(const struct store_outbox_row *r, void *arg)
{
	(void)arg;
	return row_append(r);
}


int crm_deliver_init(struct store *st, const struct crm_conf *conf)
{
	const uint64_t now = crm_now_ms();
	int err;

	err = hash_alloc(&dl.groups, HASH_SIZE);
	if (err)
		return err;

	dl.st = st;
	dl.retry_min_ms = conf->retry_min_ms ? conf->retry_min_ms : 1;
	dl.retry_max_ms = max(conf->retry_max_ms, dl.retry_min_ms);
	dl.calls.rate = conf->sf_calls_per_s;
	dl.calls.tokens = dl.calls.rate;
	dl.calls.at = now;
	dl.utts.rate = conf->sf_utterances_per_s;
	dl.utts.tokens = dl.utts.rate;
	dl.utts.at = now;
	tmr_init(&dl.pump);

	err = store_outbox_foreach(st, load_handler, NULL);
	if (!err)
		err = store_outbox_failed(st, &dl.failed);
	if (err)
		return err;

	if (dl.depth)
		log_info("outbox: %llu request(s) left from before the "
			 "restart", (unsigned long long)dl.depth);

	dl.up = true;
	pump_soon();
	return 0;
}


void crm_deliver_close(void)
{
	struct le *le;

	dl.up = false;
	tmr_cancel(&dl.pump);
	le = list_head(&dl.groupl);
	while (le) {
		struct group *g = le->data;

		le = le->next;
		mem_deref(g);
	}
	list_flush(&dl.pauses);
	dl.groups = mem_deref(dl.groups);
	dl.depth = dl.delivered = dl.retried = dl.failed = 0;
	dl.last_error[0] = '\0';
	dl.last_error_at = 0;
}


int crm_deliver_health(struct re_printf *pf, void *unused)
{
	const uint64_t now = crm_now_ms();
	uint64_t oldest = 0;
	struct le *le;
	(void)unused;

	LIST_FOREACH(&dl.groupl, le) {
		const struct group *g = le->data;
		const struct row *r = list_ledata(list_head(&g->rows));

		if (r && (!oldest || r->created < oldest))
			oldest = r->created;
	}

	return re_hprintf(pf, "\"outbox\":{\"depth\":%llu,"
			  "\"oldest_age_s\":%.1f,\"in_flight\":%u,"
			  "\"delivered\":%llu,\"retried\":%llu,"
			  "\"failed\":%llu,\"last_error\":%H,"
			  "\"last_error_at\":%llu}",
			  (unsigned long long)dl.depth,
			  oldest && now > oldest ?
			  (double)(now - oldest) / 1000.0 : 0.0,
			  crm_http_in_flight(),
			  (unsigned long long)dl.delivered,
			  (unsigned long long)dl.retried,
			  (unsigned long long)dl.failed,
			  jsonstr_print, dl.last_error[0] ? dl.last_error :
			  NULL,
			  (unsigned long long)dl.last_error_at);
}
