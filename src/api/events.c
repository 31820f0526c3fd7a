/*
 * events.c — the live event stream: GET /api/v1/events, a WebSocket
 * (ws.c) of JSON messages, one per text frame:
 *
 *   {"seq":N,"type":"call.offered","at":"...Z","data":{...}}
 *
 * The call module hands us each event (call_event, src/call/event.c);
 * we number it (one counter per process, from 1), print it once as a
 * ready frame, keep it in a ring and push it to every client that may
 * see it. A client that reconnects with ?since=<last seq it saw> gets
 * what it missed from the ring, then the live ones; "hello" (first, on
 * every connection) carries the stream id, a random word per process
 * start, so that a client can tell a restart, whose numbers start over.
 *
 * Bounds: the ring keeps every event for EV_RETAIN_MS (10 min) unless
 * EV_MAX (50,000) events or EV_BYTES_MAX (24 MiB) of frames come first;
 * then the oldest go. So the 2 minutes a reload needs hold up to about
 * 400 events a second. A client asking for more than is kept gets
 * "resync" (refetch your state) and then all that is kept.
 *
 * A client never holds events of its own: a live client (caught up) is
 * sent each event as it comes, and is cut when its unsent output would
 * pass API_WS_OUT_MAX; a replaying client pulls from the ring while its
 * output is under REPLAY_FILL, more each time it drains, and is cut if
 * the ring drops an event before it was sent (it reconnects, resyncs).
 *
 * Who sees what: supervisors and admins everything; an agent the events
 * that name it (its offers, its calls, its status) and queue.stats.
 */
#include <string.h>
#include <time.h>
#include <re.h>
#include "log.h"
#include "call/call.h"
#include "util/crypto.h"
#include "util/jsonstr.h"
#include "api/api_int.h"

#define LOG_MODULE "api"

enum {
	EV_MAX = 50000,
	EV_BYTES_MAX = 24 * 1024 * 1024,
	EV_RETAIN_MS = 10 * 60 * 1000,
	REPLAY_FILL = 256 * 1024,
	STREAM_LEN = 16,
};

struct event {
	uint64_t seq;
	uint64_t at;               /* wall clock ms */
	char *agent;               /* whom it concerns, or NULL */
	bool everyone;             /* every role may see it */
	struct mbuf *frame;        /* the whole text frame */
};

/* One connected stream; owned by its WebSocket, which the connection
 * owns. */
struct client {
	struct le le;              /* evs.clients */
	struct api_ws *ws;         /* borrowed: it owns us */
	enum api_role role;
	char agent[PROV_ID_MAX + 1];
	uint64_t next;             /* seq of the next event to consider */
	bool live;                 /* caught up: sent as events come */
	bool desktop;              /* counted in call_agent_desktop */
};

static struct {
	struct event **ring;       /* EV_MAX slots, seq % EV_MAX */
	uint64_t first, last;      /* kept: first..last (none: last+1) */
	size_t bytes;
	char stream[STREAM_LEN + 1];
	struct list clients;
} evs;


static uint64_t wallclock(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}


static int print_time(struct re_printf *pf, const uint64_t *ms)
{
	const time_t t = (time_t)(*ms / 1000);
	struct tm tm;
	char buf[32];

	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);

	return re_hprintf(pf, "\"%s.%03uZ\"", buf, (unsigned)(*ms % 1000));
}


static void event_destructor(void *arg)
{
	struct event *e = arg;

	mem_deref(e->agent);
	mem_deref(e->frame);
}


static struct event *event_get(uint64_t seq)
{
	if (!evs.ring || seq < evs.first || seq > evs.last)
		return NULL;

	return evs.ring[seq % EV_MAX];
}


static void drop_oldest(void)
{
	struct event **slot = &evs.ring[evs.first % EV_MAX];

	evs.bytes -= (*slot)->frame->end;
	*slot = mem_deref(*slot);
	++evs.first;
}


static bool visible(const struct client *c, const struct event *e)
{
	if (c->role >= API_ROLE_SUPERVISOR || e->everyone)
		return true;

	return c->role == API_ROLE_AGENT && e->agent &&
		!strcmp(e->agent, c->agent);
}


/* Sends c what it has not had yet, as far as it may now. */
static void pump(struct client *c)
{
	while (c->next <= evs.last) {
		const struct event *e = event_get(c->next);
		size_t queued;

		if (!e) {
			log_info("event stream: a client fell %llu events "
				 "behind; cut", (unsigned long long)
				 (evs.last - c->next + 1));
			api_ws_close(c->ws, 1008, "fell behind: reconnect "
				     "with since");
			return;
		}

		queued = api_ws_queued(c->ws);
		if (!c->live && queued > REPLAY_FILL) {
			api_ws_want_drain(c->ws);
			return;
		}

		if (visible(c, e)) {
			if (queued + e->frame->end > API_WS_OUT_MAX) {
				log_info("event stream: a client does not "
					 "read; cut");
				api_ws_close(c->ws, 1008, "too slow: "
					     "reconnect with since");
				return;
			}

			if (api_ws_send(c->ws, e->frame->buf,
					e->frame->end)) {
				api_ws_close(c->ws, 1011, "send failed");
				return;
			}
		}

		++c->next;
	}

	c->live = true;
}


static void client_drained(void *arg)
{
	pump(arg);
}


static void event_add(const char *type, const char *agent, const char *data)
{
	struct event *e;
	char *json = NULL;
	struct le *le;
	int err;

	if (!evs.ring)
		return;

	e = mem_zalloc(sizeof(*e), event_destructor);
	if (!e)
		return;

	e->seq = evs.last + 1;
	e->at = wallclock();
	e->everyone = !strcmp(type, "queue.stats");
	err = agent ? str_dup(&e->agent, agent) : 0;
	err |= re_sdprintf(&json, "{\"seq\":%llu,\"type\":%H,\"at\":%H,"
			   "\"data\":%s}", (unsigned long long)e->seq,
			   jsonstr_print, type, print_time, &e->at, data);
	if (!err) {
		e->frame = mbuf_alloc(strlen(json) + 10);
		err = e->frame ? api_ws_text_frame(e->frame, json,
						   strlen(json)) : ENOMEM;
	}
	mem_deref(json);
	if (err) {
		log_warn("event %s dropped: %m", type, err);
		mem_deref(e);
		return;
	}

	while (evs.first <= evs.last &&
	       (evs.last - evs.first + 1 >= EV_MAX ||
		evs.bytes + e->frame->end > EV_BYTES_MAX ||
		event_get(evs.first)->at + EV_RETAIN_MS < e->at))
		drop_oldest();

	evs.ring[e->seq % EV_MAX] = e;
	evs.bytes += e->frame->end;
	evs.last = e->seq;
	if (evs.first > evs.last)
		evs.first = e->seq;

	/* a client cut here leaves the list only when its connection is
	 * freed (later), but take the next one first all the same */
	le = evs.clients.head;
	while (le) {
		struct client *c = le->data;

		le = le->next;
		if (c->live)
			pump(c);
	}
}


static void on_call_event(const char *type, const char *agent,
			  const char *data, void *arg)
{
	(void)arg;
	event_add(type, agent, data);
}


static void client_destructor(void *arg)
{
	struct client *c = arg;

	list_unlink(&c->le);
	if (c->desktop)
		call_agent_desktop(c->agent, false);
}


static bool parse_u64(uint64_t *v, const struct pl *pl)
{
	*v = 0;

	if (!pl->l || pl->l > 19)
		return false;

	for (size_t i = 0; i < pl->l; i++) {
		if (pl->p[i] < '0' || pl->p[i] > '9')
			return false;
		*v = *v * 10 + (uint64_t)(pl->p[i] - '0');
	}

	return true;
}


void api_events_ws(struct api_req *req)
{
	struct pl since_pl, stream_pl;
	bool has_since, has_stream;
	uint64_t since = 0;
	struct api_ws *ws;
	struct client *c;
	char *msg = NULL;

	has_since = api_query_get(&since_pl, &req->msg->prm, "since");
	has_stream = api_query_get(&stream_pl, &req->msg->prm, "stream");
	if (has_since && !parse_u64(&since, &since_pl)) {
		api_reply_error(req, 400, "invalid_parameter", "since", "since "
				"must be the seq of the last event seen");
		return;
	}

	if (!evs.ring) {
		api_reply_error(req, 500, "internal", NULL, "no event log");
		return;
	}

	if (api_ws_accept(&ws, req))
		return;

	c = mem_zalloc(sizeof(*c), client_destructor);
	if (!c) {
		api_ws_close(ws, 1011, "out of memory");
		return;
	}

	c->ws = ws;
	c->role = req->who.role;
	str_ncpy(c->agent, req->who.agent, sizeof(c->agent));
	api_ws_set_owner(ws, c, client_drained);
	list_append(&evs.clients, &c->le, c);

	/* An agent's own stream is its desktop: while one is open, its
	 * offers wait for Accept on the page (src/call/desktop.c).
	 * Supervisors' and admins' streams watch others and do not count:
	 * their own phones ring as before. */
	if (c->role == API_ROLE_AGENT && c->agent[0]) {
		c->desktop = true;
		call_agent_desktop(c->agent, true);
	}

	(void)re_sdprintf(&msg, "{\"type\":\"hello\",\"data\":{\"stream\":"
			  "\"%s\",\"seq\":%llu,\"oldest\":%llu,\"role\":%H,"
			  "\"agent\":%H}}", evs.stream,
			  (unsigned long long)evs.last,
			  (unsigned long long)evs.first, jsonstr_print,
			  api_role_name(c->role), jsonstr_print,
			  c->agent[0] ? c->agent : NULL);
	if (!msg || api_ws_send_text(ws, msg)) {
		mem_deref(msg);
		api_ws_close(ws, 1011, "cannot start");
		return;
	}
	msg = mem_deref(msg);

	c->next = evs.last + 1;
	if (has_since) {
		/* another process's numbers, numbers from the future, or
		 * events we no longer have: the client's state is stale */
		if ((has_stream && pl_strcmp(&stream_pl, evs.stream)) ||
		    since > evs.last || since + 1 < evs.first) {
			(void)re_sdprintf(&msg, "{\"type\":\"resync\","
					  "\"data\":{\"stream\":\"%s\","
					  "\"oldest\":%llu}}", evs.stream,
					  (unsigned long long)evs.first);
			if (!msg || api_ws_send_text(ws, msg)) {
				mem_deref(msg);
				api_ws_close(ws, 1011, "cannot start");
				return;
			}
			mem_deref(msg);
			c->next = evs.first;
		}
		else {
			c->next = since + 1;
		}
	}

	pump(c);
}


int api_events_init(void)
{
	char hex[STREAM_LEN + 1];
	int err;

	if (evs.ring)
		return 0;

	err = crypto_random_hex(hex, sizeof(hex));
	if (err)
		return err;

	evs.ring = mem_zalloc(EV_MAX * sizeof(*evs.ring), NULL);
	if (!evs.ring)
		return ENOMEM;

	memcpy(evs.stream, hex, sizeof(evs.stream));
	evs.first = 1;
	evs.last = 0;
	evs.bytes = 0;

	return call_event_listen(on_call_event, &evs);
}


void api_events_close(void)
{
	struct le *le;

	call_event_unlisten(&evs);

	/* clients still connected stay linked until their connections
	 * go, but see no events */
	LIST_FOREACH(&evs.clients, le) {
		struct client *c = le->data;

		c->next = UINT64_MAX;
	}

	while (evs.ring && evs.first <= evs.last)
		drop_oldest();
	evs.ring = mem_deref(evs.ring);
}
