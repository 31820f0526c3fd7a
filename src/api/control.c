/*
 * control.c — the agent's call controls:
 *
 *   POST /api/v1/calls/{id}/hangup              {}
 *   POST /api/v1/calls/{id}/wrapup              {"disposition","notes"}
 *   POST /api/v1/calls/{id}/mute | unmute       {}
 *   POST /api/v1/calls/{id}/hold | resume       {}
 *   POST /api/v1/calls/{id}/dtmf                {"digits":"12#"}
 *   POST /api/v1/calls/{id}/transfer            {"queue"|"agent"|"number"}
 *   POST /api/v1/calls/{id}/accept | decline    {}   an offer, by its agent
 *   POST /api/v1/calls                          {"to":"+15551234"}
 *                                               click-to-dial, by an agent
 *
 * Order of checks, the same for each: the call (404, or 409 when only
 * its record is left), who asks (403 unless the call's agent or a
 * supervisor), the body (400, naming the field), then the call module,
 * which answers 409 with its reason when the call's state does not
 * allow it. A request that fails changes nothing.
 */
#include <string.h>
#include <re.h>
#include "call/call.h"
#include "store/store.h"
#include "api/api_int.h"

enum {
	DISPOSITION_MAX = 64,
	NOTES_MAX = 2000,
	DIGITS_MAX = 32,
};


static int control_h(struct re_printf *pf, void *arg)
{
	return call_control_json(pf, arg);
}


/* The call exists and the sender may act on it; replies itself if not. */
static bool may_control(struct api_req *req)
{
	char agent[PROV_ID_MAX + 1];
	char *rec = NULL;
	int err;

	err = call_control_agent(req->id, agent, sizeof(agent));
	if (err == ENOENT) {
		if (!store_call_json(req->api->st, req->id, &rec))
			api_reply_error(req, 409, "conflict", NULL, "call '%s' "
					"has ended", req->id);
		else
			api_reply_error(req, 404, "not_found", NULL, "no call "
					"'%s'", req->id);
		mem_deref(rec);
		return false;
	}

	if (req->who.role >= API_ROLE_SUPERVISOR)
		return true;

	if (req->who.role == API_ROLE_AGENT && agent[0] &&
	    !strcmp(agent, req->who.agent))
		return true;

	api_reply_error(req, 403, "forbidden", NULL, "only the call's agent "
			"or a supervisor may control call '%s'", req->id);
	return false;
}


/* The call exists and the sender is an agent's session: only the agent
 * an offer is made to may accept or decline it, so the admin token
 * cannot (whether the offer is the sender's, the call module says).
 * Replies itself if not. */
static bool may_respond(struct api_req *req)
{
	char agent[PROV_ID_MAX + 1];

	if (call_control_agent(req->id, agent, sizeof(agent)) == ENOENT)
		return may_control(req);      /* its 404 or 409 */

	if (req->who.agent[0])
		return true;

	api_reply_error(req, 403, "forbidden", NULL, "only the agent call "
			"'%s' is offered to may accept or decline it",
			req->id);
	return false;
}


/* The body as an object whose keys are all in known (NULL-terminated);
 * no body at all is an empty object. Replies itself on error. */
static int body_object(struct api_req *req, struct odict **odp,
		       const char *const *known, const char *list)
{
	struct prov_error perr;
	struct le *le;
	int err;

	if (!req->body.l) {
		*odp = NULL;
		return 0;
	}

	memset(&perr, 0, sizeof(perr));
	err = prov_json_decode(odp, req->body.p, req->body.l, &perr);
	if (err) {
		api_reply_prov(req, err, 400, NULL, &perr);
		return err;
	}

	LIST_FOREACH(&(*odp)->lst, le) {
		const struct odict_entry *e = le->data;
		bool ok = false;

		for (size_t i = 0; known[i] && !ok; i++)
			ok = !strcmp(e->key, known[i]);

		if (!ok) {
			api_reply_error(req, 400, "unknown_field", e->key,
					"%s: unknown field (known: %s)", e->key,
					list);
			return EINVAL;
		}
	}

	return 0;
}


/* A string member, or NULL when absent or null; EINVAL (replied) for
 * another type. */
static int get_str(struct api_req *req, const struct odict *od,
		   const char *key, const char **v)
{
	const struct odict_entry *e = od ? odict_lookup(od, key) : NULL;

	*v = NULL;
	if (!e || e->type == ODICT_NULL)
		return 0;

	if (e->type != ODICT_STRING) {
		api_reply_error(req, 400, "invalid_field", key, "%s: must be a "
				"string", key);
		return EINVAL;
	}

	*v = e->u.str;
	return 0;
}


/* characters, not bytes: the decoder has checked the UTF-8 */
static size_t utf8_len(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((uint8_t)*s & 0xc0) != 0x80;

	return n;
}


static bool has_control(const char *s)
{
	for (; *s; s++) {
		if ((uint8_t)*s < 0x20 || *s == 0x7f)
			return true;
	}

	return false;
}


/* What the call module said, as the reply. */
static void reply_result(struct api_req *req, int err, const char *why)
{
	char *out = NULL;

	if (err == ENOENT) {
		api_reply_error(req, 404, "not_found", NULL, "no call '%s'",
				req->id);
		return;
	}
	if (err == EBUSY) {
		api_reply_error(req, 409, "conflict", NULL, "%s",
				why ? why : "the call's state does not "
				"allow it");
		return;
	}
	if (err) {
		api_reply_error(req, 500, "internal", NULL, "internal error "
				"(%m)", err);
		return;
	}

	/* ended without a wrap-up: nothing live is left to show */
	err = re_sdprintf(&out, "%H", control_h, req->id);
	if (err == ENOENT)
		err = re_sdprintf(&out, "{\"id\":\"%s\",\"state\":\"ended\"}",
				  req->id);
	if (err)
		api_reply_error(req, 500, "internal", NULL, "internal error "
				"(%m)", err);
	else
		api_reply_json(req, 200, out);

	mem_deref(out);
}


static const char *const no_keys[] = {NULL};


/* The controls that take no fields: hangup, mute, unmute, hold, resume. */
static void simple(struct api_req *req, int (*op)(const char *, bool,
						   const char **), bool on)
{
	struct odict *od = NULL;
	const char *why = NULL;
	int err;

	if (!may_control(req) || body_object(req, &od, no_keys, "none"))
		goto out;

	/* not as one call's arguments: why is set by op */
	err = op(req->id, on, &why);
	reply_result(req, err, why);

 out:
	mem_deref(od);
}


static int hangup_op(const char *id, bool on, const char **why)
{
	(void)on;
	return call_hangup(id, why);
}


void api_call_hangup(struct api_req *req)
{
	simple(req, hangup_op, true);
}


void api_call_mute(struct api_req *req)
{
	simple(req, call_mute, true);
}


void api_call_unmute(struct api_req *req)
{
	simple(req, call_mute, false);
}


void api_call_hold(struct api_req *req)
{
	simple(req, call_hold, true);
}


void api_call_resume(struct api_req *req)
{
	simple(req, call_hold, false);
}


void api_call_wrapup(struct api_req *req)
{
	static const char *const keys[] = {"disposition", "notes", NULL};
	const char *disp = NULL, *notes = NULL, *why = NULL;
	struct odict *od = NULL;
	int err;

	if (!may_control(req) ||
	    body_object(req, &od, keys, "disposition, notes") ||
	    get_str(req, od, "disposition", &disp) ||
	    get_str(req, od, "notes", &notes))
		goto out;

	if (!disp) {
		api_reply_error(req, 400, "missing_field", "disposition",
				"disposition: this field is required");
		goto out;
	}
	if (!disp[0] || utf8_len(disp) > DISPOSITION_MAX ||
	    has_control(disp)) {
		api_reply_error(req, 400, "invalid_field", "disposition",
				"disposition: must be 1 to %u characters, "
				"without control characters",
				DISPOSITION_MAX);
		goto out;
	}
	if (notes && utf8_len(notes) > NOTES_MAX) {
		api_reply_error(req, 400, "invalid_field", "notes", "notes: "
				"at most %u characters", NOTES_MAX);
		goto out;
	}

	err = call_wrapup(req->id, disp, notes, &why);
	reply_result(req, err, why);

 out:
	mem_deref(od);
}


void api_call_dtmf(struct api_req *req)
{
	static const char *const keys[] = {"digits", NULL};
	const char *digits = NULL, *why = NULL;
	struct odict *od = NULL;
	int err;

	if (!may_control(req) || body_object(req, &od, keys, "digits") ||
	    get_str(req, od, "digits", &digits))
		goto out;

	if (!digits) {
		api_reply_error(req, 400, "missing_field", "digits",
				"digits: this field is required");
		goto out;
	}
	if (!digits[0] || strlen(digits) > DIGITS_MAX ||
	    strspn(digits, "0123456789*#ABCDabcd") != strlen(digits)) {
		api_reply_error(req, 400, "invalid_field", "digits", "digits: "
				"1 to %u of 0-9 * # A B C D", DIGITS_MAX);
		goto out;
	}

	err = call_dtmf(req->id, digits, &why);
	reply_result(req, err, why);

 out:
	mem_deref(od);
}


/* The number a body names ("to", "number"): E.164, and a trunk must
 * permit it. Replies itself if not. */
static bool number_ok(struct api_req *req, const char *field,
		      const char *number)
{
	if (!prov_number_valid(number)) {
		api_reply_error(req, 400, "invalid_field", field, "%s: must be "
				"'+' and 3 to 15 digits (E.164), e.g. "
				"+15551234", field);
		return false;
	}

	if (!prov_trunk_for_number(number)) {
		api_reply_error(req, 403, "forbidden", field, "no trunk "
				"permits calls to %s", number);
		return false;
	}

	return true;
}


static void transfer_number(struct api_req *req, const char *number)
{
	const char *why = NULL;
	int err;

	if (!number_ok(req, "number", number))
		return;

	err = call_transfer_number(req->id, number, &why);
	if (err == EPERM)
		api_reply_error(req, 403, "forbidden", "number", "no trunk "
				"permits calls to %s", number);
	else
		reply_result(req, err, why);
}


void api_call_transfer(struct api_req *req)
{
	static const char *const keys[] = {"queue", "agent", "number", NULL};
	const char *queue = NULL, *agent = NULL, *number = NULL, *why = NULL;
	struct odict *od = NULL;
	int n, err;

	if (!may_control(req) ||
	    body_object(req, &od, keys, "queue, agent, number") ||
	    get_str(req, od, "queue", &queue) ||
	    get_str(req, od, "agent", &agent) ||
	    get_str(req, od, "number", &number))
		goto out;

	n = !!queue + !!agent + !!number;
	if (n != 1) {
		api_reply_error(req, 400, n ? "invalid_field" :
				"missing_field", n ? (queue ? "queue" :
						     "agent") : "queue",
				"give exactly one of queue, agent, number");
		goto out;
	}

	if (number) {
		transfer_number(req, number);
		goto out;
	}

	if (queue && !prov_queue_find(queue)) {
		api_reply_error(req, 400, "invalid_field", "queue", "queue: "
				"no queue '%s'", queue);
		goto out;
	}
	if (agent && !prov_agent_find(agent)) {
		api_reply_error(req, 400, "invalid_field", "agent", "agent: "
				"no agent '%s'", agent);
		goto out;
	}

	err = call_transfer(req->id, queue, agent, &why);
	reply_result(req, err, why);

 out:
	mem_deref(od);
}


/* Accept or decline the sender's own offer of the call. */
static void respond(struct api_req *req, int (*op)(const char *,
						   const char *,
						   const char **))
{
	struct odict *od = NULL;
	const char *why = NULL;
	int err;

	if (!may_respond(req) || body_object(req, &od, no_keys, "none"))
		goto out;

	err = op(req->id, req->who.agent, &why);
	if (err == EPERM)
		api_reply_error(req, 403, "forbidden", NULL, "%s", why);
	else
		reply_result(req, err == EALREADY ? EBUSY : err, why);

 out:
	mem_deref(od);
}


void api_call_accept(struct api_req *req)
{
	respond(req, call_offer_accept);
}


void api_call_decline(struct api_req *req)
{
	respond(req, call_offer_decline);
}


/* Click-to-dial: the sender's own phone, then the number. Only an
 * agent's session: the admin token has no phone to ring. */
void api_call_dial(struct api_req *req)
{
	static const char *const keys[] = {"to", NULL};
	const char *to = NULL, *why = NULL;
	char id[64], *out = NULL;
	struct odict *od = NULL;
	int err;

	if (!req->who.agent[0]) {
		api_reply_error(req, 403, "forbidden", NULL, "only an agent's "
				"session may place a call: it rings the "
				"agent's own phone (the admin token has "
				"none)");
		return;
	}

	if (body_object(req, &od, keys, "to") || get_str(req, od, "to", &to))
		goto out;

	if (!to) {
		api_reply_error(req, 400, "missing_field", "to",
				"to: this field is required");
		goto out;
	}
	if (!number_ok(req, "to", to))
		goto out;

	err = call_dial(req->who.agent, to, id, sizeof(id), &why);
	switch (err) {

	case 0:
		if (re_sdprintf(&out, "{\"call\":\"%s\"}", id))
			api_reply_error(req, 500, "internal", NULL,
					"internal error");
		else
			api_reply_json(req, 201, out);
		break;

	case EPERM:
		api_reply_error(req, 403, "forbidden", "to", "no trunk "
				"permits calls to %s", to);
		break;

	case ENOTCONN:
	case EBUSY:
		api_reply_error(req, 409, "conflict", NULL, "%s", why);
		break;

	case ENOENT:
		api_reply_error(req, 403, "forbidden", NULL, "agent '%s' no "
				"longer exists", req->who.agent);
		break;

	default:
		api_reply_error(req, 500, "internal", NULL, "internal error "
				"(%m)", err);
		break;
	}

 out:
	mem_deref(out);
	mem_deref(od);
}
