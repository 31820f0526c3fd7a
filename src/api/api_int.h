/*
 * api_int.h — private to src/api.
 *
 *   conn.c     HTTP/1.1 framing of one connection's bytes: limits, replies
 *   server.c   the TCP side: accepting, sending, idle and closing
 *   api.c      the route table, authentication, dispatch
 *   ws.c       RFC 6455 WebSocket on an upgraded connection
 *   events.c   the event log and /api/v1/events (on ws.c)
 *   reply.c    JSON bodies and error replies
 *   provh.c    /api/v1/{agents,queues,trunks,routes,statuses}[/{id}]
 *   static.c   the web pages: files of web_root outside /api/
 *   calls.c    /api/v1/calls[/{id}]
 *   control.c  /api/v1/calls/{id}/{hangup,wrapup,mute,unmute,hold,
 *              resume,dtmf,transfer}: the agent's call controls;
 *              POST /api/v1/calls: an agent's click-to-dial
 *   cors.c     api_allowed_origins: CORS and the events stream's Origin
 *   directory.c GET /api/v1/directory: transfer targets for agents
 *   runtime.c  live state from src/call: agents' runtime and status,
 *              /api/v1/queues/{id}/stats, /api/v1/calls/{id}/routing
 *   nba.c      next best action: classify, recommendations' feedback,
 *              stats
 */
#ifndef SWITCHBOARD_API_INT_H
#define SWITCHBOARD_API_INT_H

#include <re.h>
#include "prov/prov.h"

enum {
	API_BODY_MAX = 1024 * 1024,   /* 413 above */
};

struct api_srv;
struct api_conn;
struct store;

struct auth;
struct api_web;

struct api {
	struct api_srv *srv;
	struct store *st;
	struct auth *auth;
	char *token;
	struct api_web *web;       /* the pages (static.c), or NULL */
	char *origins;             /* api_allowed_origins, or NULL */
};

enum { API_TOKEN_MAX = 512 };     /* longest admin token compared */

/* Who sent a request: the admin token, or a logged-in agent's session
 * (auth.c). Roles are ordered: each can do what the ones below can. */
enum api_role {
	API_ROLE_NONE = 0,         /* nobody authenticated (open routes) */
	API_ROLE_AGENT,
	API_ROLE_SUPERVISOR,
	API_ROLE_ADMIN,
};

struct api_who {
	enum api_role role;
	char agent[PROV_ID_MAX + 1];   /* the agent's id; "" for the token */
};

/* One request as a handler sees it. Every handler replies exactly once. */
struct api_req {
	struct api *api;
	struct api_conn *conn;
	const struct http_msg *msg;
	struct pl body;
	struct pl res;             /* "agents", "calls", ... */
	char *id;                  /* the URL-decoded {id}, or NULL */
	struct pl sub;             /* "status" of /agents/{id}/status, or
				      empty */
	struct pl tail;            /* what follows sub's '/', undecoded
				      (routes with tail), or empty */
	enum prov_kind kind;       /* when res is a provisioning kind */
	struct api_who who;        /* set before the handler runs */
};

typedef void (api_handler_h)(struct api_req *req);

/* The whole request (headers and at most API_BODY_MAX of body) has
 * arrived. The handler must call api_conn_reply once. */
typedef void (api_srv_req_h)(struct api_conn *conn,
			     const struct http_msg *msg,
			     const struct pl *body, void *arg);

/* server.c: listens on laddr; every connection's requests go to reqh. */
int  api_srv_alloc(struct api_srv **srvp, const struct sa *laddr,
		   api_srv_req_h *reqh, void *arg);

/* conn.c: one connection's framing, whatever carries its bytes. Bytes in
 * through api_conn_recv (ENOMEM: drop the connection); each complete
 * request to reqh; each reply out through sendh as one buffer, which
 * sendh must send or copy. An error from sendh closes the connection.
 * api_conn_done: a closing reply went out and nothing more will be read,
 * so close the transport once the replies are sent. */
typedef int (api_conn_send_h)(struct mbuf *mb, void *arg);

int  api_conn_alloc(struct api_conn **connp, api_conn_send_h *sendh,
		    api_srv_req_h *reqh, void *arg);
int  api_conn_recv(struct api_conn *conn, const uint8_t *buf, size_t len);
/* the client's address (unset: all zero) */
void api_conn_set_peer(struct api_conn *conn, const struct sa *peer);
const struct sa *api_conn_peer(const struct api_conn *conn);
bool api_conn_done(const struct api_conn *conn);
/* header lines (CRLF-ended) added to every reply until set again; the
 * caller keeps hdrs alive meanwhile (api.c: around one request) */
void api_conn_set_extra(struct api_conn *conn, const char *hdrs);
/* headers: extra header lines, each ending in CRLF, or NULL. body NULL:
 * no body (Content-Length: 0, or none at all for 204). */
int  api_conn_reply(struct api_conn *conn, uint16_t scode,
		    const char *headers, const char *body, size_t len);
/* the same for any type: ctype (NULL: none) of body, cache the
 * Cache-Control value; head: the headers only, Content-Length as for
 * the body (a HEAD request) */
int  api_conn_reply_as(struct api_conn *conn, uint16_t scode,
		       const char *ctype, const char *cache,
		       const char *headers, const char *body, size_t len,
		       bool head);

/* The transport under a connection, beyond sending, for a protocol that
 * takes it over after a 101 (ws.c). arg: the conn's arg. close may not
 * free anything before it returns: the caller is still running. */
struct api_conn_io {
	size_t (*queued)(void *arg);          /* bytes not on the wire yet */
	void (*watch)(bool on, void *arg);    /* api_conn_drained on empty */
	void (*close)(bool flush, void *arg); /* flush: after the queue */
};
struct api_ws;
void api_conn_io_set(struct api_conn *conn, const struct api_conn_io *io);
/* Sends "101 Switching Protocols" with headers (CRLF-ended lines) and
 * gives the connection, and its reference to ws, to ws: every byte that
 * follows goes to api_ws_recv. */
int  api_conn_upgrade(struct api_conn *conn, struct api_ws *ws,
		      const char *headers);
bool api_conn_upgraded(const struct api_conn *conn);
int  api_conn_send(struct api_conn *conn, struct mbuf *mb);
size_t api_conn_queued(const struct api_conn *conn);
void api_conn_watch_drain(struct api_conn *conn, bool on);
void api_conn_close(struct api_conn *conn, bool flush);
void api_conn_drained(struct api_conn *conn);

/* ws.c: RFC 6455, server side. api_ws_accept checks the handshake and
 * replies (101, or 400/426 with a JSON error); the owner (events.c) is
 * then told when the output queue drains, and freed with the ws. */
enum {
	API_WS_FRAME_MAX = 4096,      /* a client frame's payload; 1009 */
	API_WS_OUT_MAX = 1024 * 1024, /* unsent output before a cut */
};
struct api_ws_frame {
	bool fin;
	uint8_t opcode;
	bool masked;
	uint8_t mask[4];
	uint64_t len;              /* payload length */
	size_t hdr;                /* header length; payload follows */
};
typedef void (api_ws_drain_h)(void *arg);
int  api_ws_accept(struct api_ws **wsp, struct api_req *req);
void api_ws_set_owner(struct api_ws *ws, void *owner, api_ws_drain_h *drainh);
int  api_ws_recv(struct api_ws *ws, const uint8_t *buf, size_t len);
void api_ws_drained(struct api_ws *ws);
/* a whole frame (api_ws_text_frame); ECONNRESET once closing */
int  api_ws_send(struct api_ws *ws, const uint8_t *frame, size_t len);
int  api_ws_send_text(struct api_ws *ws, const char *text);
size_t api_ws_queued(const struct api_ws *ws);
void api_ws_want_drain(struct api_ws *ws);
void api_ws_close(struct api_ws *ws, uint16_t code, const char *reason);
/* 0: a whole frame's header is in buf[0..n) (its payload may not be);
 * ENODATA: more bytes needed; EPROTO, EMSGSIZE: a frame the server must
 * refuse, with the close code in *code. */
int  api_ws_frame_parse(struct api_ws_frame *f, uint16_t *code,
			const uint8_t *buf, size_t n);
/* one unmasked FIN text frame carrying text (len bytes) */
int  api_ws_text_frame(struct mbuf *mb, const char *text, size_t len);

/* events.c: the log, fed by call_event; GET /api/v1/events */
int  api_events_init(void);
void api_events_close(void);
void api_events_ws(struct api_req *req);

/* api.c: routing, authentication and the handlers; arg is the api */
void api_request(struct api_conn *conn, const struct http_msg *msg,
		 const struct pl *body, void *arg);

/* auth.c: who sent msg (admin token, session token or cookie); false
 * and who->role NONE when nobody valid. The login routes. */
int  api_auth_alloc(struct auth **authp);
bool api_auth_who(struct api *api, const struct http_msg *msg,
		  struct api_who *who);
const char *api_role_name(enum api_role role);
void api_login(struct api_req *req);
void api_logout(struct api_req *req);
void api_me(struct api_req *req);

/* static.c: GET/HEAD of every path outside /api/ */
void api_static(struct api_req *req);
/* the file path under the root (into rel) and its Content-Type for a
 * request path, or NULL when the path may not name a file */
const char *api_static_path(char *rel, size_t sz, const struct pl *path);

/* cors.c: a listed Origin gets CORS headers (into buf, "" otherwise);
 * an OPTIONS preflight is answered here (true: replied) */
bool api_origin_allowed(const struct api *api, const struct pl *origin);
int  api_cors_headers(char *buf, size_t sz, const struct api *api,
		      const struct http_msg *msg);
bool api_cors_preflight(struct api_req *req);
/* opencti.c: the softphone pages' CSP (opencti_origins) */
bool api_opencti_origin_ok(const char *origin, size_t len);
bool api_opencti_origins_ok(const char *origins);
int  api_opencti_headers(char **hdrp, const char *ancestors,
			 const char *origins);

/* reply.c */
const char *api_reason(uint16_t scode);
int  api_error_json(char **out, const char *code, const char *field,
		    const char *message);
void api_reply_json(struct api_req *req, uint16_t scode, const char *json);
void api_reply_error(struct api_req *req, uint16_t scode, const char *code,
		     const char *field, const char *fmt, ...);
void api_reply_error_hdr(struct api_req *req, uint16_t scode,
			 const char *headers, const char *code,
			 const char *field, const char *fmt, ...);
void api_reply_prov(struct api_req *req, int err, uint16_t scode,
		    const char *json, const struct prov_error *perr);
int  api_pct_decode(char **out, const struct pl *in);

/* handlers */
void api_prov_list(struct api_req *req);
void api_prov_create(struct api_req *req);
void api_prov_get(struct api_req *req);
void api_prov_update(struct api_req *req);
void api_prov_delete(struct api_req *req);
void api_calls_list(struct api_req *req);
void api_call_get(struct api_req *req);
void api_agent_status_put(struct api_req *req);
void api_queue_stats(struct api_req *req);
void api_call_routing(struct api_req *req);
void api_call_transcript(struct api_req *req);   /* transcript.c */

/* nba.c: POST /api/v1/nba/classify, GET /api/v1/nba/stats,
 * POST /api/v1/calls/{id}/recommendations/{rid}/{accept,dismiss} */
void api_nba_post(struct api_req *req);
void api_nba_get(struct api_req *req);
void api_nba_feedback(struct api_req *req);
void api_nba_call_list(struct api_req *req);
void api_outbox_failed(struct api_req *req);
void api_call_hangup(struct api_req *req);      /* control.c */
void api_call_wrapup(struct api_req *req);
void api_call_mute(struct api_req *req);
void api_call_unmute(struct api_req *req);
void api_call_hold(struct api_req *req);
void api_call_resume(struct api_req *req);
void api_call_dtmf(struct api_req *req);
void api_call_transfer(struct api_req *req);
void api_call_accept(struct api_req *req);
void api_call_decline(struct api_req *req);
void api_call_dial(struct api_req *req);
void api_directory(struct api_req *req);         /* directory.c */
/* the "runtime" member GET /api/v1/agents[/{id}] adds to each agent */
int  api_agent_runtime(struct re_printf *pf, enum prov_kind kind,
		       const char *id, void *arg);

/* the value of name in a query string ("?a=1&b=2"); false if absent */
bool api_query_get(struct pl *val, const struct pl *prm, const char *name);

#endif
