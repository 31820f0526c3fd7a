/*
 * json.c — JSON text to odict, strictly; RFC 7386 merge patch on odicts.
 *
 * libre's decoder (json_decode_odict) builds the tree we want but accepts
 * far more than JSON: text after the closing brace, TRUE and nULL, bare
 * scalars, unknown escapes, raw control characters, \u0000 (which would
 * cut a C string short), lone surrogates, duplicate keys. Provisioning
 * decides who may log in and where calls go, so what we accept must be
 * what the admin meant: we check the grammar (RFC 8259) here first, with
 * a position for the error message, and only then let libre decode.
 */
#include <string.h>
#include <re.h>
#include "prov/prov_int.h"

struct scan {
	const char *p, *end;
	unsigned depth;
	const char *why;
};

static bool scan_value(struct scan *s);


static bool fail(struct scan *s, const char *why)
{
	if (!s->why)
		s->why = why;
	return false;
}


static void skip_ws(struct scan *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' ||
				 *s->p == '\n' || *s->p == '\r'))
		++s->p;
}


static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}


static bool scan_u4(struct scan *s, unsigned *u)
{
	*u = 0;

	if (s->end - s->p < 4)
		return fail(s, "incomplete \\u escape");

	for (int i = 0; i < 4; i++) {
		int h = hexval(s->p[i]);
		if (h < 0)
			return fail(s, "invalid \\u escape");
		*u = *u << 4 | (unsigned)h;
	}

	s->p += 4;
	return true;
}


static bool scan_escape(struct scan *s)
{
	unsigned u, lo;

	if (s->p >= s->end)
		return fail(s, "unterminated string");

	switch (*s->p++) {

	case '"': case '\\': case '/': case 'b': case 'f': case 'n':
	case 'r': case 't':
		return true;

	case 'u':
		break;

	default:
		--s->p;
		return fail(s, "invalid escape in string");
	}

	if (!scan_u4(s, &u))
		return false;

	if (u == 0)
		return fail(s, "strings must not contain \\u0000");

	if (u >= 0xdc00 && u <= 0xdfff)
		return fail(s, "unpaired UTF-16 surrogate in string");

	if (u < 0xd800 || u > 0xdbff)
		return true;

	if (s->end - s->p < 2 || s->p[0] != '\\' || s->p[1] != 'u')
		return fail(s, "unpaired UTF-16 surrogate in string");

	s->p += 2;
	if (!scan_u4(s, &lo))
		return false;

	if (lo < 0xdc00 || lo > 0xdfff)
		return fail(s, "unpaired UTF-16 surrogate in string");

	return true;
}


/* One UTF-8 sequence of 2-4 bytes: no overlongs, no surrogates, nothing
 * above U+10FFFF (RFC 3629). */
static bool scan_utf8(struct scan *s)
{
	const uint8_t c = (uint8_t)*s->p;
	uint8_t lo = 0x80, hi = 0xbf;
	size_t n;

	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return fail(s, "invalid UTF-8 in string");

	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;

	if ((size_t)(s->end - s->p) < n ||
	    (uint8_t)s->p[1] < lo || (uint8_t)s->p[1] > hi)
		return fail(s, "invalid UTF-8 in string");

	for (size_t i = 2; i < n; i++) {
		if (((uint8_t)s->p[i] & 0xc0) != 0x80)
			return fail(s, "invalid UTF-8 in string");
	}

	s->p += n;
	return true;
}


static bool scan_string(struct scan *s)
{
	++s->p;   /* the opening quote */

	while (s->p < s->end) {
		const uint8_t c = (uint8_t)*s->p;

		if (c == '"') {
			++s->p;
			return true;
		}
		else if (c == '\\') {
			++s->p;
			if (!scan_escape(s))
				return false;
		}
		else if (c < 0x20) {
			return fail(s, "control character in string (escape "
				    "it)");
		}
		else if (c >= 0x80) {
			if (!scan_utf8(s))
				return false;
		}
		else {
			++s->p;
		}
	}

	return fail(s, "unterminated string");
}


static bool digits(struct scan *s)
{
	const char *start = s->p;

	while (s->p < s->end && *s->p >= '0' && *s->p <= '9')
		++s->p;

	return s->p > start;
}


static bool scan_number(struct scan *s)
{
	if (*s->p == '-')
		++s->p;

	if (s->p < s->end && *s->p == '0')
		++s->p;
	else if (!digits(s))
		return fail(s, "invalid number");

	if (s->p < s->end && *s->p == '.') {
		++s->p;
		if (!digits(s))
			return fail(s, "invalid number");
	}

	if (s->p < s->end && (*s->p == 'e' || *s->p == 'E')) {
		++s->p;
		if (s->p < s->end && (*s->p == '+' || *s->p == '-'))
			++s->p;
		if (!digits(s))
			return fail(s, "invalid number");
	}

	return true;
}


static bool scan_literal(struct scan *s, const char *lit)
{
	const size_t n = strlen(lit);

	if ((size_t)(s->end - s->p) < n || memcmp(s->p, lit, n))
		return fail(s, "unexpected character");

	s->p += n;
	return true;
}


/* {...} or [...]: members separated by commas, no trailing comma */
static bool scan_container(struct scan *s, bool obj)
{
	const char close = obj ? '}' : ']';

	if (++s->depth > PROV_JSON_DEPTH)
		return fail(s, "nested too deeply");

	++s->p;
	skip_ws(s);
	if (s->p < s->end && *s->p == close)
		goto done;

	for (;;) {
		skip_ws(s);
		if (s->p >= s->end)
			return fail(s, "unexpected end of input");

		if (obj) {
			if (*s->p == close)
				return fail(s, "trailing comma");
			if (*s->p != '"')
				return fail(s, "expected a string key");
			if (!scan_string(s))
				return false;
			skip_ws(s);
			if (s->p >= s->end || *s->p != ':')
				return fail(s, "expected ':'");
			++s->p;
		}
		else if (*s->p == close) {
			return fail(s, "trailing comma");
		}

		if (!scan_value(s))
			return false;

		skip_ws(s);
		if (s->p >= s->end)
			return fail(s, "unexpected end of input");
		if (*s->p == close)
			break;
		if (*s->p != ',')
			return fail(s, obj ? "expected ',' or '}'"
				       : "expected ',' or ']'");
		++s->p;
	}

 done:
	++s->p;
	--s->depth;
	return true;
}


static bool scan_value(struct scan *s)
{
	skip_ws(s);
	if (s->p >= s->end)
		return fail(s, "unexpected end of input");

	switch (*s->p) {

	case '{': return scan_container(s, true);
	case '[': return scan_container(s, false);
	case '"': return scan_string(s);
	case 't': return scan_literal(s, "true");
	case 'f': return scan_literal(s, "false");
	case 'n': return scan_literal(s, "null");
	default:
		if (*s->p == '-' || (*s->p >= '0' && *s->p <= '9'))
			return scan_number(s);
		return fail(s, "unexpected character");
	}
}


static int syntax_error(struct prov_error *err, const char *json,
			const struct scan *s)
{
	unsigned line = 1, col = 1;

	for (const char *p = json; p < s->p; p++) {
		if (*p == '\n') {
			++line;
			col = 1;
		}
		else {
			++col;
		}
	}

	return prov_err(err, 400, "invalid_json", NULL,
			"invalid JSON at line %u, column %u: %s", line, col,
			s->why);
}


/* libre's odict keeps every duplicate; a second "password" must not
 * quietly lose to the first. */
static int check_dups(const struct odict *o, bool array, const char *path,
		      struct prov_error *err)
{
	struct le *le;
	unsigned idx = 0;

	LIST_FOREACH(&o->lst, le) {
		const struct odict_entry *e = le->data;
		char sub[PROV_PATH_MAX];
		int r;

		if (array)
			(void)re_snprintf(sub, sizeof(sub), "%s[%u]", path,
					  idx++);
		else
			prov_path(sub, sizeof(sub), path, e->key);

		if (!array && odict_lookup(o, e->key) != e)
			return prov_err(err, 400, "invalid_json", sub,
					"duplicate key");

		if (e->type == ODICT_OBJECT || e->type == ODICT_ARRAY) {
			r = check_dups(e->u.odict, e->type == ODICT_ARRAY,
				       sub, err);
			if (r)
				return r;
		}
	}

	return 0;
}


int prov_json_parse(struct odict **odp, const char *json, size_t len,
		    struct prov_error *err)
{
	struct scan s = {json, json + len, 0, NULL};
	struct odict *od = NULL;
	int e;

	if (!odp || !json)
		return EINVAL;

	skip_ws(&s);
	if (s.p >= s.end)
		return prov_err(err, 400, "invalid_json", NULL,
				"a JSON object is required (the body is "
				"empty)");

	if (*s.p != '{')
		return prov_err(err, 400, "invalid_json", NULL,
				"a JSON object is required");

	if (!scan_value(&s))
		return syntax_error(err, json, &s);

	skip_ws(&s);
	if (s.p != s.end) {
		s.why = "unexpected text after the object";
		return syntax_error(err, json, &s);
	}

	e = json_decode_odict(&od, 32, json, len, PROV_JSON_DEPTH + 1);
	if (e == ENOMEM)
		return e;
	if (e)
		return prov_err(err, 400, "invalid_json", NULL,
				"invalid JSON");

	e = check_dups(od, false, "", err);
	if (e)
		mem_deref(od);
	else
		*odp = od;

	return e;
}


static int merge(struct odict *target, const struct odict *patch);


/* target[key] = a copy of e (objects merged onto nothing, which drops
 * their nulls, as RFC 7386 says) */
static int put_copy(struct odict *target, const struct odict_entry *e)
{
	struct odict *o;
	int err;

	odict_entry_del(target, e->key);

	switch (e->type) {

	case ODICT_OBJECT:
		err = odict_alloc(&o, 8);
		if (err)
			return err;
		err = merge(o, e->u.odict);
		if (!err)
			err = odict_entry_add(target, e->key, ODICT_OBJECT, o);
		mem_deref(o);
		return err;

	/* arrays are replaced whole and never changed afterwards, so
	 * sharing the patch's is safe */
	case ODICT_ARRAY:
		return odict_entry_add(target, e->key, ODICT_ARRAY,
				       e->u.odict);

	case ODICT_STRING:
		return odict_entry_add(target, e->key, ODICT_STRING,
				       e->u.str);

	case ODICT_INT:
		return odict_entry_add(target, e->key, ODICT_INT,
				       e->u.integer);

	case ODICT_DOUBLE:
		return odict_entry_add(target, e->key, ODICT_DOUBLE, e->u.dbl);

	case ODICT_BOOL:
		return odict_entry_add(target, e->key, ODICT_BOOL,
				       (int)e->u.boolean);

	default:
		return odict_entry_add(target, e->key, ODICT_NULL);
	}
}


static int merge(struct odict *target, const struct odict *patch)
{
	struct le *le;
	int err = 0;

	LIST_FOREACH(&patch->lst, le) {
		const struct odict_entry *e = le->data;
		const struct odict_entry *t;

		if (e->type == ODICT_NULL) {
			odict_entry_del(target, e->key);
			continue;
		}

		t = odict_lookup(target, e->key);
		if (e->type == ODICT_OBJECT && t && t->type == ODICT_OBJECT)
			err = merge(t->u.odict, e->u.odict);
		else
			err = put_copy(target, e);

		if (err)
			break;
	}

	return err;
}


int prov_merge_patch(struct odict *target, const struct odict *patch)
{
	if (!target || !patch)
		return EINVAL;

	return merge(target, patch);
}
