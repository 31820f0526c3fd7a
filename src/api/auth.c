/*
 * auth.c — who sent a request, and the routes that log agents in and out.
 *
 * Credentials, in this order:
 *   Authorization: Bearer <t>   t is the admin token or a session token
 *   Cookie: sb_session=<t>      the pages' session (HttpOnly: scripts
 *                               cannot read it; SameSite=Strict: other
 *                               sites cannot make a browser send it)
 *   ?access_token=<t>           WebSocket handshakes only (RFC 6750 2.3):
 *                               a browser cannot set headers on one, and
 *                               a page framed by another site (a CRM's
 *                               softphone panel) gets no Strict cookie
 * A header that is present but wrong is not rescued by the cookie: a
 * client that sends a bad token should hear so.
 *
 * Sessions live in memory (a restart logs everyone out). A session names
 * an agent and remembers the password hash it logged in with: the role is
 * read from the agent on every request, and deleting the agent, removing
 * its web login or changing its password ends its sessions at once.
 *
 * Login throttling, before any password is hashed (PBKDF2 costs ~50 ms
 * of the event loop): per (agent id, client address), LOCK_AFTER failures
 * in a row lock that pair for LOCK_S seconds, doubling up to LOCK_MAX_S;
 * per client address, more than ADDR_FAILS failures within ADDR_WINDOW_S
 * lock the address for every id. A success clears its pair.
 */
#include <string.h>
#include <strings.h>
#include <re.h>
#include "log.h"
#include "util/crypto.h"
#include "util/jsonstr.h"
#include "prov/prov.h"
#include "api/api_int.h"

#define LOG_MODULE "api"

enum {
	TOKEN_HEX     = 64,              /* 256 random bits */
	SESSION_MAX   = 10000,           /* beyond: the oldest is dropped */
	IDLE_S        = 12 * 3600,       /* unused this long: logged out */
	LOCK_AFTER    = 5,
	LOCK_S        = 30,
	LOCK_MAX_S    = 15 * 60,
	ADDR_FAILS    = 50,
	ADDR_WINDOW_S = 15 * 60,
	ATTEMPTS_MAX  = 100000,          /* throttle entries kept at most */
	HASH_BUCKETS  = 256,
};

static const char cookie_name[] = "sb_session";

struct session {
	struct le he;              /* auth->sessions, by token */
	struct le le;              /* auth->order, oldest first */
	char token[TOKEN_HEX + 1];
	char agent[PROV_ID_MAX + 1];
	char *web_hash;            /* the agent's when it logged in */
	uint64_t used;             /* tmr_jiffies of the last request */
};

/* Failed logins of one key: "<id> <address>" or " <address>". */
struct attempt {
	struct le he;
	struct le le;              /* auth->attempts_order, oldest first */
	char *key;
	uint32_t fails;
	uint64_t first, until;     /* window start; locked until */
	uint32_t lock_s;
};

struct auth {
	struct hash *sessions;
	struct list order;
	struct hash *attempts;
	struct list attempts_order;
	char dummy_hash[CRYPTO_PWHASH_MAX];
};


static void session_destructor(void *arg)
{
	struct session *s = arg;

	hash_unlink(&s->he);
	list_unlink(&s->le);
	explicit_bzero(s->token, sizeof(s->token));
	mem_deref(s->web_hash);
}


static void attempt_destructor(void *arg)
{
	struct attempt *a = arg;

	hash_unlink(&a->he);
	list_unlink(&a->le);
	mem_deref(a->key);
}


static void auth_destructor(void *arg)
{
	struct auth *auth = arg;

	hash_flush(auth->sessions);
	mem_deref(auth->sessions);
	hash_flush(auth->attempts);
	mem_deref(auth->attempts);
}


int api_auth_alloc(struct auth **authp)
{
	struct auth *auth;
	int err;

	auth = mem_zalloc(sizeof(*auth), auth_destructor);
	if (!auth)
		return ENOMEM;

	err  = hash_alloc(&auth->sessions, HASH_BUCKETS);
	err |= hash_alloc(&auth->attempts, HASH_BUCKETS);
	if (err) {
		mem_deref(auth);
		return ENOMEM;
	}

	*authp = auth;
	return 0;
}


static uint64_t now_ms(void)
{
	return tmr_jiffies();
}


static bool session_cmp(struct le *le, void *arg)
{
	const struct session *s = le->data;

	return crypto_streq(s->token, arg);
}


/* The live session of token, or NULL (an ended one is dropped). */
static struct session *session_find(struct auth *auth, const char *token,
				    const struct prov_agent **ap)
{
	const struct prov_agent *a;
	struct session *s;

	if (strlen(token) != TOKEN_HEX)
		return NULL;

	s = list_ledata(hash_lookup(auth->sessions, hash_joaat_str(token),
				    session_cmp, (void *)token));
	if (!s)
		return NULL;

	a = prov_agent_find(s->agent);
	if (!a || !a->web_hash || strcmp(a->web_hash, s->web_hash) ||
	    now_ms() - s->used > IDLE_S * 1000ull) {
		mem_deref(s);
		return NULL;
	}

	s->used = now_ms();
	*ap = a;
	return s;
}


static bool bearer(struct pl *tok, const struct http_msg *msg)
{
	const struct http_hdr *h = http_msg_hdr(msg, HTTP_HDR_AUTHORIZATION);

	if (!h)
		return false;

	tok->p = h->val.p;
	tok->l = h->val.l;
	if (tok->l < 7 || strncasecmp(tok->p, "Bearer ", 7)) {
		tok->l = 0;
		return true;
	}

	pl_advance(tok, 7);
	while (tok->l && tok->p[0] == ' ')
		pl_advance(tok, 1);
	while (tok->l && tok->p[tok->l - 1] == ' ')
		--tok->l;

	return true;
}


/* A bearer token in the query of a WebSocket handshake. Only there: in
 * any other URL it would end up in browser history and proxy logs. */
static bool query_token(struct pl *tok, const struct http_msg *msg)
{
	const struct http_hdr *up = http_msg_hdr(msg, HTTP_HDR_UPGRADE);

	if (!up || pl_strcasecmp(&up->val, "websocket") ||
	    pl_strcmp(&msg->met, "GET"))
		return false;

	return api_query_get(tok, &msg->prm, "access_token");
}


/* The value of our cookie in the Cookie header(s), if any. */
static bool cookie(struct pl *val, const struct http_msg *msg)
{
	struct le *le;

	LIST_FOREACH(&msg->hdrl, le) {
		const struct http_hdr *h = le->data;
		struct pl rest = h->val;

		if (pl_strcasecmp(&h->name, "Cookie"))
			continue;

		while (rest.l) {
			struct pl name, v;
			const char *semi = pl_strchr(&rest, ';');
			struct pl pair = {rest.p, semi ? (size_t)(semi - rest.p)
					  : rest.l};

			if (semi)
				pl_advance(&rest, pair.l + 1);
			else
				rest.l = 0;

			if (re_regex(pair.p, pair.l, "[ ]*[^=]+=[^]*", NULL,
				     &name, &v))
				continue;
			if (!pl_strcmp(&name, cookie_name)) {
				*val = v;
				return true;
			}
		}
	}

	return false;
}


const char *api_role_name(enum api_role role)
{
	switch (role) {

	case API_ROLE_AGENT:      return "agent";
	case API_ROLE_SUPERVISOR: return "supervisor";
	case API_ROLE_ADMIN:      return "admin";
	default:                  return "none";
	}
}


static enum api_role role_of(const struct prov_agent *a)
{
	switch (a->role) {

	case PROV_ROLE_ADMIN:      return API_ROLE_ADMIN;
	case PROV_ROLE_SUPERVISOR: return API_ROLE_SUPERVISOR;
	default:                   return API_ROLE_AGENT;
	}
}


bool api_auth_who(struct api *api, const struct http_msg *msg,
		  struct api_who *who)
{
	char tok[TOKEN_HEX + 2];
	const struct prov_agent *a = NULL;
	struct pl v;

	memset(who, 0, sizeof(*who));

	if (!bearer(&v, msg) && !query_token(&v, msg) && !cookie(&v, msg))
		return false;

	/* the admin token's length is the admin's business: compare it
	 * whole, in constant time, whatever its length */
	if (v.l && v.l < API_TOKEN_MAX) {
		char *t = NULL;

		if (!pl_strdup(&t, &v)) {
			const bool admin = crypto_streq(t, api->token);

			explicit_bzero(t, v.l);
			mem_deref(t);
			if (admin) {
				who->role = API_ROLE_ADMIN;
				return true;
			}
		}
	}

	if (v.l != TOKEN_HEX)
		return false;

	pl_strcpy(&v, tok, sizeof(tok));
	if (!session_find(api->auth, tok, &a))
		return false;

	who->role = role_of(a);
	str_ncpy(who->agent, a->id, sizeof(who->agent));
	return true;
}


/* ---- throttling ----------------------------------------------------- */

static bool attempt_cmp(struct le *le, void *arg)
{
	const struct attempt *a = le->data;

	return !strcmp(a->key, arg);
}


static struct attempt *attempt_get(struct auth *auth, const char *key,
				   bool create)
{
	struct attempt *a;

	a = list_ledata(hash_lookup(auth->attempts, hash_joaat_str(key),
				    attempt_cmp, (void *)key));
	if (a || !create)
		return a;

	/* a flood of made-up ids must not grow memory without bound */
	if (list_count(&auth->attempts_order) >= ATTEMPTS_MAX)
		mem_deref(list_ledata(auth->attempts_order.head));

	a = mem_zalloc(sizeof(*a), attempt_destructor);
	if (!a || str_dup(&a->key, key))
		return mem_deref(a);

	hash_append(auth->attempts, hash_joaat_str(key), &a->he, a);
	list_append(&auth->attempts_order, &a->le, a);
	return a;
}


/* Seconds until key may try again, 0 if now. */
static uint32_t locked_for(struct auth *auth, const char *key)
{
	const struct attempt *a = attempt_get(auth, key, false);
	const uint64_t now = now_ms();

	if (!a || a->until <= now)
		return 0;

	return (uint32_t)((a->until - now + 999) / 1000);
}


static void failed(struct auth *auth, const char *pair, const char *addr)
{
	const uint64_t now = now_ms();
	struct attempt *a;

	a = attempt_get(auth, pair, true);
	if (a && ++a->fails >= LOCK_AFTER) {
		a->lock_s = a->lock_s ? MIN(a->lock_s * 2, LOCK_MAX_S) : LOCK_S;
		a->until = now + a->lock_s * 1000ull;
		a->fails = 0;
	}

	a = attempt_get(auth, addr, true);
	if (!a)
		return;

	if (now - a->first > ADDR_WINDOW_S * 1000ull) {
		a->first = now;
		a->fails = 0;
	}
	if (++a->fails > ADDR_FAILS) {
		a->until = a->first + ADDR_WINDOW_S * 1000ull;
		a->fails = 0;
	}
}


/* ---- the routes ------------------------------------------------------ */

/* {"id": "...", "password": "..."}; replies itself on error */
static int login_body(struct api_req *req, struct odict **odp,
		      const char **id, const char **password)
{
	static const char *const keys[] = {"id", "password", NULL};
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
		const struct odict_entry *e = le->data;
		bool known = false;

		for (size_t i = 0; keys[i]; i++)
			known |= !strcmp(e->key, keys[i]);

		if (!known) {
			api_reply_error(req, 400, "unknown_field", e->key,
					"%s: unknown field (known: id, "
					"password)", e->key);
			return EINVAL;
		}
	}

	for (size_t i = 0; keys[i]; i++) {
		const struct odict_entry *e = odict_lookup(*odp, keys[i]);

		if (!e || e->type == ODICT_NULL) {
			api_reply_error(req, 400, "missing_field", keys[i],
					"%s: this field is required",
					keys[i]);
			return EINVAL;
		}
		if (e->type != ODICT_STRING || !e->u.str[0] ||
		    strlen(e->u.str) > 256) {
			api_reply_error(req, 400, "invalid_field", keys[i],
					"%s: must be a string of 1 to 256 "
					"bytes", keys[i]);
			return EINVAL;
		}
		*(i ? password : id) = e->u.str;
	}

	return 0;
}


static void reply_locked(struct api_req *req, uint32_t secs)
{
	char hdr[48];

	(void)re_snprintf(hdr, sizeof(hdr), "Retry-After: %u\r\n", secs);
	api_reply_error_hdr(req, 429, hdr, "too_many_attempts", NULL,
			    "too many failed logins: try again in %u s",
			    secs);
}


static int session_new(struct auth *auth, struct session **sp,
		       const struct prov_agent *a)
{
	struct session *s;
	int err;

	if (list_count(&auth->order) >= SESSION_MAX)
		mem_deref(list_ledata(auth->order.head));

	s = mem_zalloc(sizeof(*s), session_destructor);
	if (!s)
		return ENOMEM;

	err = crypto_random_hex(s->token, sizeof(s->token));
	err = err ? err : str_dup(&s->web_hash, a->web_hash);
	if (err) {
		mem_deref(s);
		return err;
	}

	str_ncpy(s->agent, a->id, sizeof(s->agent));
	s->used = now_ms();
	hash_append(auth->sessions, hash_joaat_str(s->token), &s->he, s);
	list_append(&auth->order, &s->le, s);

	*sp = s;
	return 0;
}


static int agent_brief(struct re_printf *pf, const struct prov_agent *a)
{
	return re_hprintf(pf, "{\"id\":%H,\"name\":%H,\"role\":\"%s\"}",
			  jsonstr_print, a->id, jsonstr_print, a->name,
			  prov_role_name(a->role));
}


void api_login(struct api_req *req)
{
	struct auth *auth = req->api->auth;
	const char *id = NULL, *password = NULL;
	const struct prov_agent *a;
	char pair[PROV_ID_MAX + 64], addr[64], hdr[200];
	struct session *s = NULL;
	struct odict *od = NULL;
	char *out = NULL;
	uint32_t wait;
	bool ok;
	int err;

	if (login_body(req, &od, &id, &password))
		goto out;

	(void)re_snprintf(addr, sizeof(addr), " %j",
			  api_conn_peer(req->conn));
	(void)re_snprintf(pair, sizeof(pair), "%s%s", id, addr);

	wait = MAX(locked_for(auth, pair), locked_for(auth, addr));
	if (wait) {
		reply_locked(req, wait);
		goto out;
	}

	a = prov_agent_find(id);
	if (a && a->web_hash) {
		ok = crypto_pwverify(a->web_hash, password);
	}
	else {
		/* an unknown id costs the same PBKDF2 as a known one */
		if (!auth->dummy_hash[0])
			(void)crypto_pwhash(auth->dummy_hash,
					    sizeof(auth->dummy_hash),
					    "no such agent, no such password");
		(void)crypto_pwverify(auth->dummy_hash, password);
		ok = false;
	}

	if (!ok) {
		failed(auth, pair, addr);
		log_info("login failed for %H from%s", jsonstr_print, id,
			 addr);
		api_reply_error_hdr(req, 401, "WWW-Authenticate: Bearer "
				    "realm=\"switchboard\"\r\n",
				    "unauthorized", NULL, "wrong id or "
				    "password");
		goto out;
	}

	mem_deref(attempt_get(auth, pair, false));

	err = session_new(auth, &s, a);
	err = err ? err : re_sdprintf(&out, "{\"token\":\"%s\",\"agent\":%H,"
				      "\"idle_timeout_s\":%u}", s->token,
				      agent_brief, a, IDLE_S);
	if (err) {
		mem_deref(s);
		api_reply_error(req, 500, "internal", NULL, "internal error "
				"(%m)", err);
		goto out;
	}

	log_info("agent '%s' logged in from%s", a->id, addr);

	/* no Max-Age: the cookie goes when the browser closes, the session
	 * when it is idle for IDLE_S */
	(void)re_snprintf(hdr, sizeof(hdr), "Set-Cookie: %s=%s; Path=/; "
			  "HttpOnly; SameSite=Strict\r\n", cookie_name,
			  s->token);
	(void)api_conn_reply(req->conn, 200, hdr, out, strlen(out));
	explicit_bzero(hdr, sizeof(hdr));
	explicit_bzero(out, strlen(out));

 out:
	mem_deref(out);
	mem_deref(od);
}


void api_logout(struct api_req *req)
{
	struct auth *auth = req->api->auth;
	const struct prov_agent *a = NULL;
	char tok[TOKEN_HEX + 2];
	struct pl v;

	/* the session this request came with, by header or cookie */
	if ((bearer(&v, req->msg) || cookie(&v, req->msg)) &&
	    v.l == TOKEN_HEX) {
		pl_strcpy(&v, tok, sizeof(tok));
		mem_deref(session_find(auth, tok, &a));
	}

	(void)api_conn_reply(req->conn, 204, "Set-Cookie: sb_session=; "
			     "Path=/; HttpOnly; SameSite=Strict; "
			     "Max-Age=0\r\n", NULL, 0);
}


void api_me(struct api_req *req)
{
	const struct prov_agent *a = NULL;
	char *out = NULL;
	int err;

	if (req->who.agent[0])
		a = prov_agent_find(req->who.agent);

	if (a)
		err = re_sdprintf(&out, "{\"role\":\"%s\",\"agent\":%H}",
				  prov_role_name(a->role), agent_brief, a);
	else
		err = re_sdprintf(&out, "{\"role\":\"admin\",\"agent\":null}");

	if (err)
		api_reply_error(req, 500, "internal", NULL, "internal error "
				"(%m)", err);
	else
		api_reply_json(req, 200, out);

	mem_deref(out);
}
