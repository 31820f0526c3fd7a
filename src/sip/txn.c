/*
 * txn.c — SIP transactions (RFC 3261 section 17, with RFC 6026's Accepted
 * state), on libre's parser and transport, with every timer on the
 * timing wheel.
 *
 * Why our own: libre's transactions keep their timers in tmr's sorted
 * list, whose insert cost grows with the number of live timers; every
 * finished UDP transaction keeps one alive for 32 s, so at a few hundred
 * calls per second the list holds tens of thousands and each new short
 * timer walks it. See docs/ARCHITECTURE.md.
 *
 * Matching is by the top Via branch (RFC 3261 magic-cookie branches only)
 * and method class. A transaction is owned by its hash table and freed
 * when it terminates; the TU (a leg, the registrar) holds a reference
 * only while it may still answer.
 *
 * Server side:  INVITE     Proceeding -> Accepted (2xx, retransmitted
 *                          until ACK) | Completed (>=300, until ACK) ->
 *                          Confirmed -> gone
 *               non-INVITE Trying -> Proceeding -> Completed -> gone
 * Client side:  INVITE     Calling -> Proceeding -> Accepted (2xx,
 *                          absorbs retransmissions) | Completed (ACK sent)
 *               non-INVITE Trying -> Proceeding -> Completed
 */
#include <string.h>
#include <re.h>
#include "log.h"
#include "sip/internal.h"

#define LOG_MODULE "sip"

enum st_state {
	ST_TRYING,
	ST_PROCEEDING,
	ST_ACCEPTED,
	ST_COMPLETED,
	ST_CONFIRMED,
	ST_TERMINATED,
};

struct stx {
	struct le he;
	char branch[BRANCH_MAX + 1];
	char totag[TAG_LEN + 1];
	uint32_t cseq;
	struct sip_msg *msg;       /* until the final response */
	void *sock;                /* libre transport socket/connection */
	enum sip_transp tp;
	struct sa dst;
	struct sa src;             /* where the request came from */
	char sentby[64];
	struct mbuf *resp;
	uint16_t scode;
	bool invite;
	enum st_state state;
	struct wtimer tmr, tmrg;
	uint32_t txc;
	stx_cancel_h *cancelh;
	stx_noack_h *noackh;
	void *arg;
};

enum ct_state {
	CT_CALLING,
	CT_PROCEEDING,
	CT_ACCEPTED,
	CT_COMPLETED,
	CT_TERMINATED,
};

struct ctx {
	struct le he;
	char branch[BRANCH_MAX + 1];
	char method[16];
	bool invite;
	enum ct_state state;
	struct mbuf *req;
	struct mbuf *ack;          /* ACK for a non-2xx, resent on repeats */
	struct sa dst;
	enum sip_transp tp;
	char *ruri, *from, *to, *callid;   /* INVITE only: CANCEL and ACK */
	uint32_t cseq;
	bool cancel_wanted, cancel_sent;
	bool counted;              /* in sipd.nctx_busy's books */
	uint32_t txc;
	struct wtimer tmr, tmra;
	ctx_resp_h *resph;
	void *arg;
};


static bool reliable(enum sip_transp tp)
{
	return tp != SIP_TRANSP_UDP;
}


static uint64_t backoff(uint32_t txc)
{
	uint64_t t = (uint64_t)T1 << (txc < 4 ? txc : 4);

	return t < T2 ? t : T2;
}


/* ------------------------------------------------------------------ */
/* Server transactions                                                 */
/* ------------------------------------------------------------------ */

static void stx_destructor(void *arg)
{
	struct stx *st = arg;

	wtimer_cancel(&st->tmr);
	wtimer_cancel(&st->tmrg);
	hash_unlink(&st->he);
	mem_deref(st->msg);
	mem_deref(st->sock);
	mem_deref(st->resp);
}


static void stx_terminate(struct stx *st)
{
	if (st->state == ST_TERMINATED)
		return;

	st->state = ST_TERMINATED;
	wtimer_cancel(&st->tmr);
	wtimer_cancel(&st->tmrg);
	hash_unlink(&st->he);
	--sipd.nstx;
	mem_deref(st);
}


static void stx_send(struct stx *st)
{
	int err;

	if (!st->resp)
		return;

	err = sip_send(sipd.sip, st->sock, st->tp, &st->dst, st->resp);
	if (err)
		log_debug("send response %u to %J: %m", st->scode, &st->dst,
			  err);
}


static bool stx_cmp(struct le *le, void *arg)
{
	const struct stx *st = le->data;
	const struct sip_msg *msg = arg;
	const bool invite = !pl_strcmp(&msg->met, "INVITE") ||
			    !pl_strcmp(&msg->met, "ACK") ||
			    !pl_strcmp(&msg->met, "CANCEL");

	/* RFC 3261 matches on branch and method; the CSeq number is
	 * compared too, because some clients (SIPp loops among them) reuse a
	 * branch for a new request, which must not get the old answer. */
	return st->invite == invite && st->cseq == msg->cseq.num &&
	       !pl_strcmp(&msg->via.branch, st->branch) &&
	       !pl_strcasecmp(&msg->via.sentby, st->sentby);
}


static struct stx *lookup(const struct pl *branch, const struct sip_msg *m)
{
	return list_ledata(hash_lookup(sipd.ht_stx, hash_joaat_pl(branch),
				       stx_cmp, (void *)m));
}


struct stx *stx_find(const struct sip_msg *msg, bool invite)
{
	struct stx *st = lookup(&msg->via.branch, msg);

	if (st && st->invite != invite)
		return NULL;

	return st;
}


void stx_retransmitted(struct stx *st)
{
	switch (st->state) {

	case ST_PROCEEDING:
	case ST_COMPLETED:
	case ST_ACCEPTED:
		stx_send(st);
		break;

	default:
		break;
	}
}


int stx_alloc(struct stx **stp, const struct sip_msg *msg)
{
	struct stx *st;

	if (msg->via.branch.l > BRANCH_MAX || msg->via.branch.l < 8 ||
	    memcmp(msg->via.branch.p, "z9hG4bK", 7))
		return EPROTO;

	st = mem_zalloc(sizeof(*st), stx_destructor);
	if (!st)
		return ENOMEM;

	pl_strcpy(&msg->via.branch, st->branch, sizeof(st->branch));
	st->msg = mem_ref((void *)msg);
	st->sock = mem_ref(msg->sock);
	st->tp = msg->tp;
	st->src = msg->src;
	pl_strcpy(&msg->via.sentby, st->sentby, sizeof(st->sentby));
	st->invite = !pl_strcmp(&msg->met, "INVITE");
	st->cseq = msg->cseq.num;
	st->state = ST_TRYING;
	{
		struct pl rp;
		sip_reply_addr(&st->dst, msg,
			       !msg_param_exists(&msg->via.params, "rport",
						 &rp));
	}

	hash_append(sipd.ht_stx, hash_joaat_pl(&msg->via.branch), &st->he,
		    st);
	++sipd.nstx;

	/* An INVITE may wait for an agent for minutes: stop the caller's
	 * retransmissions now (RFC 3261 section 17.2.1). */
	if (st->invite)
		(void)stx_reply(st, 100, "Trying", NULL, NULL, NULL);

	*stp = st;
	return 0;
}


const struct sip_msg *stx_msg(const struct stx *st)
{
	return st ? st->msg : NULL;
}


bool stx_final_sent(const struct stx *st)
{
	return !st || st->scode >= 200 || st->state == ST_TERMINATED;
}


void stx_set_cancel(struct stx *st, stx_cancel_h *h, void *arg)
{
	st->cancelh = h;
	st->arg = arg;
}


void stx_set_noack(struct stx *st, stx_noack_h *h, void *arg)
{
	st->noackh = h;
	st->arg = arg;
}


void stx_detach(struct stx *st)
{
	if (!st)
		return;

	st->cancelh = NULL;
	st->noackh = NULL;
	st->arg = NULL;
}


static void st_timeout(void *arg)
{
	struct stx *st = arg;

	if (st->state == ST_ACCEPTED) {
		stx_noack_h *h = st->noackh;
		void *harg = st->arg;

		log_info("no ACK for %u from %J", st->scode, &st->dst);
		mem_ref(st);
		stx_terminate(st);
		if (h)
			h(harg);
		mem_deref(st);
		return;
	}

	stx_terminate(st);
}


/* RFC 3261 13.3.1.1: a UAS that takes long to answer MUST send a non-100
 * provisional every minute, or proxies on the way (Timer C, 3 min) cancel
 * the INVITE; queued callers may wait longer than that. */
enum { PROV_REFRESH_MS = 60000 };

static void st_prov_refresh(void *arg)
{
	struct stx *st = arg;

	stx_send(st);
	wtimer_start(&st->tmrg, PROV_REFRESH_MS, st_prov_refresh, st);
}


static void st_retransmit(void *arg)
{
	struct stx *st = arg;

	stx_send(st);
	++st->txc;
	wtimer_start(&st->tmrg, backoff(st->txc), st_retransmit, st);
}


int stx_reply(struct stx *st, uint16_t scode, const char *reason,
	      const char *totag, const char *hdrs, const struct mbuf *body)
{
	struct mbuf *mb = NULL;
	int err;

	if (!st || st->state == ST_TERMINATED || st->scode >= 200 ||
	    !st->msg)
		return ESHUTDOWN;

	if (totag && !st->totag[0])
		str_ncpy(st->totag, totag, sizeof(st->totag));

	err = msg_response(&mb, st->msg, scode, reason,
			   st->totag[0] ? st->totag : NULL, hdrs, body);
	if (err)
		return err;

	mem_deref(st->resp);
	st->resp = mb;
	st->scode = scode;
	stx_send(st);

	if (scode < 200) {
		st->state = ST_PROCEEDING;
		if (st->invite && scode > 100)
			wtimer_start(&st->tmrg, PROV_REFRESH_MS,
				     st_prov_refresh, st);
		return 0;
	}

	/* Final: the request is no longer needed, only the response. */
	wtimer_cancel(&st->tmrg);
	st->msg = mem_deref(st->msg);
	st->txc = 0;

	if (!st->invite) {
		st->state = ST_COMPLETED;
		if (reliable(st->tp))
			stx_terminate(st);
		else
			wtimer_start(&st->tmr, TXN_TIMEOUT, st_timeout, st);
		return 0;
	}

	st->state = scode < 300 ? ST_ACCEPTED : ST_COMPLETED;
	if (!reliable(st->tp))
		wtimer_start(&st->tmrg, T1, st_retransmit, st);
	wtimer_start(&st->tmr, TXN_TIMEOUT, st_timeout, st);

	return 0;
}


void stx_ack(struct stx *st)
{
	if (!st || st->state != ST_ACCEPTED)
		return;

	/* RFC 6026 7.1: stop the 2xx retransmissions, but keep absorbing
	 * retransmitted INVITEs until Timer L (64*T1, already running). */
	wtimer_cancel(&st->tmrg);
	st->noackh = NULL;
	st->state = ST_CONFIRMED;
}


bool stx_absorb_ack(const struct sip_msg *ack)
{
	struct stx *st = lookup(&ack->via.branch, ack);

	if (!st || !st->invite)
		return false;

	if (st->state == ST_COMPLETED) {
		wtimer_cancel(&st->tmrg);
		if (reliable(st->tp)) {
			stx_terminate(st);
		}
		else {
			st->state = ST_CONFIRMED;
			wtimer_start(&st->tmr, T4, st_timeout, st);
		}
	}

	/* An ACK with the INVITE's branch is for a non-2xx: for a 2xx it
	 * would be a new transaction with its own branch. */
	return st->state != ST_ACCEPTED;
}


void stx_cancel_request(const struct sip_msg *cancel)
{
	struct stx *st = lookup(&cancel->via.branch, cancel);
	struct mbuf *mb = NULL;
	struct sa dst;
	struct pl rp;

	sip_reply_addr(&dst, cancel,
		       !msg_param_exists(&cancel->via.params, "rport", &rp));

	/* A CANCEL has no credentials: only the INVITE's sender may end it
	 * (a spoofed sent-by alone must not be enough). */
	if (st && !sa_cmp(&cancel->src, &st->src, SA_ADDR))
		st = NULL;

	if (!st || !st->invite) {
		if (!msg_response(&mb, cancel, 481,
				  "Call/Transaction Does Not Exist", NULL,
				  NULL, NULL))
			(void)sip_send(sipd.sip, cancel->sock, cancel->tp,
				       &dst, mb);
		mem_deref(mb);
		return;
	}

	if (!msg_response(&mb, cancel, 200, "OK",
			  st->totag[0] ? st->totag : NULL, NULL, NULL))
		(void)sip_send(sipd.sip, cancel->sock, cancel->tp, &dst, mb);
	mem_deref(mb);

	if (st->scode >= 200)
		return;

	if (st->cancelh)
		st->cancelh(st->arg);
	else
		(void)stx_reply(st, 487, "Request Terminated", NULL, NULL,
				NULL);
}


/* ------------------------------------------------------------------ */
/* Client transactions                                                 */
/* ------------------------------------------------------------------ */

static void ctx_destructor(void *arg)
{
	struct ctx *ct = arg;

	wtimer_cancel(&ct->tmr);
	wtimer_cancel(&ct->tmra);
	hash_unlink(&ct->he);
	mem_deref(ct->req);
	mem_deref(ct->ack);
	mem_deref(ct->ruri);
	mem_deref(ct->from);
	mem_deref(ct->to);
	mem_deref(ct->callid);
}


static bool ct_busy(enum ct_state st)
{
	return st == CT_CALLING || st == CT_PROCEEDING;
}


/* sipd.nctx_busy counts requests still waiting for a final response:
 * shutdown waits for those, not for the timers that outlive them. */
static void ct_set_state(struct ctx *ct, enum ct_state st)
{
	if (ct->counted) {
		sipd.nctx_busy -= ct_busy(ct->state);
		sipd.nctx_busy += ct_busy(st);
	}
	ct->state = st;
}


static void ctx_terminate(struct ctx *ct)
{
	if (ct->state == CT_TERMINATED)
		return;

	ct_set_state(ct, CT_TERMINATED);
	wtimer_cancel(&ct->tmr);
	wtimer_cancel(&ct->tmra);
	hash_unlink(&ct->he);
	--sipd.nctx;
	mem_deref(ct);
}


static void ctx_deliver(struct ctx *ct, int err, const struct sip_msg *msg)
{
	ctx_resp_h *h = ct->resph;

	if (h)
		h(err, msg, ct->arg);
}


static void ct_timeout(void *arg)
{
	struct ctx *ct = arg;
	const bool report = ct->state == CT_CALLING ||
			    ct->state == CT_PROCEEDING;

	mem_ref(ct);
	ctx_terminate(ct);
	if (report)
		ctx_deliver(ct, ETIMEDOUT, NULL);
	mem_deref(ct);
}


static void ct_retransmit(void *arg)
{
	struct ctx *ct = arg;

	(void)sipd_send(ct->tp, &ct->dst, ct->req);
	++ct->txc;

	if (ct->invite)
		wtimer_start(&ct->tmra, (uint64_t)T1 << (ct->txc < 6 ?
							 ct->txc : 6),
			     ct_retransmit, ct);
	else
		wtimer_start(&ct->tmra, ct->state == CT_PROCEEDING ? T2 :
			     backoff(ct->txc), ct_retransmit, ct);
}


static int encode_request(struct mbuf **mbp, const struct ctx_req *r,
			  const char *branch)
{
	struct mbuf *mb;
	int err;

	mb = mbuf_alloc(768 + (r->body ? mbuf_get_left(r->body) : 0));
	if (!mb)
		return ENOMEM;

	err = mbuf_printf(mb,
			  "%s %s SIP/2.0\r\n"
			  "Via: SIP/2.0/%s %s;branch=%s;rport\r\n"
			  "Max-Forwards: 70\r\n"
			  "From: %s\r\n"
			  "To: %s\r\n"
			  "Call-ID: %s\r\n"
			  "CSeq: %u %s\r\n"
			  "User-Agent: switchboard/%s\r\n"
			  "%s"
			  "%H",
			  r->method, r->ruri,
			  sip_transp_name(r->tp), sipd.host, branch,
			  r->from, r->to, r->callid, r->cseq, r->method,
			  SWITCHBOARD_VERSION, r->hdrs ? r->hdrs : "",
			  msg_print_body, (void *)r->body);
	if (err) {
		mem_deref(mb);
		return err;
	}

	mb->pos = 0;
	*mbp = mb;
	return 0;
}


static int ctx_start(struct ctx **ctp, const struct ctx_req *r,
		     const char *branch, ctx_resp_h *resph, void *arg)
{
	struct ctx *ct;
	int err;

	ct = mem_zalloc(sizeof(*ct), ctx_destructor);
	if (!ct)
		return ENOMEM;

	if (branch)
		str_ncpy(ct->branch, branch, sizeof(ct->branch));
	else
		msg_rand_branch(ct->branch, 24);

	str_ncpy(ct->method, r->method, sizeof(ct->method));
	ct->invite = !strcmp(r->method, "INVITE");
	ct->dst = *r->dst;
	ct->tp = r->tp;
	ct->cseq = r->cseq;
	ct->resph = resph;
	ct->arg = arg;
	ct->state = CT_CALLING;

	err = encode_request(&ct->req, r, ct->branch);
	if (err)
		goto out;

	if (ct->invite) {
		err  = str_dup(&ct->ruri, r->ruri);
		err |= str_dup(&ct->from, r->from);
		err |= str_dup(&ct->to, r->to);
		err |= str_dup(&ct->callid, r->callid);
		if (err)
			goto out;
	}

	err = sipd_send(ct->tp, &ct->dst, ct->req);
	if (err)
		goto out;

	hash_append(sipd.ht_ctx, hash_joaat_str(ct->branch), &ct->he, ct);
	++sipd.nctx;
	ct->counted = true;
	++sipd.nctx_busy;

	if (!reliable(ct->tp))
		wtimer_start(&ct->tmra, T1, ct_retransmit, ct);
	wtimer_start(&ct->tmr, TXN_TIMEOUT, ct_timeout, ct);

 out:
	if (err) {
		mem_deref(ct);
		return err;
	}

	if (ctp)
		*ctp = ct;   /* borrowed: the table owns it */

	return 0;
}


int ctx_send(struct ctx **ctp, const struct ctx_req *req, ctx_resp_h *resph,
	     void *arg)
{
	return ctx_start(ctp, req, NULL, resph, arg);
}


static int send_cancel(struct ctx *ct)
{
	struct ctx_req r = {
		.method = "CANCEL",
		.ruri = ct->ruri,
		.from = ct->from,
		.to = ct->to,
		.callid = ct->callid,
		.cseq = ct->cseq,
		.dst = &ct->dst,
		.tp = ct->tp,
	};

	ct->cancel_sent = true;

	/* RFC 3261 section 9.1: if no final response comes within 64*T1
	 * of the CANCEL, the INVITE is given up. */
	wtimer_start(&ct->tmr, TXN_TIMEOUT, ct_timeout, ct);

	return ctx_start(NULL, &r, ct->branch, NULL, NULL);
}


/* RFC 3261 section 9.1: a CANCEL may only follow a provisional
 * response; until one comes the wish is remembered. */
int ctx_cancel(struct ctx *ct)
{
	if (!ct || !ct->invite || ct->cancel_wanted)
		return 0;

	ct->cancel_wanted = true;

	if (ct->state == CT_PROCEEDING)
		return send_cancel(ct);

	return 0;
}


void ctx_detach(struct ctx *ct, ctx_resp_h *resph, void *arg)
{
	if (!ct)
		return;

	ct->resph = resph;
	ct->arg = arg;
}


static int send_ack(struct ctx *ct, const struct sip_msg *resp)
{
	const struct sip_hdr *to = sip_msg_hdr(resp, SIP_HDR_TO);
	int err;

	if (!ct->ack) {
		struct msg_ack_args a = {
			.tp = ct->tp,
			.branch = ct->branch,
			.cseq = ct->cseq,
		};

		pl_set_str(&a.ruri, ct->ruri);
		pl_set_str(&a.from, ct->from);
		pl_set_str(&a.callid, ct->callid);
		if (to)
			a.to = to->val;

		err = msg_ack(&ct->ack, &a);
		if (err)
			return err;
	}

	return sipd_send(ct->tp, &ct->dst, ct->ack);
}


static void invite_response(struct ctx *ct, const struct sip_msg *msg)
{
	if (msg->scode < 200) {
		if (ct->state != CT_CALLING && ct->state != CT_PROCEEDING)
			return;

		if (ct->state == CT_CALLING) {
			ct_set_state(ct, CT_PROCEEDING);
			wtimer_cancel(&ct->tmra);
			/* No timeout while the far end rings: the TU
			 * decides how long to wait (push_timeout_s). */
			if (!ct->cancel_wanted)
				wtimer_cancel(&ct->tmr);
		}

		if (ct->cancel_wanted && !ct->cancel_sent)
			(void)send_cancel(ct);

		ctx_deliver(ct, 0, msg);
		return;
	}

	if (msg->scode < 300) {
		/* Every 2xx goes to the TU, repeats included: the ACK for a
		 * 2xx belongs to the dialog (RFC 6026). */
		if (ct->state != CT_ACCEPTED) {
			ct_set_state(ct, CT_ACCEPTED);
			wtimer_cancel(&ct->tmra);
			wtimer_start(&ct->tmr, TXN_TIMEOUT, ct_timeout, ct);
		}
		ctx_deliver(ct, 0, msg);
		return;
	}

	switch (ct->state) {

	case CT_CALLING:
	case CT_PROCEEDING:
		ct_set_state(ct, CT_COMPLETED);
		wtimer_cancel(&ct->tmra);
		(void)send_ack(ct, msg);
		if (reliable(ct->tp))
			wtimer_start(&ct->tmr, 0, ct_timeout, ct);
		else
			/* Timer D: at least 32 s (RFC 3261 17.1.1.2) */
			wtimer_start(&ct->tmr, TXN_TIMEOUT, ct_timeout, ct);
		ctx_deliver(ct, 0, msg);
		break;

	case CT_COMPLETED:
		(void)send_ack(ct, msg);
		break;

	default:
		break;
	}
}


static void noninvite_response(struct ctx *ct, const struct sip_msg *msg)
{
	if (ct->state != CT_CALLING && ct->state != CT_PROCEEDING)
		return;

	if (msg->scode < 200) {
		ct_set_state(ct, CT_PROCEEDING);
		return;
	}

	ct_set_state(ct, CT_COMPLETED);
	wtimer_cancel(&ct->tmra);
	ctx_deliver(ct, 0, msg);

	if (ct->state == CT_TERMINATED)
		return;

	if (reliable(ct->tp))
		ctx_terminate(ct);
	else
		wtimer_start(&ct->tmr, T4, ct_timeout, ct);
}


static bool ctx_cmp(struct le *le, void *arg)
{
	const struct ctx *ct = le->data;
	const struct sip_msg *msg = arg;

	return !pl_strcmp(&msg->cseq.met, ct->method) &&
	       !pl_strcmp(&msg->via.branch, ct->branch);
}


bool ctx_response(const struct sip_msg *msg)
{
	struct ctx *ct;

	ct = list_ledata(hash_lookup(sipd.ht_ctx,
				     hash_joaat_pl(&msg->via.branch),
				     ctx_cmp, (void *)msg));
	if (!ct)
		return false;

	mem_ref(ct);

	if (ct->invite)
		invite_response(ct, msg);
	else
		noninvite_response(ct, msg);

	mem_deref(ct);
	return true;
}
