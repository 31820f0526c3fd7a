/*
 * asr.c — how well and how fast switchboard transcribes telephone
 * speech with PocketSphinx, with and without a queue's vocabulary.
 *
 * Input: the audio bench/asr/gen.sh renders from bench/asr/utterances.txt
 * (each utterance clean and with 20 dB line noise, several espeak-ng
 * voices and speeds, 8 kHz u-law) and the queue vocabulary
 * bench/asr/vocabulary.txt. Nothing here knows the sentences but the
 * manifest; the vocabulary holds product names and request phrases,
 * not the test sentences.
 *
 * 1. Accuracy and speed: one decoder per core, each utterance decoded
 *    whole (as the pool does) with the general model alone, with the
 *    base model (ASR_LM: "callcenter", the default, "general" or a
 *    path; see asr_ps_language_model) and with the base model and the
 *    vocabulary. WER = word-level Levenshtein distance / reference
 *    words, after lower-casing and dropping punctuation (asr_lm_errors),
 *    summed over the set and per condition. RTF = decoder thread CPU
 *    time / audio time. Memory: RSS growth for one decoder opened, and
 *    for its vocabulary search built, before any other thread runs;
 *    time to open a decoder (general, base).
 * 2. Concurrency: N legs fed at real-time pace (20 ms PCMU packets on a
 *    libre timer) through the real path (asr_stream_rtp: G.711, VAD,
 *    the worker pool, partials included), each leg speaking half of
 *    the time (an utterance, then as long a silence). A step passes
 *    when nothing was dropped, every utterance got its final, and the
 *    last final came at most DRAIN_MS after the last packet (the queue
 *    did not grow: the work left when the audio stopped was under
 *    DRAIN_MS). N doubles from 2 until a step fails, then bisects.
 *    Latency = final's arrival - the utterance's last loud packet (the
 *    VAD's level; espeak-ng ends its audio with silence). It includes
 *    the VAD's hang-over (400 ms), which decides that speech has ended
 *    (the final is decoded ahead during it when a worker is free, see
 *    stream.c), and any partial a worker is still decoding. The legs
 *    have no vocabulary: the pool decodes with the base model.
 *
 * Per-condition table and steps on stderr; one line on stdout:
 *   asr: WER …% general -> …% callcenter -> …% +vocabulary (…), RTF
 *   …/…/…, … legs real-time, final p50 … ms p99 … ms, … MiB/decoder
 *   (general …) +… MiB/vocabulary
 *
 *   bench/asr/run.sh       (renders the audio if needed, builds, runs)
 *   build/bench/asr [dir]  (dir: gen.sh's output, default build/asr-bench)
 *   ASR_STEP_S=20 ASR_NMAX=256 ASR_THREADS=2 ASR_SKIP_LOAD=1 ASR_SKIP_WER=1
 *   ASR_SKIP_VOCAB=1 (the accuracy pass without the vocabulary: a third
 *   less time, for trying decoder settings)
 *   ASR_MODEL=DIR (acoustic model; default: switchboard's, see
 *   asr_ps_model)
 *   ASR_LM=general|callcenter|PATH
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <re.h>
#include "asr/asr.h"
#include "asr/lm.h"
#include "util/file.h"
#include "bench.h"

enum {
	UTT_MAX = 2000,
	PKT = 160,                 /* 20 ms at 8 kHz */
	DRAIN_MS = 5000,
	SPEECH_LEVEL = 300,        /* stream.c's VAD threshold */
};

struct utt {
	char file[64], voice[32], speed[8], noise[8];
	char *text;
	uint8_t *ulaw;
	size_t n;                  /* samples at 8 kHz */
	size_t speech_end;         /* after its last packet the VAD calls loud */
	/* results: [0] general model, [1] the base model (ASR_LM),
	 * [2] base + vocabulary */
	unsigned err[3], words;
	double cpu[3];
	char *hyp[3];
};

static struct {
	const char *dir;
	struct utt u[UTT_MAX];
	size_t nu;
	struct asr_vocab *vocab;
	size_t next;               /* next utterance to decode, under mtx */
	pthread_mutex_t mtx;
	const char *lm;            /* the base model */
	double rss_gen, rss_dec, rss_vocab; /* MiB, before the threads */
	double open_gen_ms, open_ms;        /* decoders opened */
	double build_ms;           /* its vocabulary search, built */
	bool skip_vocab;           /* ASR_SKIP_VOCAB: no vocabulary pass */
} b;


static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}


static double cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}


/* manifest.tsv: file, voice, speed, noise, text */
static int load(void)
{
	char path[512], *man, *line, *save = NULL;
	size_t len;

	snprintf(path, sizeof(path), "%s/manifest.tsv", b.dir);
	if (file_read(path, &man, &len)) {
		fprintf(stderr, "asr: no %s: run bench/asr/gen.sh first\n",
			path);
		return ENOENT;
	}

	for (line = strtok_r(man, "\n", &save); line && b.nu < UTT_MAX;
	     line = strtok_r(NULL, "\n", &save)) {
		struct utt *u = &b.u[b.nu];
		char text[512], *ul;

		if (sscanf(line, "%63[^\t]\t%31[^\t]\t%7[^\t]\t%7[^\t]\t%511[^\n]",
			   u->file, u->voice, u->speed, u->noise, text) != 5)
			continue;
		u->text = strdup(text);
		snprintf(path, sizeof(path), "%s/%s", b.dir, u->file);
		if (!u->text || file_read(path, &ul, &u->n)) {
			mem_deref(man);
			return ENOENT;
		}
		u->ulaw = (uint8_t *)ul;
		for (size_t k = 0; k + PKT <= u->n; k += PKT) {
			int16_t pcm[PKT];

			for (size_t i = 0; i < PKT; i++)
				pcm[i] = asr_ulaw(u->ulaw[k + i]);
			if (asr_level(pcm, PKT) >= SPEECH_LEVEL)
				u->speech_end = k + PKT;
		}
		++b.nu;
	}
	mem_deref(man);
	return b.nu ? 0 : ENODATA;
}


static int load_vocab(void)
{
	char path[512], *txt, *line, *save = NULL;
	const char *phr[ASR_LM_PHRASES];
	size_t len, n = 0;
	int err;

	snprintf(path, sizeof(path), "bench/asr/vocabulary.txt");
	if (file_read(path, &txt, &len)) {
		fprintf(stderr, "asr: no %s (run from the repository)\n",
			path);
		return ENOENT;
	}
	for (line = strtok_r(txt, "\n", &save); line && n < ASR_LM_PHRASES;
	     line = strtok_r(NULL, "\n", &save))
		phr[n++] = line;

	err = asr_vocab_alloc(&b.vocab, "bench", phr, n);
	mem_deref(txt);
	return err;
}


static int16_t *pcm16k(const struct utt *u, size_t *np)
{
	int16_t *in = malloc(u->n * sizeof(*in));
	int16_t *out = malloc(2 * u->n * sizeof(*out));
	int16_t last = 0;

	if (!in || !out) {
		free(in);
		free(out);
		return NULL;
	}
	for (size_t i = 0; i < u->n; i++)
		in[i] = asr_ulaw(u->ulaw[i]);
	asr_upsample(out, in, u->n, &last);
	free(in);
	*np = 2 * u->n;
	return out;
}


static int decode_one(void *dec, struct utt *u, int mode,
		      const int16_t *pcm, size_t n)
{
	const struct asr_backend *be = &asr_pocketsphinx;
	double conf, t0;
	char *text = NULL;
	int err;

	err = be->vocabulary(dec, mode == 2 ? b.vocab : NULL);
	if (err)
		return err;

	t0 = cpu_s();
	err = be->start(dec);
	if (!err)
		err = be->feed(dec, pcm, n);
	if (!err)
		err = be->result(dec, true, &text, &conf);
	u->cpu[mode] = cpu_s() - t0;
	if (err)
		return err;

	u->err[mode] = asr_lm_errors(u->text, text, &u->words);
	u->hyp[mode] = strdup(text);
	mem_deref(text);
	return 0;
}


/* a decoder on the general model or on the base model; the backend's
 * choice is process-wide, so threads take turns */
static int open_dec(void **decp, bool general)
{
	int err;

	pthread_mutex_lock(&b.mtx);
	err = asr_ps_language_model(general ? "general" : b.lm);
	if (!err)
		err = asr_pocketsphinx.open(decp);
	pthread_mutex_unlock(&b.mtx);
	return err;
}


/* before any other thread runs, so RSS growth is this decoder's */
static void measure_decoder(void)
{
	void *gen = NULL, *dec = NULL;
	double r0 = rss_mib(), r1, t = now_s();

	if (open_dec(&gen, true))
		return;
	b.open_gen_ms = (now_s() - t) * 1000.0;
	r1 = rss_mib();
	b.rss_gen = r1 - r0;
	t = now_s();
	if (open_dec(&dec, false)) {
		asr_pocketsphinx.close(gen);
		return;
	}
	b.open_ms = (now_s() - t) * 1000.0;
	r0 = r1;
	r1 = rss_mib();
	b.rss_dec = r1 - r0;
	t = now_s();
	(void)asr_pocketsphinx.vocabulary(dec, b.vocab);
	b.build_ms = (now_s() - t) * 1000.0;
	b.rss_vocab = rss_mib() - r1;
	asr_pocketsphinx.close(dec);
	asr_pocketsphinx.close(gen);
}


static void *wer_thread(void *arg)
{
	bool same = !strcmp(b.lm, "general");
	void *gen = NULL, *dec = NULL;
	int err;
	(void)arg;

	err = open_dec(&gen, true);
	if (!err)
		err = open_dec(&dec, false);
	if (err) {
		fprintf(stderr, "asr: cannot open a decoder: %s\n",
			strerror(err));
		if (gen)
			asr_pocketsphinx.close(gen);
		return NULL;
	}

	for (;;) {
		struct utt *u;
		int16_t *pcm;
		size_t n;

		pthread_mutex_lock(&b.mtx);
		u = b.next < b.nu ? &b.u[b.next++] : NULL;
		pthread_mutex_unlock(&b.mtx);
		if (!u)
			break;

		pcm = pcm16k(u, &n);
		if (!pcm)
			break;
		for (int mode = 0; mode < (b.skip_vocab ? 2 : 3); mode++) {
			/* the base model is the general one: mode 1 is 0 */
			if (mode == 1 && same) {
				u->err[1] = u->err[0];
				u->cpu[1] = u->cpu[0];
				u->hyp[1] = strdup(u->hyp[0] ? u->hyp[0] : "");
				continue;
			}
			err = decode_one(mode ? dec : gen, u, mode, pcm, n);
			if (err)
				fprintf(stderr, "asr: %s: %s\n", u->file,
					strerror(err));
		}
		free(pcm);
	}

	asr_pocketsphinx.close(dec);
	asr_pocketsphinx.close(gen);
	return NULL;
}


struct agg {
	unsigned err[3], words;
	double cpu[3], audio;
	unsigned n;
};


static void agg_add(struct agg *a, const struct utt *u)
{
	for (int m = 0; m < 3; m++) {
		a->err[m] += u->err[m];
		a->cpu[m] += u->cpu[m];
	}
	a->words += u->words;
	a->audio += (double)u->n / 8000.0;
	++a->n;
}


static double pct(unsigned e, unsigned w)
{
	return w ? 100.0 * e / w : 0;
}


static void agg_print(const char *what, const struct agg *a)
{
	fprintf(stderr, "  %-22s %4u %5u  %6.1f%%  %6.1f%%  %6.1f%%   %.3f   "
		"%.3f   %.3f\n", what, a->n, a->words, pct(a->err[0], a->words),
		pct(a->err[1], a->words), pct(a->err[2], a->words),
		a->cpu[0] / a->audio, a->cpu[1] / a->audio,
		a->cpu[2] / a->audio);
}


/* whether one of the queue vocabulary's phrases is in the utterance
 * (case-insensitive, as text): the vocabulary is meant to help there */
static bool has_phrase(const struct utt *u)
{
	for (size_t i = 0; b.vocab && i < b.vocab->n; i++) {
		if (strcasestr(u->text, b.vocab->phrases[i]))
			return true;
	}
	return false;
}


/* overall, then grouped by each condition's value, then by whether the
 * utterance holds a vocabulary phrase */
static void wer_table(struct agg *all)
{
	const char *keys[] = {"voice", "speed", "noise"};

	fprintf(stderr, "\n  %-22s %4s %5s  %7s  %7s  %7s   %5s   %5s   %5s\n",
		"condition", "utts", "words", "general", "base", "+vocab",
		"RTF-g", "RTF-b", "RTF-v");
	memset(all, 0, sizeof(*all));
	for (size_t i = 0; i < b.nu; i++)
		agg_add(all, &b.u[i]);
	agg_print("all", all);

	for (int k = 0; k < 3; k++) {
		char seen[16][32];
		size_t nseen = 0;

		for (size_t i = 0; i < b.nu; i++) {
			const struct utt *u = &b.u[i];
			const char *v = k == 0 ? u->voice : k == 1 ?
				u->speed : u->noise;
			struct agg a;
			char what[64];
			bool dup = false;

			for (size_t s = 0; s < nseen; s++)
				dup |= !strcmp(seen[s], v);
			if (dup || nseen == 16)
				continue;
			snprintf(seen[nseen++], sizeof(seen[0]), "%s", v);

			memset(&a, 0, sizeof(a));
			for (size_t j = i; j < b.nu; j++) {
				const struct utt *x = &b.u[j];
				const char *xv = k == 0 ? x->voice : k == 1 ?
					x->speed : x->noise;

				if (!strcmp(xv, v))
					agg_add(&a, x);
			}
			snprintf(what, sizeof(what), "%s=%s", keys[k], v);
			agg_print(what, &a);
		}
	}

	for (int yes = 1; yes >= 0; yes--) {
		struct agg a;

		memset(&a, 0, sizeof(a));
		for (size_t i = 0; i < b.nu; i++) {
			if (has_phrase(&b.u[i]) == (bool)yes)
				agg_add(&a, &b.u[i]);
		}
		agg_print(yes ? "vocabulary phrase" : "no vocabulary phrase",
			  &a);
	}
	fprintf(stderr, "\n");
}


/* --- 2. concurrency through the real pool --- */

struct leg {
	struct asr_stream *s;
	size_t utt;                /* index into b.u */
	size_t pos;                /* samples of the utterance sent */
	size_t silence;            /* samples of silence still to send */
	uint64_t sent;             /* packets */
	/* utterances whose final is awaited: start offset (ms), wall time
	 * of their last loud packet */
	uint64_t start_ms[64];
	double end_t[64];
	uint64_t cur_start;
	size_t head, tail;
	uint16_t seq;
	char id[24];
};

static struct {
	struct leg *legs;
	size_t n;
	double t0, stop_at, last_final, last_pkt;
	uint64_t ticks;            /* 20 ms packets sent per leg */
	struct tmr tmr;
	double *lat;
	size_t nlat, maxlat;
	uint64_t finals, gaps, expected, matched;
	bool feeding;
	unsigned long step;
} c;


static void on_result(const struct asr_result *r, void *arg)
{
	struct leg *l;
	(void)arg;

	if (r->partial)
		return;
	if (r->gap) {
		++c.gaps;
		return;
	}
	/* "<step>-<leg>": a late result of an earlier step is not ours */
	{
		char *end;
		unsigned long step = strtoul(r->call_id, &end, 10);
		unsigned long i = strtoul(end + (*end == '-'), NULL, 10);

		if (step != c.step || i >= c.n)
			return;
		l = &c.legs[i];
	}
	++c.finals;
	c.last_final = now_s();

	/* the awaited utterances this final covers (begun before its
	 * end); several if the VAD merged them: the latency is the last's */
	while (l->head != l->tail && l->start_ms[l->head % 64] <= r->end_ms) {
		double t = l->end_t[l->head % 64];

		++l->head;
		++c.matched;
		if (l->head != l->tail &&
		    l->start_ms[l->head % 64] <= r->end_ms)
			continue;
		if (c.nlat < c.maxlat)
			c.lat[c.nlat++] = (c.last_final - t) * 1000.0;
	}
}


static void send_packet(struct leg *l, double t)
{
	uint8_t pkt[12 + PKT];
	const struct utt *u = &b.u[l->utt];

	memset(pkt, 0, 12);
	pkt[0] = 0x80;
	pkt[2] = (uint8_t)(l->seq >> 8);
	pkt[3] = (uint8_t)l->seq;
	++l->seq;

	if (l->silence || !c.feeding) {
		memset(pkt + 12, 0xff, PKT);
		if (l->silence)
			l->silence -= l->silence < PKT ? l->silence : PKT;
	}
	else {
		size_t k = u->n - l->pos < PKT ? u->n - l->pos : PKT;

		if (l->pos == 0)
			l->cur_start = l->sent * 20;
		memcpy(pkt + 12, u->ulaw + l->pos, k);
		memset(pkt + 12 + k, 0xff, PKT - k);
		if (l->pos < u->speech_end && l->pos + k >= u->speech_end &&
		    l->tail - l->head < 64) {
			l->start_ms[l->tail % 64] = l->cur_start;
			l->end_t[l->tail % 64] = t;
			++l->tail;
			++c.expected;
		}
		l->pos += k;
		if (l->pos == u->n) {
			/* talk half the time: as much silence as speech */
			l->silence = u->n;
			l->pos = 0;
			l->utt = (l->utt + 1) % b.nu;
		}
	}

	asr_stream_rtp(l->s, pkt, sizeof(pkt));
	++l->sent;
}


static void tick(void *arg)
{
	double t = now_s();
	uint64_t due = (uint64_t)((t - c.t0) / 0.020) + 1;
	(void)arg;

	/* catch up if the loop was late: pace is by the clock */
	while (c.ticks < due) {
		for (size_t i = 0; i < c.n; i++)
			send_packet(&c.legs[i], t);
		++c.ticks;
	}
	if (c.feeding && t >= c.stop_at) {
		c.feeding = false;
		c.last_pkt = t;
	}

	/* after the last utterance: silence until its final (or not) */
	if (!c.feeding && (c.matched + c.gaps >= c.expected ||
			   t > c.last_pkt + 10.0)) {
		re_cancel();
		return;
	}
	tmr_start(&c.tmr, 20, tick, NULL);
}


static int dbl_cmp(const void *a, const void *b2)
{
	double x = *(const double *)a, y = *(const double *)b2;

	return x < y ? -1 : x > y;
}


struct step {
	size_t n;
	bool pass;
	double p50, p99, drain_ms, cpu;
	uint64_t expected, finals, gaps;
};


static double proc_cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}


static void run_step(size_t n, double step_s, struct step *st)
{
	static unsigned long step_no;
	double cpu0, wall0;
	uint64_t dropped0 = asr_dropped();

	memset(&c, 0, sizeof(c));
	memset(st, 0, sizeof(*st));
	c.n = n;
	c.step = ++step_no;
	c.legs = calloc(n, sizeof(*c.legs));
	c.maxlat = n * (size_t)(step_s + 20);
	c.lat = calloc(c.maxlat, sizeof(*c.lat));
	for (size_t i = 0; i < n; i++) {
		struct leg *l = &c.legs[i];

		snprintf(l->id, sizeof(l->id), "%lu-%zu", step_no, i);
		(void)asr_stream_alloc(&l->s, l->id, NULL, "a", "customer");
		/* legs start at different utterances and phases */
		l->utt = (i * 37) % b.nu;
		l->silence = (i * 2357) % 16000;
	}

	c.feeding = true;
	c.t0 = now_s();
	c.stop_at = c.t0 + step_s;
	cpu0 = proc_cpu_s();
	wall0 = c.t0;
	tmr_init(&c.tmr);
	tmr_start(&c.tmr, 20, tick, NULL);
	(void)re_main(NULL);
	tmr_cancel(&c.tmr);

	st->cpu = 100.0 * (proc_cpu_s() - cpu0) / (now_s() - wall0);
	st->n = n;
	st->expected = c.expected;
	st->finals = c.finals;
	st->gaps = asr_dropped() - dropped0 + c.gaps;
	st->drain_ms = c.finals ? (c.last_final - c.last_pkt) * 1000.0 : 0;
	qsort(c.lat, c.nlat, sizeof(*c.lat), dbl_cmp);
	if (c.nlat) {
		st->p50 = c.lat[c.nlat / 2];
		st->p99 = c.lat[(size_t)((double)c.nlat * 0.99)];
	}
	st->pass = !st->gaps && c.matched >= c.expected &&
		c.finals && st->drain_ms <= DRAIN_MS;

	for (size_t i = 0; i < n; i++)
		mem_deref(c.legs[i].s);
	free(c.legs);
	free(c.lat);

	/* let the workers go idle before the next step */
	usleep(500000);

	fprintf(stderr, "  legs %4zu: %s  utterances %llu finals %llu "
		"dropped %llu  final p50 %.0f ms p99 %.0f ms  last final "
		"+%.0f ms  cpu %.0f%%\n", n,
		st->pass ? "PASS" : "FAIL", (unsigned long long)st->expected,
		(unsigned long long)st->finals, (unsigned long long)st->gaps,
		st->p50, st->p99, st->drain_ms, st->cpu);
}


static int load_test(double step_s, size_t nmax, struct step *best)
{
	struct step st;
	size_t lo = 0, hi = 0, n = 2;
	int err;

	err = asr_init("pocketsphinx", 0, 0);
	if (err)
		return err;
	asr_handler(on_result, NULL);
	/* the workers open their decoders on their threads */
	sleep(3);

	memset(best, 0, sizeof(*best));
	fprintf(stderr, "concurrency (each leg talks half the time, %.0f s "
		"per step):\n", step_s);
	while (n <= nmax) {
		run_step(n, step_s, &st);
		if (!st.pass) {
			hi = n;
			break;
		}
		*best = st;
		lo = n;
		n *= 2;
	}
	while (hi && hi - lo > (lo / 8 > 1 ? lo / 8 : 1)) {
		n = (lo + hi) / 2;
		run_step(n, step_s, &st);
		if (st.pass) {
			*best = st;
			lo = n;
		}
		else {
			hi = n;
		}
	}

	asr_handler(NULL, NULL);
	asr_close();
	return 0;
}


int main(int argc, char **argv)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	const char *e;
	double step_s = (e = getenv("ASR_STEP_S")) ? atof(e) : 20;
	size_t nmax = (e = getenv("ASR_NMAX")) ? strtoul(e, NULL, 10) : 256;
	pthread_t thr[64];
	size_t nthr = (e = getenv("ASR_THREADS")) ? strtoul(e, NULL, 10) :
		ncpu > 0 ? (size_t)ncpu : 1;
	struct agg all;
	struct step best;
	double t0;
	int err;

	if (nthr < 1 || nthr > 64)
		nthr = 1;
	/* the base model: "callcenter" (default), "general" or a path */
	b.lm = (e = getenv("ASR_LM")) ? e : "callcenter";
	err = asr_ps_language_model(b.lm);
	if (err) {
		fprintf(stderr, "asr: ASR_LM=%s: %s\n", b.lm, strerror(err));
		return 1;
	}
	b.dir = argc > 1 ? argv[1] : "build/asr-bench";
	b.skip_vocab = getenv("ASR_SKIP_VOCAB") != NULL;
	pthread_mutex_init(&b.mtx, NULL);

	/* the model switchboard would load, unless ASR_MODEL names one */
	if (asr_ps_model(getenv("ASR_MODEL"))) {
		fprintf(stderr, "asr: ASR_MODEL=%s: no acoustic model there\n",
			getenv("ASR_MODEL"));
		return 1;
	}

	err = libre_init();
	if (!err)
		err = load();
	if (!err)
		err = load_vocab();
	if (err)
		return 1;

	fprintf(stderr, "asr: %zu utterances, %zu vocabulary phrases, "
		"%zu decoder threads, language model %s\nasr: acoustic model "
		"%s\n", b.nu, b.vocab->n, nthr, b.lm, asr_ps_model_dir(NULL));
	measure_decoder();
	t0 = now_s();
	for (size_t i = 0; !getenv("ASR_SKIP_WER") && i < nthr; i++)
		pthread_create(&thr[i], NULL, wer_thread, NULL);
	for (size_t i = 0; !getenv("ASR_SKIP_WER") && i < nthr; i++)
		pthread_join(thr[i], NULL);
	fprintf(stderr, "accuracy pass: %.1f s; decoder opened in %.0f ms "
		"(general: %.0f ms), vocabulary search built in %.0f ms\n",
		now_s() - t0, b.open_ms, b.open_gen_ms, b.build_ms);

	if (getenv("ASR_SHOW")) {
		for (size_t i = 0; i < b.nu; i++)
			fprintf(stderr, "%s\n  ref %s\n  gen %s\n  "
				"base %s\n  voc %s\n", b.u[i].file,
				b.u[i].text,
				b.u[i].hyp[0] ? b.u[i].hyp[0] : "",
				b.u[i].hyp[1] ? b.u[i].hyp[1] : "",
				b.u[i].hyp[2] ? b.u[i].hyp[2] : "");
	}
	wer_table(&all);

	memset(&best, 0, sizeof(best));
	if (!getenv("ASR_SKIP_LOAD") && load_test(step_s, nmax, &best))
		fprintf(stderr, "asr: the pool did not start\n");

	printf("asr: WER %.1f%% general -> %.1f%% %s -> %.1f%% +vocabulary "
	       "(%u utterances, %u words), RTF %.3f/%.3f/%.3f, %zu legs "
	       "real-time on %zu cores, final p50 %.0f ms p99 %.0f ms, "
	       "%.0f MiB/decoder (general %.0f) +%.0f MiB/vocabulary "
	       "(built in %.0f ms)\n",
	       pct(all.err[0], all.words), pct(all.err[1], all.words), b.lm,
	       pct(all.err[2], all.words), all.n, all.words,
	       all.cpu[0] / all.audio, all.cpu[1] / all.audio,
	       all.cpu[2] / all.audio, best.n, nthr, best.p50, best.p99,
	       b.rss_dec, b.rss_gen, b.rss_vocab, b.build_ms);

	for (size_t i = 0; i < b.nu; i++) {
		free(b.u[i].text);
		mem_deref(b.u[i].ulaw);
		for (int m = 0; m < 3; m++)
			free(b.u[i].hyp[m]);
	}
	mem_deref(b.vocab);
	libre_close();
	return 0;
}
