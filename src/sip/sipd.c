/*
 * sipd.c — the SIP module's front door: transports, and the dispatch of
 * every request and response libre's parser hands us.
 *
 * libre's own transaction layer is never instantiated (no sip_request,
 * no sipsess), so its listeners pass everything through to ours.
 */
#include <string.h>
#include <sys/socket.h>
#include <re.h>
#include "log.h"
#include "prov/prov.h"
#include "sip/internal.h"

#define LOG_MODULE "sip"

struct sipd sipd;


int sipd_send(enum sip_transp tp, const struct sa *dst, struct mbuf *mb)
{
	return sip_send(sipd.sip, NULL, tp, dst, mb);
}


const char *sipd_transp_param(enum sip_transp tp)
{
	switch (tp) {

	case SIP_TRANSP_TCP: return ";transport=tcp";
	case SIP_TRANSP_TLS: return ";transport=tls";
	default:             return "";
	}
}


const char *sipd_host(void)
{
	return sipd.host;
}


uint32_t sipd_txn_count(void)
{
	return sipd.nstx + sipd.nctx;
}


uint32_t sipd_pending_requests(void)
{
	return sipd.nctx_busy;
}


/* Stateless answer for requests that cannot get a transaction. */
static void reply_stateless(const struct sip_msg *msg, uint16_t scode,
			    const char *reason)
{
	struct mbuf *mb = NULL;
	struct sa dst;
	struct pl rp;

	sip_reply_addr(&dst, msg,
		       !msg_param_exists(&msg->via.params, "rport", &rp));

	if (!msg_response(&mb, msg, scode, reason, NULL, NULL, NULL))
		(void)sip_send(sipd.sip, msg->sock, msg->tp, &dst, mb);

	mem_deref(mb);
}


static bool well_formed(const struct sip_msg *msg)
{
	return pl_isset(&msg->via.sentby) && pl_isset(&msg->callid) &&
	       pl_isset(&msg->from.auri) && pl_isset(&msg->to.auri) &&
	       pl_isset(&msg->cseq.met) &&
	       !pl_cmp(&msg->cseq.met, &msg->met);
}


static void invite_new(struct stx *st, const struct sip_msg *msg)
{
	const struct prov_trunk *trunk;
	struct sipd_leg *leg = NULL;
	int err;

	/* request_handler's gate let it through; a trunk just deleted
	 * between the two is still refused */
	trunk = prov_trunk_match(&msg->src);
	if (!trunk) {
		(void)stx_reply(st, 403, "Forbidden", NULL, NULL, NULL);
		return;
	}

	if (pl_isset(&msg->maxfwd) && !pl_u32(&msg->maxfwd)) {
		(void)stx_reply(st, 483, "Too Many Hops", NULL, NULL, NULL);
		return;
	}

	err = leg_incoming(&leg, st, msg);
	if (err == EBADMSG) {
		(void)stx_reply(st, 400, "Bad Request (Contact)", NULL, NULL,
				NULL);
		return;
	}
	if (err) {
		(void)stx_reply(st, 500, "Server Error", NULL, NULL, NULL);
		return;
	}

	if (sipd.inviteh)
		sipd.inviteh(leg, msg, trunk->id, sipd.arg);

	/* Kept by the handler, or answered and released here. */
	mem_deref(leg);
}


static void options(struct stx *st)
{
	(void)stx_reply(st, 200, "OK", NULL,
			"Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER\r\n"
			"Accept: application/sdp\r\n", NULL);
}


static bool request_handler(const struct sip_msg *msg, void *arg)
{
	const bool invite = !pl_strcmp(&msg->met, "INVITE");
	struct stx *st;
	const struct sip_hdr *req;
	(void)arg;

	if (!well_formed(msg)) {
		log_debug("malformed %r from %J dropped", &msg->met, &msg->src);
		if (pl_isset(&msg->via.sentby) && pl_strcmp(&msg->met, "ACK"))
			reply_stateless(msg, 400, "Bad Request");
		return true;
	}

	if (!pl_strcmp(&msg->met, "ACK")) {
		if (!stx_absorb_ack(msg))
			(void)leg_ack(msg);
		return true;
	}

	if (!pl_strcmp(&msg->met, "CANCEL")) {
		stx_cancel_request(msg);
		return true;
	}

	/* The toll-fraud gate, before any state or 100 Trying: one
	 * stateless 403, so a spoofed INVITE is neither amplified (Timer G)
	 * nor kept for 32 s. */
	if (invite && !pl_isset(&msg->to.tag) &&
	    !prov_trunk_match(&msg->src)) {
		char tag[TAG_LEN + 1];
		struct mbuf *mb = NULL;
		struct sa dst;
		struct pl rp;

		log_warn("INVITE to %r from %J refused: not from a trunk",
			 &msg->ruri, &msg->src);
		msg_rand_tag(tag, sizeof(tag));
		sip_reply_addr(&dst, msg, !msg_param_exists(&msg->via.params,
							   "rport", &rp));
		if (!msg_response(&mb, msg, 403, "Forbidden", tag, NULL, NULL))
			(void)sip_send(sipd.sip, msg->sock, msg->tp, &dst, mb);
		mem_deref(mb);
		return true;
	}

	st = stx_find(msg, invite);
	if (st) {
		stx_retransmitted(st);
		return true;
	}

	if (stx_alloc(&st, msg)) {
		reply_stateless(msg, 400, "Bad Request (Via branch)");
		return true;
	}

	/* We implement no SIP extensions a peer could require. */
	req = sip_msg_hdr(msg, SIP_HDR_REQUIRE);
	if (req) {
		char *hdr = NULL;

		(void)re_sdprintf(&hdr, "Unsupported: %r\r\n", &req->val);
		(void)stx_reply(st, 420, "Bad Extension", NULL, hdr, NULL);
		mem_deref(hdr);
		return true;
	}

	if (pl_isset(&msg->to.tag)) {
		if (!leg_request(st, msg))
			(void)stx_reply(st, 481, "Call/Transaction Does Not "
					"Exist", NULL, NULL, NULL);
		return true;
	}

	if (sipd.shutting_down && pl_strcmp(&msg->met, "OPTIONS")) {
		(void)stx_reply(st, 503, "Service Unavailable", NULL,
				"Retry-After: 30\r\n", NULL);
		return true;
	}

	if (invite)
		invite_new(st, msg);
	else if (!pl_strcmp(&msg->met, "REGISTER"))
		registrar_request(st, msg);
	else if (!pl_strcmp(&msg->met, "OPTIONS"))
		options(st);
	else if (!pl_strcmp(&msg->met, "BYE") ||
		 !pl_strcmp(&msg->met, "INFO") ||
		 !pl_strcmp(&msg->met, "UPDATE") ||
		 !pl_strcmp(&msg->met, "PRACK"))
		(void)stx_reply(st, 481, "Call/Transaction Does Not Exist",
				NULL, NULL, NULL);
	else
		(void)stx_reply(st, 405, "Method Not Allowed", NULL, msg_allow,
				NULL);

	return true;
}


static bool response_handler(const struct sip_msg *msg, void *arg)
{
	(void)arg;

	if (!ctx_response(msg))
		log_debug("stray response %u %r from %J", msg->scode,
			  &msg->cseq.met, &msg->src);

	return true;
}


/* libre 1.1.0 does not hand out its SIP transport's UDP socket, and the
 * kernel's default receive buffer (about 200 KiB) overflows in bursts at
 * a couple of thousand calls per second or while the relay is busy; each
 * lost request costs the sender a 500 ms retransmission. So we find the
 * socket bound to our address among our descriptors (there are few at
 * start-up) and enlarge it: SO_RCVBUFFORCE where allowed (root), else
 * SO_RCVBUF, which the kernel caps at net.core.rmem_max. */
enum { SIP_UDP_RCVBUF = 4 * 1024 * 1024 };

static void udp_rcvbuf(const struct sa *laddr)
{
	const int want = SIP_UDP_RCVBUF;

	for (int fd = 0; fd < 256; fd++) {
		int type, got = 0;
		socklen_t len = sizeof(type);
		struct sa a;

		if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) ||
		    type != SOCK_DGRAM)
			continue;

		a.len = sizeof(a.u);
		if (getsockname(fd, &a.u.sa, &a.len) ||
		    !sa_cmp(&a, laddr, SA_ALL))
			continue;

		if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &want,
			       sizeof(want)))
			(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &want,
					 sizeof(want));

		len = sizeof(got);
		(void)getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &got, &len);
		if (got < want)
			log_warn("SIP UDP receive buffer is %d KiB (wanted "
				 "%d KiB): raise net.core.rmem_max or run "
				 "with CAP_NET_ADMIN", got / 1024, want / 1024);
		return;
	}

	log_warn("SIP UDP socket not found: receive buffer left as is");
}


int sipd_init(const struct sipd_conf *conf, struct store *st,
	      sipd_invite_h *inviteh, sipd_reg_h *regh, void *arg)
{
	int err;

	memset(&sipd, 0, sizeof(sipd));
	sipd.conf = *conf;
	sipd.store = st;
	sipd.inviteh = inviteh;
	sipd.regh = regh;
	sipd.arg = arg;

	(void)re_snprintf(sipd.host, sizeof(sipd.host), "%J", &conf->advertise);

	err = sip_alloc(&sipd.sip, NULL, 4, 4, 4, NULL, NULL, NULL);
	if (err)
		goto out;

	err = sip_transp_add(sipd.sip, SIP_TRANSP_UDP, &conf->laddr);
	if (err) {
		log_error("cannot listen on udp %J: %m", &conf->laddr, err);
		goto out;
	}
	udp_rcvbuf(&conf->laddr);

	err = sip_transp_add(sipd.sip, SIP_TRANSP_TCP, &conf->laddr);
	if (err) {
		log_error("cannot listen on tcp %J: %m", &conf->laddr, err);
		goto out;
	}

	err  = hash_alloc(&sipd.ht_stx, 16384);
	err |= hash_alloc(&sipd.ht_ctx, 16384);
	err |= hash_alloc(&sipd.ht_leg, 16384);
	if (err) {
		err = ENOMEM;
		goto out;
	}

	err = sip_listen(&sipd.lsnr_req, sipd.sip, true, request_handler,
			 NULL);
	err |= sip_listen(&sipd.lsnr_resp, sipd.sip, false, response_handler,
			  NULL);
	if (err)
		goto out;

	err = digest_init(conf->digest_algorithms);
	if (err) {
		log_error("digest_algorithms '%s': use MD5, SHA-256 or both",
			  conf->digest_algorithms);
		goto out;
	}

	err = registrar_init();

 out:
	if (err)
		sipd_close();

	return err;
}


void sipd_shutdown(void)
{
	sipd.shutting_down = true;
}


void sipd_close(void)
{
	leg_flush_deferred();
	registrar_close();

	if (sipd.ht_stx)
		hash_flush(sipd.ht_stx);
	if (sipd.ht_ctx)
		hash_flush(sipd.ht_ctx);

	sipd.lsnr_req = mem_deref(sipd.lsnr_req);
	sipd.lsnr_resp = mem_deref(sipd.lsnr_resp);
	sipd.ht_stx = mem_deref(sipd.ht_stx);
	sipd.ht_ctx = mem_deref(sipd.ht_ctx);
	sipd.ht_leg = mem_deref(sipd.ht_leg);

	if (sipd.sip)
		sip_close(sipd.sip, true);
	sipd.sip = mem_deref(sipd.sip);
	sipd.nstx = sipd.nctx = sipd.nctx_busy = 0;
}
