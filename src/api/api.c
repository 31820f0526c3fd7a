/*
 * api.c — the route table and what every request goes through:
 *
 *   /api/v1/<res>[/<id>[/<sub>]]  ->  open route?  ->  bearer token (401)
 *     -> known path (404) -> method (405 + Allow) -> body type (415)
 *     -> handler
 *
 * The token is compared in constant time and never logged; neither is
 * the Authorization header.
 */
#include <string.h>
#include <strings.h>
#include <re.h>
#include "util/crypto.h"
#include "crm/crm.h"
#include "api/api.h"
#include "api/api_int.h"

static void api_health(struct api_req *req)
{
	char *json = NULL;

	/* crm: the outbox's depth and failures (src/crm) */
	if (re_sdprintf(&json, "{\"status\":\"ok\",\"version\":\""
			SWITCHBOARD_VERSION "\"%H}",
			crm_health_json, NULL)) {
		api_reply_error(req, 500, "internal", NULL, "no memory");
		return;
	}

	api_reply_json(req, 200, json);
	mem_deref(json);
}


/* res NULL: any provisioning kind (agents, queues, trunks, routes,
 * statuses, intents, recommendations); sub: the part after the id
 * ("x/+": x and more, in req->tail), or NULL; role: the least role
 * that may call it (NONE: no credentials needed). Handlers check what
 * depends on the object: an agent's own calls, its own status. */
static const struct route {
	const char *res;
	bool has_id;
	const char *sub;
	const char *met;
	api_handler_h *h;
	enum api_role role;
} routes[] = {
	{"health", false, NULL,      "GET",  api_health,       API_ROLE_NONE},
	{"login",  false, NULL,      "POST", api_login,        API_ROLE_NONE},
	{"logout", false, NULL,      "POST", api_logout,      API_ROLE_AGENT},
	{"me",     false, NULL,      "GET",  api_me,          API_ROLE_AGENT},
	{"calls",  false, NULL,      "GET",  api_calls_list,  API_ROLE_AGENT},
	{"calls",  true,  NULL,      "GET",  api_call_get,    API_ROLE_AGENT},
	/* click-to-dial: an agent's session, for itself (control.c) */
	{"calls",  false, NULL,      "POST", api_call_dial,   API_ROLE_AGENT},
	{"calls",  true,  "routing", "GET",  api_call_routing,
	 API_ROLE_SUPERVISOR},
	/* an agent: its own calls only (transcript.c) */
	{"calls",  true,  "transcript", "GET", api_call_transcript,
	 API_ROLE_AGENT},
	/* call control: the handlers check the call's agent (control.c) */
	{"calls",  true,  "hangup",  "POST", api_call_hangup, API_ROLE_AGENT},
	{"calls",  true,  "wrapup",  "POST", api_call_wrapup, API_ROLE_AGENT},
	{"calls",  true,  "mute",    "POST", api_call_mute,   API_ROLE_AGENT},
	{"calls",  true,  "unmute",  "POST", api_call_unmute, API_ROLE_AGENT},
	{"calls",  true,  "hold",    "POST", api_call_hold,   API_ROLE_AGENT},
	{"calls",  true,  "resume",  "POST", api_call_resume, API_ROLE_AGENT},
	{"calls",  true,  "dtmf",    "POST", api_call_dtmf,   API_ROLE_AGENT},
	{"calls",  true,  "transfer", "POST", api_call_transfer,
	 API_ROLE_AGENT},
	/* an offer: only the agent it is offered to (control.c) */
	{"calls",  true,  "accept",  "POST", api_call_accept, API_ROLE_AGENT},
	{"calls",  true,  "decline", "POST", api_call_decline,
	 API_ROLE_AGENT},
	{"agents", true,  "status",  "PUT",  api_agent_status_put,
	 API_ROLE_AGENT},
	{"queues", true,  "stats",   "GET",  api_queue_stats, API_ROLE_AGENT},
	/* transfer targets: queues and agents, ids and names only */
	{"directory", false, NULL,   "GET",  api_directory,   API_ROLE_AGENT},
	/* next best action (nba.c): .../recommendations/{rid}/accept|dismiss
	 * checks the call's agent */
	{"calls",  true,  "recommendations/+", "POST", api_nba_feedback,
	 API_ROLE_AGENT},
	{"calls",  true,  "recommendations", "GET", api_nba_call_list,
	 API_ROLE_AGENT},
	{"nba",    true,  NULL,      "POST", api_nba_post,
	 API_ROLE_SUPERVISOR},
	{"nba",    true,  NULL,      "GET",  api_nba_get,
	 API_ROLE_SUPERVISOR},
	/* a WebSocket; what each role sees is in events.c */
	{"events", false, NULL,      "GET",  api_events_ws,   API_ROLE_AGENT},
	/* CRM sync's parked requests (outbox.c) */
	{"outbox", false, NULL,      "GET",  api_outbox_failed,
	 API_ROLE_ADMIN},
	{NULL,     false, NULL,      "GET",    api_prov_list,
	 API_ROLE_AGENT},
	{NULL,     false, NULL,      "POST",   api_prov_create,
	 API_ROLE_ADMIN},
	{NULL,     true,  NULL,      "GET",    api_prov_get,
	 API_ROLE_AGENT},
	{NULL,     true,  NULL,      "PATCH",  api_prov_update,
	 API_ROLE_ADMIN},
	{NULL,     true,  NULL,      "DELETE", api_prov_delete,
	 API_ROLE_ADMIN},
};


/* sub "x/+": sub x and more path after it (req->tail); sub "x": no
 * more */
static bool sub_matches(const char *sub, const struct api_req *req)
{
	const size_t len = strlen(sub);

	if (len > 2 && 0 == strcmp(sub + len - 2, "/+"))
		return req->tail.l && req->sub.l == len - 2 &&
			0 == memcmp(req->sub.p, sub, len - 2);

	return !req->tail.l && 0 == pl_strcmp(&req->sub, sub);
}


static bool route_matches(const struct route *r, const struct api_req *req)
{
	enum prov_kind kind;

	if (r->has_id != (req->id != NULL))
		return false;

	if (r->sub ? !sub_matches(r->sub, req) : req->sub.l != 0)
		return false;

	if (r->res)
		return 0 == pl_strcmp(&req->res, r->res);

	return 0 == prov_kind_parse(&kind, &req->res);
}


/* "/api/v1/<res>", "/api/v1/<res>/<id>" or "/api/v1/<res>/<id>/<sub>"
 * ["/<tail>"] (only routes whose sub ends in "/+" take a tail); false
 * for anything else */
static bool parse_path(struct api_req *req)
{
	static const char prefix[] = "/api/v1/";
	const struct pl *path = &req->msg->path;
	struct pl rest, id;
	const char *slash;

	if (path->l <= sizeof(prefix) - 1 ||
	    memcmp(path->p, prefix, sizeof(prefix) - 1))
		return false;

	rest.p = path->p + sizeof(prefix) - 1;
	rest.l = path->l - (sizeof(prefix) - 1);

	slash = pl_strchr(&rest, '/');
	if (!slash) {
		req->res = rest;
		return true;
	}

	req->res.p = rest.p;
	req->res.l = (size_t)(slash - rest.p);
	id.p = slash + 1;
	id.l = rest.l - req->res.l - 1;

	slash = pl_strchr(&id, '/');
	if (slash) {
		req->sub.p = slash + 1;
		req->sub.l = id.l - (size_t)(slash - id.p) - 1;
		id.l = (size_t)(slash - id.p);

		slash = pl_strchr(&req->sub, '/');
		if (slash) {
			req->tail.p = slash + 1;
			req->tail.l = req->sub.l -
				(size_t)(slash - req->sub.p) - 1;
			req->sub.l = (size_t)(slash - req->sub.p);
			if (!req->tail.l)
				return false;
		}

		if (!req->sub.l)
			return false;
	}

	if (!req->res.l || !id.l)
		return false;

	return 0 == api_pct_decode(&req->id, &id);
}


/* Reading configuration: agents need the queues and statuses (their
 * status selector, transfer targets) and their own agent; the rest is
 * for supervisors. */
static enum api_role read_role(const struct api_req *req)
{
	enum prov_kind kind;

	if (prov_kind_parse(&kind, &req->res))
		return API_ROLE_SUPERVISOR;

	if (kind == PROV_QUEUE || kind == PROV_STATUS)
		return API_ROLE_AGENT;

	if (kind == PROV_AGENT && req->id && !strcmp(req->id, req->who.agent))
		return API_ROLE_AGENT;

	return API_ROLE_SUPERVISOR;
}


static enum api_role role_needed(const struct route *r,
				 const struct api_req *req)
{
	if (!r->res && r->role == API_ROLE_AGENT)
		return read_role(req);

	return r->role;
}


static bool has_body(const struct pl *met)
{
	return 0 == pl_strcmp(met, "POST") || 0 == pl_strcmp(met, "PATCH") ||
		0 == pl_strcmp(met, "PUT");
}


static bool body_type_ok(const struct http_msg *msg)
{
	/* no Content-Type at all is taken as JSON */
	if (!http_msg_hdr(msg, HTTP_HDR_CONTENT_TYPE))
		return true;

	return 0 == pl_strcasecmp(&msg->ctyp.type, "application") &&
		0 == pl_strcasecmp(&msg->ctyp.subtype, "json");
}


static void reply_405(struct api_req *req, const struct route *const *match,
		      size_t n)
{
	char allow[64] = "", hdr[96];
	size_t len = 0;

	for (size_t i = 0; i < n; i++) {
		int r = re_snprintf(allow + len, sizeof(allow) - len, "%s%s",
				    i ? ", " : "", match[i]->met);
		if (r < 0)
			break;
		len += (size_t)r;
	}

	(void)re_snprintf(hdr, sizeof(hdr), "Allow: %s\r\n", allow);
	api_reply_error_hdr(req, 405, hdr, "method_not_allowed", NULL,
			    "%r is not allowed here; allowed: %s",
			    &req->msg->met, allow);
}


static void dispatch(struct api_req *req)
{
	const struct route *match[ARRAY_SIZE(routes)];
	const struct http_msg *msg = req->msg;
	size_t n = 0;
	bool open = false;

	/* the web pages: every path outside /api/ (static.c) */
	if (msg->path.l < 5 || memcmp(msg->path.p, "/api/", 5)) {
		api_static(req);
		return;
	}

	/* a browser asking whether another site's page may call: before
	 * credentials, which a preflight never carries (cors.c) */
	if (api_cors_preflight(req))
		return;

	if (parse_path(req)) {
		for (size_t i = 0; i < ARRAY_SIZE(routes); i++) {
			if (route_matches(&routes[i], req)) {
				match[n++] = &routes[i];
				open |= routes[i].role == API_ROLE_NONE;
			}
		}
	}

	(void)api_auth_who(req->api, msg, &req->who);

	if (!open && req->who.role == API_ROLE_NONE) {
		api_reply_error_hdr(req, 401, "WWW-Authenticate: Bearer "
				    "realm=\"switchboard\"\r\n",
				    "unauthorized", NULL, "a valid bearer "
				    "token or session is required "
				    "(Authorization: Bearer <token>, see "
				    "POST /api/v1/login)");
		return;
	}

	if (!n) {
		api_reply_error(req, 404, "not_found", NULL, "no such path: "
				"%r", &msg->path);
		return;
	}

	for (size_t i = 0; i < n; i++) {
		if (pl_strcmp(&msg->met, match[i]->met))
			continue;

		if (req->who.role < role_needed(match[i], req)) {
			api_reply_error(req, 403, "forbidden", NULL,
					"%r %r needs the %s role",
					&msg->met, &msg->path,
					api_role_name(role_needed(match[i],
								  req)));
			return;
		}

		if (has_body(&msg->met) && !body_type_ok(msg)) {
			api_reply_error(req, 415, "unsupported_media_type",
					NULL, "the body must be "
					"application/json");
			return;
		}

		(void)prov_kind_parse(&req->kind, &req->res);
		match[i]->h(req);
		return;
	}

	reply_405(req, match, n);
}


void api_request(struct api_conn *conn, const struct http_msg *msg,
		 const struct pl *body, void *arg)
{
	struct api_req req;
	char cors[384];

	memset(&req, 0, sizeof(req));
	req.api = arg;
	req.conn = conn;
	req.msg = msg;
	req.body = *body;

	/* handlers reply before they return: cors outlives the reply */
	if (!api_cors_headers(cors, sizeof(cors), req.api, msg) && cors[0])
		api_conn_set_extra(conn, cors);

	dispatch(&req);

	api_conn_set_extra(conn, NULL);
	mem_deref(req.id);
}


static void destructor(void *arg)
{
	struct api *api = arg;

	mem_deref(api->srv);
	api_events_close();
	mem_deref(api->auth);
	mem_deref(api->web);
	mem_deref(api->origins);
	mem_deref(api->st);
	if (api->token)
		explicit_bzero(api->token, strlen(api->token));
	mem_deref(api->token);
}


int api_alloc(struct api **apip, const struct sa *laddr, struct store *st,
	      const char *admin_token)
{
	struct api *api;
	int err;

	if (!apip || !laddr || !st || !admin_token || !admin_token[0])
		return EINVAL;

	api = mem_zalloc(sizeof(*api), destructor);
	if (!api)
		return ENOMEM;

	api->st = mem_ref(st);

	err = str_dup(&api->token, admin_token);
	err = err ? err : api_auth_alloc(&api->auth);
	err = err ? err : api_events_init();
	if (err)
		goto out;

	err = api_srv_alloc(&api->srv, laddr, api_request, api);

 out:
	if (err)
		mem_deref(api);
	else
		*apip = api;

	return err;
}
