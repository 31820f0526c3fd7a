/*
 * directory.c — GET /api/v1/directory: whom a call can be transferred
 * to, for any logged-in agent: every queue, and every agent with a phone
 * (a transfer to an agent without one is refused), by id and name only.
 * GET /api/v1/agents stays for supervisors: it also tells skills,
 * capacity, SIP user names and live state, which colleagues need not see.
 * A telephony connector (connectors/scv) lists these as transfer targets.
 */
#include <re.h>
#include "util/jsonstr.h"
#include "api/api_int.h"

struct dir {
	struct re_printf *pf;
	int err;
	bool first;
};


static bool print_agent(const struct prov_agent *a, void *arg)
{
	struct dir *d = arg;

	if (!a->sip_user)
		return false;

	d->err |= re_hprintf(d->pf, "%s{\"id\":%H,\"name\":%H}",
			     d->first ? "" : ",", jsonstr_print, a->id,
			     jsonstr_print, a->name ? a->name : a->id);
	d->first = false;
	return d->err != 0;
}


static bool print_queue(const struct prov_queue *q, void *arg)
{
	struct dir *d = arg;

	d->err |= re_hprintf(d->pf, "%s{\"id\":%H,\"name\":%H}",
			     d->first ? "" : ",", jsonstr_print, q->id,
			     jsonstr_print, q->name ? q->name : q->id);
	d->first = false;
	return d->err != 0;
}


static int print_directory(struct re_printf *pf, void *arg)
{
	struct dir d = {pf, 0, true};
	(void)arg;

	d.err |= re_hprintf(pf, "{\"agents\":[");
	(void)prov_agent_apply(print_agent, &d);
	d.first = true;
	d.err |= re_hprintf(pf, "],\"queues\":[");
	(void)prov_queue_apply(print_queue, &d);
	d.err |= re_hprintf(pf, "]}");

	return d.err;
}


void api_directory(struct api_req *req)
{
	char *out = NULL;
	int err;

	err = re_sdprintf(&out, "%H", print_directory, NULL);
	if (err)
		api_reply_error(req, 500, "internal", NULL, "out of memory");
	else
		api_reply_json(req, 200, out);

	mem_deref(out);
}
