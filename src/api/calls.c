/*
 * calls.c — /api/v1/calls?since=&queue=&agent=&limit= and
 * /api/v1/calls/{id}: call records straight from the store, which
 * produces the JSON.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <re.h>
#include "store/store.h"
#include "api/api_int.h"

enum { LIMIT_MAX = 1000, FILTER_MAX = 64 };

struct query {
	struct store_call_filter f;
	char *queue;
	char *agent;
	bool seen[4];
};

static const char *const params[] = {"since", "queue", "agent", "limit"};


static bool all_digits(const char *s, size_t min, size_t max)
{
	size_t n = strlen(s);

	if (n < min || n > max)
		return false;

	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
	}

	return true;
}


static unsigned num(const char *s, size_t n)
{
	unsigned v = 0;

	for (size_t i = 0; i < n; i++)
		v = v * 10 + (unsigned)(s[i] - '0');

	return v;
}


/* Epoch seconds, or YYYY-MM-DDTHH:MM:SS[.fff]Z; to epoch milliseconds. */
static int parse_since(uint64_t *ms, const char *s)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:dd";
	const size_t n = strlen(s);
	struct tm tm;
	unsigned frac = 0;
	time_t t;

	if (all_digits(s, 1, 11)) {
		*ms = (uint64_t)strtoull(s, NULL, 10) * 1000;
		return 0;
	}

	if (n != 20 && n != 24)
		return EINVAL;

	for (size_t i = 0; i < sizeof(shape) - 1; i++) {
		if (shape[i] == 'd' ? (s[i] < '0' || s[i] > '9')
				    : s[i] != shape[i])
			return EINVAL;
	}

	if (n == 24) {
		if (s[19] != '.' || s[20] < '0' || s[20] > '9' ||
		    s[21] < '0' || s[21] > '9' || s[22] < '0' || s[22] > '9')
			return EINVAL;
		frac = num(s + 20, 3);
	}

	if (s[n - 1] != 'Z')
		return EINVAL;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = (int)num(s, 4) - 1900;
	tm.tm_mon  = (int)num(s + 5, 2) - 1;
	tm.tm_mday = (int)num(s + 8, 2);
	tm.tm_hour = (int)num(s + 11, 2);
	tm.tm_min  = (int)num(s + 14, 2);
	tm.tm_sec  = (int)num(s + 17, 2);

	if (tm.tm_year < 70 || tm.tm_mon < 0 || tm.tm_mon > 11 ||
	    tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 ||
	    tm.tm_min > 59 || tm.tm_sec > 60)
		return EINVAL;

	/* timegm normalizes 31 February; a date that moved was not real */
	{
		struct tm check = tm;

		t = timegm(&check);
		if (t == (time_t)-1 || check.tm_mday != tm.tm_mday)
			return EINVAL;
	}

	*ms = (uint64_t)t * 1000 + frac;
	return 0;
}


static int param_value(struct api_req *req, struct query *q, size_t i,
		       const char *v)
{
	switch (i) {

	case 0:
		if (parse_since(&q->f.since, v)) {
			api_reply_error(req, 400, "invalid_parameter", "since",
					"since: must be an ISO 8601 UTC time "
					"(2026-11-27T10:00:00Z, milliseconds "
					"optional) or epoch seconds");
			return EINVAL;
		}
		return 0;

	case 1:
	case 2:
		if (!v[0] || strlen(v) > FILTER_MAX) {
			api_reply_error(req, 400, "invalid_parameter",
					params[i], "%s: must be 1 to %u "
					"characters", params[i], FILTER_MAX);
			return EINVAL;
		}
		return str_dup(i == 1 ? &q->queue : &q->agent, v);

	default:
		if (!all_digits(v, 1, 4) || atoi(v) < 1 ||
		    atoi(v) > LIMIT_MAX) {
			api_reply_error(req, 400, "invalid_parameter", "limit",
					"limit: must be an integer from 1 to "
					"%u", LIMIT_MAX);
			return EINVAL;
		}
		q->f.limit = (uint32_t)atoi(v);
		return 0;
	}
}


/* One "name=value"; replies itself on a bad one. */
static int param(struct api_req *req, struct query *q, const struct pl *kv)
{
	struct pl name, val = PL_INIT;
	const char *eq = pl_strchr(kv, '=');
	char *v = NULL;
	size_t i;
	int err;

	name = *kv;
	if (eq) {
		name.l = (size_t)(eq - kv->p);
		val.p = eq + 1;
		val.l = kv->l - name.l - 1;
	}

	for (i = 0; i < ARRAY_SIZE(params); i++) {
		if (0 == pl_strcmp(&name, params[i]))
			break;
	}

	if (i == ARRAY_SIZE(params)) {
		api_reply_error(req, 400, "unknown_parameter", NULL,
				"unknown parameter '%r' (known: since, queue, "
				"agent, limit)", &name);
		return EINVAL;
	}

	if (q->seen[i]) {
		api_reply_error(req, 400, "invalid_parameter", params[i],
				"%s: given more than once", params[i]);
		return EINVAL;
	}
	q->seen[i] = true;

	if (api_pct_decode(&v, &val)) {
		api_reply_error(req, 400, "invalid_parameter", params[i],
				"%s: invalid percent-encoding", params[i]);
		return EINVAL;
	}

	err = param_value(req, q, i, v);
	mem_deref(v);

	if (err == ENOMEM)
		api_reply_error(req, 500, "internal", NULL, "out of memory");

	return err;
}


static int parse_query(struct api_req *req, struct query *q)
{
	struct pl prm = req->msg->prm, kv;
	int err;

	/* prm is "?a=1&b=2", or empty */
	if (prm.l && prm.p[0] == '?') {
		++prm.p;
		--prm.l;
	}

	while (prm.l) {
		const char *amp = pl_strchr(&prm, '&');

		kv.p = prm.p;
		kv.l = amp ? (size_t)(amp - prm.p) : prm.l;

		if (kv.l) {
			err = param(req, q, &kv);
			if (err)
				return err;
		}

		prm.p += kv.l;
		prm.l -= kv.l;
		if (amp) {
			++prm.p;
			--prm.l;
		}
	}

	q->f.queue = q->queue;
	q->f.agent = q->agent;
	return 0;
}


void api_calls_list(struct api_req *req)
{
	struct query q;
	char *json = NULL;
	int err;

	memset(&q, 0, sizeof(q));

	if (parse_query(req, &q))
		goto out;

	/* an agent lists its own calls only */
	if (req->who.role == API_ROLE_AGENT) {
		if (q.agent && strcmp(q.agent, req->who.agent)) {
			api_reply_error(req, 403, "forbidden", "agent",
					"an agent sees its own calls only");
			goto out;
		}
		q.f.agent = req->who.agent;
	}

	err = store_calls_json(req->api->st, &q.f, &json);
	if (err) {
		api_reply_error(req, 500, "internal", NULL, "could not read "
				"the call records (%m)", err);
		goto out;
	}

	api_reply_json(req, 200, json);

 out:
	mem_deref(json);
	mem_deref(q.queue);
	mem_deref(q.agent);
}


void api_call_get(struct api_req *req)
{
	char *json = NULL;
	bool own = true;
	int err;

	if (req->who.role == API_ROLE_AGENT) {
		err = store_call_involves(req->api->st, req->id,
					  req->who.agent, &own);
		if (!err && !own) {
			api_reply_error(req, 403, "forbidden", NULL, "call "
					"'%s' is not one of yours", req->id);
			return;
		}
	}

	err = store_call_json(req->api->st, req->id, &json);
	if (err == ENOENT)
		api_reply_error(req, 404, "not_found", NULL, "no call '%s'",
				req->id);
	else if (err)
		api_reply_error(req, 500, "internal", NULL, "could not read "
				"the call record (%m)", err);
	else
		api_reply_json(req, 200, json);

	mem_deref(json);
}
