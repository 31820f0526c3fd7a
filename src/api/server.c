/*
 * server.c — the API's TCP side: accepts connections on libre's TCP,
 * feeds what arrives to the framing in conn.c, sends its replies, and
 * closes connections that are done, idle or over the limits.
 *
 * Limits: 256 connections, 60 s to send a request on an idle connection,
 * 16 MiB of replies queued per connection.
 *
 * A connection upgraded to a WebSocket (ws.c) has no idle time (it pings)
 * and a small kernel send buffer, so that what a client does not read
 * piles up where ws.c can see it and cut the client (API_WS_OUT_MAX),
 * not unseen in the kernel. Its close waits for the queue to drain, then
 * shuts our side and lets the client close (so our close frame is not
 * lost to a reset), at most LINGER_MS.
 */
#include <sys/socket.h>
#include <re.h>
#include "log.h"
#include "api/api_int.h"

#define LOG_MODULE "api"

enum {
	CONN_MAX = 256,
	IDLE_MS = 60000,
	TXQ_MAX = 16 * 1024 * 1024,   /* a long calls list */
	WS_SNDBUF = 64 * 1024,        /* the kernel doubles it */
	LINGER_MS = 5000,
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
	bool closing;              /* an upgraded connection is ending */
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


static size_t io_queued(void *arg)
{
	struct srv_conn *sc = arg;

	return tcp_conn_txqsz(sc->tc);
}


static void drain_handler(void *arg)
{
	struct srv_conn *sc = arg;

	api_conn_drained(sc->ac);
}


static void io_watch(bool on, void *arg)
{
	struct srv_conn *sc = arg;

	if (!sc->closing)
		(void)tcp_set_send(sc->tc, on ? drain_handler : NULL);
}


static void linger(struct srv_conn *sc)
{
	(void)shutdown(tcp_conn_fd(sc->tc), SHUT_WR);
}


static void linger_send_handler(void *arg)
{
	struct srv_conn *sc = arg;

	(void)tcp_set_send(sc->tc, NULL);
	linger(sc);
}


/* Never frees sc here: the WebSocket that asks is still running. */
static void io_close(bool flush, void *arg)
{
	struct srv_conn *sc = arg;

	if (sc->closing)
		return;

	sc->closing = true;
	if (!flush) {
		tmr_start(&sc->tmr, 0, timeout_handler, sc);
		return;
	}

	tmr_start(&sc->tmr, LINGER_MS, timeout_handler, sc);
	if (!tcp_conn_txqsz(sc->tc) ||
	    tcp_set_send(sc->tc, linger_send_handler))
		linger(sc);
}


static const struct api_conn_io io = {
	.queued = io_queued,
	.watch = io_watch,
	.close = io_close,
};


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

	if (api_conn_upgraded(ac)) {
		const int sz = WS_SNDBUF;

		if (!sc->closing)
			tmr_cancel(&sc->tmr);
		(void)setsockopt(tcp_conn_fd(sc->tc), SOL_SOCKET, SO_SNDBUF,
				 &sz, sizeof(sz));
		return;
	}

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
	api_conn_set_peer(sc->ac, peer);
	api_conn_io_set(sc->ac, &io);

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
