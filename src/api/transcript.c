/*
 * transcript.c — GET /api/v1/calls/{id}/transcript: the call's stored
 * transcription finals, as JSON or (?format=txt) one line per segment.
 * An agent may read only the calls it answered or was offered, as with
 * GET /calls/{id}.
 */
#include <string.h>
#include <re.h>
#include "store/store.h"
#include "api/api_int.h"


static bool want_txt(const struct api_req *req)
{
	struct pl sep, v;

	/* every [] of re_regex is a capture */
	return !re_regex(req->msg->prm.p, req->msg->prm.l,
			 "[?&]1format=[^&]+", &sep, &v) &&
		!pl_strcmp(&v, "txt");
}


void api_call_transcript(struct api_req *req)
{
	char *out = NULL;
	bool own = true;
	const bool txt = want_txt(req);
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

	/* a call that is not in the store has no transcript either */
	err = store_call_json(req->api->st, req->id, &out);
	out = mem_deref(out);
	if (err == ENOENT) {
		api_reply_error(req, 404, "not_found", NULL, "no call '%s'",
				req->id);
		return;
	}

	if (!err)
		err = store_transcript_get(req->api->st, req->id, txt, &out);
	if (err)
		api_reply_error(req, 500, "internal", NULL, "could not read "
				"the transcript (%m)", err);
	else if (txt)
		(void)api_conn_reply_as(req->conn, 200,
					"text/plain; charset=utf-8",
					"no-store", NULL, out, strlen(out),
					false);
	else
		api_reply_json(req, 200, out);

	mem_deref(out);
}
