/*
 * api_int.h — private to src/api.
 *
 *   conn.c     HTTP/1.1 framing of one connection's bytes: limits, replies
 *   server.c   the TCP side: accepting, sending, idle and closing
 *   api.c      the route table, authentication, dispatch
 *   reply.c    JSON bodies and error replies
 *   provh.c    /api/v1/{agents,queues,trunks,routes,statuses}[/{id}]
 *   calls.c    /api/v1/calls[/{id}]
 *   runtime.c  live state from src/call: agents' runtime and status,
 *              /api/v1/queues/{id}/stats, /api/v1/calls/{id}/routing
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

struct api {
	struct api_srv *srv;
	struct store *st;
	char *token;
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
	enum prov_kind kind;       /* when res is a provisioning kind */
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
bool api_conn_done(const struct api_conn *conn);
/* headers: extra header lines, each ending in CRLF, or NULL. body NULL:
 * no body (Content-Length: 0, or none at all for 204). */
int  api_conn_reply(struct api_conn *conn, uint16_t scode,
		    const char *headers, const char *body, size_t len);

/* api.c: routing, authentication and the handlers; arg is the api */
void api_request(struct api_conn *conn, const struct http_msg *msg,
		 const struct pl *body, void *arg);

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
/* the "runtime" member GET /api/v1/agents[/{id}] adds to each agent */
int  api_agent_runtime(struct re_printf *pf, enum prov_kind kind,
		       const char *id, void *arg);

#endif
