/*
 * report.c — the report: findings in arrays, one scan's helpers (line
 * numbers, recording), which scanner a file name gets, and the final
 * sort that makes output stable (file, then line, then column).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include "audit/internal.h"


int vec_push(struct vec *v, const void *elem)
{
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 16;
		/* libre's mem_realloc does not take NULL */
		void *p = v->v ? mem_realloc(v->v, cap * v->esz) :
			mem_alloc(cap * v->esz, NULL);

		if (!p)
			return ENOMEM;
		v->v = p;
		v->cap = cap;
	}

	memcpy((char *)v->v + v->n * v->esz, elem, v->esz);
	++v->n;
	return 0;
}


#define EACH(vp, T, e) \
	for (T *e = (vp)->v; e && e < (T *)(vp)->v + (vp)->n; e++)

static void report_destructor(void *arg)
{
	struct audit_report *r = arg;

	EACH(&r->ccs, struct cc_finding, c) {
		mem_deref(c->file);
		mem_deref(c->internal_name);
		mem_deref(c->display_name);
		mem_deref(c->adapter_url);
		mem_deref(c->mode);
	}
	EACH(&r->apis, struct api_finding, a) {
		mem_deref(a->file);
		mem_deref(a->api);
	}
	EACH(&r->incs, struct inc_finding, i) {
		mem_deref(i->file);
		mem_deref(i->url);
		mem_deref(i->version);
	}
	EACH(&r->utils, struct util_finding, u) {
		mem_deref(u->file);
		mem_deref(u->container);
	}
	EACH(&r->apexes, struct apex_finding, x) {
		mem_deref(x->file);
		mem_deref(x->api);
		mem_deref(x->apex_class);
		mem_deref(x->method);
	}
	EACH(&r->errors, struct msg_finding, m) {
		mem_deref(m->file);
		mem_deref(m->message);
	}
	EACH(&r->notes, struct msg_finding, m) {
		mem_deref(m->file);
		mem_deref(m->message);
	}
	for (size_t i = 0; i < r->nrows; i++)
		mem_deref(r->rows[i].item);

	mem_deref(r->rows);
	mem_deref(r->ccs.v);
	mem_deref(r->apis.v);
	mem_deref(r->incs.v);
	mem_deref(r->utils.v);
	mem_deref(r->apexes.v);
	mem_deref(r->errors.v);
	mem_deref(r->notes.v);
	mem_deref(r->root);
}


int audit_report_alloc(struct audit_report **repp, const char *root)
{
	struct audit_report *r;
	int err;

	if (!repp || !root)
		return EINVAL;

	r = mem_zalloc(sizeof(*r), report_destructor);
	if (!r)
		return ENOMEM;

	r->ccs.esz = sizeof(struct cc_finding);
	r->apis.esz = sizeof(struct api_finding);
	r->incs.esz = sizeof(struct inc_finding);
	r->utils.esz = sizeof(struct util_finding);
	r->apexes.esz = sizeof(struct apex_finding);
	r->errors.esz = sizeof(struct msg_finding);
	r->notes.esz = sizeof(struct msg_finding);

	err = str_dup(&r->root, root);
	if (err) {
		mem_deref(r);
		return err;
	}

	*repp = r;
	return 0;
}


/* Findings come mostly in file order, so counting newlines forward from
 * the last answer keeps line numbers linear in the file's size. */
unsigned scan_line(struct scan *s, size_t pos, unsigned *col)
{
	const char *p, *nl;

	if (pos > s->len)
		pos = s->len;
	if (pos < s->line_pos) {
		s->line_pos = 0;
		s->line_no = 1;
	}

	p = s->buf + s->line_pos;
	while ((nl = memchr(p, '\n', (size_t)(s->buf + pos - p)))) {
		++s->line_no;
		p = nl + 1;
	}
	s->line_pos = (size_t)(p - s->buf);

	if (col)
		*col = (unsigned)(pos - s->line_pos) + 1;

	return s->line_no;
}


/* The file's name, allocated once and shared by its findings. */
char *scan_file(struct scan *s)
{
	if (!s->file && str_dup(&s->file, s->path))
		return NULL;
	if (!s->found++)
		++s->rep->files_with_findings;

	return mem_ref(s->file);
}


int scan_str(char **out, const char *p, size_t n)
{
	struct pl pl;

	pl.p = p;
	pl.l = n;
	return pl_strdup(out, &pl);
}


int report_api(struct scan *s, size_t pos, const char *api, bool aliased)
{
	struct api_finding f;
	int err;

	memset(&f, 0, sizeof(f));
	f.line = scan_line(s, pos, &f.col);
	f.aliased = aliased;
	err = str_dup(&f.api, api);
	if (err)
		return err;

	f.file = scan_file(s);
	err = vec_push(&s->rep->apis, &f);
	if (err) {
		mem_deref(f.file);
		mem_deref(f.api);
	}

	return err;
}


static int push_msg(struct vec *v, char *file, unsigned line, const char *m)
{
	struct msg_finding f;
	int err;

	f.file = file;
	f.line = line;
	err = str_dup(&f.message, m);
	if (!err)
		err = vec_push(v, &f);
	if (err) {
		mem_deref(f.file);
		mem_deref(f.message);
	}

	return err;
}


/* Errors do not make a file "with findings": the file is named by its
 * own copy of the path. */
int report_error(struct scan *s, size_t pos, const char *fmt, ...)
{
	char msg[256];
	char *file = NULL;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	if (str_dup(&file, s->path))
		return ENOMEM;

	return push_msg(&s->rep->errors, file,
			s->buf ? scan_line(s, pos, NULL) : 0, msg);
}


int report_note(struct scan *s, const char *msg)
{
	char *file = NULL;

	if (str_dup(&file, s->path))
		return ENOMEM;

	return push_msg(&s->rep->notes, file, 0, msg);
}


static bool ends_with(const char *s, size_t n, const char *suffix)
{
	size_t k = strlen(suffix);

	return n >= k && !strncasecmp(s + n - k, suffix, k);
}


enum kind { K_NONE, K_JS, K_MARKUP, K_XML, K_RESOURCE };

/* The scanner a file gets, by its name alone, so a file we do not scan
 * is never read. A call-center definition may carry any suffix
 * ("Acme.callCenter2", "x.callCenter.bak"); we look at the content. */
static enum kind kind_of(const char *path, bool *decl_only)
{
	static const char *const js[] = {
		".js", ".mjs", ".cjs", ".jsx", ".ts", ".tsx", ".mts", ".cts"
	};
	static const char *const markup[] = {
		".html", ".htm", ".xhtml", ".page", ".component", ".cmp",
		".app", ".evt", ".intf", ".vue", ".svelte"
	};
	const char *base = strrchr(path, '/');
	size_t n = strlen(path);

	base = base ? base + 1 : path;
	*decl_only = ends_with(path, n, ".d.ts") ||
		ends_with(path, n, ".d.mts") || ends_with(path, n, ".d.cts");

	for (size_t i = 0; i < ARRAY_SIZE(js); i++)
		if (ends_with(path, n, js[i]))
			return K_JS;
	for (size_t i = 0; i < ARRAY_SIZE(markup); i++)
		if (ends_with(path, n, markup[i]))
			return K_MARKUP;
	if (ends_with(path, n, ".xml") || strstr(base, ".callCenter") ||
	    strstr(base, ".callcenter"))
		return K_XML;
	if (ends_with(path, n, ".resource"))
		return K_RESOURCE;

	return K_NONE;
}


bool audit_wants(const char *path)
{
	bool d;

	return kind_of(path, &d) != K_NONE;
}


static bool has(const char *buf, size_t len, const char *needle)
{
	return memmem(buf, len, needle, strlen(needle)) != NULL;
}


/* No finding can exist in a file without one of these, so most files of
 * a large project are passed over at memmem speed. */
static bool worth_code(const char *buf, size_t len)
{
	return has(buf, len, "sforce") || has(buf, len, "opencti") ||
		has(buf, len, "/support/");
}


static bool worth_xml(const char *buf, size_t len)
{
	return has(buf, len, "allCenter") || has(buf, len, "opencti");
}


int audit_scan_buf(struct audit_report *rep, const char *relpath,
		   const uint8_t *buf, size_t len)
{
	struct scan *s;
	enum kind k;
	bool decl;
	size_t i;

	if (!rep || !relpath || (!buf && len))
		return EINVAL;

	k = kind_of(relpath, &decl);
	if (k == K_NONE)
		return 0;

	/* large: 1 KiB of aliases */
	s = mem_zalloc(sizeof(*s), NULL);
	if (!s)
		return ENOMEM;

	s->rep = rep;
	s->path = relpath;
	s->buf = (const char *)buf;
	s->len = len;
	s->line_no = 1;
	s->decl_only = decl;
	++rep->scanned;
	rep->bytes += len;

	/* binary: a zipped static resource, an image with a .js name */
	if (memchr(buf ? (const char *)buf : "", 0, len < 8192 ? len : 8192)) {
		report_note(s, "binary file, not scanned");
		goto out;
	}

	if (k == K_RESOURCE) {
		for (i = 0; i < len && strchr(" \t\r\n", buf[i]); i++)
			;
		if (i < len && buf[i] == '<')
			k = has(s->buf, len, "allCenter") ? K_XML : K_MARKUP;
		else
			k = K_JS;
	}

	switch (k) {

	case K_JS:
		if (worth_code(s->buf, len))
			js_scan(s, 0, len);
		break;

	case K_MARKUP:
		if (worth_code(s->buf, len))
			markup_scan(s, 0, len);
		break;

	case K_XML:
		if (worth_xml(s->buf, len))
			xml_scan(s);
		break;

	default:
		break;
	}

 out:
	mem_deref(s->file);
	mem_deref(s);
	return 0;
}


bool audit_found(const struct audit_report *rep)
{
	if (!rep)
		return false;

	EACH(&rep->ccs, const struct cc_finding, c) {
		if (c->kind == CC_LIGHTNING || c->kind == CC_CLASSIC)
			return true;
	}

	return rep->apis.n || rep->incs.n || rep->utils.n || rep->apexes.n;
}


unsigned audit_errors(const struct audit_report *rep)
{
	return rep ? (unsigned)rep->errors.n : 0;
}


/* Every finding starts with file, line; the rest breaks ties so the
 * order never depends on the walk. */
struct head {
	char *file;
	unsigned line;
};

static int cmp_head(const void *a, const void *b)
{
	const struct head *x = a, *y = b;
	int c = strcmp(x->file, y->file);

	if (c)
		return c;
	return x->line < y->line ? -1 : x->line > y->line;
}

static int cmp_api(const void *a, const void *b)
{
	const struct api_finding *x = a, *y = b;
	int c = cmp_head(a, b);

	if (c)
		return c;
	if (x->col != y->col)
		return x->col < y->col ? -1 : 1;
	return strcmp(x->api, y->api);
}

static int cmp_inc(const void *a, const void *b)
{
	const struct inc_finding *x = a, *y = b;
	int c = cmp_head(a, b);

	if (c)
		return c;
	return x->col < y->col ? -1 : x->col > y->col;
}

static int cmp_msg(const void *a, const void *b)
{
	const struct msg_finding *x = a, *y = b;
	int c = cmp_head(a, b);

	return c ? c : strcmp(x->message, y->message);
}


static void vec_sort(struct vec *v, int (*cmp)(const void *, const void *))
{
	if (v->n > 1)
		qsort(v->v, v->n, v->esz, cmp);
}


void audit_finish(struct audit_report *rep, const struct audit_date *today)
{
	if (!rep || rep->finished)
		return;

	vec_sort(&rep->ccs, cmp_head);
	vec_sort(&rep->apis, cmp_api);
	vec_sort(&rep->incs, cmp_inc);
	vec_sort(&rep->utils, cmp_head);
	vec_sort(&rep->apexes, cmp_head);
	vec_sort(&rep->errors, cmp_msg);
	vec_sort(&rep->notes, cmp_msg);

	if (today)
		rep->today = *today;
	(void)plan_rows(rep);
	rep->finished = true;
}
