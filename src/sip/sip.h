/*
 * sip.h — switchboard's SIP side: transport (libre's UDP and TCP), our own
 * transaction layer (RFC 3261 section 17, timers on the timing wheel), the
 * registrar with digest auth, the trunk gate, and B2BUA legs.
 *
 * A leg is one dialog with one party: the caller's INVITE coming in from a
 * trunk, or our INVITE going out to an agent's phone. The call module owns
 * legs and pairs them; this module knows nothing of calls or queues.
 *
 * Names are prefixed sipd_ because libre owns sip_.
 */
#ifndef SWITCHBOARD_SIP_H
#define SWITCHBOARD_SIP_H

#include <stdbool.h>
#include <stdint.h>
#include <re.h>

struct store;
struct sipd_leg;

struct sipd_conf {
	struct sa laddr;            /* UDP and TCP listen address */
	struct sa advertise;        /* address in Via and Contact */
	const char *realm;
	const char *digest_algorithms;  /* "SHA-256,MD5": offered, in order */
	uint32_t reg_min_expires, reg_max_expires;
	uint32_t nonce_ttl;
	uint32_t auth_max_failures;
};

/* What a leg tells its owner. msg is the SIP message that caused the
 * event, or NULL when a timer or transport error did. sdp is the message
 * body when it carried application/sdp. */
enum sipd_leg_event {
	SIPD_LEG_PROGRESS,   /* out: 1xx (scode) */
	SIPD_LEG_ANSWERED,   /* out: 2xx with the answer in sdp */
	SIPD_LEG_FAILED,     /* out: final >= 300, or timeout (scode 408) */
	SIPD_LEG_CANCELLED,  /* in: caller sent CANCEL before we answered */
	SIPD_LEG_CONFIRMED,  /* in: ACK for our 2xx */
	SIPD_LEG_BYE,        /* either: the party hung up */
	SIPD_LEG_OFFER,      /* either: re-INVITE; reply sipd_leg_answer_offer */
	SIPD_LEG_REOFFER_ANSWERED, /* our re-INVITE got 2xx (sdp) */
	SIPD_LEG_REOFFER_FAILED,   /* our re-INVITE failed (scode) */
	SIPD_LEG_LOST,       /* either: no ACK / BYE timed out: party gone */
	SIPD_LEG_ACK_ANSWER, /* either: the answer (sdp) to the offer our 2xx
				carried, in the ACK of an offerless re-INVITE */
};

struct sipd_leg_ev {
	enum sipd_leg_event type;
	uint16_t scode;
	const struct sip_msg *msg;
	const struct mbuf *sdp;     /* NULL if none; read from sdp->pos */
};

typedef void (sipd_leg_h)(struct sipd_leg *leg, const struct sipd_leg_ev *ev,
			  void *arg);

/* A new INVITE from a trunk. The handler either keeps the leg (mem_ref it
 * and set a handler with sipd_leg_set_handler) or answers it with
 * sipd_leg_reject. trunk is the matched trunk's id. */
typedef void (sipd_invite_h)(struct sipd_leg *leg, const struct sip_msg *msg,
			     const char *trunk, void *arg);

/* An agent's registration came or went (all bindings gone). */
typedef void (sipd_reg_h)(const char *agent, bool registered, void *arg);

struct sipd_target {
	char uri[256];              /* Request-URI (the registered Contact) */
	struct sa dst;              /* where to send */
	enum sip_transp tp;
};

int  sipd_init(const struct sipd_conf *conf, struct store *st,
	       sipd_invite_h *inviteh, sipd_reg_h *regh, void *arg);
/* Stop taking new requests; pending transactions keep running. */
void sipd_shutdown(void);
void sipd_close(void);
uint32_t sipd_txn_count(void);
uint32_t sipd_pending_requests(void);  /* ours, awaiting a final answer */
const char *sipd_host(void);      /* advertised "ip:port" for URIs */

/* Registrar */
bool sipd_agent_registered(const char *agent);
int  sipd_agent_target(const char *agent, struct sipd_target *t);
void sipd_agent_unregister(const char *agent);  /* e.g. agent deleted */

/* Legs */
int  sipd_leg_invite(struct sipd_leg **legp, const struct sipd_target *t,
		     const char *from_uri, const char *from_name,
		     const char *to_uri, const struct mbuf *sdp,
		     sipd_leg_h *h, void *arg);
/* As sipd_leg_invite, with hdrs (header lines, each ending in CRLF) in
 * the INVITE only: e.g. an auto-answer hint. */
int  sipd_leg_invite_hdrs(struct sipd_leg **legp,
			  const struct sipd_target *t, const char *from_uri,
			  const char *from_name, const char *to_uri,
			  const char *hdrs, const struct mbuf *sdp,
			  sipd_leg_h *h, void *arg);
void sipd_leg_set_handler(struct sipd_leg *leg, sipd_leg_h *h, void *arg);
int  sipd_leg_progress(struct sipd_leg *leg, uint16_t scode,
		       const char *reason, const struct mbuf *sdp);
int  sipd_leg_answer(struct sipd_leg *leg, const struct mbuf *sdp);
int  sipd_leg_reject(struct sipd_leg *leg, uint16_t scode,
		     const char *reason);
int  sipd_leg_answer_offer(struct sipd_leg *leg, uint16_t scode,
			   const struct mbuf *sdp);
int  sipd_leg_reoffer(struct sipd_leg *leg, const struct mbuf *sdp);
/* Ends the leg in whatever state it is: CANCEL or BYE for outgoing, a
 * final error (scode) or BYE for incoming. Idempotent. The leg sends no
 * more events afterwards. */
void sipd_leg_hangup(struct sipd_leg *leg, uint16_t scode,
		     const char *reason);

bool sipd_leg_established(const struct sipd_leg *leg);
/* The SDP body of msg: 0, ENOENT (no body) or ENOTSUP (not SDP). */
int  sipd_msg_sdp(const struct sip_msg *msg, const struct mbuf **body);
const char *sipd_leg_uri(const struct sipd_leg *leg);       /* party URI */
const struct sa *sipd_leg_peer(const struct sipd_leg *leg);
const char *sipd_leg_callid(const struct sipd_leg *leg);

#endif
