/*
 * provh.c — /api/v1/{agents,queues,trunks,routes,statuses}[/{id}]: thin
 * handlers over prov_*, which validates, stores and answers with the
 * errors. Agents read with GET carry their live state ("runtime", see
 * runtime.c).
 */
#include <string.h>
#include <re.h>
#include "api/api_int.h"


void api_prov_list(struct api_req *req)
{
	struct prov_error perr;
	char *out = NULL;
	int err;

	memset(&perr, 0, sizeof(perr));
	err = prov_json_extra(req->kind, NULL, req->kind == PROV_AGENT ?
			      api_agent_runtime : NULL, NULL, &out, &perr);
	api_reply_prov(req, err, 200, out, &perr);
	mem_deref(out);
}


void api_prov_create(struct api_req *req)
{
	struct prov_error perr;
	char *out = NULL;
	int err;

	memset(&perr, 0, sizeof(perr));
	err = prov_create(req->kind, req->body.p, req->body.l, &out, &perr);
	api_reply_prov(req, err, 201, out, &perr);
	mem_deref(out);
}


void api_prov_get(struct api_req *req)
{
	struct prov_error perr;
	char *out = NULL;
	int err;

	memset(&perr, 0, sizeof(perr));
	err = prov_json_extra(req->kind, req->id, req->kind == PROV_AGENT ?
			      api_agent_runtime : NULL, NULL, &out, &perr);
	api_reply_prov(req, err, 200, out, &perr);
	mem_deref(out);
}


void api_prov_update(struct api_req *req)
{
	struct prov_error perr;
	char *out = NULL;
	int err;

	memset(&perr, 0, sizeof(perr));
	err = prov_update(req->kind, req->id, req->body.p, req->body.l, &out,
			  &perr);
	api_reply_prov(req, err, 200, out, &perr);
	mem_deref(out);
}


void api_prov_delete(struct api_req *req)
{
	struct prov_error perr;
	int err;

	memset(&perr, 0, sizeof(perr));
	err = prov_delete(req->kind, req->id, &perr);
	api_reply_prov(req, err, 204, NULL, &perr);
}
