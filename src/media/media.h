/*
 * media.h — media anchored on switchboard: an RTP/RTCP relay per call and
 * the SDP handling that points both parties at it.
 *
 * A relay has two sides, A (the caller) and B (the agent). Each side owns
 * an even RTP port and the RTCP port above it; what arrives on side A is
 * sent from side B's port to party B, and back. The relay does not look
 * inside RTP, so RFC 4733 telephone-events pass through untouched.
 *
 * Symmetric RTP: a side's remote address comes from that party's SDP and
 * is replaced by the source of the first packet that party sends, after
 * which packets from any other source are dropped (no hijacking by a
 * third party that guesses the port).
 */
#ifndef SWITCHBOARD_MEDIA_H
#define SWITCHBOARD_MEDIA_H

#include <stdbool.h>
#include <stdint.h>
#include <re.h>

enum media_side { MEDIA_A = 0, MEDIA_B = 1 };

enum media_dir {
	MEDIA_SENDRECV = 0,
	MEDIA_SENDONLY,
	MEDIA_RECVONLY,
	MEDIA_INACTIVE,
};

enum media_codec {
	MEDIA_PCMU = 0,
	MEDIA_PCMA,
	MEDIA_TELEPHONE_EVENT,
};

enum {
	MEDIA_FMT_MAX = 8,
	MEDIA_MLINE_MAX = 8,
};

struct media_fmt {
	uint8_t pt;
	uint8_t codec;             /* enum media_codec */
};

/* One audio stream as described by SDP, reduced to what switchboard
 * relays: G.711 (PCMU, PCMA) and telephone-event. The other m= lines of
 * the description are kept only to decline them in an answer. */
struct media_sdp {
	struct sa addr;            /* c= address and m= port */
	struct media_fmt fmt[MEDIA_FMT_MAX];   /* in the sender's order */
	size_t nfmt;
	char te_fmtp[32];          /* telephone-event fmtp, e.g. "0-16" */
	enum media_dir dir;
	uint32_t ptime;            /* 0 = not given */
	uint8_t audio_idx;         /* position of our m= line */
	uint8_t nmline;
	char mline[MEDIA_MLINE_MAX][48];   /* "video RTP/AVP 96" */
};

struct media_relay;

/* Media sockets bind to laddr's IP; SDP advertises advertise's IP. At
 * most max_relays relays exist at once (0: as many as the ports allow),
 * so media cannot take the descriptors the database and SIP need. */
int  media_init(uint16_t port_min, uint16_t port_max,
		const struct sa *laddr, const struct sa *advertise,
		uint32_t max_relays);
void media_close(void);
uint32_t media_relay_count(void);

int  media_relay_alloc(struct media_relay **rp);
uint16_t media_relay_port(const struct media_relay *r, enum media_side side);
const struct sa *media_relay_addr(const struct media_relay *r,
				  enum media_side side);
/* Where to send this side's party's media (from its SDP); resets
 * latching. A zero address or port stops sending to it (hold). */
void media_relay_set_remote(struct media_relay *r, enum media_side side,
			    const struct sa *rtp);
void media_relay_stats(const struct media_relay *r, enum media_side side,
		       uint64_t *rx, uint64_t *tx);
/* Muted: RTP from this side's party is counted but not forwarded to the
 * other party; RTCP still is. */
void media_relay_mute(struct media_relay *r, enum media_side side,
		      bool mute);
/* Every RTP packet accepted from this side's party (muted or not) is
 * shown to h before it is relayed; h must not block or send. NULL h
 * removes the tap. Used by transcription (src/asr). */
typedef void (media_tap_h)(const uint8_t *pkt, size_t len, void *arg);
void media_relay_tap(struct media_relay *r, enum media_side side,
		     media_tap_h *h, void *arg);
/* One packet of our own to this side's party, from this side's RTP port
 * (where the party expects the other party's media). ENOTCONN: no
 * address known yet, or on hold. */
int  media_relay_send(struct media_relay *r, enum media_side side,
		      const uint8_t *pkt, size_t len);

/* RFC 4733 telephone-events (dtmf.c): digits (0-9 * # A-D) sent to one
 * side's party with payload type pt, 100 ms per digit and 60 ms between,
 * paced by a timer. The generator belongs to whoever allocates it (it
 * holds a reference to the relay); more digits queue behind those still
 * playing. EINVAL: a character that is not a digit, or more than
 * MEDIA_DTMF_MAX waiting. */
enum { MEDIA_DTMF_MAX = 64 };
struct media_dtmf;
int  media_dtmf_alloc(struct media_dtmf **dp, struct media_relay *r,
		      enum media_side side, uint8_t pt);
int  media_dtmf_send(struct media_dtmf *d, const char *digits);
bool media_dtmf_valid(const char *digits);

/* SDP. parse reads the first audio m= line; ENOENT: no audio, ENOTSUP:
 * no codec we relay (or not RTP/AVP), EBADMSG: malformed. */
int  media_sdp_parse(struct media_sdp *s, const struct mbuf *mb);
/* Writes an SDP for s with addr (our side of the relay) as c= and port;
 * sess_id/version go to o=. */
int  media_sdp_encode(struct mbuf **mbp, const struct media_sdp *s,
		      const struct sa *addr, uint64_t sess_id,
		      uint32_t version);
/* The answer to offer given what the far party accepted: the offer's
 * formats that the far party kept, in its order; its direction and
 * ptime; the offer's other m= lines (declined when encoded). */
void media_sdp_intersect(struct media_sdp *out, const struct media_sdp *offer,
			 const struct media_sdp *accepted);
enum media_dir media_dir_reverse(enum media_dir dir);
const char *media_dir_name(enum media_dir dir);

#endif
