/*
 * stream.c — one direction of a call, on the event loop: RTP in, G.711
 * decoded, utterances cut by an energy VAD, each finished utterance
 * (resampled to 16 kHz) queued for the workers (pool.c).
 *
 * While an utterance goes on, its latest audio is queued as a partial
 * every PARTIAL_MS, or as soon as the stream's previous partial came
 * back if that took longer (one in flight per stream: see
 * asr_pool_submit). Decoding again each time costs more CPU than
 * streaming into one decoder, but keeps decoders free of any one call.
 * To keep that cost, and so the spacing of partials, steady whatever
 * the utterance's length and whatever else the cores are doing, a
 * partial takes as much of the end of the utterance as decodes in
 * about PARTIAL_BUDGET_MS at the speed the stream's last partials
 * decoded (asr_pace_rtf), between PARTIAL_MIN_MS and the whole of it.
 * On an idle core (RTF ~0.1-0.25) that is the whole utterance up to
 * 1-2 s, then its last words; the final always decodes all of it.
 *
 * A stream on the ws backend skips all that: every packet's audio goes
 * to its connection (ws.c), whose server finds the utterances.
 *
 * The VAD works on whole packets (20 ms usually): a packet whose mean
 * amplitude is above SPEECH_LEVEL is speech. An utterance starts at the
 * first speech packet, with PREROLL_MS of what came before (the onset of
 * a word is quiet), and ends after HANGOVER_MS without speech or at
 * UTT_MAX_MS. Its final decodes it up to TAIL_MS after its last speech
 * packet (the silence after that says nothing). Time is counted in
 * samples received, so jitter does not move offsets; when the clock
 * runs more than RESYNC_MS ahead of that count (silence the party did
 * not send: DTX, hold, loss) it jumps to the clock.
 *
 * HANGOVER_MS is the shortest pause that ends an utterance: the bench's
 * sentences (bench/asr) pause up to 340 ms inside, so 400 ms splits
 * none of them; people pause longer than espeak-ng, see docs/NOTES.md.
 * As soon as TAIL_MS of silence has passed, the final is queued ahead
 * (asr_pool_speculate) with exactly the audio it will have, so it
 * decodes during the rest of the hang-over; speech before the hang-over
 * ends cancels it and the utterance goes on.
 */
#include <string.h>
#include <re.h>
#include "asr/asr.h"

enum {
	RATE_IN = 8000,
	SPEECH_LEVEL = 300,        /* ~-40 dBFS mean amplitude */
	PREROLL_MS = 200,
	HANGOVER_MS = 400,
	TAIL_MS = 250,
	UTT_MIN_MS = 150,          /* shorter bursts are clicks, not words */
	UTT_MAX_MS = 15000,
	RESYNC_MS = 1000,
	PARTIAL_MS = 250,
	PARTIAL_BUDGET_MS = 250,
	PARTIAL_MIN_MS = 1000,     /* less is mostly noise to the decoder */
	BUF_MAX = UTT_MAX_MS * 16 + PREROLL_MS * 16,   /* 16 kHz samples */
	PKT_SAMPLES_MAX = 480,     /* 60 ms at 8 kHz */
};

struct asr_stream {
	char *call_id, *agent;
	const char *leg, *role;
	uint64_t t0;               /* tmr_jiffies at the start */
	uint64_t pos;              /* 8 kHz samples since the start */
	int16_t *buf;              /* 16 kHz, the utterance and pre-roll */
	size_t n;
	int16_t last;
	bool speaking;
	uint64_t utt_start;        /* ms offset of buf[0] */
	uint64_t voiced_ms;
	uint64_t last_voice;       /* ms offset of the last speech packet */
	uint64_t voice_end;        /* ms offset of that packet's end */
	bool spec;                 /* its final is queued ahead */
	bool spec_tried;           /* and refused: none until speech again */
	uint64_t next_partial;     /* ms offset */
	struct asr_pace *pace;     /* the partial in flight */
	struct asr_vocab *vocab;   /* the queue's, or NULL */
	struct asr_ws *ws;         /* the ws backend's connection, or NULL */
};


static void destructor(void *arg)
{
	struct asr_stream *s = arg;

	/* the connection lives on until the server's last results */
	if (s->ws)
		asr_ws_end(s->ws);
	if (s->spec)
		asr_pool_cancel(s->pace);
	mem_deref(s->pace);
	mem_deref(s->vocab);
	mem_deref(s->buf);
	mem_deref(s->call_id);
	mem_deref(s->agent);
}


static void meta(const struct asr_stream *s, struct asr_result *r);


/* vad: the stream cuts utterances itself (not ws), so it needs buf */
static int alloc(struct asr_stream **sp, const char *call_id,
		 const char *agent, const char *leg, const char *role,
		 bool vad)
{
	struct asr_stream *s;
	int err;

	if (!sp || !call_id || !leg || !role)
		return EINVAL;

	s = mem_zalloc(sizeof(*s), destructor);
	if (!s)
		return ENOMEM;

	s->leg = leg;
	s->role = role;
	s->t0 = tmr_jiffies();
	s->buf = vad ? mem_alloc(BUF_MAX * sizeof(*s->buf), NULL) : NULL;
	err = s->buf || !vad ? 0 : ENOMEM;
	err |= asr_pace_alloc(&s->pace);
	err |= str_dup(&s->call_id, call_id);
	if (agent)
		err |= str_dup(&s->agent, agent);

	if (err) {
		mem_deref(s);
		return ENOMEM;
	}

	*sp = s;
	return 0;
}


int asr_stream_alloc(struct asr_stream **sp, const char *call_id,
		     const char *agent, const char *leg, const char *role)
{
	return alloc(sp, call_id, agent, leg, role, true);
}


int asr_stream_open(struct asr_stream **sp, const char *call_id,
		    const char *agent, const char *leg, const char *role,
		    const struct asr_route *rt)
{
	const char *be = rt && rt->backend ? rt->backend :
		asr_default_backend();
	struct asr_stream *s = NULL;
	struct asr_result r;
	int err;

	if (!strcmp(be, "pocketsphinx"))
		err = asr_pool_start();
	else if (!strcmp(be, "ws"))
		err = 0;
	else
		return ENOTSUP;

	err = err ? err : alloc(&s, call_id, agent, leg, role,
				strcmp(be, "ws") != 0);
	if (err)
		return err;

	if (!strcmp(be, "ws")) {
		const char *url = rt && rt->url ? rt->url :
			asr_ws_default_url();

		meta(s, &r);
		err = url ? asr_ws_alloc(&s->ws, url, &r) : EDESTADDRREQ;
		if (err) {
			mem_deref(s);
			return err;
		}
	}
	else if (rt) {
		s->vocab = mem_ref(rt->vocab);
	}

	*sp = s;
	return 0;
}


int asr_stream_agent(struct asr_stream *s, const char *agent,
		     const char *role)
{
	if (!s)
		return EINVAL;

	if (s->ws) {
		int err = asr_ws_agent(s->ws, agent, role);

		if (err)
			return err;
	}

	if (role)
		s->role = role;
	s->agent = mem_deref(s->agent);
	return agent ? str_dup(&s->agent, agent) : 0;
}


static void meta(const struct asr_stream *s, struct asr_result *r)
{
	memset(r, 0, sizeof(*r));
	r->call_id = s->call_id;
	r->agent = s->agent;
	r->leg = s->leg;
	r->role = s->role;
	r->text = "";
}


/* samples of buf the final decodes: up to TAIL_MS after the last
 * speech packet */
static size_t final_len(const struct asr_stream *s)
{
	const uint64_t ms = s->voice_end + TAIL_MS - s->utt_start;

	return ms * 16 < s->n ? (size_t)(ms * 16) : s->n;
}


/* the queue takes a copy sized to the utterance; buf stays for the next
 * one. false: refused (or no memory) */
static bool queue_final(struct asr_stream *s, bool spec)
{
	const size_t len = final_len(s);
	struct asr_result r;
	int16_t *pcm;
	bool ok;

	meta(s, &r);
	r.start_ms = s->utt_start;
	r.end_ms = s->utt_start + len / 16;

	pcm = mem_alloc(len * sizeof(*pcm), NULL);
	if (!pcm)
		return false;

	memcpy(pcm, s->buf, len * sizeof(*pcm));
	ok = spec ? asr_pool_speculate(&r, pcm, len, s->vocab, s->pace) :
		asr_pool_submit(&r, pcm, len, s->vocab, s->pace);
	if (!ok && !spec) {
		r.gap = true;
		asr_pool_emit(&r);
	}

	return ok;
}


static void submit(struct asr_stream *s)
{
	s->speaking = false;

	/* the final queued ahead has this very audio */
	if (s->spec) {
		s->spec = false;
		if (asr_pool_confirm(s->pace)) {
			s->n = 0;
			return;
		}
	}

	if (s->voiced_ms >= UTT_MIN_MS)
		(void)queue_final(s, false);

	s->n = 0;
}


/* samples of the utterance's end that decode in PARTIAL_BUDGET_MS */
static size_t partial_window(const struct asr_stream *s)
{
	const double rtf = asr_pace_rtf(s->pace);
	double ms = rtf > 0 ? PARTIAL_BUDGET_MS / rtf : UTT_MAX_MS;

	if (ms < PARTIAL_MIN_MS)
		ms = PARTIAL_MIN_MS;

	return ms * 16 < BUF_MAX ? (size_t)(ms * 16) : BUF_MAX;
}


static void partial(struct asr_stream *s, uint64_t now)
{
	const size_t win = partial_window(s);
	const size_t from = s->n > win ? s->n - win : 0;
	struct asr_result r;
	int16_t *pcm;

	s->next_partial = now + PARTIAL_MS;

	meta(s, &r);
	r.partial = true;
	r.start_ms = s->utt_start;
	r.end_ms = s->utt_start + s->n / 16;

	pcm = mem_alloc((s->n - from) * sizeof(*pcm), NULL);
	if (pcm) {
		memcpy(pcm, s->buf + from, (s->n - from) * sizeof(*pcm));
		(void)asr_pool_submit(&r, pcm, s->n - from, s->vocab,
				      s->pace);
	}
}


void asr_stream_flush(struct asr_stream *s)
{
	if (s && s->speaking)
		submit(s);
}


void asr_stream_rtp(struct asr_stream *s, const uint8_t *pkt, size_t len)
{
	int16_t pcm8[PKT_SAMPLES_MAX];
	size_t hdr, n;
	uint8_t pt;
	uint64_t now;
	bool voiced;

	if (!s || len < 12 || (pkt[0] >> 6) != 2)
		return;

	pt = pkt[1] & 0x7f;
	if (pt != 0 && pt != 8)
		return;   /* telephone-event, comfort noise, ... */

	hdr = 12 + 4u * (pkt[0] & 0x0f);
	if (pkt[0] & 0x10) {
		if (len < hdr + 4)
			return;
		hdr += 4 + 4u * ((size_t)(pkt[hdr + 2] << 8 | pkt[hdr + 3]));
	}
	if (len <= hdr)
		return;
	if (pkt[0] & 0x20) {
		/* padding: its last byte counts it */
		if (pkt[len - 1] >= len - hdr)
			return;
		len -= pkt[len - 1];
	}

	n = len - hdr;
	if (n > PKT_SAMPLES_MAX)
		n = PKT_SAMPLES_MAX;

	for (size_t i = 0; i < n; i++)
		pcm8[i] = pt ? asr_alaw(pkt[hdr + i]) : asr_ulaw(pkt[hdr + i]);

	now = tmr_jiffies() - s->t0;
	if (now > s->pos / 8 + RESYNC_MS)
		s->pos = now * 8;
	now = s->pos / 8;
	s->pos += n;

	if (s->ws) {
		asr_ws_audio(s->ws, pcm8, n, now);
		return;
	}

	voiced = asr_level(pcm8, n) >= SPEECH_LEVEL;

	if (!s->speaking) {
		/* keep only the pre-roll while nobody speaks */
		const size_t keep = PREROLL_MS * 16;

		if (s->n + 2 * n > keep) {
			size_t drop = s->n + 2 * n - keep;

			if (drop > s->n)
				drop = s->n;
			memmove(s->buf, s->buf + drop,
				(s->n - drop) * sizeof(*s->buf));
			s->n -= drop;
		}

		if (voiced) {
			s->speaking = true;
			s->voiced_ms = 0;
			s->next_partial = now + PARTIAL_MS;
			s->utt_start = now > s->n / 16 ? now - s->n / 16 : 0;
		}
	}

	if (s->n + 2 * n <= BUF_MAX) {
		asr_upsample(s->buf + s->n, pcm8, n, &s->last);
		s->n += 2 * n;
	}

	if (!s->speaking)
		return;

	if (voiced) {
		s->voiced_ms += n / 8;
		s->last_voice = now;
		s->voice_end = now + n / 8;
		s->spec_tried = false;
		/* not over after all */
		if (s->spec) {
			asr_pool_cancel(s->pace);
			s->spec = false;
		}
	}

	if (now - s->last_voice >= HANGOVER_MS ||
	    s->n / 16 >= UTT_MAX_MS)
		submit(s);
	else if (now + n / 8 >= s->voice_end + TAIL_MS) {
		if (!s->spec && !s->spec_tried && s->voiced_ms >= UTT_MIN_MS) {
			s->spec = queue_final(s, true);
			s->spec_tried = !s->spec;
		}
	}
	else if (now >= s->next_partial && s->voiced_ms >= UTT_MIN_MS &&
		 !asr_pace_busy(s->pace))
		partial(s, now);
}
