/*
 * nba.h — next best action: what a customer's words are about (intents),
 * how they sound (sentiment), and which recommendations that calls for.
 *
 * Pure C, no I/O and no clock, like routing: the call module hands in
 * each final utterance with the call's context and gets back what to
 * show. A model (struct nba) is built once from provisioning, trained at
 * build time, and never changed: when intents or rules change, a new one
 * is built and swapped in; calls keep their own state (struct nba_call),
 * which does not point into a model.
 */
#ifndef SWITCHBOARD_NBA_H
#define SWITCHBOARD_NBA_H

#include <stdbool.h>
#include <stddef.h>

enum {
	NBA_TOP     = 3,    /* intents reported per utterance */
	NBA_DRIVERS = 6,    /* words reported as the reason */
	NBA_WORD    = 32,   /* bytes kept of each such word */
};

struct nba_intent_def {
	const char *id;
	const char *const *examples;   /* a handful of sentences */
	size_t nexamples;
	const char *const *keywords;   /* words or phrases that weigh more */
	size_t nkeywords;
};

/* when a recommendation fires; NULL / 0 / negative fields do not
 * constrain */
struct nba_rule_def {
	const char *id;
	const char *intent;            /* NULL: any utterance (sentiment) */
	double min_confidence;         /* 0..1 */
	const char *queue;
	double after_s;                /* the call is at least this old */
	const char *leg;               /* "customer" (NULL), "agent", "any" */
	const char *caller_prefix;
	double sentiment_below;        /* running score < this (-1..1);
					  used only when has_sentiment */
	bool has_sentiment;
	const char *const *data;       /* key, value, key, value ... that
					  the call's data must hold */
	size_t ndata;                  /* number of strings (2 per pair) */
};

struct nba;

/* Builds and trains a model. err gets a message for the admin (which
 * intent or rule is wrong, and why) when it returns EINVAL. */
int nba_alloc(struct nba **np, const struct nba_intent_def *intents,
	      size_t nintents, const struct nba_rule_def *rules,
	      size_t nrules, char *err, size_t errsz);

struct nba_word {
	char word[NBA_WORD];
	double weight;
};

/* a list of reasons, printed as JSON [{"word":..,"weight":..},...] by
 * nba_words_print (a re_printf handler, for %H) */
struct nba_words {
	const struct nba_word *w;
	size_t n;
};

struct re_printf;
int nba_words_print(struct re_printf *pf, const struct nba_words *ws);

/* The needs of the built-in bank of callers' talk (data/nba/bank.tsv)
 * that an intent learnt from besides its examples (their names last as
 * long as the process); ENOENT when the model has no such intent. */
struct nba_needs {
	const char *const *v;
	size_t n;
};
int nba_intent_bank(const struct nba *n, const char *intent,
		    struct nba_needs *ns);
/* printed as a JSON array of strings (a re_printf handler, for %H) */
int nba_needs_print(struct re_printf *pf, const struct nba_needs *ns);

struct nba_class {
	struct {
		const char *intent;    /* points into the model */
		double confidence;     /* 0..1 */
	} top[NBA_TOP];
	size_t ntop;                   /* 0 only for empty text */
	bool none;                     /* off-topic: no intent fits */
	struct nba_word drivers[NBA_DRIVERS]; /* why top[0], heaviest first */
	size_t ndrivers;
	/* the needs of the bank (see nba_intent_bank) that added most to
	 * top[0]'s score: the utterance and the intent's examples both lean
	 * to them; most first (none when none) */
	const char *needs[NBA_TOP];
	size_t nneeds;
};

int nba_classify(const struct nba *n, const char *text, struct nba_class *c);

/* lexicon-based, with negation ("not happy"), intensifiers ("very")
 * and their reasons; score -1 (angry) .. 1 (delighted), 0 neutral */
struct nba_sentiment {
	double score;
	struct nba_word words[NBA_DRIVERS];
	size_t nwords;
};

void nba_sentiment(const char *text, struct nba_sentiment *s);

/* What one call has said so far, kept by the caller per call: the
 * running sentiment and which recommendations it has already had. */
struct nba_call;
int  nba_call_alloc(struct nba_call **cp);
/* the running score (-1..1) after adding an utterance's score; true
 * the first time the call turns negative (to flag it once) */
bool nba_call_mood(struct nba_call *c, double utterance_score);
double nba_call_score(const struct nba_call *c);
bool nba_call_negative(const struct nba_call *c);
/* once shown, dismissed or accepted a recommendation is not repeated */
int  nba_call_mark(struct nba_call *c, const char *rule_id);
bool nba_call_marked(const struct nba_call *c, const char *rule_id);

struct nba_context {
	const char *queue;
	const char *leg;               /* "customer" or "agent" */
	const char *caller;
	double call_s;                 /* how long the call has lasted */
	const char *const *data;       /* key, value, ... */
	size_t ndata;
	const struct nba_call *call;   /* its running score and marks;
					  NULL: nothing shown yet */
};

/* The rules that fire for this utterance, in provisioning order, skipping
 * those the call has already had; at most max ids (pointing into the
 * model) go to ids. Returns how many. */
size_t nba_rules(const struct nba *n, const struct nba_class *c,
		 const struct nba_context *ctx, const char **ids, size_t max);

#endif
