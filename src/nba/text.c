/*
 * text.c — from bytes to tokens and from tokens to classifier features.
 *
 * Any byte string is accepted: ASCII letters and digits make words,
 * bytes of 0x80 and above are kept inside words (so UTF-8 words stay
 * whole), apostrophes vanish ("don't" -> "dont") and everything else
 * separates words. Sentence punctuation also ends a negation's reach.
 */
#include <stdio.h>
#include <string.h>
#include "nba/internal.h"

/* weights of the feature kinds, tuned on the dev split */
#ifndef W_WORD
#define W_WORD 1.0
#endif
#ifndef W_NEGATED
#define W_NEGATED 0.5   /* the plain concept of a negated word */
#endif
#ifndef W_PAIR
#define W_PAIR 0.5
#endif
#ifndef W_SURF
#define W_SURF 0.7      /* two neighbouring words as said, stop words too */
#endif
#ifndef W_GRAM
#define W_GRAM 0.1
#endif
#ifndef GRAM
#define GRAM 4
#endif


uint64_t nba_hash(const char *prefix, const char *s, const char *s2)
{
	uint64_t h = 1469598103934665603ULL;   /* FNV-1a */
	const char *parts[3] = {prefix, s, s2};

	for (int i = 0; i < 3; i++) {
		if (!parts[i])
			continue;
		for (const unsigned char *p = (const unsigned char *)parts[i];
		     *p; p++) {
			h ^= *p;
			h *= 1099511628211ULL;
		}
		h ^= 0xff;   /* part separator */
		h *= 1099511628211ULL;
	}

	return h ? h : 1;   /* 0 marks a free slot of the vocabulary */
}


static bool ends(const char *w, size_t len, const char *suf)
{
	size_t n = strlen(suf);

	return len > n && !memcmp(w + len - n, suf, n);
}


static bool is_vowel(char c)
{
	return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' ||
	       c == 'y';
}


static bool has_vowel(const char *w, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (is_vowel(w[i]))
			return true;
	return false;
}


/*
 * A light stemmer in the spirit of Porter's: plurals, -ing/-ed, one
 * derivational suffix, a final e. It only has to map the forms of one
 * word together (the synonym table does the rest), and it must never
 * leave fewer than three letters.
 */
void nba_stem(char *w)
{
	static const char *const deriv[] = {
		"ization", "ational", "fulness", "ousness", "iveness",
		"ation", "ement", "ment", "ness", "able", "ible", "ance",
		"ence", "ful", "ous", "ive", "ize", "ise", "ate", "ity",
		"ly",
	};
	size_t len = strlen(w);

	if (len <= 3)
		return;

	/* plurals */
	if (ends(w, len, "ies") && len > 4) {
		len -= 3;
		w[len++] = 'y';
	}
	else if (ends(w, len, "sses")) {
		len -= 2;
	}
	else if (w[len - 1] == 's' && !ends(w, len, "ss") &&
		 !ends(w, len, "us") && !ends(w, len, "is")) {
		--len;
	}

	/* -ing, -ed */
	if (ends(w, len, "ing") && len - 3 >= 3 && has_vowel(w, len - 3))
		len -= 3;
	else if (ends(w, len, "ed") && len - 2 >= 3 && has_vowel(w, len - 2))
		len -= 2;
	else
		goto deriv;

	/* "compensated" -> "compensate", like the bare verb; then its
	 * derivational suffix goes too */
	if (ends(w, len, "at") || ends(w, len, "bl") ||
	    ends(w, len, "iz")) {
		w[len++] = 'e';
	}
	else if (len >= 4 && w[len - 1] == w[len - 2] &&
		 !is_vowel(w[len - 1]) && !strchr("lsz", w[len - 1])) {
		--len;
		goto final_e;
	}
	else {
		goto final_e;
	}

 deriv:
	for (size_t i = 0; i < sizeof(deriv) / sizeof(deriv[0]); i++) {
		if (ends(w, len, deriv[i]) && len - strlen(deriv[i]) >= 3) {
			len -= strlen(deriv[i]);
			break;
		}
	}

 final_e:
	if (len > 3 && w[len - 1] == 'e')
		--len;

	w[len] = '\0';
}


struct word {
	char s[NBA_WORD];
	char st[NBA_WORD];       /* its stem, made once: phrases of up to
				    NBA_PHRASE words look at each word
				    several times */
	bool boundary;           /* punctuation before it */
};


static size_t split(const char *text, struct word *w, size_t max)
{
	const unsigned char *p = (const unsigned char *)text;
	size_t n = 0, len = 0;
	bool boundary = false;

	for (;; p++) {
		unsigned char c = *p;
		bool letter = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
			      || c >= 0x80;

		if (c >= 'A' && c <= 'Z') {
			c = (unsigned char)(c - 'A' + 'a');
			letter = true;
		}

		if (letter) {
			if (len == 0 && n < max) {
				w[n].boundary = boundary;
				boundary = false;
			}
			if (n < max && len < NBA_WORD - 1)
				w[n].s[len++] = (char)c;
			continue;
		}

		if (c == '\'')   /* inside a word: drop it */
			continue;

		if (len) {
			w[n].s[len] = '\0';
			memcpy(w[n].st, w[n].s, len + 1);
			nba_stem(w[n].st);
			len = 0;
			if (++n == max)
				break;
		}

		if (!c)
			break;

		if (strchr(".,;:!?()\"", c))
			boundary = true;
	}

	return n;
}


/* the concept of words w[0..n) as one phrase, its surface to surface */
static const char *phrase(const struct word *w, size_t n, char *surface)
{
	char key[NBA_PHRASE * (NBA_WORD + 1)] = "";
	const char *concept;

	for (size_t j = 0; j < n; j++) {
		if (j && w[j].boundary)
			return NULL;
		if (j)
			strcat(key, " ");
		strcat(key, w[j].st);
	}

	concept = nba_lex_concept(key);
	if (!concept)
		return NULL;

	surface[0] = '\0';
	for (size_t j = 0; j < n; j++) {
		size_t have = strlen(surface);

		snprintf(surface + have, NBA_WORD - have, "%s%s",
			 j ? " " : "", w[j].s);
	}

	return concept;
}


size_t nba_tokenize(const char *text, struct nba_tok *t, size_t max)
{
	struct word w[NBA_TOKENS];
	size_t nw, n = 0;
	int reach = 0;

	if (!text)
		return 0;

	if (max > NBA_TOKENS)
		max = NBA_TOKENS;

	nw = split(text, w, max);

	for (size_t i = 0; i < nw; i++) {
		struct nba_tok *k = &t[n];
		const char *concept = NULL;

		memset(k, 0, sizeof(*k));

		/* a negation covers its clause: "not happy, and this is a
		 * disgrace" */
		if (w[i].boundary || !strcmp(w[i].s, "and") ||
		    !strcmp(w[i].s, "but") || !strcmp(w[i].s, "because") ||
		    !strcmp(w[i].s, "though") || !strcmp(w[i].s, "although"))
			reach = 0;

		/* phrases first, longest first: "on its way", "log in" */
		for (size_t len = NBA_PHRASE; len >= 2 && !concept; len--) {
			if (i + len <= nw &&
			    (concept = phrase(w + i, len, k->surface))) {
				strncpy(k->stem, concept, NBA_WORD - 1);
				k->concept = concept;
				i += len - 1;
			}
		}

		if (!concept) {
			strcpy(k->surface, w[i].s);
			strcpy(k->stem, w[i].st);
			k->concept = nba_lex_concept(k->stem);
			if (!k->concept)
				k->concept = k->stem;
			k->stop = nba_lex_stop(k->surface);
			k->negator = nba_lex_negator(k->surface);
			k->intensity = nba_lex_intensity(k->surface);
			k->intensifier = k->intensity != 0;
		}

		if (k->negator) {
			reach = NBA_NEG_REACH;
		}
		else if (reach > 0 && !k->stop) {
			k->negated = true;
			--reach;
		}

		++n;
	}

	return n;
}


static size_t add(struct nba_feat *f, size_t n, size_t max, uint64_t h,
		  double w, size_t src, size_t src2)
{
	if (n >= max)
		return n;

	f[n].h = h;
	f[n].w = w;
	f[n].src = (uint16_t)src;
	f[n].src2 = (uint16_t)src2;

	return n + 1;
}


/* character n-grams of a stem: spelling and ASR slips, forms the
 * stemmer does not join */
static size_t grams(const struct nba_tok *k, size_t i, struct nba_feat *f,
		    size_t n, size_t max)
{
	char padded[NBA_WORD + 2];
	size_t len = strlen(k->stem);

	padded[0] = '<';
	memcpy(padded + 1, k->stem, len);
	padded[len + 1] = '>';
	padded[len + 2] = '\0';
	len += 2;
	for (size_t j = 0; j + GRAM <= len; j++) {
		char g[GRAM + 1];

		memcpy(g, padded + j, GRAM);
		g[GRAM] = '\0';
		n = add(f, n, max, nba_hash("c", g, NULL), W_GRAM, i, i);
	}

	return n;
}


/* the n-grams come last, so that a text too long for f loses its
 * lightest features, not the words of its end */
size_t nba_features(const struct nba_tok *t, size_t ntok,
		    struct nba_feat *f, size_t max)
{
	size_t n = 0;
	long prev = -1;

	for (size_t i = 0; i < ntok; i++) {
		const struct nba_tok *k = &t[i];

		/* the words a bag of concepts drops say how the content words
		 * relate: "why am i paying for ... i never asked for" is a
		 * dispute, not an upgrade; "cut me off mid sentence" is an
		 * agent, not an outage; "am i in credit or in arrears" asks
		 * for a figure, not for time (docs/NOTES.md "Words as said") */
		n = add(f, n, max, nba_hash("s", i ? t[i - 1].surface : "^",
					    k->surface),
			W_SURF, i ? i - 1 : 0, i);

		if (!nba_tok_content(k)) {
			/* a negation separates concept pairs; stop words do
			 * not */
			if (k->negator)
				prev = -1;
			continue;
		}

		if (k->negated) {
			n = add(f, n, max, nba_hash("n", k->concept, NULL),
				W_WORD, i, i);
			n = add(f, n, max, nba_hash("u", k->concept, NULL),
				W_NEGATED, i, i);
		}
		else {
			n = add(f, n, max, nba_hash("u", k->concept, NULL),
				W_WORD, i, i);
		}

		if (prev >= 0)
			n = add(f, n, max, nba_hash("b", t[prev].concept,
						    k->concept),
				W_PAIR,
				(size_t)prev, i);
		prev = (long)i;
	}

	for (size_t i = 0; i < ntok; i++)
		if (nba_tok_content(&t[i]))
			n = grams(&t[i], i, f, n, max);

	return n;
}
