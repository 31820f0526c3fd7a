/*
 * internal.h — shared by the files of src/call:
 *
 *   call.c    the call's life: arrival, answer, end
 *   offer.c   ringing agents' phones for a routing decision (one, or all
 *             of a ring-all offer), push timeout, the winner
 *   media.c   SDP between the two legs and the relay, re-INVITEs
 *   record.c  the call record and its batched saving
 *   sync.c    keeping routing in step with provisioning, registrations
 *             and agents' statuses
 *   runtime.c read-outs and controls for the API
 *   notify.c  call.*, agent.status and queue.stats for the event stream
 *   desktop.c agents with the web page open; Accept / Decline of offers
 *   transfer.c blind transfer of an answered call to a queue or agent
 *   outbound.c calls through a trunk: click-to-dial, transfer to a number
 *   control.c the agent's call controls: hang up, wrap-up, mute, hold,
 *             DTMF, transfer
 *   transcribe.c live transcription of both directions (src/asr)
 *   nba.c     next best action on each final utterance (src/nba)
 */
#ifndef SWITCHBOARD_CALL_INTERNAL_H
#define SWITCHBOARD_CALL_INTERNAL_H

#include <re.h>
#include "call/call.h"
#include "asr/asr.h"
#include "media/media.h"
#include "routing/routing.h"
#include "sip/sip.h"
#include "util/wheel.h"

enum call_state {
	CALL_QUEUED,
	CALL_OFFERING,
	CALL_ANSWERED,
	CALL_ENDED,
	CALL_DIALING,               /* outbound.c: a party is being called
				       through a trunk; nobody answered */
};

enum { CALL_ID_LEN = 24, CALL_LEGS_MAX = 32 };

/* One attempt to reach a party, for the record. Offers hold a reference
 * to theirs, so a record dropped from a long list stays valid. */
struct call_leg {
	struct le le;               /* call->legl */
	const char *role;           /* "caller", "agent", "customer" or
				       "external" (static strings) */
	char *agent;
	char *uri;
	uint16_t final_code;
	uint64_t started, answered, ended;
	uint64_t rtp_in, rtp_out;
};

/* An agent's phone being rung for this call. */
struct offer {
	struct le le;               /* call->offers */
	struct call *call;          /* the call owns the offer */
	struct sipd_leg *leg;
	struct call_leg *rec;
	char *agent;
	bool open;                  /* routing still holds its reservation */
	bool timed_out;
	bool rang;                  /* call.ringing was sent */
	bool desktop;               /* waits for Accept on the agent's page:
				       leg is NULL until then (desktop.c) */
};

struct call {
	struct le le;               /* cs.calls, while live */
	struct le le_dirty;         /* cs.dirty, while its record is unsaved */
	char id[CALL_ID_LEN + 1];
	enum call_state state;

	struct sipd_leg *a;         /* the caller */
	struct sipd_leg *b;         /* the winning offer's leg (borrowed) */
	struct list offers;         /* struct offer */
	struct media_relay *relay;
	struct routing_item *item;

	struct media_sdp offer_a;   /* what the caller offered */
	struct media_sdp local[2];  /* what we last told each side */
	uint64_t sess_id;
	uint32_t version[2];
	bool reoffer_pending[2];
	bool reoffer_again[2];      /* local[] changed while one was pending */

	char *from, *from_number, *from_name, *to, *trunk, *queue, *agent;
	uint32_t push_timeout_s, max_wait_s;
	uint64_t arrived, offered, answered, ended;   /* wall clock ms */
	const char *end_reason, *hangup_by;
	uint16_t caller_code;
	char *routing_json;         /* the routing explanation, at the end */

	struct call_leg *caller;    /* the caller's (inbound: the first in
				       legl) or the customer's record;
				       NULL until an outbound call dials
				       the customer */
	struct list legl;           /* struct call_leg, oldest first */

	struct wtimer push_tmr, wait_tmr;

	/* transcribe.c: side A (customer) and side B (agent), from answer
	 * to end, when transcription is on */
	struct asr_stream *asr[2];
	struct nba_call *nba;       /* nba.c: mood and what was shown */

	/* transfer.c: side B's relay counters when the last agent left,
	 * so that the next agent's leg counts only its own packets */
	uint64_t rtp_b0_in, rtp_b0_out;

	/* control.c: what the agent (or a supervisor) did to the call */
	bool muted, held;
	char *disposition, *notes;
	struct media_dtmf *dtmf;
	uint64_t wrapup_until;      /* wall clock ms, while in cs.wrapups */
	struct wtimer wrapup_tmr;

	/* outbound.c: a call the agent placed (click-to-dial: a is the
	 * customer's leg, side A), or a transfer to a number (xleg, side
	 * B, the "external" party); dial: where the trunk's INVITE goes */
	bool outbound;
	char *reserved;             /* the agent whose capacity it holds */
	struct sipd_target *dial;
	struct sipd_leg *xleg;
	struct call_leg *xrec;
};

struct call_state_global {
	struct store *store;
	struct routing *routing;
	struct list calls;
	struct list dirty;
	struct list wrapups;        /* ended calls whose agent wraps up */
	struct wtimer flush_tmr, routing_tmr;
	bool shutting_down;
	call_idle_h *idleh;
	void *idle_arg;
};

extern struct call_state_global cs;

uint64_t call_wallclock(void);
/* a call not yet live (not in cs.calls): id, arrival and session set;
 * mem_deref frees it and whatever it got since */
struct call *call_new(enum call_state state);
void call_end(struct call *call, const char *reason, const char *by,
	      uint16_t code);
void call_answered(struct call *call, struct offer *o,
		   const struct sipd_leg_ev *ev);
struct call *call_find(const char *id);
/* max_wait_s passed without an answer */
void call_wait_timeout(void *arg);

/* outbound.c */
/* the agent's phone answered / failed (its offer's leg) */
void call_outbound_agent_answered(struct call *call, struct offer *o,
				  const struct sipd_leg_ev *ev);
void call_outbound_agent_failed(struct call *call, struct offer *o,
				uint16_t scode);
/* the agent's capacity comes back; idempotent */
void call_outbound_release(struct call *call);
/* end of call: the external party's leg ends, with its packets */
void call_outbound_end(struct call *call);
void call_outbound_destroy(struct call *call);
/* transfer.c's "number": the agent has left; INVITE the number's trunk
 * for side B. EPERM: no trunk permits the number */
int  call_transfer_dial(struct call *call, const char *number);

/* offer.c */
void call_offer_handler(struct routing_item *item, const char *const *agents,
			size_t n, void *arg);
void call_offers_close(struct call *call);
void offer_withdraw_others(struct call *call, struct offer *winner);
void call_agent_removed(const char *agent);
/* The offer is over without winning: gone, and given back to routing. */
void call_offer_lost(struct offer *o, uint16_t code,
		     enum routing_refusal why);
/* A desktop offer was accepted: its phone is rung with an auto-answer
 * hint, the call's other offers are withdrawn. */
int  call_offer_ring(struct offer *o);
/* click-to-dial (outbound.c): the agent's phone rung with the
 * auto-answer hint; the offer is not routing's */
int  call_offer_dial(struct call *call, const char *agent,
		     const struct sipd_target *t, const struct mbuf *sdp);

/* desktop.c */
bool call_desktop_open(const char *agent);
void call_desktop_close(void);

/* media.c */
int  call_media_offer_agent(struct call *call, struct mbuf **sdp);
/* outbound.c: our own offer to the agent (no caller offered anything),
 * then our offer to the customer with what the agent accepted; their
 * answers go to call_media_answered */
int  call_media_dial_agent(struct call *call, struct mbuf **sdp);
int  call_media_dial_customer(struct call *call, struct mbuf **sdp);
int  call_media_agent_answered(struct call *call, const struct mbuf *sdp,
			       struct mbuf **answer_a);
/* the answer to our offer on side (after a transfer, click-to-dial) */
int  call_media_answered(struct call *call, enum media_side side,
			 const struct mbuf *sdp);
/* a leg's offer, ACK with answer, or answer to our re-INVITE, for the
 * media of side; other events are ignored */
void call_media_leg_event(struct call *call, enum media_side side,
			  const struct sipd_leg_ev *ev);
int  call_media_direction(struct call *call, enum media_side side,
			  enum media_dir dir);

/* control.c */
bool call_wrapup_start(struct call *call);
void call_wrapup_close(void);
const struct call *call_wrapup_of(const char *agent);

/* notify.c: events for the API's stream. call_notify_agent: something
 * about the agent may have changed (status, presence, load, capacity);
 * an agent.status follows if it did. */
void call_notify_agent(const char *agent);
void call_notify_queues(void);
void call_notify_close(void);
/* desktop: the offer waits for Accept on the agent's page */
void call_notify_offered(const struct call *call, const char *agent,
			 bool desktop);
void call_notify_ringing(const struct call *call, const char *agent);
/* outcome: declined, timeout, failed, withdrawn, ended, removed */
void call_notify_offer_ended(const struct call *call, const char *agent,
			     const char *outcome);
void call_notify_answered(const struct call *call);
void call_notify_ended(const struct call *call);

/* record.c */
struct call_leg *call_leg_add(struct call *call, const char *role,
			      const char *agent, const char *uri);
void call_record_touch(struct call *call);
void call_record_flush(void);
void call_record_close(void);

/* transcribe.c: start again (a transfer's answer) only renames the
 * agent; stop hands the utterances in progress to the workers */
void call_transcribe_init(void);
void call_transcribe_start(struct call *call);
void call_transcribe_stop(struct call *call);

/* nba.c: next best action for a final utterance (transcribe.c) */
void call_nba_utterance(const struct asr_result *r);

/* sync.c */
/* "@<agent>": the routing skill only that agent has (transfer.c) */
void call_agent_skill(char *buf, size_t sz, const char *agent);
int  call_sync_init(void);
void call_sync_close(void);
void call_sync_registered(const char *agent, bool registered, void *arg);
void call_routing_rearm(void);
void call_status_persist(const char *agent);

#endif
