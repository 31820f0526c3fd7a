/*
 * internal.h — what the files of src/sip share and nothing outside sees.
 *
 *   sipd.c       start-up, transport, dispatch of requests and responses
 *   txn.c        server and client transactions (RFC 3261 section 17,
 *                RFC 6026 Accepted state), timers on the wheel
 *   msg.c        building requests and responses
 *   digest.c     digest challenges and verification (RFC 7616, RFC 8760)
 *   registrar.c  REGISTER, bindings, persistence
 *   leg.c        dialogs: the B2BUA's legs
 *   target.c     where to send a request for a URI
 */
#ifndef SWITCHBOARD_SIP_INTERNAL_H
#define SWITCHBOARD_SIP_INTERNAL_H

#include <re.h>
#include "sip/sip.h"
#include "util/wheel.h"

enum {
	T1 = SIP_T1,
	T2 = SIP_T2,
	T4 = SIP_T4,
	TXN_TIMEOUT = 64 * SIP_T1,
	BRANCH_MAX = 64,
	TAG_LEN = 16,
};

struct stx;
struct ctx;

struct sipd {
	struct sip *sip;
	struct sip_lsnr *lsnr_req, *lsnr_resp;
	struct hash *ht_stx;        /* server transactions by branch */
	struct hash *ht_ctx;        /* client transactions by branch */
	struct hash *ht_leg;        /* legs by Call-ID */
	struct sipd_conf conf;
	struct store *store;
	sipd_invite_h *inviteh;
	sipd_reg_h *regh;
	void *arg;
	uint32_t nstx, nctx;
	uint32_t nctx_busy;          /* client requests awaiting a final */
	bool shutting_down;
	char host[64];              /* advertised "ip:port" ("[v6]:port") */
};

extern struct sipd sipd;

/* --- transport helpers (sipd.c) --- */
int  sipd_send(enum sip_transp tp, const struct sa *dst,
	       struct mbuf *mb);
const char *sipd_transp_param(enum sip_transp tp);  /* ";transport=tcp" */

/* --- msg.c --- */
int  msg_response(struct mbuf **mbp, const struct sip_msg *req,
		  uint16_t scode, const char *reason, const char *totag,
		  const char *hdrs, const struct mbuf *body);
void msg_rand_tag(char *tag, size_t sz);
void msg_rand_branch(char *branch, size_t sz);
int  msg_sdp_body(const struct sip_msg *msg, const struct mbuf **body);
bool msg_has_body(const struct sip_msg *msg);
int  msg_print_body(struct re_printf *pf, void *body);  /* %H, mbuf */
extern const char *const msg_allow;

struct msg_ack_args {
	struct pl ruri, route, from, to, callid;
	enum sip_transp tp;
	const char *branch;
	uint32_t cseq;
};

int  msg_ack(struct mbuf **mbp, const struct msg_ack_args *a);

/* --- txn.c: server transactions ---
 * A server transaction is created for every new request but ACK and
 * CANCEL and lives in ht_stx until it terminates; the TU gets a borrowed
 * pointer and takes a mem_ref if it answers later. */
typedef void (stx_cancel_h)(void *arg);
typedef void (stx_noack_h)(void *arg);

int  stx_alloc(struct stx **stp, const struct sip_msg *msg);
struct stx *stx_find(const struct sip_msg *msg, bool invite);
void stx_retransmitted(struct stx *st);
int  stx_reply(struct stx *st, uint16_t scode, const char *reason,
	       const char *totag, const char *hdrs, const struct mbuf *body);
const struct sip_msg *stx_msg(const struct stx *st);
bool stx_final_sent(const struct stx *st);
void stx_set_cancel(struct stx *st, stx_cancel_h *h, void *arg);
void stx_set_noack(struct stx *st, stx_noack_h *h, void *arg);
void stx_ack(struct stx *st);              /* ACK for our 2xx arrived */
bool stx_absorb_ack(const struct sip_msg *ack); /* ACK for non-2xx */
void stx_cancel_request(const struct sip_msg *cancel);
void stx_detach(struct stx *st);           /* TU gone: no callbacks */

/* --- txn.c: client transactions --- */
typedef void (ctx_resp_h)(int err, const struct sip_msg *msg, void *arg);

struct ctx_req {
	const char *method;
	const char *ruri;
	const char *from;           /* full header values, tags included */
	const char *to;
	const char *callid;
	uint32_t cseq;
	const char *hdrs;           /* more headers, each ending in CRLF */
	const struct mbuf *body;    /* application/sdp, or NULL */
	const struct sa *dst;
	enum sip_transp tp;
};

int  ctx_send(struct ctx **ctp, const struct ctx_req *req,
	      ctx_resp_h *resph, void *arg);
int  ctx_cancel(struct ctx *ct);
void ctx_detach(struct ctx *ct, ctx_resp_h *resph, void *arg);
bool ctx_response(const struct sip_msg *msg);

/* --- digest.c --- */
struct digest_resp {
	struct pl username, realm, nonce, uri, response;
	struct pl algorithm, qop, nc, cnonce, opaque;
};

int  digest_init(const char *algorithms);
int  digest_decode(struct digest_resp *dr, const struct pl *hval);
int  digest_challenge(struct mbuf *mb, const char *hdr, const struct sa *src,
		      bool stale);
/* 0: valid; EACCES: wrong response; ETIMEDOUT: nonce expired (stale);
 * EBADMSG: malformed or a nonce we did not issue */
int  digest_verify(const struct digest_resp *dr, const struct pl *method,
		   const char *ha1_md5, const char *ha1_sha256,
		   const struct sa *src);

/* --- registrar.c --- */
int  registrar_init(void);
void registrar_close(void);
void registrar_request(struct stx *st, const struct sip_msg *msg);

/* --- leg.c --- */
int  leg_incoming(struct sipd_leg **legp, struct stx *st,
		  const struct sip_msg *msg);
bool leg_request(struct stx *st, const struct sip_msg *msg);
bool leg_ack(const struct sip_msg *msg);
void leg_orphan_resp(int err, const struct sip_msg *msg, void *arg);
void leg_flush_deferred(void);

/* --- target.c --- */
int  target_resolve(struct sa *dst, const struct uri *uri,
		    const struct sa *peer, enum sip_transp tp);

#endif
