/*
 * pocketsphinx.c — the CMU PocketSphinx backend (Debian's
 * libpocketsphinx and pocketsphinx-en-us): the US English acoustic
 * model, its general language model and dictionary. Its log goes
 * nowhere; our own says what failed.
 *
 * A domain vocabulary (asr_vocab) becomes a second n-gram search: a
 * small trigram model of the phrases (lm.c) interpolated with the
 * general model (vocab_ps.c). Each decoder keeps the searches of the
 * last few vocabularies it used, by serial; NULL goes back to the
 * general model's search.
 *
 * The acoustic model is the telephone-band adaptation of Debian's
 * (scripts/asr-model.sh, built by make into ASR_TEL_MODELDIR) when it
 * is there, else Debian's 16 kHz model; asr_model in the configuration
 * names another.
 */
#include <pthread.h>
#include <string.h>
#include <unistd.h>
#include <pocketsphinx.h>
#include <sphinxbase/err.h>
#include <re.h>
#include "asr/asr.h"
#include "asr/ps.h"

#ifndef ASR_PS_MODELDIR
#define ASR_PS_MODELDIR "/usr/share/pocketsphinx/model"
#endif
/* where make writes the telephone-band model (scripts/asr-model.sh) */
#ifndef ASR_TEL_MODELDIR
#define ASR_TEL_MODELDIR ""
#endif

static char hmm_dir[512] = ASR_PS_MODELDIR "/en-us/en-us";
static bool hmm_adapted;


/* The search, chosen on bench/asr (docs/PERFORMANCE.md "Decoding cost
 * and latency"): one pass over the lexicon tree and the best path
 * through its lattice, without the flat-lexicon second pass (a third of
 * the CPU, no gain in accuracy here), and at most 5,000 active HMMs per
 * frame (default 30,000): 1.7-2.6x less CPU than the defaults at the same
 * WER. The best-path pass stays: without it WER rose ~6 points, and the
 * confidence needs the lattice anyway. Tighter caps and beams were
 * cheaper still (2,000 HMMs and beams of 1e-35: 6x) at the same WER on
 * the bench, but lost words the tests' sentences need ("can you help").
 * The cap is absolute, so a smaller language model only costs less. */
#define SEARCH_ARGS \
	"-fwdflat", "no", \
	"-maxhmmpf", "5000"


/* SphinxBase logs through one process-wide FILE; "-logfn" makes every
 * ps_init replace it (fclose-ing the previous one under a decoder that
 * may be writing to it on another thread). So logging is turned off
 * once, and decoders are made and freed one at a time. */
static pthread_once_t log_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t init_mtx = PTHREAD_MUTEX_INITIALIZER;


static void log_off(void)
{
	(void)err_set_logfp(NULL);
}


static bool has_model(const char *dir)
{
	char path[600];

	if (!dir || !*dir)
		return false;
	re_snprintf(path, sizeof(path), "%s/mdef", dir);
	return access(path, R_OK) == 0;
}


int asr_ps_model(const char *dir)
{
	if (dir && *dir) {
		if (!has_model(dir) || strlen(dir) >= sizeof(hmm_dir))
			return ENOENT;
		str_ncpy(hmm_dir, dir, sizeof(hmm_dir));
		hmm_adapted = strcmp(dir, ASR_PS_MODELDIR "/en-us/en-us") != 0;
		return 0;
	}

	/* the adapted model when it was built, else Debian's */
	hmm_adapted = has_model(ASR_TEL_MODELDIR);
	str_ncpy(hmm_dir, hmm_adapted ? ASR_TEL_MODELDIR :
		 ASR_PS_MODELDIR "/en-us/en-us", sizeof(hmm_dir));
	return 0;
}


const char *asr_ps_model_dir(bool *adapted)
{
	if (adapted)
		*adapted = hmm_adapted;
	return hmm_dir;
}


static void dec_destructor(void *arg)
{
	struct asr_ps *d = arg;

	pthread_mutex_lock(&init_mtx);
	ps_free(d->ps);
	pthread_mutex_unlock(&init_mtx);
}


static int ps_open(void **decp)
{
	cmd_ln_t *cfg;
	ps_decoder_t *ps = NULL;
	struct asr_ps *d;

	pthread_once(&log_once, log_off);
	pthread_mutex_lock(&init_mtx);

	cfg = cmd_ln_init(NULL, ps_args(), TRUE,
			  "-hmm", hmm_dir,
			  "-lm", ASR_PS_MODELDIR "/en-us/en-us.lm.bin",
			  "-dict", ASR_PS_MODELDIR "/en-us/cmudict-en-us.dict",
			  SEARCH_ARGS,
			  NULL);
	if (cfg) {
		ps = ps_init(cfg);
		cmd_ln_free_r(cfg);
	}

	pthread_mutex_unlock(&init_mtx);

	if (!cfg)
		return EINVAL;
	if (!ps)
		return ENOENT;

	d = mem_zalloc(sizeof(*d), dec_destructor);
	if (!d) {
		ps_free(ps);
		return ENOMEM;
	}

	d->ps = ps;
	*decp = d;
	return 0;
}


static int ps_start(void *dec)
{
	struct asr_ps *d = dec;

	return ps_start_utt(d->ps) < 0 ? EIO : 0;
}


/* The pool feeds each utterance whole: full_utt lets PocketSphinx
 * normalize it as a batch (cepstral mean of this utterance) instead of
 * carrying a live estimate over from whatever this decoder heard last,
 * which made the same audio come out differently on each worker. */
static int ps_feed(void *dec, const int16_t *pcm, size_t n)
{
	struct asr_ps *d = dec;

	return ps_process_raw(d->ps, pcm, n, FALSE, TRUE) < 0 ? EIO : 0;
}


static int ps_result(void *dec, bool final, char **textp, double *conf)
{
	struct asr_ps *d = dec;
	const char *hyp;
	int32 score;

	if (final && ps_end_utt(d->ps) < 0)
		return EIO;

	hyp = ps_get_hyp(d->ps, &score);
	*conf = 0;
	if (final && hyp && *hyp) {
		logmath_t *lm = ps_get_logmath(d->ps);

		*conf = logmath_exp(lm, ps_get_prob(d->ps));
	}

	return str_dup(textp, hyp ? hyp : "");
}


static void ps_close(void *dec)
{
	mem_deref(dec);
}


const struct asr_backend asr_pocketsphinx = {
	.name = "pocketsphinx",
	.open = ps_open,
	.vocabulary = asr_ps_vocabulary,
	.start = ps_start,
	.feed = ps_feed,
	.result = ps_result,
	.close = ps_close,
};
