/*
 * test_asr.c — transcription's signal path without a recognizer: G.711
 * decoding, upsampling, and a stream's VAD cutting one utterance out of
 * RTP, which (no workers: transcription off) comes back as a gap with
 * the utterance's offsets.
 */
#include <string.h>
#include <re.h>
#include "asr/asr.h"
#include "unit.h"


static void test_g711(void)
{
	CHECK_EQ(asr_ulaw(0xff), 0);
	CHECK_EQ(asr_ulaw(0x7f), 0);
	CHECK_EQ(asr_ulaw(0x80), 32124);
	CHECK_EQ(asr_ulaw(0x00), -32124);
	CHECK_EQ(asr_alaw(0xd5), 8);
	CHECK_EQ(asr_alaw(0x55), -8);
	CHECK_EQ(asr_alaw(0xaa), 32256);
	CHECK_EQ(asr_alaw(0x2a), -32256);
}


static void test_upsample(void)
{
	const int16_t in[3] = {100, 200, -100};
	int16_t out[6], last = 0;

	asr_upsample(out, in, 3, &last);
	CHECK_EQ(out[0], 50);
	CHECK_EQ(out[1], 100);
	CHECK_EQ(out[2], 150);
	CHECK_EQ(out[3], 200);
	CHECK_EQ(out[4], 50);
	CHECK_EQ(out[5], -100);
	CHECK_EQ(last, -100);
	CHECK_EQ(asr_level(in, 3), 133u);
}


struct got {
	int n;
	struct asr_result r;
	char call[16];
};


static void on_result(const struct asr_result *r, void *arg)
{
	struct got *g = arg;

	g->r = *r;
	str_ncpy(g->call, r->call_id, sizeof(g->call));
	++g->n;
}


/* 20 ms PCMU packet: silence, or a loud square wave */
static void packet(uint8_t *pkt, bool loud, uint16_t seq)
{
	memset(pkt, 0, 12);
	pkt[0] = 0x80;
	pkt[1] = 0;
	pkt[2] = (uint8_t)(seq >> 8);
	pkt[3] = (uint8_t)seq;
	for (int i = 0; i < 160; i++)
		pkt[12 + i] = loud ? ((i / 8) % 2 ? 0x9f : 0x1f) : 0xff;
}


static void test_stream_vad_gap(void)
{
	struct asr_stream *s = NULL;
	struct got g;
	uint8_t pkt[172];
	uint16_t seq = 0;

	memset(&g, 0, sizeof(g));
	asr_handler(on_result, &g);
	CHECK(!asr_enabled());
	CHECK_EQ(0, asr_stream_alloc(&s, "c1", "ann", "a", "customer"));

	/* 1 s silence, 1 s speech, 1 s silence: one utterance */
	for (int i = 0; i < 150; i++) {
		packet(pkt, i >= 50 && i < 100, seq++);
		asr_stream_rtp(s, pkt, sizeof(pkt));
	}
	/* a packet that is not G.711 is ignored, and so are malformed
	 * ones: padding or an extension longer than the packet */
	pkt[1] = 101;
	asr_stream_rtp(s, pkt, 16);
	packet(pkt, true, seq);
	pkt[0] |= 0x20;
	pkt[sizeof(pkt) - 1] = 255;
	asr_stream_rtp(s, pkt, sizeof(pkt));
	packet(pkt, true, seq);
	pkt[0] |= 0x10;
	asr_stream_rtp(s, pkt, 14);
	pkt[14] = 0xff;
	pkt[15] = 0xff;
	asr_stream_rtp(s, pkt, sizeof(pkt));

	CHECK_EQ(g.n, 1);
	CHECK(g.r.gap);
	CHECK_STR(g.call, "c1");
	CHECK_STR(g.r.role, "customer");
	CHECK(g.r.start_ms >= 780 && g.r.start_ms <= 820);   /* pre-roll */
	CHECK(g.r.end_ms >= 2000 && g.r.end_ms <= 2700);

	/* a click is not an utterance; flush without one sends nothing */
	packet(pkt, true, seq++);
	asr_stream_rtp(s, pkt, sizeof(pkt));
	asr_stream_flush(s);
	asr_stream_flush(s);
	CHECK_EQ(g.n, 1);

	mem_deref(s);
	asr_handler(NULL, NULL);
}


UNIT_SUITE(asr,
	UNIT_CASE(test_g711),
	UNIT_CASE(test_upsample),
	UNIT_CASE(test_stream_vad_gap),
);
