/*
 * internal.h — what the files of src/nba share: the tokenizer, the
 * lexicons and the trained model. Nothing outside src/nba includes it.
 *
 * Text goes through one pipeline for training and for every utterance:
 * bytes -> lower-case tokens (apostrophes dropped: "don't" -> "dont") ->
 * a light suffix-stripping stem ("cancelled" -> "cancell") -> a concept
 * from the synonym table ("terminate" and "cancell" -> "cancel"), with a
 * flag for tokens inside the reach of a negation ("not", "never", "can't").
 * The classifier then works on features of those tokens (concepts, pairs
 * of neighbouring concepts, pairs of neighbouring words as said, stop
 * words included, and character n-grams of the stems).
 */
#ifndef SWITCHBOARD_NBA_INTERNAL_H
#define SWITCHBOARD_NBA_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "nba/nba.h"

enum {
	NBA_TOKENS = 128,   /* tokens of one utterance looked at */
	NBA_NEG_REACH = 3,  /* content words a negation covers */
	NBA_PHRASE = 5,     /* words of the longest phrase in the tables */
};

struct nba_tok {
	char surface[NBA_WORD];  /* lower case, as written */
	char stem[NBA_WORD];
	const char *concept;     /* from the synonym table, or the stem */
	bool stop;               /* carries no topic ("the", "my") */
	bool negator;            /* "not", "never", "dont" ... */
	bool negated;            /* inside a negation's reach */
	bool intensifier;        /* "very", "really" ... (sentiment) */
	double intensity;        /* its factor */
};

/* whether a token carries a topic (the classifier's content words) */
static inline bool nba_tok_content(const struct nba_tok *k)
{
	return !k->stop && !k->negator && !k->intensifier;
}

/* text.c */
size_t nba_tokenize(const char *text, struct nba_tok *t, size_t max);
void   nba_stem(char *w);
uint64_t nba_hash(const char *prefix, const char *s, const char *s2);

/* lexicon.c: the tables, built once on first use (read-only after) */
const char *nba_lex_concept(const char *stem);
bool   nba_lex_stop(const char *word);
bool   nba_lex_negator(const char *word);
double nba_lex_intensity(const char *word);   /* 0: not an intensifier */
double nba_lex_valence(const char *stem, bool *found);
/* synonym entries that never match as written: one whose stem an earlier
 * group already has ("activity" after "activation") means that group's
 * concept, not its own; one of more than NBA_PHRASE words is never looked
 * up */
size_t nba_lex_dead(void);

/* a feature of an utterance: which token it came from (for drivers) */
struct nba_feat {
	uint64_t h;
	double w;
	uint16_t src;            /* token index */
	uint16_t src2;           /* second token of a pair, or src */
};

size_t nba_features(const struct nba_tok *t, size_t ntok,
		    struct nba_feat *f, size_t max);

struct nba_post {
	uint32_t doc;            /* example or intent */
	float w;
};

struct nba_asks;

enum rule_leg { LEG_CUSTOMER, LEG_AGENT, LEG_ANY };

struct nba_rule {
	char *id;
	int intent;              /* -1: any utterance */
	double min_confidence;
	char *queue;
	double after_s;
	enum rule_leg leg;
	char *caller_prefix;
	double sentiment_below;
	bool has_sentiment;
	char **data;
	size_t ndata;
};

struct nba {
	size_t nintents;
	char **ids;
	const char **lent;       /* the bank's needs the intents have */
	uint32_t *lent_off;      /* per intent, where its own are: nintents
				    + 1 offsets into lent */
	size_t nhidden;          /* intents after the real ones: off-topic */

	/* vocabulary: feature hash -> index (open addressing) */
	uint64_t *vkey;
	uint32_t *vidx;
	size_t vcap;
	size_t nfeat;
	float *idf;
	uint8_t *known;          /* a real intent has the feature */
	float idf_unknown;

	/* per feature, the examples and the intent centroids it is in */
	size_t nex;
	uint32_t *ex_intent;
	uint32_t *ex_off, *cen_off;    /* nfeat + 1 offsets */
	struct nba_post *ex_post, *cen_post;

	/* per intent, how much its examples resemble each of the bank's
	 * needs (bank.c; nprof needs, 0 without the bank) */
	float *prof;
	size_t nprof;

	/* whether an utterance asks for anything (asks.c; NULL without the
	 * bank): a reference to the bank's */
	struct nba_asks *asks;

	/* rules, and per intent the rules that name it */
	struct nba_rule *rules;
	size_t nrules;
	uint32_t *by_intent_off;       /* nintents + 1 offsets */
	uint32_t *by_intent;
	uint32_t *any;                 /* rules that name no intent */
	size_t nany;
};

int  nba_vocab_find(const struct nba *n, uint64_t h);

/* model.c: a model of examples alone (no bank, no rules) */
int nba_alloc_examples(struct nba **np, const struct nba_intent_def *in,
		       size_t n);

/* bank.c: the needs of the bank whose lines each intent learns from as
 * weak examples, sorted by intent (lent[i].need->examples: the lines);
 * last, with intent == nin, the off-topic talk */
struct nba_lent {
	uint32_t intent;
	const struct nba_intent_def *need;
};
int nba_bank_expand(const struct nba_intent_def *in, size_t nin,
		    struct nba_lent **lentp, size_t *nlentp);
/* how much a text resembles each of the bank's nv needs: their scores
 * less their mean, as a unit vector; and per intent (nin * *nvp) the
 * same for its examples together. Without the bank *nvp is 0. */
int nba_bank_profile(const struct nba_feat *f, size_t nf, float *v,
		     size_t nv);
int nba_bank_profiles(const struct nba_intent_def *in, size_t nin,
		      float **profp, size_t *nvp);
/* whether an utterance asks for something at all (asks.c), trained on
 * the bank's lines against its off-topic talk; NULL without the bank */
struct nba_asks *nba_bank_asks(void);
/* the name of need k of a profile */
const char *nba_bank_need(size_t k);
/* for measuring: models built after nba_bank_use(false) learn from their
 * examples alone (the default is on) */
void nba_bank_use(bool on);
/* an utterance's features, duplicates summed, sorted by hash */
size_t nba_vector(const char *text, struct nba_feat *f, size_t max);

/* asks.c: a logistic regression over words as said, their concepts and
 * neighbouring pairs: does a line ask for something (asks) or not (talk);
 * nba_asks gives its log-odds */
int nba_asks_train(struct nba_asks **ap, const char *const *asks, size_t na,
		   const char *const *talk, size_t nt);
double nba_asks(const struct nba_asks *a, const struct nba_tok *t,
		size_t ntok);

/* classify.c: every intent's score for an utterance's features (as
 * nba_vector gives them), real and hidden (s: nintents + nhidden) */
int nba_scores(const struct nba *n, const struct nba_feat *f, size_t nf,
	       double *s);

/* classify.c: tuned on the dev split (see docs/NOTES.md) */
#ifndef NBA_CENTROID_SHARE
#define NBA_CENTROID_SHARE 0.5   /* centroid vs nearest example */
#endif
#ifndef NBA_NONE_BELOW
#define NBA_NONE_BELOW 0.12  /* similarity of the pseudo-intent none */
#endif
#ifndef NBA_COVERAGE_POWER
#define NBA_COVERAGE_POWER 1.0  /* see classify.c */
#endif
#ifndef NBA_NEED_SHARE
#define NBA_NEED_SHARE 0.3  /* weight of the needs' opinion (bank.c) */
#endif
#ifndef NBA_ASKS_SHARE
#define NBA_ASKS_SHARE 0.06  /* weight of asks.c's log-odds in none */
#endif
#ifndef NBA_ASKS_BIAS
#define NBA_ASKS_BIAS 0.5  /* log-odds at which it leaves none as it was */
#endif
#ifndef NBA_ASKS_MAX
#define NBA_ASKS_MAX 1.5  /* most it counts above the bias: line >= 0.03 */
#endif
#ifndef NBA_ASKS_AGREE
#define NBA_ASKS_AGREE 0.4  /* needs' agreement for asking to count */
#endif
#ifndef NBA_TEMPERATURE
#define NBA_TEMPERATURE 0.04  /* softmax temperature */
#endif

#endif
