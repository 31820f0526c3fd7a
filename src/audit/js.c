/*
 * js.c — one pass over JavaScript/TypeScript (and script inside markup):
 * a hand-written tokenizer that skips comments, strings, template text
 * and regular expressions correctly, and two small state machines over
 * its tokens:
 *
 *   - member chains (sforce.opencti.screenPop, window.sforce?.opencti…)
 *     are resolved, through the file's aliases, to Open CTI names;
 *   - declarations (`var cti = sforce.opencti`, `const {saveLog} = …`)
 *     record aliases, and runApex calls give up their literal class and
 *     method names.
 *
 * String contents are not code, but they are where script includes live,
 * so every literal goes to include_check(). Scoping is ignored on
 * purpose: an alias is an alias for the rest of the file, which is what
 * a person reading the file for a migration would assume too.
 */
#include <string.h>
#include <re.h>
#include "audit/internal.h"

enum { DEPTH_MAX = 48, PROPS_MAX = 8, APEX_ITEMS_MAX = 512 };

enum tk { T_CHAIN, T_PUNCT, T_STRING };

struct part {
	const char *p;
	size_t l;
};

struct chain {
	size_t pos;
	unsigned n;
	struct part part[CHAIN_MAX];
};

/* a resolved chain: parts after alias expansion and window. stripping */
struct res {
	struct part part[CHAIN_MAX + 4];
	unsigned n;
	unsigned ns;		/* parts naming the namespace, 0: not ours */
	bool aliased;
};

struct item {
	enum tk t;
	char c;			/* T_PUNCT; for T_CHAIN its terminator */
	size_t b, e;		/* T_STRING contents */
	const struct chain *ch;
};

enum decl_st {
	D_NONE, D_DECL, D_NAME, D_TYPE, D_RHS, D_DESTR, D_DESTR_LOCAL,
	D_DESTR_DEF, D_DESTR_END, D_DESTR_RHS
};

enum apex_st { A_NONE, A_OPEN, A_FIRST, A_COMMA, A_METHOD, A_OBJ };

struct js {
	struct scan *s;
	struct chain ch;
	bool in_chain, dot, member, regex_ok;

	enum decl_st st;
	unsigned cnt;
	char name[ALIAS_LEN];
	struct { char prop[ALIAS_LEN], local[ALIAS_LEN]; } props[PROPS_MAX];
	unsigned nprops;
	size_t destr_pos;

	enum apex_st ast;
	size_t apos;
	char api[TARGET_LEN + ALIAS_LEN];
	char cls[128], method[128], key[16];
	int adepth, keyst;
	unsigned aitems;
};


static bool ident_start(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
		c == '$' || c >= 0x80;
}

static bool ident_char(unsigned char c)
{
	return ident_start(c) || (c >= '0' && c <= '9');
}

static bool part_is(const struct part *p, const char *s)
{
	size_t n = strlen(s);

	return p->l == n && !memcmp(p->p, s, n);
}

static void part_copy(char *dst, size_t sz, const char *p, size_t l)
{
	if (l >= sz)
		l = sz - 1;
	memcpy(dst, p, l);
	dst[l] = '\0';
}

static bool any_of(const struct part *p, const char *const *set)
{
	for (; *set; set++)
		if (part_is(p, *set))
			return true;
	return false;
}


/* Expands a leading alias, drops window./self./top./… and says which
 * leading parts name an Open CTI (or console) namespace. */
static void resolve(struct res *r, const struct js *j, const struct chain *c)
{
	static const char *const globals[] = {
		"window", "self", "top", "parent", "globalThis", "opener",
		"frames", NULL
	};
	static const char *const subns[] = {"cti", "entityFeed", "hvs", NULL};
	unsigned i = 0, k;

	memset(r, 0, sizeof(*r));

	for (k = 0; k < j->s->naliases && c->n; k++) {
		const struct alias *a = &j->s->aliases[k];
		const char *t = a->target;

		if (!part_is(&c->part[0], a->name))
			continue;

		while (*t && r->n < CHAIN_MAX) {
			const char *dot = strchr(t, '.');
			size_t l = dot ? (size_t)(dot - t) : strlen(t);

			r->part[r->n].p = t;
			r->part[r->n++].l = l;
			t += l + (dot != NULL);
		}
		r->aliased = true;
		i = 1;
		break;
	}

	for (; i < c->n && r->n < ARRAY_SIZE(r->part); i++)
		r->part[r->n++] = c->part[i];

	while (r->n > 1 && any_of(&r->part[0], globals)) {
		memmove(&r->part[0], &r->part[1], (r->n - 1) * sizeof(r->part[0]));
		--r->n;
	}

	if (!r->n || !part_is(&r->part[0], "sforce"))
		return;

	if (r->n == 1) {
		r->ns = 1;
		return;
	}

	if (!part_is(&r->part[1], "opencti") &&
	    !part_is(&r->part[1], "interaction") &&
	    !part_is(&r->part[1], "console"))
		return;

	r->ns = 2;
	if (r->n > 2 && any_of(&r->part[2], subns)) {
		/* only the pairs Salesforce has */
		bool op = part_is(&r->part[1], "opencti");
		bool co = part_is(&r->part[1], "console");

		if ((op && part_is(&r->part[2], "hvs")) ||
		    (co && part_is(&r->part[2], "cti")) ||
		    (!op && !co && !part_is(&r->part[2], "hvs")))
			r->ns = 3;
	}
}


static void join(char *dst, size_t sz, const struct part *p, unsigned n)
{
	size_t o = 0;

	dst[0] = '\0';
	for (unsigned i = 0; i < n && o + 1 < sz; i++) {
		size_t l = p[i].l;

		if (i)
			dst[o++] = '.';
		if (o + l >= sz)
			l = sz - o - 1;
		memcpy(dst + o, p[i].p, l);
		o += l;
		dst[o] = '\0';
	}
}


/* The methods each namespace has. Through an alias only these count:
 * minified code reuses one-letter names in every function, and with no
 * scoping, `e.data` in a callback must not become sforce.opencti.data.
 * Written directly (sforce.opencti.x), any method counts. */
static const struct {
	const char *ns, *methods;
} known[] = {
	{"sforce.opencti", "|enableClickToDial|disableClickToDial|"
	 "onClickToDial|getAppViewInfo|onNavigationChange|"
	 "getCallCenterSettings|getSoftphoneLayout|isSoftphonePanelVisible|"
	 "setSoftphonePanelVisibility|setSoftphonePanelHeight|"
	 "setSoftphonePanelWidth|setSoftphonePanelLabel|"
	 "setSoftphonePanelIcon|setSoftphoneItemLabel|setSoftphoneItemIcon|"
	 "notifyInitializationComplete|screenPop|searchAndScreenPop|saveLog|"
	 "refreshView|runApex|subscribe|publish|unsubscribe|"},
	{"sforce.interaction", "|getPageInfo|setVisible|isVisible|"
	 "isInConsole|screenPop|searchAndScreenPop|searchAndGetScreenPopUrl|"
	 "refreshPage|refreshObject|saveLog|runApex|onFocus|"},
	{"sforce.interaction.cti", "|getCallCenterSettings|"
	 "getSoftphoneLayout|setSoftphoneHeight|setSoftphoneWidth|"
	 "enableClickToDial|disableClickToDial|onClickToDial|"},
	{"sforce.console.cti", "|getCallAttachedData|setCallAttachedData|"
	 "getCallObjectIds|setCallObjectIds|onCallBegin|onCallEnd|"
	 "fireOnCallBegin|fireOnCallEnd|onCallLogSaved|fireOnCallLogSaved|"
	 "sendCTIMessage|onSendCTIMessage|"},
};


static bool known_method(const char *ns, const char *m, size_t ml)
{
	for (size_t i = 0; i < ARRAY_SIZE(known); i++) {
		const char *p;

		if (strcmp(known[i].ns, ns))
			continue;
		for (p = known[i].methods; (p = strstr(p, "|")) && p[1];
		     p++) {
			if (!strncmp(p + 1, m, ml) && p[1 + ml] == '|')
				return true;
		}
		return false;
	}

	return true;	/* console, hvs, entityFeed: no closed list */
}


/* SCREENPOP_TYPE, CALL_TYPE: constants, not calls */
static bool is_constant(const struct part *p)
{
	for (size_t i = 0; i < p->l; i++)
		if (p->p[i] >= 'a' && p->p[i] <= 'z')
			return false;
	return true;
}


static void add_alias(struct scan *s, const char *name, const char *target)
{
	struct alias *a = NULL;

	if (!name[0] || !strcmp(name, "sforce"))
		return;

	for (unsigned i = 0; i < s->naliases; i++)
		if (!strcmp(s->aliases[i].name, name))
			a = &s->aliases[i];

	if (!a) {
		if (s->naliases == ALIAS_MAX)
			return;
		a = &s->aliases[s->naliases++];
	}

	str_ncpy(a->name, name, sizeof(a->name));
	str_ncpy(a->target, target, sizeof(a->target));
}


static void apex_done(struct js *j)
{
	struct apex_finding f;
	struct scan *s = j->s;

	j->ast = A_NONE;
	if (!j->cls[0])
		return;

	memset(&f, 0, sizeof(f));
	f.line = scan_line(s, j->apos, NULL);
	if (str_dup(&f.api, j->api) || str_dup(&f.apex_class, j->cls) ||
	    (j->method[0] && str_dup(&f.method, j->method)))
		goto fail;
	f.file = scan_file(s);
	if (!vec_push(&s->rep->apexes, &f))
		return;
 fail:
	mem_deref(f.file);
	mem_deref(f.api);
	mem_deref(f.apex_class);
	mem_deref(f.method);
}


/* A usage is any chain that reaches a method of a known namespace. */
static void eval_chain(struct js *j, const struct chain *c, char term)
{
	struct res r;
	char api[TARGET_LEN + ALIAS_LEN];

	resolve(&r, j, c);
	if (r.ns < 2 || r.n <= r.ns || j->s->decl_only)
		return;
	if (is_constant(&r.part[r.ns]))
		return;

	join(api, sizeof(api), r.part, r.ns);
	if (r.aliased && !known_method(api, r.part[r.ns].p, r.part[r.ns].l))
		return;

	join(api, sizeof(api), r.part, r.ns + 1);
	(void)report_api(j->s, c->pos, api, r.aliased);

	if (term == '(' && part_is(&r.part[r.ns], "runApex")) {
		j->ast = A_OPEN;
		j->apos = c->pos;
		str_ncpy(j->api, api, sizeof(j->api));
		j->cls[0] = j->method[0] = '\0';
		j->aitems = 0;
	}
}


static void item_string(struct js *j, const struct item *it, char *dst,
			size_t sz)
{
	part_copy(dst, sz, j->s->buf + it->b, it->e - it->b);
}


static void apex_feed(struct js *j, const struct item *it)
{
	char c = it->t == T_PUNCT ? it->c : 0;

	switch (j->ast) {

	case A_OPEN:
		/* the runApex chain itself comes first, then its '(' */
		if (it->t != T_CHAIN)
			j->ast = c == '(' ? A_FIRST : A_NONE;
		break;

	case A_FIRST:
		if (it->t == T_STRING) {
			item_string(j, it, j->cls, sizeof(j->cls));
			j->ast = A_COMMA;
		}
		else if (c == '{') {
			j->ast = A_OBJ;
			j->adepth = 1;
			j->keyst = 0;
		}
		else {
			j->ast = A_NONE;
		}
		break;

	case A_COMMA:
		if (c == ',')
			j->ast = A_METHOD;
		else
			apex_done(j);
		break;

	case A_METHOD:
		if (it->t == T_STRING)
			item_string(j, it, j->method, sizeof(j->method));
		apex_done(j);
		break;

	case A_OBJ:
		if (++j->aitems > APEX_ITEMS_MAX) {
			apex_done(j);
			break;
		}
		if (c == '{' || c == '(' || c == '[') {
			++j->adepth;
		}
		else if (c == '}' || c == ')' || c == ']') {
			if (--j->adepth == 0)
				apex_done(j);
		}
		if (j->adepth != 1 || c == '{' || c == '(' || c == '[') {
			j->keyst = 0;
			break;
		}
		if (j->keyst == 0 && it->t == T_CHAIN && it->ch->n == 1) {
			part_copy(j->key, sizeof(j->key), it->ch->part[0].p,
				  it->ch->part[0].l);
			j->keyst = 1;
		}
		else if (j->keyst == 0 && it->t == T_STRING) {
			item_string(j, it, j->key, sizeof(j->key));
			j->keyst = 1;
		}
		else if (j->keyst == 1 && c == ':') {
			j->keyst = 2;
		}
		else if (j->keyst == 2 && it->t == T_STRING) {
			if (!strcmp(j->key, "apexClass"))
				item_string(j, it, j->cls, sizeof(j->cls));
			else if (!strcmp(j->key, "methodName"))
				item_string(j, it, j->method,
					    sizeof(j->method));
			j->keyst = 0;
		}
		else {
			j->keyst = 0;
		}
		break;

	default:
		break;
	}
}


static bool single(const struct item *it)
{
	return it->t == T_CHAIN && it->ch->n == 1;
}

static bool single_is(const struct item *it, const char *s)
{
	return single(it) && part_is(&it->ch->part[0], s);
}


/* The right-hand side of an alias: sforce itself or a namespace. */
static bool rhs_target(struct js *j, const struct item *it, char *target,
		       size_t sz)
{
	struct res r;

	if (it->t != T_CHAIN || it->c == '(' || it->c == '.')
		return false;

	resolve(&r, j, it->ch);
	if (!r.ns || r.n != r.ns)
		return false;

	join(target, sz, r.part, r.n);
	return true;
}


static void destructure(struct js *j, const char *target)
{
	char api[TARGET_LEN + ALIAS_LEN];
	bool root = !strcmp(target, "sforce");

	for (unsigned i = 0; i < j->nprops; i++) {
		const char *prop = j->props[i].prop;
		const char *local = j->props[i].local[0] ? j->props[i].local :
			prop;

		re_snprintf(api, sizeof(api), "%s.%s", target, prop);
		if (root) {
			if (!strcmp(prop, "opencti") ||
			    !strcmp(prop, "interaction") ||
			    !strcmp(prop, "console"))
				add_alias(j->s, local, api);
		}
		else if (!j->s->decl_only &&
			 known_method(target, prop, strlen(prop))) {
			(void)report_api(j->s, j->destr_pos, api, true);
		}
	}
}


static void decl_feed(struct js *j, const struct item *it)
{
	char c = it->t == T_PUNCT ? it->c : 0;
	char target[TARGET_LEN];

	switch (j->st) {

	case D_NONE:
		break;

	case D_DECL:
		if (single(it)) {
			part_copy(j->name, sizeof(j->name), it->ch->part[0].p,
				  it->ch->part[0].l);
			j->st = D_NAME;
			return;
		}
		if (c == '{') {
			j->st = D_DESTR;
			j->nprops = 0;
			j->cnt = 0;
			return;
		}
		j->st = D_NONE;
		break;

	case D_NAME:
		if (c == '=') {
			j->st = D_RHS;
			return;
		}
		if (c == ':') {
			j->st = D_TYPE;
			j->cnt = 0;
			return;
		}
		j->st = D_NONE;
		break;

	case D_TYPE:
		if (c == '=')
			j->st = D_RHS;
		else if (c == ';' || c == ')' || ++j->cnt > 32)
			j->st = D_NONE;
		return;

	case D_RHS:
		j->st = D_NONE;
		if (rhs_target(j, it, target, sizeof(target))) {
			add_alias(j->s, j->name, target);
			return;
		}
		break;

	case D_DESTR:
		if (++j->cnt > 64) {
			j->st = D_NONE;
			return;
		}
		if (single(it)) {
			if (j->nprops < PROPS_MAX) {
				part_copy(j->props[j->nprops].prop, ALIAS_LEN,
					  it->ch->part[0].p,
					  it->ch->part[0].l);
				j->props[j->nprops++].local[0] = '\0';
			}
		}
		else if (c == ':') {
			j->st = D_DESTR_LOCAL;
		}
		else if (c == '=') {
			j->st = D_DESTR_DEF;
		}
		else if (c == '}') {
			j->st = D_DESTR_END;
		}
		else if (c != ',' && c != 'S') {
			j->st = D_NONE;
		}
		return;

	case D_DESTR_LOCAL:
		if (single(it) && j->nprops) {
			part_copy(j->props[j->nprops - 1].local, ALIAS_LEN,
				  it->ch->part[0].p, it->ch->part[0].l);
			j->st = D_DESTR;
		}
		else {
			j->st = D_NONE;
		}
		return;

	case D_DESTR_DEF:
		if (c == ',')
			j->st = D_DESTR;
		else if (c == '}')
			j->st = D_DESTR_END;
		else if (++j->cnt > 64)
			j->st = D_NONE;
		return;

	case D_DESTR_END:
		j->st = c == '=' ? D_DESTR_RHS : D_NONE;
		return;

	case D_DESTR_RHS:
		j->st = D_NONE;
		if (rhs_target(j, it, target, sizeof(target))) {
			destructure(j, target);
			return;
		}
		break;
	}

	/* not part of a declaration: may start one */
	if (single_is(it, "var") || single_is(it, "let") ||
	    single_is(it, "const")) {
		j->st = D_DECL;
		j->destr_pos = it->ch->pos;
	}
	else if (single(it) && it->c == '=') {
		/* a plain assignment, cti = sforce.opencti */
		part_copy(j->name, sizeof(j->name), it->ch->part[0].p,
			  it->ch->part[0].l);
		j->st = D_NAME;
	}
}


static void feed(struct js *j, const struct item *it)
{
	if (j->ast != A_NONE)
		apex_feed(j, it);
	decl_feed(j, it);
}


static void end_chain(struct js *j, char term)
{
	struct item it;

	if (!j->in_chain)
		return;

	j->in_chain = false;
	j->dot = false;
	eval_chain(j, &j->ch, term);

	memset(&it, 0, sizeof(it));
	it.t = T_CHAIN;
	it.c = term;
	it.ch = &j->ch;
	feed(j, &it);
}


static void on_ident(struct js *j, size_t b, size_t e)
{
	if (j->in_chain && j->dot) {
		if (j->ch.n < CHAIN_MAX) {
			j->ch.part[j->ch.n].p = j->s->buf + b;
			j->ch.part[j->ch.n++].l = e - b;
		}
		j->dot = false;
		return;
	}

	end_chain(j, 'i');

	if (j->member) {
		/* f().name: a member of something we cannot name */
		j->member = false;
		return;
	}

	j->in_chain = true;
	j->ch.pos = b;
	j->ch.n = 1;
	j->ch.part[0].p = j->s->buf + b;
	j->ch.part[0].l = e - b;
}


static void on_punct(struct js *j, char c)
{
	struct item it;

	if (c == '.') {
		if (j->in_chain && !j->dot) {
			j->dot = true;
			return;
		}
		j->member = true;
	}
	else {
		j->member = false;
	}

	end_chain(j, c);

	memset(&it, 0, sizeof(it));
	it.t = T_PUNCT;
	it.c = c;
	feed(j, &it);
}


static void on_string(struct js *j, size_t b, size_t e)
{
	struct item it;

	end_chain(j, 's');
	j->member = false;

	memset(&it, 0, sizeof(it));
	it.t = T_STRING;
	it.b = b;
	it.e = e;
	feed(j, &it);
}


/* After these, a '/' starts a regular expression, not a division. */
static bool regex_keyword(const char *p, size_t l)
{
	static const char *const kw[] = {
		"return", "typeof", "case", "do", "else", "in", "of", "new",
		"delete", "void", "throw", "yield", "await", "instanceof", NULL
	};

	for (const char *const *k = kw; *k; k++)
		if (strlen(*k) == l && !memcmp(*k, p, l))
			return true;
	return false;
}


static size_t skip_regex(const char *b, size_t i, size_t end)
{
	bool cls = false;

	for (++i; i < end; i++) {
		char c = b[i];

		if (c == '\\')
			++i;
		else if (c == '\n')
			return i;
		else if (c == '[')
			cls = true;
		else if (c == ']')
			cls = false;
		else if (c == '/' && !cls)
			return i + 1;
	}

	return end;
}


static size_t code(struct js *j, size_t i, size_t end, bool brace);

/* Template text: no code, but includes, and ${} holes that are code. */
static size_t template(struct js *j, size_t i, size_t end)
{
	const char *b = j->s->buf;
	size_t start = ++i;

	end_chain(j, 's');

	while (i < end) {
		char c = b[i];

		if (c == '\\') {
			i += 2;
		}
		else if (c == '`') {
			break;
		}
		else if (c == '$' && i + 1 < end && b[i + 1] == '{') {
			if (j->s->depth >= DEPTH_MAX)
				return end;
			++j->s->depth;
			i = code(j, i + 2, end, true);
			--j->s->depth;
		}
		else {
			++i;
		}
	}

	if (i > end)
		i = end;
	include_check(j->s, start, i, 2);
	on_string(j, start, i);
	j->regex_ok = false;

	return i < end ? i + 1 : end;
}


/* Tokenizes [i, end); with brace, stops after the '}' that closes a
 * template hole and returns the position after it. */
static size_t code(struct js *j, size_t i, size_t end, bool brace)
{
	const char *b = j->s->buf;
	int depth = 0;

	while (i < end) {
		unsigned char c = (unsigned char)b[i];
		unsigned char n = i + 1 < end ? (unsigned char)b[i + 1] : 0;
		size_t k;

		if (c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
		    c == '\f' || c == '\v') {
			++i;
			continue;
		}

		if (ident_start(c)) {
			for (k = i + 1; k < end && ident_char(
				     (unsigned char)b[k]); k++)
				;
			on_ident(j, i, k);
			j->regex_ok = regex_keyword(b + i, k - i);
			i = k;
			continue;
		}

		if ((c >= '0' && c <= '9') ||
		    (c == '.' && n >= '0' && n <= '9')) {
			for (k = i + 1; k < end && (ident_char(
				(unsigned char)b[k]) || b[k] == '.'); k++)
				;
			on_punct(j, '0');
			j->regex_ok = false;
			i = k;
			continue;
		}

		switch (c) {

		case '/':
			if (n == '/') {
				const char *nl = memchr(b + i, '\n', end - i);

				i = nl ? (size_t)(nl - b) : end;
				continue;
			}
			if (n == '*') {
				const char *ce = i + 2 < end ? memmem(
					b + i + 2, end - i - 2, "*/", 2) : NULL;

				i = ce ? (size_t)(ce - b) + 2 : end;
				continue;
			}
			if (j->regex_ok) {
				i = skip_regex(b, i, end);
				on_punct(j, 'r');
				j->regex_ok = false;
				continue;
			}
			break;

		case '\'':
		case '"':
			for (k = i + 1; k < end && b[k] != (char)c &&
				     b[k] != '\n'; k++) {
				if (b[k] == '\\')
					++k;
			}
			if (k > end)
				k = end;
			include_check(j->s, i + 1, k, 1);
			on_string(j, i + 1, k);
			j->regex_ok = false;
			i = k < end ? k + 1 : end;
			continue;

		case '`':
			i = template(j, i, end);
			continue;

		case '<':
			/* <!-- is a line comment in browsers' script */
			if (end - i >= 4 && !memcmp(b + i, "<!--", 4)) {
				const char *nl = memchr(b + i, '\n', end - i);

				i = nl ? (size_t)(nl - b) : end;
				continue;
			}
			break;

		case '?':
			if (n == '.' && !(i + 2 < end && b[i + 2] >= '0' &&
					  b[i + 2] <= '9')) {
				on_punct(j, '.');
				i += 2;
				continue;
			}
			break;

		case '!':
			if (n == '.' && j->in_chain) {
				++i;	/* TypeScript's non-null assertion */
				continue;
			}
			break;

		case '.':
			if (n == '.' && i + 2 < end && b[i + 2] == '.') {
				on_punct(j, 'S');
				j->regex_ok = true;
				i += 3;
				continue;
			}
			on_punct(j, '.');
			++i;
			continue;

		case '{':
			++depth;
			break;

		case '}':
			if (brace && depth == 0) {
				end_chain(j, '}');
				return i + 1;
			}
			--depth;
			break;

		default:
			break;
		}

		/* operators and the rest of the punctuation */
		if (c == '=' && n != '=' && n != '>') {
			on_punct(j, '=');
			++i;
		}
		else if (strchr("=+-*%&|^<>!~", c) && c) {
			for (k = i + 1; k < end && strchr("=+-*%&|^<>!~",
							   b[k]) && b[k]; k++)
				;
			on_punct(j, 'o');
			i = k;
		}
		else {
			on_punct(j, (char)c);
			++i;
		}
		j->regex_ok = c != ')' && c != ']';
	}

	return end;
}


void js_scan(struct scan *s, size_t begin, size_t end)
{
	struct js *j;

	if (begin >= end || s->depth >= DEPTH_MAX)
		return;

	j = mem_zalloc(sizeof(*j), NULL);
	if (!j)
		return;

	j->s = s;
	j->regex_ok = true;
	++s->depth;
	(void)code(j, begin, end, false);
	end_chain(j, ';');
	if (j->ast != A_NONE)
		apex_done(j);
	--s->depth;
	mem_deref(j);
}
