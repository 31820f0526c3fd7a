/*
 * outbox.c — GET /api/v1/outbox: the CRM outbox's parked rows (requests
 * Salesforce or a webhook refused for good), newest first, with the
 * status and the start of the answer that refused them. Admins only: a
 * row names calls and carries the receiver's words.
 */
#include <re.h>
#include "store/store.h"
#include "api/api_int.h"

enum { FAILED_MAX = 100 };


void api_outbox_failed(struct api_req *req)
{
	char *rows = NULL, *json = NULL;
	int err;

	err = store_outbox_failed_json(req->api->st, FAILED_MAX, &rows);
	if (!err)
		err = re_sdprintf(&json, "{\"failed\":%s}", rows);
	if (err) {
		api_reply_error(req, 500, "internal", NULL,
				"cannot read the outbox");
		goto out;
	}

	api_reply_json(req, 200, json);

 out:
	mem_deref(rows);
	mem_deref(json);
}
