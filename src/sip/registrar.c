/*
 * registrar.c — REGISTER (RFC 3261 section 10) with digest auth, and the
 * location service the B2BUA looks agents up in.
 *
 * Bindings live in memory for lookups and in the store so that a restart
 * does not silence every phone until its next refresh. Each binding has a
 * wheel timer for its expiry.
 *
 * Failed authentication is counted per (username, source IP): after
 * auth_max_failures wrong responses within FAIL_WINDOW the registrar
 * answers 403 to that pair until the window passes. A wrong password
 * from one address cannot lock the agent out elsewhere.
 */
#include <string.h>
#include <time.h>
#include <re.h>
#include "log.h"
#include "prov/prov.h"
#include "store/store.h"
#include "sip/internal.h"

#define LOG_MODULE "sip"

enum {
	FAIL_WINDOW_MS = 5 * 60 * 1000,
	MAX_BINDINGS = 8,
	AUTHFAIL_MAX = 65536,      /* (user, IP) pairs remembered at most */
	DEFAULT_EXPIRES = 3600,
};

struct regagent {
	struct le he;
	char *agent;
	struct list bindings;     /* newest first */
};

struct binding {
	struct le le;
	struct regagent *ra;
	char *contact;
	char *callid;
	char *ua;
	uint32_t cseq;
	struct sa dst;
	enum sip_transp tp;
	uint64_t registered;      /* wall clock ms */
	uint64_t expires;         /* wall clock ms */
	struct wtimer tmr;
};

struct authfail {
	struct le he;
	struct le le;             /* reg.failage, oldest first */
	char key[128];
	uint32_t n;
	struct wtimer tmr;
};

static struct {
	struct hash *agents;
	struct hash *fails;
	struct list failage;
	uint32_t nfails;
} reg;


static uint64_t wallclock_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}


static void regagent_destructor(void *arg)
{
	struct regagent *ra = arg;

	hash_unlink(&ra->he);
	list_flush(&ra->bindings);
	mem_deref(ra->agent);
}


static void binding_destructor(void *arg)
{
	struct binding *b = arg;

	wtimer_cancel(&b->tmr);
	list_unlink(&b->le);
	mem_deref(b->contact);
	mem_deref(b->callid);
	mem_deref(b->ua);
}


static void authfail_destructor(void *arg)
{
	struct authfail *af = arg;

	wtimer_cancel(&af->tmr);
	hash_unlink(&af->he);
	list_unlink(&af->le);
	--reg.nfails;
}


static bool regagent_cmp(struct le *le, void *arg)
{
	const struct regagent *ra = le->data;

	return !strcmp(ra->agent, arg);
}


static struct regagent *regagent_find(const char *agent)
{
	return list_ledata(hash_lookup(reg.agents, hash_joaat_str(agent),
				       regagent_cmp, (void *)agent));
}


static int regagent_get(struct regagent **rap, const char *agent)
{
	struct regagent *ra = regagent_find(agent);
	int err;

	if (ra) {
		*rap = ra;
		return 0;
	}

	ra = mem_zalloc(sizeof(*ra), regagent_destructor);
	if (!ra)
		return ENOMEM;

	err = str_dup(&ra->agent, agent);
	if (err) {
		mem_deref(ra);
		return err;
	}

	hash_append(reg.agents, hash_joaat_str(agent), &ra->he, ra);
	*rap = ra;
	return 0;
}


/* The agent lost its last binding: tell the owner, forget the agent. */
static void regagent_check_empty(struct regagent *ra)
{
	char agent[PROV_ID_MAX + 1];

	if (!list_isempty(&ra->bindings))
		return;

	str_ncpy(agent, ra->agent, sizeof(agent));
	mem_deref(ra);

	log_info("agent %s: no registered phone", agent);
	if (sipd.regh)
		sipd.regh(agent, false, sipd.arg);
}


static void binding_remove(struct binding *b, bool persist)
{
	struct regagent *ra = b->ra;

	if (persist)
		(void)store_binding_delete(sipd.store, ra->agent, b->contact);

	mem_deref(b);
	regagent_check_empty(ra);
}


static void binding_expired(void *arg)
{
	struct binding *b = arg;

	log_info("agent %s: registration of %s expired", b->ra->agent,
		 b->contact);
	binding_remove(b, true);
}


static struct binding *binding_find(struct regagent *ra, const struct pl *c)
{
	for (struct le *le = ra->bindings.head; le; le = le->next) {
		struct binding *b = le->data;

		if (!pl_strcmp(c, b->contact))
			return b;
	}

	return NULL;
}


static int binding_persist(const struct binding *b)
{
	char dst[64];
	struct store_binding sb = {
		.agent = b->ra->agent,
		.contact = b->contact,
		.dst = dst,
		.tp = sip_transp_name(b->tp),
		.callid = b->callid,
		.cseq = b->cseq,
		.registered = b->registered,
		.expires = b->expires,
		.user_agent = b->ua,
	};

	(void)re_snprintf(dst, sizeof(dst), "%J", &b->dst);

	return store_binding_put(sipd.store, &sb);
}


static void binding_arm(struct binding *b)
{
	const uint64_t now = wallclock_ms();

	wtimer_start(&b->tmr, b->expires > now ? b->expires - now : 0,
		     binding_expired, b);
}


/* ---- authentication failures ----------------------------------------- */

static bool authfail_cmp(struct le *le, void *arg)
{
	const struct authfail *af = le->data;

	return !strcmp(af->key, arg);
}


static void fail_key(char *key, size_t sz, const struct pl *user,
		     const struct sa *src)
{
	(void)re_snprintf(key, sz, "%r/%j", user, src);
}


static struct authfail *authfail_find(const char *key)
{
	return list_ledata(hash_lookup(reg.fails, hash_joaat_str(key),
				       authfail_cmp, (void *)key));
}


static void authfail_expired(void *arg)
{
	mem_deref(arg);
}


static uint32_t authfail_count(const struct pl *user, const struct sa *src,
			       bool add)
{
	char key[128];
	struct authfail *af;

	fail_key(key, sizeof(key), user, src);
	af = authfail_find(key);

	if (!add)
		return af ? af->n : 0;

	if (!af) {
		/* bounded: anyone with a nonce can make new pairs */
		if (reg.nfails >= AUTHFAIL_MAX)
			mem_deref(list_ledata(reg.failage.head));

		af = mem_zalloc(sizeof(*af), authfail_destructor);
		if (!af)
			return UINT32_MAX;
		str_ncpy(af->key, key, sizeof(af->key));
		hash_append(reg.fails, hash_joaat_str(key), &af->he, af);
		++reg.nfails;
	}
	else {
		list_unlink(&af->le);
	}

	list_append(&reg.failage, &af->le, af);
	++af->n;
	wtimer_start(&af->tmr, FAIL_WINDOW_MS, authfail_expired, af);

	return af->n;
}


static void authfail_clear(const struct pl *user, const struct sa *src)
{
	char key[128];

	fail_key(key, sizeof(key), user, src);
	mem_deref(authfail_find(key));
}


/* ---- REGISTER ---------------------------------------------------------- */

static void challenge(struct stx *st, const struct sip_msg *msg, bool stale)
{
	struct mbuf *mb = mbuf_alloc(512);
	char *hdrs = NULL;

	if (mb && !digest_challenge(mb, "WWW-Authenticate", &msg->src,
				    stale)) {
		mb->pos = 0;
		(void)mbuf_strdup(mb, &hdrs, mbuf_get_left(mb));
	}

	(void)stx_reply(st, 401, "Unauthorized", NULL, hdrs, NULL);
	mem_deref(hdrs);
	mem_deref(mb);
}


struct authctx {
	const struct sip_msg *msg;
	struct digest_resp dr;
	bool found;
};


static bool auth_hdr_handler(const struct sip_hdr *hdr,
			     const struct sip_msg *msg, void *arg)
{
	struct authctx *ac = arg;
	struct digest_resp dr;
	(void)msg;

	if (digest_decode(&dr, &hdr->val))
		return false;

	if (pl_strcmp(&dr.realm, sipd.conf.realm))
		return false;

	ac->dr = dr;
	ac->found = true;
	return true;
}


/* Returns the agent when the request carries valid credentials;
 * otherwise answers it (401 or 403) and returns NULL. */
static const struct prov_agent *authenticate(struct stx *st,
					     const struct sip_msg *msg)
{
	const struct prov_agent *agent;
	struct authctx ac = {.msg = msg};
	uint32_t fails;
	int err;

	(void)sip_msg_hdr_apply(msg, true, SIP_HDR_AUTHORIZATION,
				auth_hdr_handler, &ac);
	if (!ac.found) {
		challenge(st, msg, false);
		return NULL;
	}

	fails = authfail_count(&ac.dr.username, &msg->src, false);
	if (fails >= sipd.conf.auth_max_failures) {
		(void)stx_reply(st, 403, "Forbidden (too many failures)", NULL,
				NULL, NULL);
		return NULL;
	}

	/* The authenticated user must be the one being registered. */
	agent = prov_agent_by_sip_user(&ac.dr.username);
	if (pl_cmp(&ac.dr.username, &msg->to.uri.user))
		agent = NULL;

	err = digest_verify(&ac.dr, &msg->met,
			    agent ? agent->ha1_md5 : NULL,
			    agent ? agent->ha1_sha256 : NULL, &msg->src);
	switch (err) {

	case 0:
		if (agent) {
			authfail_clear(&ac.dr.username, &msg->src);
			return agent;
		}
		break;

	case ETIMEDOUT:
		challenge(st, msg, true);
		return NULL;

	case EBADMSG:
		/* not our nonce (e.g. issued before a restart) */
		challenge(st, msg, false);
		return NULL;

	default:
		break;
	}

	fails = authfail_count(&ac.dr.username, &msg->src, true);
	log_warn("REGISTER for '%r' from %J: wrong credentials (%u)",
		 &ac.dr.username, &msg->src, fails);

	if (fails >= sipd.conf.auth_max_failures)
		(void)stx_reply(st, 403, "Forbidden", NULL, NULL, NULL);
	else
		challenge(st, msg, false);

	return NULL;
}


struct regreq {
	const struct sip_msg *msg;
	struct regagent *ra;
	uint32_t expires_hdr;
	bool star;
	int err;
	uint32_t too_brief;
	unsigned n;
};


static uint32_t contact_expires(const struct sip_addr *addr,
				const struct regreq *rr)
{
	struct pl v;

	if (!msg_param_decode(&addr->params, "expires", &v))
		return pl_u32(&v);

	return rr->expires_hdr;
}


/* First pass: validate every Contact before changing anything. */
static bool contact_check(const struct sip_hdr *hdr,
			  const struct sip_msg *msg, void *arg)
{
	struct regreq *rr = arg;
	struct sip_addr addr;
	uint32_t e;
	(void)msg;

	++rr->n;

	if (!pl_strcmp(&hdr->val, "*")) {
		rr->star = true;
		return false;
	}

	if (sip_addr_decode(&addr, &hdr->val)) {
		rr->err = EBADMSG;
		return true;
	}

	e = contact_expires(&addr, rr);
	if (e && e < sipd.conf.reg_min_expires)
		rr->too_brief = e;

	return false;
}


static bool contact_apply(const struct sip_hdr *hdr,
			  const struct sip_msg *msg, void *arg)
{
	struct regreq *rr = arg;
	struct sip_addr addr;
	struct binding *b;
	const uint64_t now = wallclock_ms();
	const struct sip_hdr *ua;
	uint32_t e;

	if (sip_addr_decode(&addr, &hdr->val))
		return false;

	e = contact_expires(&addr, rr);
	if (e > sipd.conf.reg_max_expires)
		e = sipd.conf.reg_max_expires;

	b = binding_find(rr->ra, &addr.auri);

	if (!e) {
		if (b) {
			log_info("agent %s: unregistered %s", rr->ra->agent,
				 b->contact);
			(void)store_binding_delete(sipd.store, rr->ra->agent,
						   b->contact);
			mem_deref(b);
		}
		return false;
	}

	if (!b) {
		if (list_count(&rr->ra->bindings) >= MAX_BINDINGS) {
			struct binding *old;

			old = list_ledata(list_tail(&rr->ra->bindings));
			/* or it comes back from the store after a restart */
			(void)store_binding_delete(sipd.store, rr->ra->agent,
						   old->contact);
			mem_deref(old);
		}

		b = mem_zalloc(sizeof(*b), binding_destructor);
		if (!b || pl_strdup(&b->contact, &addr.auri)) {
			mem_deref(b);
			rr->err = ENOMEM;
			return true;
		}
		b->ra = rr->ra;
		log_info("agent %s: registered %s from %J (%s)", rr->ra->agent,
			 b->contact, &msg->src, sip_transp_name(msg->tp));
	}
	else {
		list_unlink(&b->le);
		b->callid = mem_deref(b->callid);
		b->ua = mem_deref(b->ua);
	}

	/* newest first: it is the one calls go to */
	list_prepend(&rr->ra->bindings, &b->le, b);

	(void)pl_strdup(&b->callid, &msg->callid);
	ua = sip_msg_hdr(msg, SIP_HDR_USER_AGENT);
	if (ua)
		(void)pl_strdup(&b->ua, &ua->val);
	b->cseq = msg->cseq.num;
	b->tp = msg->tp;
	b->registered = now;
	b->expires = now + (uint64_t)e * 1000;
	(void)target_resolve(&b->dst, &addr.uri, &msg->src, msg->tp);
	binding_arm(b);

	if (binding_persist(b))
		rr->err = EIO;

	return false;
}


static int print_contacts(struct re_printf *pf, void *arg)
{
	const struct regagent *ra = arg;
	const uint64_t now = wallclock_ms();
	int err = 0;

	if (!ra)
		return 0;

	for (struct le *le = ra->bindings.head; le; le = le->next) {
		const struct binding *b = le->data;

		err |= re_hprintf(pf, "Contact: <%s>;expires=%llu\r\n",
				  b->contact, (unsigned long long)
				  ((b->expires - now + 999) / 1000));
	}

	return err;
}


void registrar_request(struct stx *st, const struct sip_msg *msg)
{
	const struct prov_agent *agent;
	struct regreq rr = {.msg = msg, .expires_hdr = DEFAULT_EXPIRES};
	char *hdrs = NULL;
	bool had;
	int err;

	agent = authenticate(st, msg);
	if (!agent)
		return;

	if (pl_isset(&msg->expires))
		rr.expires_hdr = pl_u32(&msg->expires);

	(void)sip_msg_hdr_apply(msg, true, SIP_HDR_CONTACT, contact_check,
				&rr);
	if (rr.err) {
		(void)stx_reply(st, 400, "Bad Contact", NULL, NULL, NULL);
		return;
	}

	if (rr.star && (rr.n > 1 || rr.expires_hdr != 0)) {
		(void)stx_reply(st, 400, "Invalid Contact '*'", NULL, NULL,
				NULL);
		return;
	}

	if (rr.too_brief) {
		(void)re_sdprintf(&hdrs, "Min-Expires: %u\r\n",
				  sipd.conf.reg_min_expires);
		(void)stx_reply(st, 423, "Interval Too Brief", NULL, hdrs,
				NULL);
		mem_deref(hdrs);
		return;
	}

	rr.ra = regagent_find(agent->id);
	had = rr.ra && !list_isempty(&rr.ra->bindings);

	if (rr.star) {
		if (rr.ra) {
			log_info("agent %s: unregistered all phones",
				 agent->id);
			(void)store_binding_delete_agent(sipd.store,
							 agent->id);
			list_flush(&rr.ra->bindings);
		}
	}
	else if (rr.n) {
		err = regagent_get(&rr.ra, agent->id);
		if (err) {
			(void)stx_reply(st, 500, "Server Error", NULL, NULL,
					NULL);
			return;
		}

		(void)sip_msg_hdr_apply(msg, true, SIP_HDR_CONTACT,
					contact_apply, &rr);
	}

	(void)re_sdprintf(&hdrs, "%H", print_contacts, rr.ra);
	(void)stx_reply(st, rr.err ? 500 : 200, rr.err ? "Server Error" : "OK",
			NULL, hdrs, NULL);
	mem_deref(hdrs);

	if (!rr.ra)
		return;

	if (list_isempty(&rr.ra->bindings)) {
		regagent_check_empty(rr.ra);
	}
	else if (!had && sipd.regh) {
		sipd.regh(agent->id, true, sipd.arg);
	}
}


/* ---- lookups and start-up ---------------------------------------------- */

bool sipd_agent_registered(const char *agent)
{
	const struct regagent *ra = regagent_find(agent);

	return ra && !list_isempty(&ra->bindings);
}


int sipd_agent_target(const char *agent, struct sipd_target *t)
{
	const struct regagent *ra = regagent_find(agent);
	const struct binding *b;

	if (!ra || list_isempty(&ra->bindings))
		return ENOENT;

	b = ra->bindings.head->data;
	str_ncpy(t->uri, b->contact, sizeof(t->uri));
	t->dst = b->dst;
	t->tp = b->tp;

	return 0;
}


void sipd_agent_unregister(const char *agent)
{
	struct regagent *ra = regagent_find(agent);

	(void)store_binding_delete_agent(sipd.store, agent);
	if (!ra)
		return;

	list_flush(&ra->bindings);
	regagent_check_empty(ra);
}


static int tp_parse(enum sip_transp *tp, const char *name)
{
	for (int i = SIP_TRANSP_UDP; i < SIP_TRANSPC; i++) {
		if (!str_casecmp(name, sip_transp_name(i))) {
			*tp = i;
			return 0;
		}
	}

	return EINVAL;
}


static int load_binding(const struct store_binding *sb, void *arg)
{
	struct regagent *ra;
	struct binding *b;
	struct sa dst;
	enum sip_transp tp;
	(void)arg;

	if (sb->expires <= wallclock_ms() || !prov_agent_find(sb->agent) ||
	    sa_decode(&dst, sb->dst, strlen(sb->dst)) ||
	    tp_parse(&tp, sb->tp)) {
		(void)store_binding_delete(sipd.store, sb->agent, sb->contact);
		return 0;
	}

	if (regagent_get(&ra, sb->agent))
		return ENOMEM;

	b = mem_zalloc(sizeof(*b), binding_destructor);
	if (!b)
		return ENOMEM;

	b->ra = ra;
	b->dst = dst;
	b->tp = tp;
	b->cseq = sb->cseq;
	b->registered = sb->registered;
	b->expires = sb->expires;
	if (str_dup(&b->contact, sb->contact) ||
	    (sb->callid && str_dup(&b->callid, sb->callid)) ||
	    (sb->user_agent && str_dup(&b->ua, sb->user_agent))) {
		mem_deref(b);
		return ENOMEM;
	}

	list_append(&ra->bindings, &b->le, b);
	binding_arm(b);

	return 0;
}


static bool newest_first(struct le *le1, struct le *le2, void *arg)
{
	const struct binding *a = le1->data, *b = le2->data;
	(void)arg;

	return a->registered >= b->registered;
}


int registrar_init(void)
{
	int err;

	err  = hash_alloc(&reg.agents, 256);
	err |= hash_alloc(&reg.fails, 4096);
	if (err)
		return ENOMEM;

	err = store_binding_foreach(sipd.store, load_binding, NULL);
	if (err)
		return err;

	/* keep "newest first" after loading in store order */
	for (uint32_t i = 0; i < hash_bsize(reg.agents); i++) {
		for (struct le *le = list_head(hash_list(reg.agents, i)); le;
		     le = le->next) {
			struct regagent *ra = le->data;

			list_sort(&ra->bindings, newest_first, NULL);
			log_info("agent %s: %u registered phone(s) restored",
				 ra->agent, list_count(&ra->bindings));
		}
	}

	return 0;
}


void registrar_close(void)
{
	if (reg.agents)
		hash_flush(reg.agents);
	if (reg.fails)
		hash_flush(reg.fails);
	reg.agents = mem_deref(reg.agents);
	reg.fails = mem_deref(reg.fails);
}
