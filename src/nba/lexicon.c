/*
 * lexicon.c — the hand-written tables: synonyms of a contact centre's
 * vocabulary, words that carry no topic, negations, intensifiers and the
 * sentiment of words.
 *
 * The tables are written as words a person would type; on first use each
 * is stemmed with nba_stem and sorted, so lookups by stem are a binary
 * search. That happens once per process, in the event loop (the only
 * caller), and the tables are read-only afterwards.
 *
 * The synonym groups are general call-centre language, not the phrases
 * of the test set: the first word of a group names the concept; a word
 * belongs to its first group only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "nba/internal.h"

static const char *const synonyms[] = {
	/* one group per line, NULL-separated */
	"cancel", "cancels", "cancelled", "canceled", "cancelling",
	"canceling", "cancellation", "terminate", "termination",
	"discontinue", "quit", "unsubscribe", "opt out", "get out",
	"stop", "end", "close", "leave", "leaving", "get rid", "rid",
	"deactivate", "disable", "suspend", "finish", "done with",
	"abandon", "withdraw", "shut down", "shut off", "switch off", "turn off", "cease", "revoke", "annul", "scrap", "call off", "pull out", "back out", "walk away", "opt-out", "exit", "kill",
	"close down", "close it down", "shut it down",
	"break",
	NULL,
	"renew", "continue", "stay", "keep", "extend contract", NULL,
	"subscription", "membership", "contract", "service", "renewal",
	"recurring", "agreement", "policy", "autorenew", "auto-renew", "account holder",
	NULL,
	"plan", "tier", "bundle", "package deal", "level", NULL,
	"upgrade", "premium", "higher", "bigger", "faster", "boost",
	"better", "more", "unlimited", "increase", "go up", "gone up",
	"went up", "enhance", "improve", "step up", "move up", "bump up", "bump", "fastest", "superior", "extra", "additional", "add-on", "speed", "speeds", "allowance", "gigabytes", "gigs", "gb", "minutes", "channels", "top",
	NULL,
	"refund", "reimburse", "reimbursement", "repay", "money back",
	"compensate", "compensation", "pay back", "paid back", "credit",
	"refunded", "chargeback", "credit back", "give back", "deposit", "reimbursed", "compensated",
	"took back", "take back", "taken back",
	NULL,
	"return", "send back", "returned", NULL,
	"bill", "invoice", "statement", "charge", "fee", "billed",
	"charged", "overcharged", "overcharge", "surcharge", "billing", "penalty", "late fee", "surcharges",
	NULL,
	"wrong", "incorrect", "mistake", "error", "inaccurate", "bogus",
	"unexpected", "unfair", "strange", "weird", "erroneous", "false", "excessive", "too high", "add up", "no sense", "inflated",
	NULL,
	"dispute", "contest", "challenge", "disagree", "query", "object", "appeal", "question", "disputing",
	NULL,
	"twice", "double", "duplicate", "two", "second", NULL,
	"address", "residence", "location", "postcode", "zip", "street",
	"house", "apartment", "postal", "mailing", "domicile", "live",
	"city", "town",
	NULL,
	"move", "relocate", "relocating", "moving", "moved", NULL,
	"change", "update", "modify", "edit", "amend", "switch", "replace",
	"alter", "adjust", "correct", NULL,
	"password", "passcode", "pin", "credentials", "passphrase", "security code", "verification code", "code", "username", "user name", "two factor", "2fa",
	NULL,
	"login", "log in", "log into", "logon", "sign in", "signin",
	"get in", "get into", "get back in", "get back into", "access", "log on", "sign on", "logging", "website", "portal", "online", "app",
	NULL,
	"forgot", "forget", "forgotten", "remember", "recall", "forgetting", "cant remember",
	NULL,
	"reset", "recover", "unlock", "restore", "retrieve", NULL,
	"locked", "lock", "blocked", "locked out", "lockout", NULL,
	"deliver", "delivery", "delivered", "arrive", "arrival", "ship",
	"shipping", "shipped", "dispatch", "dispatched", "courier", "receive",
	"received", "transit", "en route", "on its way", "show up", "turn up", "delivering", "drop off", "dropped off", "in the post", "out for delivery", "eta", "en route",
	NULL,
	"package", "parcel", "order", "shipment", "box", "purchase", "buy",
	"bought", NULL,
	"remove", "take off", "taken off", "delete", "waive", "reverse",
	NULL,
	"transaction", "activity", "withdrawal", "movement", NULL,
	"track", "tracking", "whereabouts", "status", NULL,
	"late", "delayed", "delay", "overdue", "yet", "behind schedule", "taking forever", "forever", "long time", "still waiting", "waiting",
	NULL,
	"outage", "down", "offline", "disconnected", "disconnect",
	"interruption", "blackout", "cut out", "cutting out", "dead",
	"dropped", "no signal", "not connecting", "wont connect", "no service", "no internet", "went out", "gone out", "no power", "crashed", "stopped", "failure", "fault",
	"stopped working", "stop working", "stops working", "quit working",
	NULL,
	"internet", "wifi", "wi-fi", "broadband", "connection", "network",
	"signal", "router", "modem", "line", "cable", "tv", "data", "web", "coverage", "reception", "landline", "television", "bars",
	"dial tone", "tone",
	NULL,
	"work", "working", "function", "functioning", "run", "running",
	"load", "loading", NULL,
	"pay", "payment", "paid", "paying", "settle", NULL,
	"installment", "instalment", "split", "spread", "partial",
	"arrangement", "schedule", "chunks", "smaller", "installments", "payment plan", "plan of payment", "arrange", "arranged",
	NULL,
	"extension", "extend", "postpone", "defer", "grace",
	"more time", "more time", "extra time", "few more", "additional time", "wait", "hold off", "push back",
	"pay later",
	NULL,
	"afford", "struggle", "struggling", "hardship", "tight",
	"short", "trouble", "financial", "financially", "payday", "paycheck",
	"salary", "unemployed", "job", "difficulty", "difficulties", "behind", "fell behind", "catch up", "catching up", "arrears",
	NULL,
	"agent", "representative", "rep", "employee", "staff", "person",
	"operator", "advisor", "adviser", "associate", "guy", "lady",
	"woman", "man", "colleague", "worker", "consultant", "reps", "employees", "staffer", "lady", "gentleman", "girl", "fellow", "whoever", "technician", "clerk", "assistant", "team member", "support",
	NULL,
	"rude", "impolite", "disrespectful", "unprofessional", "dismissive",
	"condescending", "nasty", "hostile", "arrogant", "insulting",
	"yelled", "shouted", "hung up", "hang up", "attitude", "unhelpful",
	"ignored", "abrupt", "snappy", "sarcastic", "aggressive", "belittling", "patronising", "patronizing", "laughed", "mocked", "swore", "cursed", "raised voice", "disconnected me", "cut off", "treated", "mistreated", "unpleasant",
	NULL,
	"complain", "complaint", "grievance", "feedback", "formal complaint", "escalate", "report them", "lodge",
	NULL,
	"card", "visa", "mastercard", "amex", "debit", "credit card", "cards", "credit cards", "debit cards", "discover", "card number", "card details",
	NULL,
	"expire", "expired", "expiring", "expiration", "expiry", "old",
	"outdated", "expires", "out of date", "no longer valid", "invalid", "cancelled card", "replacement",
	NULL,
	"bank", "checking", "paypal", "direct debit", "autopay", "bank account", "savings", "iban", "routing", "apple pay", "google pay", "wire",
	NULL,
	"open", "create", "start", "setup", "set up", "establish",
	"register", "join", "sign up", "signup", "enroll", "enrol",
	"begin", "become", "sign", "opening", "signing up", "onboard", "get started", "new customer", "subscribe", "apply", "application",
	"get connected", "connected",
	NULL,
	"account", "profile", NULL,
	"new", "fresh", "another", NULL,
	"customer", "client", "member", NULL,
	"balance", "owe", "outstanding", "remaining", "total", "left",
	"due", "owing", "figure", "how much", "amount due", "amount owed", "paid up", "bottom line", "sum",
	NULL,
	"fraud", "fraudulent", "unauthorized", "unauthorised", "stolen",
	"steal", "stole", "scam", "scammed", "hacked", "hack", "suspicious",
	"unrecognized", "recognise", "recognize", "theft", "compromised",
	"authorize", "authorise", "permission", "consent", "unauthorised", "stole", "identity theft", "impersonation", "pretending", "phishing", "someone else", "breach", "compromise", "skimmed", "cloned",
	"someone", "somebody", "stranger", "in my name",
	NULL,
	"lost", "missing", "misplaced", "lose", "gone", "disappeared",
	NULL,
	"money", "cash", "funds", "dollars", "pounds", "euros", NULL,
	"speak", "talk", "chat", NULL,
	"manager", "supervisor", "boss", NULL,
	"slow", "sluggish", "crawl", "lag", "lagging", NULL,
	"phone", "mobile", "cell", "handset", NULL,
	"price", "cost", "rate", "expensive", "cheap", "cheaper", NULL,
	"month", "monthly", NULL,
	"mail", "email", "e-mail", "post", NULL,
	NULL,
};

static const char *const stopwords[] = {
	"a", "about", "am", "an", "and", "any", "are", "as", "at", "be",
	"been", "being", "but", "by", "can", "could", "did", "do", "does",
	"doing", "for", "from", "get", "got", "had", "has", "have", "having",
	"he", "her", "hers", "him", "his", "hello", "hi", "i", "id", "if",
	"ill", "im", "in", "into", "is", "it", "its", "ive", "just", "let",
	"lets", "me", "mine", "my", "myself", "need", "now", "of", "ok",
	"okay", "on", "or", "our", "ours", "please", "she", "so", "some",
	"that", "thats", "the", "their", "them", "then", "there", "theres",
	"these", "they", "this", "those", "to", "too", "uh", "um", "up",
	"us", "was", "we", "were", "what", "whats", "which", "who", "will",
	"with", "would", "you", "your", "youre", "yours", "want", "like",
	"would", "wanna", "gonna", "going", "go", "could", "should",
	"also", "there", "here", "yes", "yeah", "well", "hey", "thanks",
	"thank", "something", "anything", "everything", "one",
	"been", "again", "still", "really", "very", "actually", "today",
	"know", "tell", "help", "sure", "way", "out", "all",
	"how", "why", "when", "where", "after", "before", "over", "off",
	"than", "only", "same", "own", "such", "each", "other", "because",
	"while", "until", "through", "during", "above", "below", "between",
	NULL,
};

static const char *const negators[] = {
	"not", "no", "never", "dont", "doesnt", "didnt", "cant", "cannot",
	"wont", "isnt", "wasnt", "arent", "werent", "havent", "hasnt",
	"hadnt", "couldnt", "shouldnt", "wouldnt", "aint", "nothing",
	"nobody", "nor", "neither", "without", "hardly", "barely", "unable",
	NULL,
};

static const struct {
	const char *w;
	double f;
} intensifiers[] = {
	{"very", 1.5}, {"really", 1.4}, {"so", 1.3}, {"extremely", 1.8},
	{"incredibly", 1.7}, {"absolutely", 1.6}, {"totally", 1.5},
	{"completely", 1.5}, {"utterly", 1.7}, {"super", 1.5},
	{"too", 1.3}, {"truly", 1.4}, {"seriously", 1.5}, {"highly", 1.4},
	{"most", 1.4}, {"bit", 0.6}, {"slightly", 0.5}, {"somewhat", 0.6},
	{"kinda", 0.6}, {"fairly", 0.8}, {"quite", 1.2}, {"pretty", 1.2},
	{NULL, 0},
};

/* valence -1..1; negative words a little stronger, as callers mean them */
static const struct {
	const char *w;
	double v;
} valence[] = {
	{"good", 0.6}, {"great", 0.8}, {"excellent", 0.9},
	{"amazing", 0.9}, {"awesome", 0.9}, {"fantastic", 0.9},
	{"wonderful", 0.9}, {"perfect", 0.8}, {"happy", 0.7},
	{"glad", 0.6}, {"pleased", 0.6}, {"satisfied", 0.6},
	{"love", 0.8}, {"nice", 0.5}, {"helpful", 0.6},
	{"thanks", 0.4}, {"thank", 0.4}, {"appreciate", 0.6},
	{"grateful", 0.7}, {"fine", 0.3}, {"easy", 0.4}, {"quick", 0.3},
	{"fast", 0.3}, {"resolved", 0.5}, {"solved", 0.5}, {"fixed", 0.4},
	{"brilliant", 0.9}, {"lovely", 0.7}, {"kind", 0.5},
	{"polite", 0.5}, {"friendly", 0.6}, {"delighted", 0.9},
	{"relieved", 0.5}, {"impressed", 0.7}, {"smooth", 0.4},
	{"reliable", 0.5}, {"fair", 0.3}, {"best", 0.7}, {"better", 0.4},
	{"works", 0.2}, {"recommend", 0.5}, {"calm", 0.3},
	{"bad", -0.6}, {"terrible", -0.9}, {"horrible", -0.9},
	{"awful", -0.9}, {"worst", -1.0}, {"worse", -0.7},
	{"poor", -0.6}, {"angry", -0.8}, {"furious", -1.0},
	{"mad", -0.7}, {"upset", -0.7}, {"annoyed", -0.6},
	{"annoying", -0.6}, {"frustrated", -0.7}, {"frustrating", -0.7},
	{"disappointed", -0.7}, {"disappointing", -0.7},
	{"unhappy", -0.7}, {"sad", -0.5}, {"hate", -0.9},
	{"ridiculous", -0.8}, {"unacceptable", -0.9},
	{"useless", -0.8}, {"pathetic", -0.9}, {"disgusting", -0.9},
	{"disgrace", -0.9}, {"outrageous", -0.9}, {"rude", -0.7},
	{"incompetent", -0.8}, {"nightmare", -0.8}, {"joke", -0.5},
	{"scam", -0.8}, {"rip", -0.5}, {"ripoff", -0.8},
	{"problem", -0.3}, {"issue", -0.2}, {"wrong", -0.4},
	{"broken", -0.5}, {"fail", -0.5}, {"failed", -0.5},
	{"failure", -0.6}, {"waste", -0.6}, {"wasted", -0.6},
	{"sick", -0.6}, {"tired", -0.5}, 
	{"complain", -0.4}, {"complaint", -0.4}, {"lousy", -0.7},
	{"slow", -0.4}, {"late", -0.3}, 
	{"stupid", -0.8}, {"damn", -0.6}, {"hell", -0.5},
	{"crap", -0.7}, {"shit", -0.8}, {"sucks", -0.8},
	{"suck", -0.8}, {"mess", -0.6}, {"disaster", -0.9},
	{"unreliable", -0.6}, {"overcharged", -0.5}, {"cheated", -0.8},
	{"lied", -0.8}, {"lie", -0.6}, {"liar", -0.9}, {"shocking", -0.8},
	{"appalling", -0.9}, {"dreadful", -0.9}, 
	{"sorry", -0.1}, {"unfortunately", -0.3}, {"worried", -0.5},
	{"concerned", -0.3}, {"confused", -0.3}, {"difficult", -0.3},
	{"hard", -0.2}, {"impossible", -0.6}, {"unhelpful", -0.7},
	{"ignored", -0.6}, {"shouted", -0.6}, {"yelled", -0.6},
	{"threaten", -0.6}, {"lawyer", -0.5}, {"sue", -0.6},
	{"furiously", -0.9}, {"livid", -1.0}, {"enraged", -1.0},
	{NULL, 0},
};

enum {
	KIND_STOP = 1,
	KIND_NEGATOR = 2,
	KIND_INTENSIFIER = 4,
};

struct entry {
	char key[2 * NBA_WORD];
	const char *concept;
	double v;
	unsigned kind;
};

static struct {
	bool ready;
	struct entry syn[sizeof(synonyms) / sizeof(synonyms[0])];
	size_t nsyn;
	struct entry val[sizeof(valence) / sizeof(valence[0])];
	size_t nval;
	/* function words, as written: stop, negator, intensifier */
	struct entry fn[sizeof(stopwords) / sizeof(stopwords[0]) +
			sizeof(negators) / sizeof(negators[0]) +
			sizeof(intensifiers) / sizeof(intensifiers[0])];
	size_t nfn;
} L;


static int cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->key,
		      ((const struct entry *)b)->key);
}


/* stems each word of a phrase: "signing up" -> "sign up" */
static void stem_phrase(char *dst, size_t sz, const char *phrase)
{
	char w[NBA_WORD];
	size_t n = 0;

	dst[0] = '\0';
	while (*phrase) {
		size_t len = strcspn(phrase, " ");

		if (len >= NBA_WORD)
			len = NBA_WORD - 1;
		memcpy(w, phrase, len);
		w[len] = '\0';
		nba_stem(w);
		if (n && n + 1 < sz)
			dst[n++] = ' ';
		for (const char *p = w; *p && n + 1 < sz; p++)
			dst[n++] = *p;
		dst[n] = '\0';
		phrase += len;
		while (*phrase == ' ')
			++phrase;
	}
}


static void fn_add(const char *w, unsigned kind, double f)
{
	struct entry *e = NULL;

	for (size_t i = 0; i < L.nfn && !e; i++)
		if (!strcmp(L.fn[i].key, w))
			e = &L.fn[i];
	if (!e) {
		e = &L.fn[L.nfn++];
		snprintf(e->key, sizeof(e->key), "%s", w);
	}
	e->kind |= kind;
	if (kind & KIND_INTENSIFIER)
		e->v = f;
}


static void init(void)
{
	const char *concept = NULL;

	if (L.ready)
		return;

	for (size_t i = 0; i + 1 < sizeof(synonyms) / sizeof(synonyms[0]);
	     i++) {
		struct entry *e;
		bool dup = false;

		if (!synonyms[i]) {
			concept = NULL;
			continue;
		}
		if (!concept)
			concept = synonyms[i];

		e = &L.syn[L.nsyn];
		stem_phrase(e->key, sizeof(e->key), synonyms[i]);
		for (size_t j = 0; j < L.nsyn; j++)
			if (!strcmp(L.syn[j].key, e->key))
				dup = true;
		if (dup)
			continue;   /* its first group wins */
		e->concept = concept;
		++L.nsyn;
	}
	qsort(L.syn, L.nsyn, sizeof(L.syn[0]), cmp_entry);

	for (size_t i = 0; valence[i].w; i++) {
		struct entry *e = &L.val[L.nval];
		bool dup = false;

		stem_phrase(e->key, sizeof(e->key), valence[i].w);
		for (size_t j = 0; j < L.nval; j++)
			if (!strcmp(L.val[j].key, e->key))
				dup = true;
		if (dup)
			continue;
		e->v = valence[i].v;
		++L.nval;
	}
	qsort(L.val, L.nval, sizeof(L.val[0]), cmp_entry);

	for (size_t i = 0; stopwords[i]; i++)
		fn_add(stopwords[i], KIND_STOP, 0);
	for (size_t i = 0; negators[i]; i++)
		fn_add(negators[i], KIND_NEGATOR, 0);
	for (size_t i = 0; intensifiers[i].w; i++)
		fn_add(intensifiers[i].w, KIND_INTENSIFIER, intensifiers[i].f);
	qsort(L.fn, L.nfn, sizeof(L.fn[0]), cmp_entry);

	L.ready = true;
}


static const struct entry *find(const struct entry *tab, size_t n,
				const char *key)
{
	struct entry k;

	if (strlen(key) >= sizeof(k.key))
		return NULL;
	strcpy(k.key, key);

	return bsearch(&k, tab, n, sizeof(*tab), cmp_entry);
}


const char *nba_lex_concept(const char *stem)
{
	const struct entry *e;

#ifdef NBA_NO_SYNONYMS   /* for measuring what the table is worth */
	return NULL;
#endif

	init();
	e = find(L.syn, L.nsyn, stem);

	return e ? e->concept : NULL;
}


double nba_lex_valence(const char *stem, bool *found)
{
	const struct entry *e;

	init();
	e = find(L.val, L.nval, stem);
	*found = e != NULL;

	return e ? e->v : 0;
}


bool nba_lex_stop(const char *word)
{
	const struct entry *e;

	init();
	e = find(L.fn, L.nfn, word);

	return e && e->kind & KIND_STOP;
}


bool nba_lex_negator(const char *word)
{
	const struct entry *e;

	init();
	e = find(L.fn, L.nfn, word);

	return e && e->kind & KIND_NEGATOR;
}


double nba_lex_intensity(const char *word)
{
	const struct entry *e;

	init();
	e = find(L.fn, L.nfn, word);

	return e && e->kind & KIND_INTENSIFIER ? e->v : 0;
}
