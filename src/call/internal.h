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
 */
#ifndef SWITCHBOARD_CALL_INTERNAL_H
#define SWITCHBOARD_CALL_INTERNAL_H

#include <re.h>
#include "call/call.h"
#include "media/media.h"
#include "sip/sip.h"
#include "util/wheel.h"

enum call_state {
	CALL_QUEUED,
	CALL_OFFERING,
	CALL_ANSWERED,
	CALL_ENDED,
};

enum { CALL_ID_LEN = 24, CALL_LEGS_MAX = 32 };

/* One attempt to reach a party, for the record. Offers hold a reference
 * to theirs, so a record dropped from a long list stays valid. */
struct call_leg {
	struct le le;               /* call->legl */
	const char *role;           /* "caller" or "agent" (static strings) */
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

	struct call_leg *caller;    /* the first record in legl */
	struct list legl;           /* struct call_leg, oldest first */

	struct wtimer push_tmr, wait_tmr;
};

struct call_state_global {
	struct store *store;
	struct routing *routing;
	struct list calls;
	struct list dirty;
	struct wtimer flush_tmr, routing_tmr;
	bool shutting_down;
	call_idle_h *idleh;
	void *idle_arg;
};

extern struct call_state_global cs;

uint64_t call_wallclock(void);
void call_end(struct call *call, const char *reason, const char *by,
	      uint16_t code);
void call_answered(struct call *call, struct offer *o,
		   const struct sipd_leg_ev *ev);
struct call *call_find(const char *id);

/* offer.c */
void call_offer_handler(struct routing_item *item, const char *const *agents,
			size_t n, void *arg);
void call_offers_close(struct call *call);
void offer_withdraw_others(struct call *call, struct offer *winner);
void call_agent_removed(const char *agent);

/* media.c */
int  call_media_offer_agent(struct call *call, struct mbuf **sdp);
int  call_media_agent_answered(struct call *call, const struct mbuf *sdp,
			       struct mbuf **answer_a);
void call_media_offer(struct call *call, enum media_side side,
		      const struct sipd_leg_ev *ev);
void call_media_ack_answer(struct call *call, enum media_side side,
			   const struct sipd_leg_ev *ev);
void call_media_reoffer_answered(struct call *call, enum media_side side,
				 const struct sipd_leg_ev *ev);

/* record.c */
struct call_leg *call_leg_add(struct call *call, const char *role,
			      const char *agent, const char *uri);
void call_record_touch(struct call *call);
void call_record_flush(void);
void call_record_close(void);

/* sync.c */
int  call_sync_init(void);
void call_sync_close(void);
void call_sync_registered(const char *agent, bool registered, void *arg);
void call_routing_rearm(void);
void call_status_persist(const char *agent);

#endif
