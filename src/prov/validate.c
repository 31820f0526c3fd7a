/*
 * validate.c — the field readers every kind is built from, and the error
 * they leave for the user.
 *
 * Rules shared by every kind: a key we do not know is an error (a typo
 * must not be silently ignored), null means the same as leaving a field
 * out, integers must be written as integers, and every message starts
 * with the JSON path of the value it is about.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include "prov/prov_int.h"


int prov_err(struct prov_error *err, uint16_t status, const char *code,
	     const char *field, const char *fmt, ...)
{
	char msg[sizeof(err->message)];
	va_list ap;

	if (!err)
		return EINVAL;

	va_start(ap, fmt);
	(void)re_vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	err->status = status;
	str_ncpy(err->code, code, sizeof(err->code));
	str_ncpy(err->field, field ? field : "", sizeof(err->field));

	if (err->field[0])
		(void)re_snprintf(err->message, sizeof(err->message),
				  "%s: %s", err->field, msg);
	else
		str_ncpy(err->message, msg, sizeof(err->message));

	return status == 404 ? ENOENT : status == 409 ? EEXIST :
		status >= 500 ? EIO : EINVAL;
}


void prov_path(char *buf, size_t sz, const char *path, const char *key)
{
	if (path && path[0])
		(void)re_snprintf(buf, sz, "%s.%s", path, key);
	else
		str_ncpy(buf, key, sz);
}


int prov_check_keys(const struct odict *o, const char *const *allowed,
		    const char *path, struct prov_error *err)
{
	struct le *le;

	LIST_FOREACH(&o->lst, le) {
		const struct odict_entry *e = le->data;
		char field[PROV_PATH_MAX];
		char list[160] = "";
		size_t i, n = 0;

		for (i = 0; allowed[i]; i++) {
			if (0 == strcmp(e->key, allowed[i]))
				break;
		}
		if (allowed[i])
			continue;

		for (i = 0; allowed[i]; i++) {
			int r = re_snprintf(list + n, sizeof(list) - n,
					    "%s%s", i ? ", " : "",
					    allowed[i]);
			if (r < 0 || (size_t)r >= sizeof(list) - n)
				break;
			n += (size_t)r;
		}

		prov_path(field, sizeof(field), path, e->key);
		return prov_err(err, 400, "unknown_field", field,
				"unknown field (known: %s)", list);
	}

	return 0;
}


/* The entry for key, or NULL when it is absent or null. */
static const struct odict_entry *get(const struct odict *o, const char *key)
{
	const struct odict_entry *e = odict_lookup(o, key);

	return (e && e->type != ODICT_NULL) ? e : NULL;
}


static int missing(const char *path, const char *key,
		   struct prov_error *err)
{
	char field[PROV_PATH_MAX];

	prov_path(field, sizeof(field), path, key);
	return prov_err(err, 400, "missing_field", field,
			"this field is required");
}


int prov_get_str(const char **v, const struct odict *o, const char *key,
		 const char *path, bool required, struct prov_error *err)
{
	const struct odict_entry *e = get(o, key);
	char field[PROV_PATH_MAX];

	if (!e)
		return required ? missing(path, key, err) : 0;

	if (e->type != ODICT_STRING) {
		prov_path(field, sizeof(field), path, key);
		return prov_err(err, 400, "invalid_field", field,
				"must be a string");
	}

	*v = e->u.str;
	return 0;
}


bool prov_charset_ok(const char *s, const char *extra)
{
	for (; *s; s++) {
		const char c = *s;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9'))
			continue;

		if (!strchr(extra, c))
			return false;
	}

	return true;
}


/* Input strings are valid UTF-8 (json.c checks), so counting the bytes
 * that do not continue a sequence counts the characters. */
size_t prov_utf8_len(const char *s)
{
	size_t n = 0;

	for (; *s; s++) {
		if (((uint8_t)*s & 0xc0) != 0x80)
			++n;
	}

	return n;
}


int prov_get_id(const char **v, const struct odict *o, const char *key,
		const char *path, const char *extra, size_t max,
		struct prov_error *err)
{
	const char *s = NULL;
	char field[PROV_PATH_MAX];
	size_t len;
	int e;

	e = prov_get_str(&s, o, key, path, true, err);
	if (e)
		return e;

	len = strlen(s);
	if (len < 1 || len > max || !prov_charset_ok(s, extra)) {
		prov_path(field, sizeof(field), path, key);
		return prov_err(err, 400, "invalid_field", field,
				"must be 1 to %zu characters of A-Z a-z 0-9 "
				"and %s", max, extra);
	}

	*v = s;
	return 0;
}


int prov_get_name(const char **v, const struct odict *o, const char *key,
		  const char *path, struct prov_error *err)
{
	const char *s = NULL;
	char field[PROV_PATH_MAX];
	size_t len;
	int e;

	e = prov_get_str(&s, o, key, path, false, err);
	if (e || !s)
		return e;

	len = prov_utf8_len(s);
	for (const char *p = s; *p; p++) {
		if ((uint8_t)*p < 0x20 || *p == 0x7f)
			len = 0;
	}

	if (len < 1 || len > PROV_NAME_MAX) {
		prov_path(field, sizeof(field), path, key);
		return prov_err(err, 400, "invalid_field", field,
				"must be 1 to %u characters without control "
				"characters", PROV_NAME_MAX);
	}

	*v = s;
	return 0;
}


int prov_get_u32(uint32_t *v, const struct odict *o, const char *key,
		 const char *path, uint32_t min, uint32_t max,
		 struct prov_error *err)
{
	const struct odict_entry *e = get(o, key);
	char field[PROV_PATH_MAX];

	if (!e)
		return 0;

	if (e->type != ODICT_INT || e->u.integer < min ||
	    e->u.integer > max) {
		prov_path(field, sizeof(field), path, key);
		return prov_err(err, 400, "invalid_field", field,
				"must be an integer from %u to %u", min, max);
	}

	*v = (uint32_t)e->u.integer;
	return 0;
}


/* The entry at key when it has the type (*ep NULL when absent and not
 * required); else the error, saying what it must be. */
static int get_typed(const struct odict_entry **ep, const struct odict *o,
		     const char *key, const char *path, bool required,
		     enum odict_type type, const char *what,
		     struct prov_error *err)
{
	const struct odict_entry *e = get(o, key);
	char field[PROV_PATH_MAX];

	*ep = NULL;
	if (!e)
		return required ? missing(path, key, err) : 0;

	if (e->type != type) {
		prov_path(field, sizeof(field), path, key);
		return prov_err(err, 400, "invalid_field", field,
				"must be %s", what);
	}

	*ep = e;
	return 0;
}


int prov_get_obj(const struct odict **v, const struct odict *o,
		 const char *key, const char *path, bool required,
		 struct prov_error *err)
{
	const struct odict_entry *e;
	int r = get_typed(&e, o, key, path, required, ODICT_OBJECT,
			  "an object", err);

	if (e)
		*v = e->u.odict;
	return r;
}


int prov_get_arr(const struct odict **v, const struct odict *o,
		 const char *key, const char *path, bool required,
		 struct prov_error *err)
{
	const struct odict_entry *e;
	int r = get_typed(&e, o, key, path, required, ODICT_ARRAY,
			  "an array", err);

	if (e)
		*v = e->u.odict;
	return r;
}


int prov_get_bool(bool *v, const struct odict *o, const char *key,
		  const char *path, bool required, struct prov_error *err)
{
	const struct odict_entry *e;
	int r = get_typed(&e, o, key, path, required, ODICT_BOOL,
			  "true or false", err);

	if (e)
		*v = e->u.boolean;
	return r;
}


static int skill_cmp(const void *a, const void *b)
{
	const struct prov_skill *x = a, *y = b;

	return strcmp(x->name, y->name);
}


/* "skills": {"name": level, ...}; levels are 1-10 for agents (what they
 * have) and queues (the minimum they need) alike. */
int prov_get_skills(struct prov_skill **skills, size_t *n,
		    const struct odict *o, const char *path,
		    struct prov_error *err)
{
	const struct odict *so = NULL;
	struct prov_skill *sk = NULL;
	char spath[PROV_PATH_MAX], field[PROV_PATH_MAX];
	size_t cnt, i = 0;
	struct le *le;
	int e;

	e = prov_get_obj(&so, o, "skills", path, false, err);
	if (e || !so) {
		*skills = NULL;
		*n = 0;
		return e;
	}

	prov_path(spath, sizeof(spath), path, "skills");

	cnt = list_count(&so->lst);
	if (cnt > PROV_SKILLS_MAX)
		return prov_err(err, 400, "invalid_field", spath,
				"at most %u skills", PROV_SKILLS_MAX);

	if (cnt) {
		sk = mem_zalloc(cnt * sizeof(*sk), NULL);
		if (!sk)
			return ENOMEM;
	}

	LIST_FOREACH(&so->lst, le) {
		const struct odict_entry *en = le->data;
		size_t len = strlen(en->key);

		prov_path(field, sizeof(field), spath, en->key);

		if (len < 1 || len > PROV_SKILL_MAX ||
		    !prov_charset_ok(en->key, "_-")) {
			e = prov_err(err, 400, "invalid_field", field,
				     "skill names must be 1 to %u characters "
				     "of A-Z a-z 0-9 _ -", PROV_SKILL_MAX);
			goto out;
		}

		if (en->type != ODICT_INT || en->u.integer < 1 ||
		    en->u.integer > 10) {
			e = prov_err(err, 400, "invalid_field", field,
				     "level must be an integer from 1 to 10");
			goto out;
		}

		str_ncpy(sk[i].name, en->key, sizeof(sk[i].name));
		sk[i].level = (uint8_t)en->u.integer;
		++i;
	}

	if (cnt)
		qsort(sk, cnt, sizeof(*sk), skill_cmp);

 out:
	if (e) {
		mem_deref(sk);
	}
	else {
		*skills = sk;
		*n = cnt;
	}

	return e;
}


int prov_print_skills(struct re_printf *pf, const struct prov_skill *sk,
		      size_t n)
{
	int err = re_hprintf(pf, "{");

	/* names are [A-Za-z0-9_-]: no escaping needed */
	for (size_t i = 0; i < n && !err; i++)
		err = re_hprintf(pf, "%s\"%s\":%u", i ? "," : "", sk[i].name,
				 sk[i].level);

	return err ? err : re_hprintf(pf, "}");
}
