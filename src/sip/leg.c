/*
 * leg.c — B2BUA legs: one dialog (RFC 3261 section 12) with one party.
 *
 * An incoming leg is the caller's INVITE from a trunk; we are its UAS. An
 * outgoing leg is our INVITE to an agent's phone; we are its UAC. The
 * owner (the call) drives a leg with sipd_leg_* and hears back through
 * one handler; after sipd_leg_hangup it hears nothing more, while the
 * leg still answers what the party sends (a crossing BYE gets its 200).
 *
 * Transactions hold no reference to a leg, only a handler argument that
 * the leg clears (stx_detach, ctx_detach) before it goes away; a leg
 * holds references to the transactions it may still act on.
 */
#include <string.h>
#include <re.h>
#include "log.h"
#include "sip/internal.h"

#define LOG_MODULE "sip"

enum leg_state { LEG_EARLY, LEG_ESTABLISHED, LEG_ENDED };

struct sipd_leg {
	struct le he;              /* sipd.ht_leg, by Call-ID */
	bool incoming;
	bool hungup;               /* owner is done: no more events */
	bool bye_after_ack;        /* hung up before the caller's ACK */
	enum leg_state state;
	char *callid;
	char ltag[TAG_LEN + 1];
	char *lhdr;                /* our From/To value, our tag included */
	char *xhdrs;               /* extra lines, initial INVITE only */
	char *rhdr;                /* theirs, their tag included */
	char *rtag;
	char *rtarget;             /* their Contact URI */
	char *route;               /* "Route: ...\r\n" lines, or NULL */
	char *uri;                 /* the party, for records */
	struct sa dst;
	enum sip_transp tp;
	uint32_t lcseq, rcseq;
	uint32_t inv_cseq;         /* of the dialog-forming INVITE */
	struct stx *inv_st;        /* their INVITE (until final and ACK) */
	struct ctx *inv_ct;        /* our INVITE (until final) */
	struct stx *reinv_st;      /* their re-INVITE */
	uint32_t reinv_st_cseq;
	bool reinv_offerless;      /* their re-INVITE had no SDP */
	struct ctx *reinv_ct;      /* our re-INVITE */
	struct mbuf *ack;          /* our ACK for their 2xx, resent on repeats */
	sipd_leg_h *h;
	void *arg;
};


static void reinvite_late_resp(int err, const struct sip_msg *msg,
			       void *arg);


static void leg_destructor(void *arg)
{
	struct sipd_leg *leg = arg;

	if (!leg->hungup)
		sipd_leg_hangup(leg, 480, "Temporarily Unavailable");

	hash_unlink(&leg->he);

	stx_detach(leg->inv_st);
	stx_detach(leg->reinv_st);
	ctx_detach(leg->inv_ct, leg_orphan_resp, NULL);
	ctx_detach(leg->reinv_ct, reinvite_late_resp, NULL);

	mem_deref(leg->inv_st);
	mem_deref(leg->reinv_st);
	mem_deref(leg->inv_ct);
	mem_deref(leg->reinv_ct);
	mem_deref(leg->ack);
	mem_deref(leg->callid);
	mem_deref(leg->lhdr);
	mem_deref(leg->xhdrs);
	mem_deref(leg->rhdr);
	mem_deref(leg->rtag);
	mem_deref(leg->rtarget);
	mem_deref(leg->route);
	mem_deref(leg->uri);
}


static void emit(struct sipd_leg *leg, enum sipd_leg_event type,
		 uint16_t scode, const struct sip_msg *msg)
{
	struct sipd_leg_ev ev = {.type = type, .scode = scode, .msg = msg};
	const struct mbuf *body;

	if (leg->hungup || !leg->h)
		return;

	if (msg && !msg_sdp_body(msg, &body))
		ev.sdp = body;

	mem_ref(leg);
	leg->h(leg, &ev, leg->arg);
	mem_deref(leg);
}


static int contact_hdr(struct re_printf *pf, void *arg)
{
	const struct sipd_leg *leg = arg;

	return re_hprintf(pf, "Contact: <sip:switchboard@%s%s>\r\n%s",
			  sipd.host, sipd_transp_param(leg->tp), msg_allow);
}


static bool route_handler(const struct sip_hdr *hdr,
			  const struct sip_msg *msg, void *arg)
{
	struct mbuf *mb = arg;
	(void)msg;

	(void)mbuf_printf(mb, "Route: %r\r\n", &hdr->val);
	return false;
}


/* The route set: Record-Route as received for the UAS side, reversed for
 * the UAC side (RFC 3261 sections 12.1.1 and 12.1.2). */
static int route_set(char **route, const struct sip_msg *msg, bool fwd)
{
	struct mbuf *mb;
	int err = 0;

	if (!sip_msg_hdr(msg, SIP_HDR_RECORD_ROUTE))
		return 0;

	mb = mbuf_alloc(256);
	if (!mb)
		return ENOMEM;

	(void)sip_msg_hdr_apply(msg, fwd, SIP_HDR_RECORD_ROUTE, route_handler,
				mb);
	mb->pos = 0;
	err = mbuf_strdup(mb, route, mbuf_get_left(mb));
	mem_deref(mb);

	return err;
}


/* Their Contact becomes the remote target; a request then goes to it, or
 * back where they are reachable (see target.c). */
static int remote_target(struct sipd_leg *leg, const struct sip_msg *msg,
			 const struct sa *peer)
{
	const struct sip_hdr *hdr = sip_msg_hdr(msg, SIP_HDR_CONTACT);
	struct sip_addr addr;

	if (!hdr || sip_addr_decode(&addr, &hdr->val))
		return leg->rtarget ? 0 : EBADMSG;

	leg->rtarget = mem_deref(leg->rtarget);
	if (pl_strdup(&leg->rtarget, &addr.auri))
		return ENOMEM;

	return target_resolve(&leg->dst, &addr.uri, peer, leg->tp);
}


static int send_request(struct sipd_leg *leg, struct ctx **ctp,
			const char *method, const struct mbuf *body,
			ctx_resp_h *resph)
{
	char *hdrs = NULL;
	int err;

	err = re_sdprintf(&hdrs, "%s%H%s", leg->route ? leg->route : "",
			  contact_hdr, leg, leg->xhdrs ? leg->xhdrs : "");
	if (err)
		return err;

	{
		struct ctx_req r = {
			.method = method,
			.ruri = leg->rtarget,
			.from = leg->lhdr,
			.to = leg->rhdr,
			.callid = leg->callid,
			.cseq = ++leg->lcseq,
			.hdrs = hdrs,
			.body = body,
			.dst = &leg->dst,
			.tp = leg->tp,
		};

		err = ctx_send(ctp, &r, resph, resph ? leg : NULL);
	}

	mem_deref(hdrs);
	return err;
}


static int send_ack(struct sipd_leg *leg, uint32_t cseq)
{
	struct msg_ack_args a = {.tp = leg->tp, .cseq = cseq};
	struct mbuf *mb = NULL;
	char branch[24];
	int err;

	if (leg->ack && cseq == leg->inv_cseq)
		return sipd_send(leg->tp, &leg->dst, leg->ack);

	msg_rand_branch(branch, sizeof(branch));
	a.branch = branch;
	pl_set_str(&a.ruri, leg->rtarget);
	pl_set_str(&a.route, leg->route ? leg->route : "");
	pl_set_str(&a.from, leg->lhdr);
	pl_set_str(&a.to, leg->rhdr);
	pl_set_str(&a.callid, leg->callid);

	err = msg_ack(&mb, &a);
	if (err)
		return err;

	err = sipd_send(leg->tp, &leg->dst, mb);

	/* the dialog's ACK is kept to answer repeats of the 2xx */
	if (cseq == leg->inv_cseq) {
		mem_deref(leg->ack);
		leg->ack = mb;
	}
	else {
		mem_deref(mb);
	}

	return err;
}


static void send_bye(struct sipd_leg *leg)
{
	int err = send_request(leg, NULL, "BYE", NULL, NULL);

	if (err)
		log_warn("BYE to %J: %m", &leg->dst, err);
}


/* ------------------------------------------------------------------ */
/* Incoming legs (we are UAS)                                          */
/* ------------------------------------------------------------------ */

static void cancel_handler(void *arg)
{
	struct sipd_leg *leg = arg;

	(void)stx_reply(leg->inv_st, 487, "Request Terminated", leg->ltag,
			NULL, NULL);
	leg->state = LEG_ENDED;
	emit(leg, SIPD_LEG_CANCELLED, 487, NULL);
}


/* RFC 3261 15: a BYE that had to wait for the ACK of our 2xx (or for
 * its timeout) goes now; the leg kept itself alive for it. */
static void deferred_bye(struct sipd_leg *leg)
{
	if (!leg->bye_after_ack)
		return;

	leg->bye_after_ack = false;
	--sipd.nctx_busy;
	send_bye(leg);
	mem_deref(leg);
}


/* Closing down: BYEs still waiting for an ACK go now, unacknowledged. */
void leg_flush_deferred(void)
{
	if (!sipd.ht_leg)
		return;

	for (uint32_t i = 0; i < hash_bsize(sipd.ht_leg); i++) {
		struct le *le = list_head(hash_list(sipd.ht_leg, i));

		while (le) {
			struct sipd_leg *leg = le->data;

			le = le->next;
			deferred_bye(leg);
		}
	}
}


static void noack_handler(void *arg)
{
	struct sipd_leg *leg = arg;

	leg->inv_st = mem_deref(leg->inv_st);
	mem_ref(leg);
	emit(leg, SIPD_LEG_LOST, 408, NULL);
	deferred_bye(leg);
	mem_deref(leg);
}


static void reinv_noack_handler(void *arg)
{
	struct sipd_leg *leg = arg;

	leg->reinv_st = mem_deref(leg->reinv_st);
}


int leg_incoming(struct sipd_leg **legp, struct stx *st,
		 const struct sip_msg *msg)
{
	const struct sip_hdr *to = sip_msg_hdr(msg, SIP_HDR_TO);
	const struct sip_hdr *from = sip_msg_hdr(msg, SIP_HDR_FROM);
	struct sipd_leg *leg;
	int err;

	leg = mem_zalloc(sizeof(*leg), leg_destructor);
	if (!leg)
		return ENOMEM;

	leg->incoming = true;
	leg->state = LEG_EARLY;
	leg->tp = msg->tp;
	leg->dst = msg->src;
	leg->rcseq = msg->cseq.num;
	leg->inv_cseq = msg->cseq.num;
	leg->lcseq = rand_u16() & 0x7fff;
	msg_rand_tag(leg->ltag, sizeof(leg->ltag));

	err  = pl_strdup(&leg->callid, &msg->callid);
	err |= pl_strdup(&leg->rtag, &msg->from.tag);
	err |= pl_strdup(&leg->rhdr, &from->val);
	err |= re_sdprintf(&leg->lhdr, "%r;tag=%s", &to->val, leg->ltag);
	err |= pl_strdup(&leg->uri, &msg->from.auri);
	err |= route_set(&leg->route, msg, true);
	if (err)
		goto out;

	err = remote_target(leg, msg, &msg->src);
	if (err)
		goto out;

	leg->inv_st = mem_ref(st);
	stx_set_cancel(st, cancel_handler, leg);

	hash_append(sipd.ht_leg, hash_joaat_pl(&msg->callid), &leg->he, leg);

 out:
	if (err)
		mem_deref(leg);
	else
		*legp = leg;

	return err;
}


/* Answers the caller's INVITE with our Contact (and SDP, if any). */
static int reply_invite(struct sipd_leg *leg, uint16_t scode,
			const char *reason, const struct mbuf *sdp)
{
	char *hdrs = NULL;
	int err;

	if (!leg || !leg->incoming || leg->state != LEG_EARLY || leg->hungup)
		return EINVAL;

	err = re_sdprintf(&hdrs, "%H", contact_hdr, leg);
	if (!err)
		err = stx_reply(leg->inv_st, scode, reason, leg->ltag, hdrs,
				sdp);
	mem_deref(hdrs);

	return err;
}


int sipd_leg_progress(struct sipd_leg *leg, uint16_t scode,
		      const char *reason, const struct mbuf *sdp)
{
	return reply_invite(leg, scode, reason, sdp);
}


int sipd_leg_answer(struct sipd_leg *leg, const struct mbuf *sdp)
{
	int err = reply_invite(leg, 200, "OK", sdp);

	if (err)
		return err;

	leg->state = LEG_ESTABLISHED;
	stx_set_noack(leg->inv_st, noack_handler, leg);

	return 0;
}


int sipd_leg_reject(struct sipd_leg *leg, uint16_t scode, const char *reason)
{
	int err;

	if (!leg || !leg->incoming || leg->state != LEG_EARLY)
		return EINVAL;

	err = stx_reply(leg->inv_st, scode, reason, leg->ltag, NULL, NULL);
	leg->state = LEG_ENDED;
	leg->hungup = true;

	return err;
}


/* ------------------------------------------------------------------ */
/* Outgoing legs (we are UAC)                                          */
/* ------------------------------------------------------------------ */

static void invite_resp(int err, const struct sip_msg *msg, void *arg)
{
	struct sipd_leg *leg = arg;

	if (err || !msg) {
		leg->state = LEG_ENDED;
		/* the transaction lives on (Timer D): a 2xx it still gets
		 * is nobody's, and the leg may be freed right after emit */
		ctx_detach(leg->inv_ct, leg_orphan_resp, NULL);
		leg->inv_ct = mem_deref(leg->inv_ct);
		emit(leg, SIPD_LEG_FAILED, 408, NULL);
		return;
	}

	if (msg->scode < 200) {
		if (msg->scode > 100)
			emit(leg, SIPD_LEG_PROGRESS, msg->scode, msg);
		return;
	}

	if (msg->scode >= 300) {
		leg->state = LEG_ENDED;
		/* the transaction lives on (Timer D): a 2xx it still gets
		 * is nobody's, and the leg may be freed right after emit */
		ctx_detach(leg->inv_ct, leg_orphan_resp, NULL);
		leg->inv_ct = mem_deref(leg->inv_ct);
		emit(leg, SIPD_LEG_FAILED, msg->scode, msg);
		return;
	}

	/* 2xx: the first forms the dialog; a repeat gets the same ACK; one
	 * from another fork is acknowledged and hung up. */
	if (leg->rtag) {
		if (!pl_strcmp(&msg->to.tag, leg->rtag))
			(void)send_ack(leg, msg->cseq.num);
		else
			leg_orphan_resp(0, msg, NULL);
		return;
	}

	{
		const struct sip_hdr *to = sip_msg_hdr(msg, SIP_HDR_TO);

		leg->rhdr = mem_deref(leg->rhdr);
		if (pl_strdup(&leg->rtag, &msg->to.tag) ||
		    pl_strdup(&leg->rhdr, &to->val) ||
		    route_set(&leg->route, msg, false) ||
		    remote_target(leg, msg, &msg->src)) {
			leg_orphan_resp(0, msg, NULL);
			leg->state = LEG_ENDED;
			emit(leg, SIPD_LEG_FAILED, 500, NULL);
			return;
		}
	}

	(void)send_ack(leg, msg->cseq.num);

	if (leg->hungup) {
		/* CANCEL lost the race with the answer: end it properly. */
		send_bye(leg);
		leg->state = LEG_ENDED;
		return;
	}

	leg->state = LEG_ESTABLISHED;
	emit(leg, SIPD_LEG_ANSWERED, msg->scode, msg);
}


/* A display name inside a quoted-string (RFC 3261 25.1): the caller's
 * name comes from outside, so quotes and backslashes are escaped and
 * control characters dropped. */
static int quoted_print(struct re_printf *pf, const char *s)
{
	int err = 0;

	for (; *s && !err; s++) {
		const unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c == 0x7f)
			continue;
		if (c == '"' || c == '\\')
			err = re_hprintf(pf, "\\%c", c);
		else
			err = re_hprintf(pf, "%c", c);
	}

	return err;
}


int sipd_leg_invite(struct sipd_leg **legp, const struct sipd_target *t,
		    const char *from_uri, const char *from_name,
		    const char *to_uri, const struct mbuf *sdp,
		    sipd_leg_h *h, void *arg)
{
	return sipd_leg_invite_hdrs(legp, t, from_uri, from_name, to_uri,
				    NULL, sdp, h, arg);
}


int sipd_leg_invite_hdrs(struct sipd_leg **legp,
			 const struct sipd_target *t, const char *from_uri,
			 const char *from_name, const char *to_uri,
			 const char *hdrs, const struct mbuf *sdp,
			 sipd_leg_h *h, void *arg)
{
	struct sipd_leg *leg;
	char callid[33];
	int err;

	if (!legp || !t || !from_uri || !to_uri)
		return EINVAL;

	leg = mem_zalloc(sizeof(*leg), leg_destructor);
	if (!leg)
		return ENOMEM;

	leg->state = LEG_EARLY;
	leg->tp = t->tp;
	leg->dst = t->dst;
	leg->h = h;
	leg->arg = arg;
	leg->lcseq = 0;
	msg_rand_tag(leg->ltag, sizeof(leg->ltag));
	msg_rand_tag(callid, sizeof(callid));

	err  = str_dup(&leg->callid, callid);
	err |= str_dup(&leg->rtarget, t->uri);
	err |= str_dup(&leg->uri, t->uri);
	if (from_name && from_name[0])
		err |= re_sdprintf(&leg->lhdr, "\"%H\" <%s>;tag=%s",
				   quoted_print, from_name, from_uri,
				   leg->ltag);
	else
		err |= re_sdprintf(&leg->lhdr, "<%s>;tag=%s", from_uri,
				   leg->ltag);
	err |= re_sdprintf(&leg->rhdr, "<%s>", to_uri);
	if (err)
		goto out;

	hash_append(sipd.ht_leg, hash_joaat_str(callid), &leg->he, leg);

	if (hdrs && hdrs[0])
		err = str_dup(&leg->xhdrs, hdrs);
	err = err ? err : send_request(leg, &leg->inv_ct, "INVITE", sdp,
				       invite_resp);
	leg->xhdrs = mem_deref(leg->xhdrs);
	if (err)
		goto out;

	leg->inv_cseq = leg->lcseq;
	mem_ref(leg->inv_ct);

 out:
	if (err) {
		leg->hungup = true;
		mem_deref(leg);
	}
	else {
		*legp = leg;
	}

	return err;
}


/* ACKs a 2xx from the response alone: To, From and Call-ID as received,
 * the Request-URI its Contact. *dstp (optional) gets where it went. */
static int ack_from_response(const struct sip_msg *msg, struct sa *dstp)
{
	const struct sip_hdr *from, *to, *contact;
	struct sip_addr caddr;
	struct mbuf *mb = NULL;
	struct sa dst;
	char branch[24];
	int err;

	from = sip_msg_hdr(msg, SIP_HDR_FROM);
	to = sip_msg_hdr(msg, SIP_HDR_TO);
	contact = sip_msg_hdr(msg, SIP_HDR_CONTACT);
	if (!from || !to || !contact ||
	    sip_addr_decode(&caddr, &contact->val))
		return EBADMSG;

	(void)target_resolve(&dst, &caddr.uri, &msg->src, msg->tp);
	msg_rand_branch(branch, sizeof(branch));

	{
		const struct msg_ack_args a = {
			.ruri = caddr.auri,
			.from = from->val,
			.to = to->val,
			.callid = msg->callid,
			.tp = msg->tp,
			.branch = branch,
			.cseq = msg->cseq.num,
		};

		err = msg_ack(&mb, &a);
	}
	if (!err)
		err = sipd_send(msg->tp, &dst, mb);
	mem_deref(mb);

	if (dstp)
		*dstp = dst;

	return err;
}


/* A 2xx nobody wants (the leg is gone, or a second fork answered):
 * acknowledge it and hang it up, built from the response alone. */
void leg_orphan_resp(int err, const struct sip_msg *msg, void *arg)
{
	const struct sip_hdr *from, *to, *contact;
	struct sip_addr caddr;
	struct sa dst;
	(void)arg;

	if (err || !msg || msg->scode < 200 || msg->scode >= 300)
		return;

	if (ack_from_response(msg, &dst))
		return;

	from = sip_msg_hdr(msg, SIP_HDR_FROM);
	to = sip_msg_hdr(msg, SIP_HDR_TO);
	contact = sip_msg_hdr(msg, SIP_HDR_CONTACT);
	(void)sip_addr_decode(&caddr, &contact->val);

	{
		char ruri[256], f[512], t[512], callid[256];
		struct ctx_req r = {
			.method = "BYE",
			.ruri = ruri,
			.from = f,
			.to = t,
			.callid = callid,
			.cseq = msg->cseq.num + 1,
			.dst = &dst,
			.tp = msg->tp,
		};

		pl_strcpy(&caddr.auri, ruri, sizeof(ruri));
		pl_strcpy(&from->val, f, sizeof(f));
		pl_strcpy(&to->val, t, sizeof(t));
		pl_strcpy(&msg->callid, callid, sizeof(callid));
		(void)ctx_send(NULL, &r, NULL, NULL);
	}
}


/* A 2xx to a re-INVITE we no longer track (a retransmission, or the leg
 * was hung up meanwhile): ACK it from the response alone (RFC 3261
 * 13.2.2.4); the dialog's fate is decided elsewhere. */
static void reinvite_late_resp(int err, const struct sip_msg *msg, void *arg)
{
	(void)arg;

	if (!err && msg && msg->scode >= 200 && msg->scode < 300)
		(void)ack_from_response(msg, NULL);
}


/* ------------------------------------------------------------------ */
/* In-dialog requests and re-INVITEs, both directions                  */
/* ------------------------------------------------------------------ */

static bool leg_cmp(struct le *le, void *arg)
{
	const struct sipd_leg *leg = le->data;
	const struct sip_msg *msg = arg;

	return !pl_strcmp(&msg->callid, leg->callid) &&
	       !pl_strcmp(&msg->to.tag, leg->ltag) &&
	       leg->rtag && !pl_strcmp(&msg->from.tag, leg->rtag);
}


static struct sipd_leg *leg_find(const struct sip_msg *msg)
{
	return list_ledata(hash_lookup(sipd.ht_leg,
				       hash_joaat_pl(&msg->callid), leg_cmp,
				       (void *)msg));
}


bool leg_ack(const struct sip_msg *msg)
{
	struct sipd_leg *leg = leg_find(msg);

	if (!leg)
		return false;

	if (leg->inv_st && msg->cseq.num == leg->inv_cseq) {
		stx_ack(leg->inv_st);
		stx_detach(leg->inv_st);
		leg->inv_st = mem_deref(leg->inv_st);
		mem_ref(leg);
		emit(leg, SIPD_LEG_CONFIRMED, 0, msg);
		deferred_bye(leg);
		mem_deref(leg);
	}
	else if (leg->reinv_st && msg->cseq.num == leg->reinv_st_cseq) {
		stx_ack(leg->reinv_st);
		stx_detach(leg->reinv_st);
		leg->reinv_st = mem_deref(leg->reinv_st);
		/* RFC 3264: our 2xx made the offer; the answer is here */
		if (leg->reinv_offerless)
			emit(leg, SIPD_LEG_ACK_ANSWER, 0, msg);
	}

	return true;
}


static void reinvite_resp(int err, const struct sip_msg *msg, void *arg)
{
	struct sipd_leg *leg = arg;

	if (!err && msg && msg->scode < 200)
		return;

	/* Retransmissions of a 2xx keep coming to the transaction for
	 * 64*T1: they get their ACK there, not here (the leg may be gone). */
	ctx_detach(leg->reinv_ct, reinvite_late_resp, NULL);
	leg->reinv_ct = mem_deref(leg->reinv_ct);

	if (err || !msg) {
		emit(leg, SIPD_LEG_REOFFER_FAILED, 408, NULL);
		return;
	}

	if (msg->scode >= 300) {
		emit(leg, SIPD_LEG_REOFFER_FAILED, msg->scode, msg);
		return;
	}

	(void)send_ack(leg, msg->cseq.num);
	(void)remote_target(leg, msg, &msg->src);
	emit(leg, SIPD_LEG_REOFFER_ANSWERED, msg->scode, msg);
}


static void reinvite_request(struct sipd_leg *leg, struct stx *st,
			     const struct sip_msg *msg)
{
	if (leg->state != LEG_ESTABLISHED || leg->hungup) {
		(void)stx_reply(st, 481, "Call/Transaction Does Not Exist",
				NULL, NULL, NULL);
		return;
	}

	/* RFC 3261 section 14.2: glare and overlap */
	if (leg->reinv_ct || leg->inv_st) {
		(void)stx_reply(st, 491, "Request Pending", NULL, NULL, NULL);
		return;
	}
	if (leg->reinv_st) {
		(void)stx_reply(st, 500, "Server Internal Error", NULL,
				"Retry-After: 1\r\n", NULL);
		return;
	}

	leg->reinv_st = mem_ref(st);
	leg->reinv_st_cseq = msg->cseq.num;
	leg->reinv_offerless = msg_sdp_body(msg, &(const struct mbuf *){0}) != 0;
	stx_set_noack(st, reinv_noack_handler, leg);
	(void)remote_target(leg, msg, &msg->src);

	if (!leg->h) {
		(void)sipd_leg_answer_offer(leg, 488, NULL);
		return;
	}

	emit(leg, SIPD_LEG_OFFER, 0, msg);
}


bool leg_request(struct stx *st, const struct sip_msg *msg)
{
	struct sipd_leg *leg = leg_find(msg);

	if (!leg)
		return false;

	if (msg->cseq.num <= leg->rcseq && leg->rcseq) {
		(void)stx_reply(st, 500, "Server Internal Error (CSeq out of "
				"order)", NULL, NULL, NULL);
		return true;
	}
	leg->rcseq = msg->cseq.num;

	if (!pl_strcmp(&msg->met, "BYE")) {
		(void)stx_reply(st, 200, "OK", NULL, NULL, NULL);
		if (leg->incoming && leg->inv_st &&
		    !stx_final_sent(leg->inv_st))
			(void)stx_reply(leg->inv_st, 487, "Request Terminated",
					leg->ltag, NULL, NULL);
		if (leg->reinv_st && !stx_final_sent(leg->reinv_st))
			(void)stx_reply(leg->reinv_st, 487,
					"Request Terminated", NULL, NULL, NULL);
		if (leg->state != LEG_ENDED) {
			leg->state = LEG_ENDED;
			emit(leg, SIPD_LEG_BYE, 0, msg);
		}
		return true;
	}

	if (!pl_strcmp(&msg->met, "INVITE")) {
		reinvite_request(leg, st, msg);
		return true;
	}

	if (!pl_strcmp(&msg->met, "OPTIONS") || !pl_strcmp(&msg->met, "INFO")) {
		(void)stx_reply(st, 200, "OK", NULL, NULL, NULL);
		return true;
	}

	(void)stx_reply(st, 405, "Method Not Allowed", NULL, msg_allow, NULL);
	return true;
}


int sipd_leg_answer_offer(struct sipd_leg *leg, uint16_t scode,
			  const struct mbuf *sdp)
{
	char *hdrs = NULL;
	int err;

	if (!leg || !leg->reinv_st)
		return EINVAL;

	err = re_sdprintf(&hdrs, "%H", contact_hdr, leg);
	if (!err)
		err = stx_reply(leg->reinv_st, scode,
				scode < 300 ? "OK" : "Not Acceptable Here",
				NULL, hdrs, scode < 300 ? sdp : NULL);
	mem_deref(hdrs);

	if (scode >= 300) {
		stx_detach(leg->reinv_st);
		leg->reinv_st = mem_deref(leg->reinv_st);
	}

	return err;
}


int sipd_leg_reoffer(struct sipd_leg *leg, const struct mbuf *sdp)
{
	int err;

	if (!leg || leg->state != LEG_ESTABLISHED || leg->hungup)
		return EINVAL;

	if (leg->reinv_ct || leg->reinv_st || leg->inv_st)
		return EBUSY;

	err = send_request(leg, &leg->reinv_ct, "INVITE", sdp, reinvite_resp);
	if (err)
		return err;

	mem_ref(leg->reinv_ct);
	return 0;
}


void sipd_leg_hangup(struct sipd_leg *leg, uint16_t scode, const char *reason)
{
	if (!leg || leg->hungup)
		return;

	leg->hungup = true;
	leg->h = NULL;

	if (leg->reinv_st && !stx_final_sent(leg->reinv_st))
		(void)stx_reply(leg->reinv_st, 487, "Request Terminated", NULL,
				NULL, NULL);
	ctx_detach(leg->reinv_ct, reinvite_late_resp, NULL);

	switch (leg->state) {

	case LEG_EARLY:
		if (leg->incoming) {
			(void)stx_reply(leg->inv_st, scode ? scode : 480,
					reason ? reason : "Temporarily "
					"Unavailable", leg->ltag, NULL, NULL);
			leg->state = LEG_ENDED;
		}
		else {
			/* stays EARLY: a 2xx racing the CANCEL still needs
			 * its ACK and BYE (invite_resp). */
			(void)ctx_cancel(leg->inv_ct);
			ctx_detach(leg->inv_ct, invite_resp, leg);
		}
		break;

	case LEG_ESTABLISHED:
		/* RFC 3261 15: not before the ACK for our 2xx (or its
		 * timeout); the leg keeps itself alive until then, and
		 * shutdown's drain counts it as a request to send. */
		if (leg->incoming && leg->inv_st) {
			leg->bye_after_ack = true;
			++sipd.nctx_busy;
			mem_ref(leg);
		}
		else {
			send_bye(leg);
		}
		leg->state = LEG_ENDED;
		break;

	default:
		break;
	}
}


void sipd_leg_set_handler(struct sipd_leg *leg, sipd_leg_h *h, void *arg)
{
	if (!leg)
		return;

	leg->h = h;
	leg->arg = arg;
}


bool sipd_leg_established(const struct sipd_leg *leg)
{
	return leg && leg->state == LEG_ESTABLISHED;
}


const char *sipd_leg_uri(const struct sipd_leg *leg)
{
	return leg ? leg->uri : NULL;
}


const struct sa *sipd_leg_peer(const struct sipd_leg *leg)
{
	return leg ? &leg->dst : NULL;
}


const char *sipd_leg_callid(const struct sipd_leg *leg)
{
	return leg ? leg->callid : NULL;
}
