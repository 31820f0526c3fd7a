/*
 * test_asr.c — transcription's signal path without a recognizer: G.711
 * decoding, upsampling, and a stream's VAD cutting one utterance out of
 * RTP, which (no workers: transcription off) comes back as a gap with
 * the utterance's offsets; what the ws backend accepts from a server
 * and as a URL; the pool handing each decoder its vocabulary.
 */
#include <pthread.h>
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
	int n, partials;
	struct asr_result r;       /* its strings are gone after the call */
	char call[16], text[16];
};


/* finals and gaps; partials are counted apart */
static void on_result(const struct asr_result *r, void *arg)
{
	struct got *g = arg;

	if (r->partial) {
		++g->partials;
		return;
	}

	g->r = *r;
	str_ncpy(g->call, r->call_id, sizeof(g->call));
	str_ncpy(g->text, r->text, sizeof(g->text));
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


static void test_ws_msg(void)
{
	struct asr_ws_msg m;
	static const char *const bad[] = {
		"", "[]", "null", "\"text\"", "{}", "{\"partial\":3}",
		"{\"text\":null}", "{\"result\":[]}", "{\"text\":\"a\"",
		"not json", "{\"a\":[[[[[[{\"text\":\"x\"}]]]]]]}",
	};

	CHECK_EQ(0, asr_ws_msg_parse(&m, "{\"partial\":\"hello wor\"}",
				     24));
	CHECK(m.partial && !m.timed);
	CHECK_STR(m.text, "hello wor");
	mem_deref(m.text);

	/* times span the words; confidence their mean, clamped to 0..1;
	 * a word with impossible times counts for neither */
	{
		const char *j = " {\"result\":[{\"word\":\"a\",\"start\":0.5,"
			"\"end\":0.75,\"conf\":0.5},{\"word\":\"b\","
			"\"start\":0.75,\"end\":1.25,\"conf\":3},"
			"{\"word\":\"c\",\"start\":2,\"end\":1,\"conf\":1},"
			"{\"word\":\"d\",\"start\":-1,\"end\":9,\"conf\":1},"
			"7],\"text\":\"a b c d\"}";

		CHECK_EQ(0, asr_ws_msg_parse(&m, j, strlen(j)));
		CHECK(!m.partial && m.timed);
		CHECK_STR(m.text, "a b c d");
		CHECK(m.start_s == 0.5 && m.end_s == 1.25);
		CHECK(m.conf > 0.749 && m.conf < 0.751);
		mem_deref(m.text);
	}

	CHECK_EQ(0, asr_ws_msg_parse(&m, "{\"text\":\"\"}", 11));
	CHECK(!m.partial && !m.timed && !*m.text);
	mem_deref(m.text);

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		m.text = NULL;
		CHECK_EQ(EBADMSG, asr_ws_msg_parse(&m, bad[i],
						   strlen(bad[i])));
		CHECK(!m.text);
	}
}


static void test_ws_url(void)
{
	static const char *const good[] = {
		"ws://127.0.0.1:2700", "ws://127.0.0.1", "ws://[::1]:2700/a",
		"ws://10.1.2.3:80/asr?model=en", "ws://127.0.0.1/",
	};
	static const char *const bad[] = {
		"", "http://127.0.0.1/", "wss://127.0.0.1/", "ws://",
		"ws://asr.example.com/", "ws://127.0.0.1:0/",
		"ws://127.0.0.1:65536", "ws://127.0.0.1:/", "ws://[::1",
		"ws://127.0.0.1x/", "ws://127.0.0.1/a b", "ws://1.2.3.4:80x",
	};
	const char *why = NULL;
	char lng[300];

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		CHECK_EQ(0, asr_ws_url_check(good[i], &why));

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		CHECK_EQ(EINVAL, asr_ws_url_check(bad[i], &why));
		CHECK(why && *why);
	}

	memset(lng, 'a', sizeof(lng) - 1);
	lng[sizeof(lng) - 1] = 0;
	memcpy(lng, "ws://127.0.0.1/", 15);
	CHECK_EQ(EINVAL, asr_ws_url_check(lng, &why));
}


/* A recognizer that hears nothing but notes which vocabulary each
 * decoder was given: the pool's plumbing, without PocketSphinx. */
static struct {
	pthread_mutex_t mtx;
	uint64_t given[16];        /* serials, 0 for NULL, in order */
	size_t ngiven;
	int results, want;
	size_t fed[64];            /* samples of each decode, under mtx */
	size_t nfed;
	bool hold;                 /* decodes wait until it is cleared */
	pthread_cond_t cond;
} fk = {.mtx = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};

static int fk_open(void **decp)
{
	*decp = mem_zalloc(1, NULL);
	return *decp ? 0 : ENOMEM;
}

static int fk_vocabulary(void *dec, const struct asr_vocab *v)
{
	(void)dec;
	pthread_mutex_lock(&fk.mtx);
	if (fk.ngiven < 16)
		fk.given[fk.ngiven++] = v ? v->serial : 0;
	pthread_mutex_unlock(&fk.mtx);
	return 0;
}

static int fk_start(void *dec)
{
	(void)dec;
	return 0;
}

static int fk_feed(void *dec, const int16_t *pcm, size_t n)
{
	(void)dec;
	(void)pcm;
	pthread_mutex_lock(&fk.mtx);
	if (fk.nfed < 64)
		fk.fed[fk.nfed++] = n;
	while (fk.hold)
		pthread_cond_wait(&fk.cond, &fk.mtx);
	pthread_mutex_unlock(&fk.mtx);
	return n ? 0 : EINVAL;
}

static int fk_result(void *dec, bool final, char **textp, double *conf)
{
	(void)dec;

	*conf = 0.5;
	return str_dup(textp, final ? "final" : "");
}

static void fk_close(void *dec)
{
	mem_deref(dec);
}

static const struct asr_backend fake = {
	"fake", fk_open, fk_vocabulary, fk_start, fk_feed, fk_result,
	fk_close
};


static void fk_result_h(const struct asr_result *r, void *arg)
{
	(void)arg;
	if (r->partial || r->gap)
		return;
	if (++fk.results == fk.want)
		re_cancel();
}


static void fk_timeout(void *arg)
{
	(void)arg;
	re_cancel();
}


/* one utterance on a new stream of the given vocabulary, decoded */
static int utterance(struct asr_vocab *v)
{
	struct asr_route rt = {"pocketsphinx", NULL, v};
	struct asr_stream *s = NULL;
	struct tmr t;
	uint8_t pkt[172];
	int err;

	err = asr_stream_open(&s, "c2", NULL, "b", "agent", &rt);
	if (err)
		return err;

	for (uint16_t i = 0; i < 100; i++) {
		packet(pkt, i < 50, i);
		asr_stream_rtp(s, pkt, sizeof(pkt));
	}
	mem_deref(s);

	++fk.want;
	tmr_init(&t);
	tmr_start(&t, 10000, fk_timeout, NULL);
	(void)re_main(NULL);
	tmr_cancel(&t);
	return fk.results == fk.want ? 0 : ETIMEDOUT;
}


static void test_pool_vocabulary(void)
{
	struct asr_vocab *v1 = NULL, *v2 = NULL;
	const char *const p1[] = {"account balance"}, *const p2[] = {"refund"};
	int err;

	memset(fk.given, 0, sizeof(fk.given));
	fk.ngiven = 0;
	fk.results = fk.want = 0;
	CHECK_EQ(0, asr_vocab_alloc(&v1, "billing", p1, 1));
	CHECK_EQ(0, asr_vocab_alloc(&v2, "refunds", p2, 1));

	asr_handler(fk_result_h, NULL);
	asr_pool_backend(&fake);
	asr_pool_config(1, 0);

	/* a decoder is told when the vocabulary changes, not every time;
	 * NULL brings back the general model */
	err = utterance(v1);
	err = err ? err : utterance(v1);
	err = err ? err : utterance(NULL);
	err = err ? err : utterance(v2);

	asr_pool_close();
	asr_pool_backend(NULL);
	asr_handler(NULL, NULL);

	CHECK_EQ(0, err);
	CHECK_EQ(fk.ngiven, 3u);
	CHECK_EQ(fk.given[0], v1->serial);
	CHECK_EQ(fk.given[1], 0u);
	CHECK_EQ(fk.given[2], v2->serial);
	mem_deref(v1);
	mem_deref(v2);
}


/* the event loop for ms: results arrive through the pool's mqueue */
static void run_loop(uint32_t ms)
{
	struct tmr t;

	tmr_init(&t);
	tmr_start(&t, ms, fk_timeout, NULL);
	(void)re_main(NULL);
	tmr_cancel(&t);
}


/* how many decodes had ms of audio (partials, the stream's other
 * decodes, have other lengths: they stop before the silence) */
static int decodes(uint64_t ms)
{
	int n = 0;

	pthread_mutex_lock(&fk.mtx);
	for (size_t i = 0; i < fk.nfed; i++)
		n += fk.fed[i] == ms * 16;
	pthread_mutex_unlock(&fk.mtx);
	return n;
}


/* packets of 20 ms, loud or silent, from packet number *seq on */
static void talk(struct asr_stream *s, bool loud, int n, uint16_t *seq)
{
	uint8_t pkt[172];

	for (int i = 0; i < n; i++) {
		packet(pkt, loud, (*seq)++);
		asr_stream_rtp(s, pkt, sizeof(pkt));
	}
}


/* one worker on the fake recognizer, its finals and gaps into g, its
 * decoder open */
static void fake_pool(struct got *g)
{
	memset(g, 0, sizeof(*g));
	fk.nfed = 0;
	asr_handler(on_result, g);
	asr_pool_backend(&fake);
	asr_pool_config(1, 0);
	CHECK_EQ(0, asr_pool_start());
	run_loop(100);
}


static void fake_pool_end(void)
{
	asr_pool_close();
	asr_pool_backend(NULL);
	asr_handler(NULL, NULL);
}


/* The final is decoded while the VAD's hang-over still waits (a short
 * silence is enough to start it), goes out the moment the hang-over
 * ends without a second decode, and is dropped if the speaker goes on,
 * whose utterance then gets one final covering all of it. */
static void test_pool_speculation(void)
{
	struct asr_route rt = {"pocketsphinx", NULL, NULL};
	struct asr_stream *s = NULL;
	struct got g;
	uint16_t seq = 0;

	fake_pool(&g);
	CHECK_EQ(0, asr_stream_open(&s, "c3", NULL, "a", "customer", &rt));

	/* 1 s of speech, then 300 ms of silence: decoded ahead, held */
	talk(s, true, 50, &seq);
	talk(s, false, 15, &seq);
	run_loop(300);
	CHECK_EQ(decodes(1000 + 250), 1);   /* speech + 250 ms */
	CHECK_EQ(g.n, 0);

	/* the hang-over (400 ms) ends: out at once, not decoded again */
	talk(s, false, 5, &seq);
	CHECK_EQ(g.n, 1);
	CHECK(!g.r.gap && !g.r.partial);
	CHECK_STR(g.call, "c3");
	CHECK_EQ(g.r.start_ms, 0u);
	CHECK_EQ(g.r.end_ms, 1250u);
	CHECK_STR(g.text, "final");
	run_loop(200);
	CHECK_EQ(decodes(1250), 1);
	CHECK_EQ(g.n, 1);

	/* speech, a 300 ms pause (decoded ahead), speech again: the early
	 * result is dropped, one final for the whole utterance */
	talk(s, false, 10, &seq);      /* pre-roll: 180 ms kept, from 1.42 s */
	talk(s, true, 50, &seq);       /* 1.6 s to 2.6 s */
	talk(s, false, 15, &seq);
	run_loop(300);
	CHECK_EQ(decodes(2600 + 250 - 1420), 1);
	talk(s, true, 25, &seq);       /* 2.9 s to 3.4 s */
	talk(s, false, 25, &seq);
	run_loop(300);
	CHECK_EQ(g.n, 2);
	CHECK_EQ(decodes(3400 + 250 - 1420), 1);
	CHECK_EQ(g.r.start_ms, 1420u);
	CHECK_EQ(g.r.end_ms, 3650u);

	/* a pause that is decoded ahead, then the call ends (flush): the
	 * result it held is the final */
	talk(s, true, 30, &seq);       /* 3.9 s to 4.5 s, pre-roll 100 ms */
	talk(s, false, 14, &seq);
	run_loop(300);
	CHECK_EQ(decodes(4500 + 250 - 3800), 1);
	asr_stream_flush(s);
	CHECK_EQ(g.n, 3);
	/* and one cut short by the end of the stream is just dropped */
	talk(s, true, 30, &seq);
	talk(s, false, 14, &seq);
	mem_deref(s);
	run_loop(300);
	CHECK_EQ(g.n, 3);

	fake_pool_end();
}


/* where the first decode of ms of audio came, -1: none */
static int decode_index(uint64_t ms)
{
	int at = -1;

	pthread_mutex_lock(&fk.mtx);
	for (size_t i = 0; i < fk.nfed && at < 0; i++) {
		if (fk.fed[i] == ms * 16)
			at = (int)i;
	}
	pthread_mutex_unlock(&fk.mtx);
	return at;
}


/* Under load a final is still decoded ahead: queued when its speaker
 * has paused TAIL_MS, behind the finals already waiting, it is ahead
 * of a final submitted during the rest of its hang-over, and decoded
 * once. (Queued only when no final waited, it went in 150 ms later.) */
static void test_pool_speculation_under_load(void)
{
	struct asr_route rt = {"pocketsphinx", NULL, NULL};
	struct asr_stream *x = NULL, *y = NULL, *b = NULL, *c = NULL;
	uint16_t sx = 0, sy = 0, sb = 0, sc = 0;
	struct got g;

	fake_pool(&g);
	CHECK_EQ(0, asr_stream_open(&x, "cx", NULL, "a", "customer", &rt));
	CHECK_EQ(0, asr_stream_open(&y, "cy", NULL, "a", "customer", &rt));
	CHECK_EQ(0, asr_stream_open(&b, "cb", NULL, "a", "customer", &rt));
	CHECK_EQ(0, asr_stream_open(&c, "cc", NULL, "a", "customer", &rt));

	/* the one worker busy with x, y's final waiting behind it */
	pthread_mutex_lock(&fk.mtx);
	fk.hold = true;
	pthread_mutex_unlock(&fk.mtx);
	talk(x, true, 50, &sx);
	talk(x, false, 20, &sx);
	run_loop(100);
	talk(y, true, 40, &sy);
	talk(y, false, 20, &sy);

	/* b pauses 260 ms: decoded ahead (850 ms: speech and the tail) */
	talk(b, true, 30, &sb);
	talk(b, false, 13, &sb);
	/* c's whole utterance ends meanwhile (440 ms + tail) */
	talk(c, true, 22, &sc);
	talk(c, false, 20, &sc);
	/* b's hang-over ends */
	talk(b, false, 7, &sb);

	pthread_mutex_lock(&fk.mtx);
	fk.hold = false;
	pthread_cond_broadcast(&fk.cond);
	pthread_mutex_unlock(&fk.mtx);
	run_loop(300);

	CHECK_EQ(decodes(850), 1);
	CHECK_EQ(decodes(690), 1);
	CHECK(decode_index(850) >= 0 && decode_index(850) < decode_index(690));
	CHECK_EQ(g.n, 4);

	mem_deref(x);
	mem_deref(y);
	mem_deref(b);
	mem_deref(c);
	fake_pool_end();
}


UNIT_SUITE(asr,
	UNIT_CASE(test_g711),
	UNIT_CASE(test_upsample),
	UNIT_CASE(test_stream_vad_gap),
	UNIT_CASE(test_ws_msg),
	UNIT_CASE(test_ws_url),
	UNIT_CASE(test_pool_vocabulary),
	UNIT_CASE(test_pool_speculation),
	UNIT_CASE(test_pool_speculation_under_load),
);
