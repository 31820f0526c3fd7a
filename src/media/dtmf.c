/*
 * dtmf.c — RFC 4733 telephone-events that switchboard itself sends to
 * one party of a relay (an agent dialling digits into the caller's IVR
 * from the web client).
 *
 * Each digit is one event: a start packet (marker bit) and updates every
 * 20 ms up to 100 ms, then the end packet three times (RFC 4733 2.5.1.4:
 * the end is repeated because it may be lost), then 60 ms of nothing
 * before the next digit. The events carry an SSRC of their own: the
 * relay does not rewrite the other party's stream, and RFC 3550 lets one
 * stream hold several sources.
 *
 * Pacing uses libre's tmr, not the timing wheel: digits are rare and
 * the media module depends on nothing of ours.
 */
#include <string.h>
#include <re.h>
#include "media/media.h"

enum {
	TICK_MS = 20,
	SAMPLES = 160,             /* per tick at 8 kHz */
	TONE_TICKS = 5,            /* 100 ms of tone */
	END_REPEAT = 3,
	GAP_TICKS = 3,             /* 60 ms between digits */
	STEPS = TONE_TICKS + END_REPEAT + GAP_TICKS,
	VOLUME = 10,               /* -10 dBm0 */
};

struct media_dtmf {
	struct media_relay *r;
	enum media_side side;
	uint8_t pt;
	struct tmr tmr;
	char digits[MEDIA_DTMF_MAX + 1];   /* waiting, the playing one first */
	uint32_t step;             /* of the first digit */
	uint16_t seq;
	uint32_t ts, ssrc;
};

static const char names[] = "0123456789*#ABCD";


static int event_of(char c)
{
	const char *p;

	if (c >= 'a' && c <= 'd')
		c = (char)(c - 'a' + 'A');

	p = c ? strchr(names, c) : NULL;
	return p ? (int)(p - names) : -1;
}


bool media_dtmf_valid(const char *digits)
{
	if (!digits)
		return false;

	for (; *digits; digits++) {
		if (event_of(*digits) < 0)
			return false;
	}

	return true;
}


static void send_event(struct media_dtmf *d, int ev, bool end,
		       uint16_t duration, bool marker)
{
	uint8_t pkt[16];

	pkt[0] = 0x80;
	pkt[1] = (uint8_t)((marker ? 0x80 : 0) | (d->pt & 0x7f));
	pkt[2] = (uint8_t)(d->seq >> 8);
	pkt[3] = (uint8_t)d->seq;
	pkt[4] = (uint8_t)(d->ts >> 24);
	pkt[5] = (uint8_t)(d->ts >> 16);
	pkt[6] = (uint8_t)(d->ts >> 8);
	pkt[7] = (uint8_t)d->ts;
	pkt[8] = (uint8_t)(d->ssrc >> 24);
	pkt[9] = (uint8_t)(d->ssrc >> 16);
	pkt[10] = (uint8_t)(d->ssrc >> 8);
	pkt[11] = (uint8_t)d->ssrc;
	pkt[12] = (uint8_t)ev;
	pkt[13] = (uint8_t)((end ? 0x80 : 0) | VOLUME);
	pkt[14] = (uint8_t)(duration >> 8);
	pkt[15] = (uint8_t)duration;

	++d->seq;

	/* a lost packet is what RTP expects; the end is sent thrice */
	(void)media_relay_send(d->r, d->side, pkt, sizeof(pkt));
}


static void tick(void *arg)
{
	struct media_dtmf *d = arg;
	const int ev = event_of(d->digits[0]);

	if (ev < 0)
		return;

	if (d->step < TONE_TICKS)
		send_event(d, ev, false, (uint16_t)((d->step + 1) * SAMPLES),
			   d->step == 0);
	else if (d->step < TONE_TICKS + END_REPEAT)
		send_event(d, ev, true, TONE_TICKS * SAMPLES, false);

	if (++d->step >= STEPS) {
		/* the next event starts where this one's time ends */
		d->ts += STEPS * SAMPLES;
		d->step = 0;
		memmove(d->digits, d->digits + 1, strlen(d->digits));
		if (!d->digits[0])
			return;
	}

	tmr_start(&d->tmr, TICK_MS, tick, d);
}


static void destructor(void *arg)
{
	struct media_dtmf *d = arg;

	tmr_cancel(&d->tmr);
	mem_deref(d->r);
}


int media_dtmf_alloc(struct media_dtmf **dp, struct media_relay *r,
		     enum media_side side, uint8_t pt)
{
	struct media_dtmf *d;

	if (!dp || !r || pt > 127)
		return EINVAL;

	d = mem_zalloc(sizeof(*d), destructor);
	if (!d)
		return ENOMEM;

	d->r = mem_ref(r);
	d->side = side;
	d->pt = pt;
	d->seq = (uint16_t)rand_u16();
	d->ts = rand_u32();
	d->ssrc = rand_u32();
	tmr_init(&d->tmr);

	*dp = d;
	return 0;
}


int media_dtmf_send(struct media_dtmf *d, const char *digits)
{
	const size_t have = d ? strlen(d->digits) : 0;
	const size_t n = digits ? strlen(digits) : 0;

	if (!d || !n || !media_dtmf_valid(digits) ||
	    have + n > MEDIA_DTMF_MAX)
		return EINVAL;

	memcpy(d->digits + have, digits, n + 1);

	if (!have) {
		d->step = 0;
		tick(d);
	}

	return 0;
}
