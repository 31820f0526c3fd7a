/*
 * xml.c — call-center definitions and utility-bar items in XML.
 *
 * Three shapes of call center: the legacy import file (<callCenter>
 * <section><item name="reqAdapterUrl">…</item>), the Metadata API file
 * (<CallCenter><adapterUrl>… <sections><items><name>…<value>…), and a
 * Service Cloud Voice one (either shape, with reqVendorInfoApiName or a
 * reqHvcc section), reported but not Open CTI. A file may hold several.
 *
 * A small reader, not a validating parser: it follows elements and
 * text, skips comments, CDATA, processing instructions and doctypes, and
 * reports a mismatched or unclosed element once per file as an error
 * while still reporting what it found.
 */
#include <string.h>
#include <re.h>
#include "audit/internal.h"

enum { STACK_MAX = 32, TEXT_MAX = 512 };

struct xname {
	const char *p;
	size_t l;
};

struct cc {
	bool open, meta;
	size_t pos;
	unsigned depth;		/* of the root element */
	char internal[TEXT_MAX], display[TEXT_MAX], url[TEXT_MAX];
	char mode[64], item[64];	/* item: its name, legacy or meta */
	char value[TEXT_MAX];
	bool scv;
};

struct xml {
	struct scan *s;
	struct xname stack[STACK_MAX];
	unsigned depth;
	bool bad;
	size_t text_b, text_e;	/* the current element's last text */
	struct cc cc;
};


static bool is(const struct xname *n, const char *s)
{
	size_t l = strlen(s);

	return n->l == l && !memcmp(n->p, s, l);
}


/* Text with the five predefined entities decoded, whitespace trimmed. */
static void text(char *dst, size_t sz, const char *p, size_t n)
{
	static const struct { const char *e; char c; } ent[] = {
		{"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'},
		{"&quot;", '"'}, {"&apos;", '\''}
	};
	size_t o = 0;

	while (n && strchr(" \t\r\n", *p)) {
		++p;
		--n;
	}
	while (n && strchr(" \t\r\n", p[n - 1]))
		--n;

	for (size_t i = 0; i < n && o + 1 < sz; i++) {
		char c = p[i];

		if (c == '&') {
			for (size_t k = 0; k < ARRAY_SIZE(ent); k++) {
				size_t l = strlen(ent[k].e);

				if (n - i >= l && !memcmp(p + i, ent[k].e, l)) {
					c = ent[k].c;
					i += l - 1;
					break;
				}
			}
		}
		dst[o++] = c;
	}
	dst[o] = '\0';
}


/* The file's base name without .callCenter(-meta.xml), .xml, … */
static int base_name(char **out, const char *path)
{
	const char *b = strrchr(path, '/');
	const char *e;

	b = b ? b + 1 : path;
	e = strstr(b, ".callCenter");
	if (!e)
		e = strstr(b, ".callcenter");
	if (!e)
		e = strchr(b + 1, '.');
	if (!e || e == b)
		e = b + strlen(b);

	return scan_str(out, b, (size_t)(e - b));
}


static int dup_or_null(char **out, const char *s)
{
	*out = NULL;
	return s[0] ? str_dup(out, s) : 0;
}


static void cc_done(struct xml *x)
{
	struct scan *s = x->s;
	struct cc *c = &x->cc;
	struct cc_finding f;
	int err;

	memset(&f, 0, sizeof(f));
	f.line = scan_line(s, c->pos, NULL);

	if (c->meta || !c->internal[0])
		err = base_name(&f.internal_name, s->path);
	else
		err = str_dup(&f.internal_name, c->internal);

	err |= dup_or_null(&f.display_name, c->display);
	err |= dup_or_null(&f.adapter_url, c->url);

	/* Classic is what Salesforce assumes when the item is absent */
	f.mode_default = !c->mode[0] && !c->scv;
	err |= c->scv && !c->mode[0] ? 0 :
		str_dup(&f.mode, c->mode[0] ? c->mode : "Classic");

	if (c->scv)
		f.kind = CC_SCV;
	else if (!c->url[0])
		f.kind = CC_UNKNOWN;
	else if (!strcasecmp(f.mode, "Classic"))
		f.kind = CC_CLASSIC;
	else
		f.kind = CC_LIGHTNING;

	if (!err) {
		f.file = scan_file(s);
		err = vec_push(&s->rep->ccs, &f);
	}
	if (err) {
		mem_deref(f.file);
		mem_deref(f.internal_name);
		mem_deref(f.display_name);
		mem_deref(f.adapter_url);
		mem_deref(f.mode);
	}

	memset(c, 0, sizeof(*c));
}


/* One item: legacy name="…" attribute, or meta <name>/<value>. */
static void cc_item(struct cc *c, const char *name, const char *value)
{
	if (!strcmp(name, "reqInternalName"))
		str_ncpy(c->internal, value, sizeof(c->internal));
	else if (!strcmp(name, "reqDisplayName"))
		str_ncpy(c->display, value, sizeof(c->display));
	else if (!strcmp(name, "reqAdapterUrl"))
		str_ncpy(c->url, value, sizeof(c->url));
	/* the misspelling is in files in the wild; Salesforce took it */
	else if (!strcmp(name, "reqSalesforceCompatibilityMode") ||
		 !strcmp(name, "reqSalesforceCompatabilityMode"))
		str_ncpy(c->mode, value, sizeof(c->mode));
	else if (!strcmp(name, "reqVendorInfoApiName") ||
		 !strncmp(name, "reqHvcc", 7))
		c->scv = true;
}


static void on_start(struct xml *x, const struct xname *n, size_t pos,
		     const char *attrs, size_t alen)
{
	struct cc *c = &x->cc;

	if (is(n, "callCenter") || is(n, "CallCenter")) {
		if (c->open)
			cc_done(x);
		c->open = true;
		c->meta = is(n, "CallCenter");
		c->pos = pos;
		c->depth = x->depth;
		return;
	}
	if (!c->open)
		return;

	if (!c->meta && (is(n, "item") || is(n, "section"))) {
		/* name="reqX" among the attributes */
		const char *p = attrs, *e = attrs + alen;

		c->item[0] = '\0';
		while ((p = memmem(p, (size_t)(e - p), "name=", 5))) {
			char q;
			const char *v;

			if (p > attrs && !strchr(" \t\r\n", p[-1])) {
				p += 5;
				continue;
			}
			p += 5;
			if (p >= e || (*p != '"' && *p != '\''))
				break;
			q = *p++;
			v = memchr(p, q, (size_t)(e - p));
			if (!v)
				break;
			text(c->item, sizeof(c->item), p, (size_t)(v - p));
			break;
		}
		if (is(n, "section")) {
			if (!strcmp(c->item, "reqHvcc"))
				c->scv = true;
			c->item[0] = '\0';
		}
	}
	else if (c->meta && (is(n, "items") || is(n, "sections"))) {
		c->item[0] = c->value[0] = '\0';
	}
}


static void on_end(struct xml *x, const struct xname *n)
{
	struct cc *c = &x->cc;
	char t[TEXT_MAX];

	if (!c->open)
		return;

	if (x->depth == c->depth + 1) {
		cc_done(x);
		return;
	}

	text(t, sizeof(t), x->s->buf + x->text_b, x->text_e - x->text_b);

	if (!c->meta) {
		if (is(n, "item") && c->item[0])
			cc_item(c, c->item, t);
		return;
	}

	/* Metadata API shape */
	if (x->depth == c->depth + 2) {
		if (is(n, "adapterUrl"))
			str_ncpy(c->url, t, sizeof(c->url));
		else if (is(n, "displayName"))
			str_ncpy(c->display, t, sizeof(c->display));
		return;
	}
	if (is(n, "name")) {
		str_ncpy(c->item, t, sizeof(c->item));
		if (!strcmp(t, "reqHvcc"))
			c->scv = true;
	}
	else if (is(n, "value")) {
		str_ncpy(c->value, t, sizeof(c->value));
	}
	else if (is(n, "items") && c->item[0]) {
		cc_item(c, c->item, c->value);
		c->item[0] = c->value[0] = '\0';
	}
}


static void utility(struct xml *x, size_t b, size_t e)
{
	struct scan *s = x->s;
	const char *p = memmem(s->buf + b, e - b, "opencti:softPhone", 17);
	struct util_finding f;

	if (!p)
		return;

	memset(&f, 0, sizeof(f));
	f.line = scan_line(s, (size_t)(p - s->buf), NULL);
	if (base_name(&f.container, s->path))
		return;
	f.file = scan_file(s);
	if (vec_push(&s->rep->utils, &f)) {
		mem_deref(f.file);
		mem_deref(f.container);
	}
}


static void bad(struct xml *x, size_t pos, const char *what)
{
	if (x->bad)
		return;
	x->bad = true;
	(void)report_error(x->s, pos, "malformed XML: %s", what);
}


static size_t skip_to(const char *b, size_t i, size_t end, const char *n)
{
	const char *p = i < end ? memmem(b + i, end - i, n, strlen(n)) : NULL;

	return p ? (size_t)(p - b) + strlen(n) : end;
}


void xml_scan(struct scan *s)
{
	const char *b = s->buf;
	size_t end = s->len, i = 0;
	struct xml *x;

	x = mem_zalloc(sizeof(*x), NULL);
	if (!x)
		return;
	x->s = s;

	while (i < end) {
		const char *lt = memchr(b + i, '<', end - i);
		size_t start, ne, gt;
		struct xname n;
		bool closing, selfc;

		if (!lt) {
			utility(x, i, end);
			break;
		}
		start = (size_t)(lt - b);
		utility(x, i, start);
		x->text_b = i;
		x->text_e = start;

		if (end - start >= 4 && !memcmp(b + start, "<!--", 4)) {
			i = skip_to(b, start + 4, end, "-->");
			x->text_b = x->text_e = i;
			continue;
		}
		if (end - start >= 9 && !memcmp(b + start, "<![CDATA[", 9)) {
			size_t ce = skip_to(b, start + 9, end, "]]>");

			utility(x, start + 9, ce);
			/* CDATA is the element's text */
			x->text_b = start + 9;
			x->text_e = ce >= 3 && ce < end ? ce - 3 : ce;
			i = ce;
			continue;
		}
		if (start + 1 < end && (b[start + 1] == '?' ||
					b[start + 1] == '!')) {
			i = skip_to(b, start + 1, end, ">");
			continue;
		}

		closing = start + 1 < end && b[start + 1] == '/';
		i = start + 1 + closing;
		n.p = b + i;
		while (i < end && !strchr(" \t\r\n/>", b[i]))
			++i;
		ne = i;
		n.l = (size_t)(b + ne - n.p);
		lt = memchr(b + i, '>', end - i);
		if (!lt) {
			bad(x, start, "a tag is not closed");
			break;
		}
		gt = (size_t)(lt - b) + 1;
		if (!n.l) {
			bad(x, start, "a tag without a name");
			i = gt;
			continue;
		}
		selfc = !closing && b[gt - 2] == '/';

		if (closing) {
			if (!x->depth) {
				bad(x, start, "a closing tag with no element "
				    "open");
			}
			else {
				if (x->depth <= STACK_MAX) {
					const struct xname *top =
						&x->stack[x->depth - 1];

					if (top->l != n.l ||
					    memcmp(top->p, n.p, n.l))
						bad(x, start, "a closing tag "
						    "does not match its "
						    "element");
					on_end(x, top);
				}
				--x->depth;
			}
		}
		else {
			utility(x, ne, gt);
			if (x->depth < STACK_MAX)
				x->stack[x->depth] = n;
			on_start(x, &n, start, b + ne, gt - 1 - ne);
			++x->depth;
			if (selfc) {
				x->text_b = x->text_e = gt;
				if (x->depth <= STACK_MAX)
					on_end(x, &n);
				--x->depth;
			}
		}
		i = gt;
		x->text_b = x->text_e = gt;
	}

	if (x->depth || x->cc.open)
		bad(x, end, "an element is not closed at the end of the "
		    "file");
	if (x->cc.open)
		cc_done(x);

	mem_deref(x);
}
