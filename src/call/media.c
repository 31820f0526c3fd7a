/*
 * media.c — SDP between a call's two legs and its relay.
 *
 * Each side only ever sees the relay's address for that side. The formats
 * pass through in the caller's payload-type numbering (the relay does not
 * transcode), narrowed to what both parties accepted. A re-INVITE from
 * one side (hold, resume, a new address) is answered at once from what
 * that side already agreed to, and its direction is passed on to the
 * other side in a re-INVITE of our own, so hold works end to end and the
 * relay follows any address change.
 */
#include <string.h>
#include <re.h>
#include "log.h"
#include "call/internal.h"

#define LOG_MODULE "call"


static struct sipd_leg *side_leg(const struct call *call, enum media_side s)
{
	return s == MEDIA_A ? call->a : call->b;
}


static int encode(struct call *call, enum media_side side, struct mbuf **mb)
{
	return media_sdp_encode(mb, &call->local[side],
				media_relay_addr(call->relay, side),
				call->sess_id, ++call->version[side]);
}


static bool has_audio_codec(const struct media_sdp *s)
{
	for (size_t i = 0; i < s->nfmt; i++) {
		if (s->fmt[i].codec != MEDIA_TELEPHONE_EVENT)
			return true;
	}

	return false;
}


int call_media_offer_agent(struct call *call, struct mbuf **sdp)
{
	/* The agent gets the caller's audio formats only: no declined
	 * streams in a fresh offer. After a transfer the caller is not
	 * asked again (no re-INVITE): the next agent gets only what the
	 * caller agreed to. */
	if (sipd_leg_established(call->a)) {
		call->local[MEDIA_B] = call->local[MEDIA_A];
		call->local[MEDIA_B].dir = MEDIA_SENDRECV;
	}
	else {
		call->local[MEDIA_B] = call->offer_a;
	}
	call->local[MEDIA_B].nmline = 0;
	call->local[MEDIA_B].audio_idx = 0;
	call->version[MEDIA_B] = 0;

	return encode(call, MEDIA_B, sdp);
}


/* Side's peer answered our offer with ans: what we send there, and
 * where. */
static int take_answer(struct call *call, enum media_side side,
		       const struct media_sdp *ans)
{
	media_sdp_intersect(&call->local[side], &call->local[side], ans);
	if (!has_audio_codec(&call->local[side]))
		return ENOTSUP;

	call->local[side].dir = media_dir_reverse(ans->dir);
	media_relay_set_remote(call->relay, side, &ans->addr);
	return 0;
}


int call_media_agent_answered(struct call *call, const struct mbuf *sdp,
			      struct mbuf **answer_a)
{
	struct media_sdp ans;
	int err;

	if (!sdp)
		return EPROTO;

	err = media_sdp_parse(&ans, sdp);
	if (err)
		return err;

	/* the caller gets what both the caller offered and the agent took */
	media_sdp_intersect(&call->local[MEDIA_A], &call->offer_a, &ans);
	if (!has_audio_codec(&call->local[MEDIA_A]))
		return ENOTSUP;

	err = take_answer(call, MEDIA_B, &ans);
	if (err)
		return err;

	media_relay_set_remote(call->relay, MEDIA_A, &call->offer_a.addr);

	return encode(call, MEDIA_A, answer_a);
}


int call_media_answered(struct call *call, enum media_side side,
			const struct mbuf *sdp)
{
	struct media_sdp ans;
	int err;

	if (!sdp)
		return EPROTO;

	err = media_sdp_parse(&ans, sdp);
	if (err)
		return err;

	return take_answer(call, side, &ans);
}


/* Click-to-dial: nobody offered anything, so the agent gets G.711 both
 * ways and telephone-event in the usual numbering, and the customer
 * then gets what the agent accepted: the relay never transcodes. */
int call_media_dial_agent(struct call *call, struct mbuf **sdp)
{
	struct media_sdp *s = &call->local[MEDIA_B];

	memset(s, 0, sizeof(*s));
	s->fmt[0] = (struct media_fmt){0, MEDIA_PCMU};
	s->fmt[1] = (struct media_fmt){8, MEDIA_PCMA};
	s->fmt[2] = (struct media_fmt){101, MEDIA_TELEPHONE_EVENT};
	s->nfmt = 3;
	str_ncpy(s->te_fmtp, "0-16", sizeof(s->te_fmtp));
	s->dir = MEDIA_SENDRECV;
	s->ptime = 20;
	call->version[MEDIA_B] = 0;

	return encode(call, MEDIA_B, sdp);
}


int call_media_dial_customer(struct call *call, struct mbuf **sdp)
{
	call->local[MEDIA_A] = call->local[MEDIA_B];
	call->local[MEDIA_A].dir = MEDIA_SENDRECV;
	call->version[MEDIA_A] = 0;

	return encode(call, MEDIA_A, sdp);
}


/* Our re-INVITE to one side with what local[side] now says. One at a
 * time: a change made meanwhile goes out when the pending one ends. */
static void reoffer(struct call *call, enum media_side side)
{
	struct mbuf *mb = NULL;
	int err;

	if (call->reoffer_pending[side]) {
		call->reoffer_again[side] = true;
		return;
	}

	err = encode(call, side, &mb);
	if (!err)
		err = sipd_leg_reoffer(side_leg(call, side), mb);
	mem_deref(mb);

	if (!err) {
		call->reoffer_pending[side] = true;
		call->reoffer_again[side] = false;
	}
	else {
		/* EBUSY: their INVITE or re-INVITE is not ACKed yet */
		call->reoffer_again[side] = true;
		log_warn("call %s: cannot re-INVITE the %s yet: %m", call->id,
			 side == MEDIA_A ? "caller" : "agent", err);
	}
}


/* Our own direction change towards one side (hold from the API). */
int call_media_direction(struct call *call, enum media_side side,
			 enum media_dir dir)
{
	if (call->state != CALL_ANSWERED || !side_leg(call, side))
		return EINVAL;

	if (call->local[side].dir == dir)
		return 0;

	call->local[side].dir = dir;
	reoffer(call, side);
	return 0;
}


static void leg_offer(struct call *call, enum media_side side,
		      const struct sipd_leg_ev *ev)
{
	struct sipd_leg *leg = side_leg(call, side);
	const enum media_side other = !side;
	struct media_sdp offer, ans;
	struct mbuf *mb = NULL;
	int err;

	if (call->state != CALL_ANSWERED) {
		(void)sipd_leg_answer_offer(leg, 488, NULL);
		return;
	}

	/* No offer in the re-INVITE: ours goes in the 200, unchanged. */
	if (!ev->sdp) {
		if (!encode(call, side, &mb))
			(void)sipd_leg_answer_offer(leg, 200, mb);
		mem_deref(mb);
		return;
	}

	err = media_sdp_parse(&offer, ev->sdp);
	if (!err) {
		media_sdp_intersect(&ans, &offer, &call->local[side]);
		if (!has_audio_codec(&ans))
			err = ENOTSUP;
	}
	if (err) {
		log_info("call %s: re-INVITE refused: %m", call->id, err);
		(void)sipd_leg_answer_offer(leg, 488, NULL);
		return;
	}

	ans.dir = media_dir_reverse(offer.dir);
	call->local[side] = ans;
	media_relay_set_remote(call->relay, side, &offer.addr);

	err = encode(call, side, &mb);
	if (!err)
		err = sipd_leg_answer_offer(leg, 200, mb);
	mb = mem_deref(mb);

	log_info("call %s: %s side is now %s", call->id,
		 side == MEDIA_A ? "caller" : "agent",
		 media_dir_name(offer.dir));

	/* Pass the direction on: hold one side, hold the other. */
	if (call->local[other].dir == offer.dir)
		return;

	call->local[other].dir = offer.dir;
	reoffer(call, other);
}


static void ack_answer(struct call *call, enum media_side side,
		       const struct sipd_leg_ev *ev)
{
	struct media_sdp ans;

	if (!ev->sdp || media_sdp_parse(&ans, ev->sdp))
		return;

	call->local[side].dir = media_dir_reverse(ans.dir);
	media_relay_set_remote(call->relay, side, &ans.addr);
}


static void reoffer_answered(struct call *call, enum media_side side,
			     const struct sipd_leg_ev *ev)
{
	struct media_sdp ans;

	call->reoffer_pending[side] = false;

	if (ev->type == SIPD_LEG_REOFFER_FAILED) {
		/* RFC 3261 14.1: 481 and 408 end the dialog */
		if (ev->scode == 481 || ev->scode == 408) {
			call_end(call, "error", "system", 0);
			return;
		}
		/* 491: RFC 3261 14.1 wants a retry after 2.1-4 s (we own
		 * the Call-ID on the agent side) or 0-2 s; a timer belongs
		 * here. */
	}
	else if (ev->sdp && !media_sdp_parse(&ans, ev->sdp)) {
		media_relay_set_remote(call->relay, side, &ans.addr);
	}

	if (call->reoffer_again[side])
		reoffer(call, side);
}


/* What any leg's media events do, whichever leg it is. */
void call_media_leg_event(struct call *call, enum media_side side,
			  const struct sipd_leg_ev *ev)
{
	switch (ev->type) {

	case SIPD_LEG_OFFER:
		leg_offer(call, side, ev);
		break;

	case SIPD_LEG_ACK_ANSWER:
		ack_answer(call, side, ev);
		break;

	case SIPD_LEG_REOFFER_ANSWERED:
	case SIPD_LEG_REOFFER_FAILED:
		reoffer_answered(call, side, ev);
		break;

	default:
		break;
	}
}
