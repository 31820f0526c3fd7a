/*
 * internal.h — shared by the files of src/call:
 *
 *   call.c    the state machine: legs, offers, answers, endings
 *   media.c   SDP between the two legs and the relay, re-INVITEs
 *   record.c  the call record and its batched saving
 *   sync.c    keeping routing in step with provisioning and registrations
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

enum { CALL_ID_LEN = 24, CALL_LEGS_MAX = 16 };

/* One attempt to reach a party, for the record. */
struct call_leg {
	const char *role;           /* "caller" or "agent" (static strings) */
	char *agent;
	char *uri;
	uint16_t final_code;
	uint64_t started, answered, ended;
	uint64_t rtp_in, rtp_out;
};

struct call {
	struct le le;               /* cs.calls, while live */
	struct le le_dirty;         /* cs.dirty, while its record is unsaved */
	char id[CALL_ID_LEN + 1];
	enum call_state state;

	struct sipd_leg *a;         /* the caller */
	struct sipd_leg *b;         /* the agent being offered or talking */
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

	struct call_leg legs[CALL_LEGS_MAX];
	size_t nlegs;
	struct call_leg *cur;       /* the agent attempt in progress */

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

#endif
