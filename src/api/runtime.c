/*
 * runtime.c — live state, which src/call keeps and prints:
 *
 *   GET /api/v1/agents[/{id}]         each agent's "runtime" member
 *   PUT /api/v1/agents/{id}/status    {"status":"break"}
 *   GET /api/v1/queues/{id}/stats
 *   GET /api/v1/calls/{id}/routing    live, else as the record kept it
 *
 * src/call prints each answer as one JSON object; what is known here
 * (the agent, queue or status exists in provisioning) is checked first,
 * so the common errors name the field whatever the call module says.
 */
#include <string.h>
#include <re.h>
#include "call/call.h"
#include "store/store.h"
#include "api/api_int.h"


static int agent_h(struct re_printf *pf, void *arg)
{
	return call_agent_json(pf, arg);
}


static int stats_h(struct re_printf *pf, void *arg)
{
	return call_queue_stats_json(pf, arg);
}


static int routing_h(struct re_printf *pf, void *arg)
{
	return call_routing_json(pf, arg);
}


/* An agent the call module does not know (yet) has no runtime member.
 * Nor has one whose live state cannot be read for another reason (the
 * call module not running): the provisioned agent is still worth
 * answering with. Only running out of memory fails the request. */
int api_agent_runtime(struct re_printf *pf, enum prov_kind kind,
		      const char *id, void *arg)
{
	char *rt = NULL;
	int err;
	(void)kind;
	(void)arg;

	err = re_sdprintf(&rt, "%H", agent_h, (void *)id);
	if (err == ENOMEM)
		return err;
	if (err)
		return 0;

	err = re_hprintf(pf, ",\"runtime\":%s", rt);
	mem_deref(rt);
	return err;
}


static void reply_internal(struct api_req *req, int err)
{
	api_reply_error(req, 500, "internal", NULL, "internal error (%m)",
			err);
}


/* {"status": "<status id>"} and nothing else; replies itself on error */
static int status_body(struct api_req *req, struct odict **odp,
		       const char **status)
{
	const struct odict_entry *e;
	struct prov_error perr;
	struct le *le;
	int err;

	memset(&perr, 0, sizeof(perr));
	err = prov_json_decode(odp, req->body.p, req->body.l, &perr);
	if (err) {
		api_reply_prov(req, err, 400, NULL, &perr);
		return err;
	}

	LIST_FOREACH(&(*odp)->lst, le) {
		e = le->data;
		if (strcmp(e->key, "status")) {
			api_reply_error(req, 400, "unknown_field", e->key,
					"%s: unknown field (known: status)",
					e->key);
			return EINVAL;
		}
	}

	e = odict_lookup(*odp, "status");
	if (!e || e->type == ODICT_NULL) {
		api_reply_error(req, 400, "missing_field", "status",
				"status: this field is required");
		return EINVAL;
	}

	if (e->type != ODICT_STRING) {
		api_reply_error(req, 400, "invalid_field", "status",
				"status: must be a string");
		return EINVAL;
	}

	if (!prov_status_find(e->u.str)) {
		api_reply_error(req, 400, "invalid_field", "status",
				"status: no status '%s' exists (see GET "
				"/api/v1/statuses)", e->u.str);
		return EINVAL;
	}

	*status = e->u.str;
	return 0;
}


void api_agent_status_put(struct api_req *req)
{
	const char *status = NULL;
	struct odict *od = NULL;
	char *out = NULL;
	int err;

	if (!prov_agent_find(req->id)) {
		api_reply_error(req, 404, "not_found", NULL, "no agent '%s'",
				req->id);
		return;
	}

	if (req->who.role == API_ROLE_AGENT &&
	    strcmp(req->id, req->who.agent)) {
		api_reply_error(req, 403, "forbidden", NULL, "an agent sets "
				"its own status only");
		return;
	}

	if (status_body(req, &od, &status))
		goto out;

	err = call_agent_status_set(req->id, status);
	if (err == ENOENT) {
		api_reply_error(req, 404, "not_found", NULL, "no agent '%s'",
				req->id);
		goto out;
	}
	else if (err == EINVAL) {
		api_reply_error(req, 400, "invalid_field", "status",
				"status: no status '%s' exists", status);
		goto out;
	}
	else if (err) {
		reply_internal(req, err);
		goto out;
	}

	err = re_sdprintf(&out, "%H", agent_h, req->id);
	if (err)
		reply_internal(req, err);
	else
		api_reply_json(req, 200, out);

 out:
	mem_deref(out);
	mem_deref(od);
}


void api_queue_stats(struct api_req *req)
{
	char *out = NULL;
	int err = ENOENT;

	if (prov_queue_find(req->id))
		err = re_sdprintf(&out, "%H", stats_h, req->id);

	if (err == ENOENT)
		api_reply_error(req, 404, "not_found", NULL, "no queue '%s'",
				req->id);
	else if (err)
		reply_internal(req, err);
	else
		api_reply_json(req, 200, out);

	mem_deref(out);
}


void api_call_routing(struct api_req *req)
{
	char *out = NULL;
	int err;

	err = re_sdprintf(&out, "%H", routing_h, req->id);
	if (err == ENOENT)
		err = store_call_routing(req->api->st, req->id, &out);

	if (err == ENOENT)
		api_reply_error(req, 404, "not_found", NULL, "no routing "
				"explanation for call '%s'", req->id);
	else if (err)
		reply_internal(req, err);
	else
		api_reply_json(req, 200, out);

	mem_deref(out);
}
