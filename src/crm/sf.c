/*
 * sf.c — what a call's events become in Salesforce's Telephony
 * Integration REST API (base URL sf_url, ".../telephony/v1"):
 *
 *   first call.offered (inbound), or the customer's answer or the end
 *   of an outbound call (call.dialing only starts its clock)
 *       POST /voiceCalls: vendorCallKey = switchboard's call id, from, to,
 *       initiationMethod Inbound / Outbound, startTime,
 *       callCenterApiName, the customer as END_USER participant
 *   call.answered   PATCH /voiceCalls/{key}: acceptTime, agent, queue
 *   call.transferred
 *       PATCH the current record (agent leaves), then POST /voiceCalls
 *       for the new leg: vendorCallKey "<id>-t<n>", initiationMethod
 *       Transfer, parentVoiceCallId = the previous key; later updates go
 *       to the new record
 *   call.ended      PATCH: startTime + endTime (Salesforce computes the
 *       duration from both), agent, queue, agentInteractionDuration;
 *       a call never offered (abandoned, no route) is created first
 *   call.wrapup_ended with a disposition, when sf_disposition_field is
 *       set: PATCH callAttributes {"<field>": disposition}
 *   transcript.final
 *       POST /voiceCalls/{id}/messages (the first record's key, as the
 *       API requires): participantId, messageId "<id>-<leg>-<start ms>"
 *       (stable: a retry is the same message), startTime / endTime in
 *       epoch ms, content, senderType END_USER (customer leg) or
 *       HUMAN_AGENT (agent leg)
 *
 * A call's state is kept from its first event until LINGER_MS after its
 * end, for transcripts that finish after the hang-up.
 */
#include <string.h>
#include <curl/curl.h>
#include <re.h>
#include "log.h"
#include "util/jsonstr.h"
#include "crm/internal.h"

#define LOG_MODULE "crm"

enum { LINGER_MS = 300000, HASH_SIZE = 256 };

struct sfcall {
	struct le he;
	struct tmr linger;
	char *id;
	char *key;                 /* the current VoiceCall's vendorCallKey */
	char *from, *to, *agent, *queue;
	uint64_t start_ms, answer_ms;
	unsigned transfers;
	bool created, outbound;
};

static struct {
	bool on;
	char *url, *cc, *dispo;
	struct crm_jwt *jwt;
	struct hash *calls;
} sf;


static void call_destructor(void *arg)
{
	struct sfcall *c = arg;

	hash_unlink(&c->he);
	tmr_cancel(&c->linger);
	mem_deref(c->id);
	mem_deref(c->key);
	mem_deref(c->from);
	mem_deref(c->to);
	mem_deref(c->agent);
	mem_deref(c->queue);
}


static bool call_cmp(struct le *le, void *arg)
{
	const struct sfcall *c = le->data;

	return !strcmp(c->id, arg);
}


static struct sfcall *call_get(const char *id, bool make)
{
	struct sfcall *c;

	c = list_ledata(hash_lookup(sf.calls, hash_joaat_str(id), call_cmp,
				    (void *)id));
	if (c || !make)
		return c;

	c = mem_zalloc(sizeof(*c), call_destructor);
	if (!c)
		return NULL;

	tmr_init(&c->linger);
	if (str_dup(&c->id, id) || str_dup(&c->key, id))
		return mem_deref(c);

	hash_append(sf.calls, hash_joaat_str(id), &c->he, c);
	return c;
}


static void set(char **dst, const char *v)
{
	if (!v || !*v)
		return;

	mem_deref(*dst);
	*dst = NULL;
	(void)str_dup(dst, v);
}


static const char *str(const struct odict *d, const char *key)
{
	const struct odict_entry *e = odict_lookup(d, key);

	return e && e->type == ODICT_STRING ? e->u.str : NULL;
}


static double num(const struct odict *d, const char *key)
{
	const struct odict_entry *e = odict_lookup(d, key);

	if (!e)
		return 0;
	if (e->type == ODICT_INT)
		return (double)e->u.integer;
	if (e->type == ODICT_DOUBLE)
		return e->u.dbl;

	return 0;
}


static void add(struct sfcall *c, const char *kind, const char *method,
		const char *path, const char *body)
{
	if (body)
		(void)crm_outbox_add(CRM_SF, c->id, kind, method, path, body);
}


/* an optional string member, for %H: nothing when v is NULL */
struct opt {
	const char *name, *v;
};


static int print_opt(struct re_printf *pf, const struct opt *o)
{
	if (!o->v)
		return 0;

	return re_hprintf(pf, ",\"%s\":%H", o->name, jsonstr_print, o->v);
}


static void create(struct sfcall *c, const char *method_name,
		   const char *parent)
{
	const char *party = c->outbound ? c->to : c->from;
	char *body = NULL;

	(void)re_sdprintf(&body, "{\"callCenterApiName\":%H,"
			  "\"vendorCallKey\":%H,\"to\":%H,\"from\":%H,"
			  "\"initiationMethod\":\"%s\",\"startTime\":\"%H\","
			  "\"participants\":[{\"participantKey\":%H,"
			  "\"type\":\"END_USER\"}]%H}",
			  jsonstr_print, sf.cc, jsonstr_print, c->key,
			  jsonstr_print, c->to ? c->to : "unknown",
			  jsonstr_print, c->from ? c->from : "anonymous",
			  method_name, crm_print_iso, &c->start_ms,
			  jsonstr_print, party ? party : "anonymous",
			  print_opt,
			  &(struct opt){"parentVoiceCallId", parent});
	add(c, "create", "POST", "/voiceCalls", body);
	c->created = true;
	mem_deref(body);
}


static void update(struct sfcall *c, const char *fields)
{
	char *path = NULL, *body = NULL;
	char key[256];

	/* the key is ours (call id and "-t<n>"), URL-safe as it is */
	str_ncpy(key, c->key, sizeof(key));
	(void)re_sdprintf(&path, "/voiceCalls/%s", key);
	(void)re_sdprintf(&body, "{%s}", fields);
	if (path)
		add(c, "update", "PATCH", path, body);
	mem_deref(path);
	mem_deref(body);
}


static void ensure_created(struct sfcall *c)
{
	if (!c->created)
		create(c, c->outbound ? "Outbound" : "Inbound", NULL);
}


static void on_offered(struct sfcall *c, const struct odict *d)
{
	const uint64_t now = crm_now_ms();
	const double waited = num(d, "waited_s");

	if (c->created)
		return;

	set(&c->from, str(d, "from"));
	set(&c->to, str(d, "to"));
	set(&c->queue, str(d, "queue"));
	if (!c->start_ms)
		c->start_ms = now - (uint64_t)(waited * 1000.0);
	create(c, "Inbound", NULL);
}


/* The record is created when the customer answers (or the attempt
 * ends): only then does the event carry the caller id the customer
 * sees, the trunk's. */
static void on_dialing(struct sfcall *c, const struct odict *d)
{
	c->outbound = true;
	set(&c->agent, str(d, "agent"));
	set(&c->to, str(d, "to"));
	c->start_ms = crm_now_ms();
}


static void on_answered(struct sfcall *c, const struct odict *d)
{
	char *f = NULL;

	c->answer_ms = crm_now_ms();
	set(&c->agent, str(d, "agent"));
	set(&c->queue, str(d, "queue"));
	if (!c->from)
		set(&c->from, str(d, "from"));
	if (!c->to)
		set(&c->to, str(d, "to"));
	if (!c->start_ms)
		c->start_ms = c->answer_ms -
			(uint64_t)(num(d, "waited_s") * 1000.0);
	if (str(d, "direction") && !strcmp(str(d, "direction"), "outbound"))
		c->outbound = true;
	ensure_created(c);

	(void)re_sdprintf(&f, "\"acceptTime\":\"%H\"%H%H", crm_print_iso,
			  &c->answer_ms,
			  print_opt, &(struct opt){"agent", c->agent},
			  print_opt, &(struct opt){"queue", c->queue});
	if (f)
		update(c, f);
	mem_deref(f);
}


static void on_transferred(struct sfcall *c, const struct odict *d)
{
	const char *to = str(d, "to_number");
	uint64_t now = crm_now_ms();
	char *f = NULL, *parent = NULL, *key = NULL;

	ensure_created(c);

	/* the leg that ends here */
	(void)re_sdprintf(&f, "\"endTime\":\"%H\"%H", crm_print_iso, &now,
			  print_opt,
			  &(struct opt){"agent", str(d, "from_agent")});
	if (f)
		update(c, f);
	mem_deref(f);

	if (!to)
		to = str(d, "to_agent");
	if (!to)
		to = str(d, "to_queue");

	if (str_dup(&parent, c->key) ||
	    re_sdprintf(&key, "%s-t%u", c->id, ++c->transfers)) {
		mem_deref(parent);
		return;
	}

	mem_deref(c->key);
	c->key = key;
	set(&c->to, to);
	c->start_ms = now;
	c->answer_ms = 0;
	create(c, "Transfer", parent);
	mem_deref(parent);
}


static void linger_end(void *arg)
{
	mem_deref(arg);
}


static void on_ended(struct sfcall *c, const struct odict *d)
{
	const uint64_t now = crm_now_ms();
	char *f = NULL;

	if (!c->from)
		set(&c->from, str(d, "from"));
	if (!c->to)
		set(&c->to, str(d, "to"));
	set(&c->agent, str(d, "agent"));
	set(&c->queue, str(d, "queue"));
	if (!c->start_ms) {
		const double arrived = num(d, "arrived_ms");

		c->start_ms = arrived > 0 ? (uint64_t)arrived : now;
	}
	if (str(d, "direction") && !strcmp(str(d, "direction"), "outbound"))
		c->outbound = true;
	ensure_created(c);

	(void)re_sdprintf(&f, "\"startTime\":\"%H\",\"endTime\":\"%H\"%H%H",
			  crm_print_iso, &c->start_ms, crm_print_iso, &now,
			  print_opt, &(struct opt){"agent", c->agent},
			  print_opt, &(struct opt){"queue", c->queue});
	if (f && c->answer_ms) {
		char *g = NULL;

		(void)re_sdprintf(&g, "%s,\"agentInteractionDuration\":%llu",
				  f, (unsigned long long)
				  ((now - c->answer_ms) / 1000));
		mem_deref(f);
		f = g;
	}
	if (f)
		update(c, f);
	mem_deref(f);

	tmr_start(&c->linger, LINGER_MS, linger_end, c);
}


static void on_wrapup_ended(struct sfcall *c, const struct odict *d)
{
	const char *dispo = str(d, "disposition");
	char *attrs = NULL, *f = NULL;

	if (!sf.dispo || !dispo || !c->created)
		return;

	/* callAttributes is a string holding a JSON object */
	(void)re_sdprintf(&attrs, "{%H:%H}", jsonstr_print, sf.dispo,
			  jsonstr_print, dispo);
	if (attrs)
		(void)re_sdprintf(&f, "\"callAttributes\":%H", jsonstr_print,
				  attrs);
	if (f)
		update(c, f);
	mem_deref(attrs);
	mem_deref(f);
}


static void on_final(struct sfcall *c, const struct odict *d)
{
	const char *text = str(d, "text");
	const char *leg = str(d, "leg");
	const char *role = str(d, "role");
	const bool agent = role && !strcmp(role, "agent");
	const char *who = agent ? (str(d, "agent") ? str(d, "agent") :
				   c->agent) : c->from;
	const uint64_t s_ms = (uint64_t)(num(d, "start_s") * 1000.0 + 0.5);
	const uint64_t e_ms = (uint64_t)(num(d, "end_s") * 1000.0 + 0.5);
	uint64_t t0 = c->answer_ms;
	char *path = NULL, *body = NULL;

	if (!text || !*text || !leg || !c->created)
		return;

	if (!t0)
		t0 = c->start_ms;

	(void)re_sdprintf(&path, "/voiceCalls/%s/messages", c->id);
	(void)re_sdprintf(&body, "{\"participantId\":%H,"
			  "\"messageId\":\"%s-%s-%llu\","
			  "\"startTime\":%llu,\"endTime\":%llu,"
			  "\"content\":%H,\"senderType\":\"%s\"}",
			  jsonstr_print, who ? who : "anonymous",
			  c->id, leg, (unsigned long long)s_ms,
			  (unsigned long long)(t0 + s_ms),
			  (unsigned long long)(t0 + e_ms),
			  jsonstr_print, text,
			  agent ? "HUMAN_AGENT" : "END_USER");
	if (path)
		add(c, "message", "POST", path, body);
	mem_deref(path);
	mem_deref(body);
}


void crm_sf_event(const char *type, const struct odict *d)
{
	const char *id = str(d, "call");
	struct sfcall *c;
	const bool first = !strcmp(type, "call.offered") ||
		!strcmp(type, "call.dialing") ||
		!strcmp(type, "call.answered") ||
		!strcmp(type, "call.ended");

	if (!sf.on || !id)
		return;

	c = call_get(id, first);
	if (!c)
		return;

	if (!strcmp(type, "call.offered"))
		on_offered(c, d);
	else if (!strcmp(type, "call.dialing"))
		on_dialing(c, d);
	else if (!strcmp(type, "call.answered"))
		on_answered(c, d);
	else if (!strcmp(type, "call.transferred"))
		on_transferred(c, d);
	else if (!strcmp(type, "call.ended"))
		on_ended(c, d);
	else if (!strcmp(type, "call.wrapup_ended"))
		on_wrapup_ended(c, d);
	else if (!strcmp(type, "transcript.final"))
		on_final(c, d);
}


int crm_sf_request(const char *path, char **url, struct curl_slist **hdrs)
{
	const char *tok;
	char *auth = NULL;
	struct curl_slist *h = NULL, *n;

	if (!sf.on)
		return ENOENT;

	tok = crm_jwt_token(sf.jwt, crm_now_ms() / 1000);
	if (!tok)
		return EIO;

	if (re_sdprintf(url, "%s%s", sf.url, path) ||
	    re_sdprintf(&auth, "Authorization: Bearer %s", tok))
		goto fail;

	n = curl_slist_append(h, auth);
	if (n)
		h = n;
	n = n ? curl_slist_append(h, "Content-Type: application/json") : NULL;
	if (n)
		h = n;
	n = n ? curl_slist_append(h, "Telephony-Provider-Name: switchboard")
		: NULL;
	if (!n)
		goto fail;

	memset(auth, 0, strlen(auth));
	mem_deref(auth);
	*hdrs = n;
	return 0;

 fail:
	if (auth)
		memset(auth, 0, strlen(auth));
	mem_deref(auth);
	curl_slist_free_all(h);
	*url = mem_deref(*url);
	return ENOMEM;
}


void crm_sf_refused(uint16_t status)
{
	if (status == 401)
		crm_jwt_forget(sf.jwt);
}


bool crm_sf_enabled(void)
{
	return sf.on;
}


int crm_sf_init(const struct crm_conf *conf, char *msg, size_t sz)
{
	size_t n;
	int err;

	if (!conf->sf_url || !*conf->sf_url)
		return 0;

	if (strncmp(conf->sf_url, "https://", 8) &&
	    strncmp(conf->sf_url, "http://", 7)) {
		re_snprintf(msg, sz, "sf_url '%s': an http(s):// URL is "
			    "needed", conf->sf_url);
		return EINVAL;
	}

	if (!conf->sf_org_id || !*conf->sf_org_id ||
	    !conf->sf_call_center || !*conf->sf_call_center ||
	    !conf->sf_key || !*conf->sf_key) {
		re_snprintf(msg, sz, "sf_url is set: sf_org_id, "
			    "sf_call_center and sf_key are needed too");
		return EINVAL;
	}

	if (conf->sf_jwt_lifetime_s < 1 || conf->sf_jwt_lifetime_s > 180) {
		re_snprintf(msg, sz, "sf_jwt_lifetime_s %u: Salesforce takes "
			    "at most 180 s", conf->sf_jwt_lifetime_s);
		return EINVAL;
	}

	err = crm_jwt_alloc(&sf.jwt, conf->sf_key, conf->sf_org_id,
			    conf->sf_call_center, conf->sf_audience,
			    conf->sf_jwt_lifetime_s, msg, sz);
	if (err)
		return err;

	/* and one now: a key that cannot sign fails at start, not later */
	if (!crm_jwt_token(sf.jwt, crm_now_ms() / 1000)) {
		re_snprintf(msg, sz, "sf_key %s: cannot sign with it",
			    conf->sf_key);
		return EINVAL;
	}

	err = str_dup(&sf.url, conf->sf_url) |
		str_dup(&sf.cc, conf->sf_call_center) |
		hash_alloc(&sf.calls, HASH_SIZE);
	if (!err && conf->sf_disposition_field &&
	    *conf->sf_disposition_field)
		err = str_dup(&sf.dispo, conf->sf_disposition_field);
	if (err)
		return err;

	n = strlen(sf.url);
	if (n && sf.url[n - 1] == '/')
		sf.url[n - 1] = '\0';

	sf.on = true;
	return 0;
}


void crm_sf_close(void)
{
	sf.on = false;
	if (sf.calls)
		hash_flush(sf.calls);
	sf.calls = mem_deref(sf.calls);
	sf.jwt = mem_deref(sf.jwt);
	sf.url = mem_deref(sf.url);
	sf.cc = mem_deref(sf.cc);
	sf.dispo = mem_deref(sf.dispo);
}
