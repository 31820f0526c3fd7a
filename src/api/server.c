/*
 * server.c — the API's TCP side: accepts connections on libre's TCP,
 * feeds what arrives to the framing in conn.c, sends its replies, and
 * closes connections that are done, idle or over the limits.
 *
 * Limits: 256 connections, 60 s to send a request on an idle connection,
 * 16 MiB of replies queued per connection.
 */
#include <re.h>
#include "log.h"
#include "api/api_int.h"

#define LOG_MODULE "api"

enum {
	CONN_MAX = 256,
	IDLE_MS = 60000,
	TXQ_MAX = 16 * 1024 * 1024,   /* a long calls list */
};

struct api_srv {
	struct tcp_sock *ts;
	struct list conns;
	api_srv_req_h *reqh;
	void *arg;
};

/* One accepted TCP connection and the framing of its byte stream. */
struct srv_conn {
	struct le le;
	struct api_srv *srv;
	struct tcp_conn *tc;
	struct tmr tmr;
	struct api_conn *ac;
};


static void conn_destructor(void *arg)
{
	struct srv_conn *sc = arg;

	list_unlink(&sc->le);
	tmr_cancel(&sc->tmr);
	mem_deref(sc->tc);
	mem_deref(sc->ac);
}


static void srv_destructor(void *arg)
{
	struct api_srv *srv = arg;

	list_flush(&srv->conns);
	mem_deref(srv->ts);
}


static void send_handler(void *arg)
{
	struct srv_conn *sc = arg;

	/* libre calls this when its send queue is empty */
	mem_deref(sc);
}


/* After a closing reply: close once it is on its way and the refused
 * body has been drained. */
static void finish(struct srv_conn *sc)
{
	if (!api_conn_done(sc->ac))
		return;

	if (!tcp_conn_txqsz(sc->tc) || tcp_set_send(sc->tc, send_handler))
		mem_deref(sc);
}


static void timeout_handler(void *arg)
{
	mem_deref(arg);
}


static int conn_send(struct mbuf *mb, void *arg)
{
	struct srv_conn *sc = arg;

	return tcp_send(sc->tc, mb);
}


static void conn_request(struct api_conn *ac, const struct http_msg *msg,
			 const struct pl *body, void *arg)
{
	struct srv_conn *sc = arg;

	sc->srv->reqh(ac, msg, body, sc->srv->arg);

	/* the idle time counts from the last request handled */
	tmr_start(&sc->tmr, IDLE_MS, timeout_handler, sc);
}


static void recv_handler(struct mbuf *mb, void *arg)
{
	struct srv_conn *sc = arg;

	if (api_conn_recv(sc->ac, mbuf_buf(mb), mbuf_get_left(mb))) {
		mem_deref(sc);
		return;
	}

	finish(sc);
}


static void close_handler(int err, void *arg)
{
	(void)err;

	mem_deref(arg);
}


static void connect_handler(const struct sa *peer, void *arg)
{
	struct api_srv *srv = arg;
	struct srv_conn *sc;
	int err;

	if (list_count(&srv->conns) >= CONN_MAX) {
		log_warn("%J: too many connections", peer);
		tcp_reject(srv->ts);
		return;
	}

	sc = mem_zalloc(sizeof(*sc), conn_destructor);
	if (!sc) {
		tcp_reject(srv->ts);
		return;
	}

	sc->srv = srv;
	list_append(&srv->conns, &sc->le, sc);

	err = api_conn_alloc(&sc->ac, conn_send, conn_request, sc);
	if (err) {
		mem_deref(sc);
		tcp_reject(srv->ts);
		return;
	}

	err = tcp_accept(&sc->tc, srv->ts, NULL, recv_handler,
			 close_handler, sc);
	if (err) {
		mem_deref(sc);
		tcp_reject(srv->ts);
		return;
	}

	tcp_conn_txqsz_set(sc->tc, TXQ_MAX);
	tmr_start(&sc->tmr, IDLE_MS, timeout_handler, sc);
}


int api_srv_alloc(struct api_srv **srvp, const struct sa *laddr,
		  api_srv_req_h *reqh, void *arg)
{
	struct api_srv *srv;
	int err;

	if (!srvp || !laddr || !reqh)
		return EINVAL;

	srv = mem_zalloc(sizeof(*srv), srv_destructor);
	if (!srv)
		return ENOMEM;

	srv->reqh = reqh;
	srv->arg = arg;

	err = tcp_listen(&srv->ts, laddr, connect_handler, srv);
	if (err)
		mem_deref(srv);
	else
		*srvp = srv;

	return err;
}
