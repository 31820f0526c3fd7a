/*
 * pocketsphinx.c — the CMU PocketSphinx backend (Debian's
 * libpocketsphinx and pocketsphinx-en-us): the US English acoustic
 * model, its general language model and dictionary. Its log goes
 * nowhere; our own says what failed.
 *
 * The base search uses the call-center model built from
 * data/asr/callcenter.txt at build time (tools/asr_lm.c), alone by
 * default: on the project's telephone set it had fewer word errors than
 * the general model, alone or mixed with it, at a fifth of the CPU and
 * half the memory, since the search covers its ~2,000 words instead of
 * the general model's 72,547 (docs/PERFORMANCE.md "Call-center
 * language model"). asr_ps_language_model picks the general model or
 * both mixed instead.
 *
 * A domain vocabulary (asr_vocab) becomes a second n-gram search: the
 * call-center model built again with the phrases in its corpus, its
 * missing words pronounced (ps_vocab.c, ps_dict.c). Each decoder keeps
 * the searches of the last few vocabularies it used, by serial; NULL
 * goes back to the base search.
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

/* the Makefile's build/asr/callcenter.arpa, as an absolute path */
#ifndef ASR_CC_LM
#define ASR_CC_LM "build/asr/callcenter.arpa"
#endif

#define GENERAL_LM ASR_PS_MODELDIR "/en-us/en-us.lm.bin"
#define BASE_SEARCH "base"

/* share of the call-center model in the "mixed" base search */
#define CC_WEIGHT 0.5f

/* what asr_ps_language_model chose: the general model, a call-center
 * model (path), or both */
static struct {
	bool general;
	char path[512];            /* "": none */
} lmc = {false, ASR_CC_LM};


int asr_ps_language_model(const char *lm)
{
	bool general = false;

	if (!lm || !*lm)
		return EINVAL;
	if (!strcmp(lm, "general")) {
		lmc.general = true;
		lmc.path[0] = '\0';
		return 0;
	}
	if (!strcmp(lm, "mixed")) {
		general = true;
		lm = ASR_CC_LM;
	}
	else if (!strcmp(lm, "callcenter")) {
		lm = ASR_CC_LM;
	}
	if (access(lm, R_OK))
		return ENOENT;
	if (strlen(lm) >= sizeof(lmc.path))
		return ENAMETOOLONG;
	lmc.general = general;
	strcpy(lmc.path, lm);
	return 0;
}


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
	for (size_t i = 0; i < d->nlm; i++)
		ngram_model_free(d->lm[i]);
	ps_free(d->ps);
	pthread_mutex_unlock(&init_mtx);
	mem_deref(d->extra);
}


/* The base search: the models asr_ps_language_model chose, interpolated
 * when there are two. The decoder is opened without a model and gets
 * only this search (opening it with -lm would also build a search over
 * the general model that nothing uses: 40-60 MiB per decoder). */
static int base_search(struct asr_ps *d)
{
	cmd_ln_t *cfg = ps_get_config(d->ps);
	logmath_t *lmath = ps_get_logmath(d->ps);
	ngram_model_t *set;
	int err;

	/* each model takes its own reference to the log-math, and needs
	 * the decoder's config to apply the language weight as it reads */
	if (lmc.general) {
		d->lm[d->nlm] = ngram_model_read(cfg, GENERAL_LM, NGRAM_AUTO,
						 lmath);
		if (!d->lm[d->nlm])
			return ENOENT;
		d->lmname[d->nlm++] = "general";
	}
	if (lmc.path[0]) {
		d->lm[d->nlm] = ngram_model_read(cfg, lmc.path, NGRAM_AUTO,
						 lmath);
		if (!d->lm[d->nlm])
			return ENOENT;
		if (!strcmp(lmc.path, ASR_CC_LM))
			d->cc = (int)d->nlm;
		d->lmname[d->nlm++] = "callcenter";
	}
	if (!d->nlm)
		return EINVAL;

	if (d->nlm == 1) {
		d->w[0] = 1.0f;
		set = ngram_model_retain(d->lm[0]);
	}
	else {
		d->w[0] = 1.0f - CC_WEIGHT;
		d->w[1] = CC_WEIGHT;
		/* the set retains its models */
		set = ngram_model_set_init(cfg, d->lm, (char **)d->lmname,
					   d->w, (int32)d->nlm);
		if (!set)
			return ENOMEM;
	}

	d->base = BASE_SEARCH;
	err = ps_set_lm(d->ps, BASE_SEARCH, set) < 0 ? EINVAL : 0;
	ngram_model_free(set);
	if (!err && ps_set_search(d->ps, BASE_SEARCH) < 0)
		err = EINVAL;
	return err;
}


static int ps_open(void **decp)
{
	cmd_ln_t *cfg;
	ps_decoder_t *ps = NULL;
	struct asr_ps *d;
	int err;

	pthread_once(&log_once, log_off);

	d = mem_zalloc(sizeof(*d), dec_destructor);
	if (!d)
		return ENOMEM;
	d->cc = -1;

	pthread_mutex_lock(&init_mtx);

	cfg = cmd_ln_init(NULL, ps_args(), TRUE,
			  "-hmm", hmm_dir,
			  "-dict", ASR_PS_DICT,
			  SEARCH_ARGS,
			  NULL);
	if (cfg) {
		ps = ps_init(cfg);
		cmd_ln_free_r(cfg);
	}
	d->ps = ps;
	err = !cfg ? EINVAL : !ps ? ENOENT : base_search(d);

	pthread_mutex_unlock(&init_mtx);

	if (err) {
		mem_deref(d);
		return err;
	}

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
