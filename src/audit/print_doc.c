/*
 * print_doc.c — the reports for people: Markdown and HTML with the same
 * content as the JSON (summary, warning, plan, mapping, findings),
 * written once through a few document calls (heading, paragraph, table)
 * that each format renders its own way. The HTML is one self-contained
 * file (inline CSS, no scripts, no fetches) that prints cleanly.
 */
#include <stdarg.h>
#include <string.h>
#include <re.h>
#include "audit/internal.h"

#define EACH(vp, T, e) \
	for (const T *e = (vp)->v; e && e < (const T *)(vp)->v + (vp)->n; e++)

enum { CELLS_MAX = 8 };

struct doc {
	struct re_printf *pf;
	bool html;
	int err;
};


/* Escapes text for the format: HTML entities, or Markdown table pipes
 * and line breaks (cells are one line). */
static int esc(struct re_printf *pf, const char *s, bool html)
{
	int err = 0;

	for (; s && *s && !err; s++) {
		char c = *s;

		if (html && c == '<')
			err = re_hprintf(pf, "&lt;");
		else if (html && c == '>')
			err = re_hprintf(pf, "&gt;");
		else if (html && c == '&')
			err = re_hprintf(pf, "&amp;");
		else if (html && c == '"')
			err = re_hprintf(pf, "&quot;");
		else if (!html && (c == '|' || c == '*' || c == '_' ||
				   c == '`' || c == '<' || c == '[' ||
				   c == '\\'))
			err = re_hprintf(pf, "\\%c", c);
		else if ((unsigned char)c < ' ')
			err = re_hprintf(pf, " ");
		else
			err = re_hprintf(pf, "%c", c);
	}

	return err;
}


static void heading(struct doc *d, int level, const char *text)
{
	if (d->html) {
		d->err |= re_hprintf(d->pf, "<h%d>", level);
		d->err |= esc(d->pf, text, true);
		d->err |= re_hprintf(d->pf, "</h%d>\n", level);
	}
	else {
		d->err |= re_hprintf(d->pf, "\n%b ", "######", (size_t)level);
		d->err |= esc(d->pf, text, false);
		d->err |= re_hprintf(d->pf, "\n\n");
	}
}


static void para(struct doc *d, const char *cls, const char *fmt, ...)
{
	char text[1024];
	va_list ap;

	va_start(ap, fmt);
	re_vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);

	if (d->html) {
		d->err |= re_hprintf(d->pf, "<p%s%s%s>", cls ? " class=\"" :
				     "", cls ? cls : "", cls ? "\"" : "");
		d->err |= esc(d->pf, text, true);
		d->err |= re_hprintf(d->pf, "</p>\n");
	}
	else {
		d->err |= re_hprintf(d->pf, "%s", cls ? "> **" : "");
		d->err |= esc(d->pf, text, false);
		d->err |= re_hprintf(d->pf, "%s\n\n", cls ? "**" : "");
	}
}


static void row(struct doc *d, bool head, unsigned n, const char **cells)
{
	if (d->html) {
		d->err |= re_hprintf(d->pf, "<tr>");
		for (unsigned i = 0; i < n; i++) {
			d->err |= re_hprintf(d->pf, "<%s>", head ? "th" : "td");
			d->err |= esc(d->pf, cells[i] ? cells[i] : "", true);
			d->err |= re_hprintf(d->pf, "</%s>", head ? "th" :
					     "td");
		}
		d->err |= re_hprintf(d->pf, "</tr>\n");
		return;
	}

	d->err |= re_hprintf(d->pf, "|");
	for (unsigned i = 0; i < n; i++) {
		d->err |= re_hprintf(d->pf, " ");
		d->err |= esc(d->pf, cells[i] ? cells[i] : "", false);
		d->err |= re_hprintf(d->pf, " |");
	}
	d->err |= re_hprintf(d->pf, "\n");
	if (head) {
		d->err |= re_hprintf(d->pf, "|");
		for (unsigned i = 0; i < n; i++)
			d->err |= re_hprintf(d->pf, " --- |");
		d->err |= re_hprintf(d->pf, "\n");
	}
}


static void table_begin(struct doc *d, unsigned n, const char **head)
{
	if (d->html)
		d->err |= re_hprintf(d->pf, "<table>\n");
	row(d, true, n, head);
}


static void table_end(struct doc *d)
{
	d->err |= re_hprintf(d->pf, d->html ? "</table>\n" : "\n");
}


static void where(char *buf, size_t sz, const char *file, unsigned line)
{
	re_snprintf(buf, sz, "%s:%u", file, line);
}


static void findings(struct doc *d, const struct audit_report *r)
{
	char w[600], ln[16];

	heading(d, 2, "Findings");

	heading(d, 3, "Call centers");
	if (!r->ccs.n)
		para(d, NULL, "None.");
	else {
		const char *h[] = {"where", "internal name", "display name",
			"adapter URL", "compatibility mode", "kind"};

		table_begin(d, 6, h);
		EACH(&r->ccs, struct cc_finding, c) {
			char mode[80];
			const char *cells[6];

			where(w, sizeof(w), c->file, c->line);
			re_snprintf(mode, sizeof(mode), "%s%s",
				    c->mode ? c->mode : "",
				    c->mode_default ? " (default)" : "");
			cells[0] = w;
			cells[1] = c->internal_name;
			cells[2] = c->display_name;
			cells[3] = c->adapter_url;
			cells[4] = mode;
			cells[5] = cc_kind_name(c->kind);
			row(d, false, 6, cells);
		}
		table_end(d);
	}

	heading(d, 3, "API usages");
	if (!r->apis.n)
		para(d, NULL, "None.");
	else {
		const char *h[] = {"where", "API", "aliased"};

		table_begin(d, 3, h);
		EACH(&r->apis, struct api_finding, a) {
			const char *cells[3];

			where(w, sizeof(w), a->file, a->line);
			cells[0] = w;
			cells[1] = a->api;
			cells[2] = a->aliased ? "yes" : "";
			row(d, false, 3, cells);
		}
		table_end(d);
	}

	heading(d, 3, "Script includes");
	if (!r->incs.n)
		para(d, NULL, "None.");
	else {
		const char *h[] = {"where", "library", "URL", "API version"};

		table_begin(d, 4, h);
		EACH(&r->incs, struct inc_finding, in) {
			const char *cells[4];

			where(w, sizeof(w), in->file, in->line);
			cells[0] = w;
			cells[1] = in->library;
			cells[2] = in->url;
			cells[3] = in->version ? in->version : "?";
			row(d, false, 4, cells);
		}
		table_end(d);
	}

	heading(d, 3, "Utility items and Apex called by runApex");
	if (!r->utils.n && !r->apexes.n)
		para(d, NULL, "None.");
	else {
		const char *h[] = {"where", "what", "name"};

		table_begin(d, 3, h);
		EACH(&r->utils, struct util_finding, u) {
			const char *cells[3];

			where(w, sizeof(w), u->file, u->line);
			cells[0] = w;
			cells[1] = "utility item opencti:softPhone";
			cells[2] = u->container;
			row(d, false, 3, cells);
		}
		EACH(&r->apexes, struct apex_finding, x) {
			const char *cells[3];
			char name[300];

			where(w, sizeof(w), x->file, x->line);
			re_snprintf(name, sizeof(name), "%s%s%s",
				    x->apex_class, x->method ? "." : "",
				    x->method ? x->method : "");
			cells[0] = w;
			cells[1] = x->api;
			cells[2] = name;
			row(d, false, 3, cells);
		}
		table_end(d);
	}

	if (r->errors.n || r->notes.n) {
		const char *h[] = {"where", "problem"};

		heading(d, 3, "Files not (fully) scanned");
		table_begin(d, 2, h);
		EACH(&r->errors, struct msg_finding, m) {
			const char *cells[2];

			re_snprintf(ln, sizeof(ln), "%u", m->line);
			re_snprintf(w, sizeof(w), "%s%s%s", m->file,
				    m->line ? ":" : "", m->line ? ln : "");
			cells[0] = w;
			cells[1] = m->message;
			row(d, false, 2, cells);
		}
		EACH(&r->notes, struct msg_finding, m) {
			const char *cells[2];

			cells[0] = m->file;
			cells[1] = m->message;
			row(d, false, 2, cells);
		}
		table_end(d);
	}
}


static void plan(struct doc *d, const struct audit_report *r)
{
	struct plan p;
	char a[16], b[16], n[16];
	long at;

	plan_compute(&p, r);

	heading(d, 2, "Migration plan");
	re_snprintf(a, sizeof(a), "%H", date_print, &p.today);
	re_snprintf(b, sizeof(b), "%H", date_print, &p.target);

	if (!p.weeks) {
		para(d, NULL, "No Open CTI usage found: nothing to migrate. "
		     "Open CTI stops working on 2028-02-28.");
		return;
	}

	para(d, NULL, "Open CTI stops working on 2028-02-28. This plan "
	     "starts %s and aims to finish by %s, %d weeks before the "
	     "retirement, as a safety margin. It needs %d weeks.", a, b,
	     PLAN_MARGIN_DAYS / 7, p.weeks);
	if (p.warning[0])
		para(d, "warning", "Warning: %s.", p.warning);

	{
		const char *h[] = {"phase", "start", "end", "weeks", "what"};

		table_begin(d, 5, h);
		at = p.today;
		for (int i = 0; i < PLAN_PHASES; i++) {
			const char *cells[5];
			long e = at + 7L * p.phase[i].weeks;

			re_snprintf(a, sizeof(a), "%H", date_print, &at);
			re_snprintf(b, sizeof(b), "%H", date_print, &e);
			re_snprintf(n, sizeof(n), "%d", p.phase[i].weeks);
			cells[0] = p.phase[i].name;
			cells[1] = a;
			cells[2] = b;
			cells[3] = n;
			cells[4] = p.phase[i].why;
			row(d, false, 5, cells);
			at = e;
		}
		table_end(d);
	}

	heading(d, 3, "What replaces each finding");
	{
		const char *h[] = {"Open CTI", "kind", "count",
			"Service Cloud Voice", "switchboard", "effort"};

		table_begin(d, 6, h);
		for (size_t i = 0; i < r->nrows; i++) {
			const struct plan_row *w = &r->rows[i];
			const char *cells[6];
			char eff[200];

			re_snprintf(n, sizeof(n), "%u", w->count);
			re_snprintf(eff, sizeof(eff), "%s: %s", w->effort,
				    w->reason);
			cells[0] = w->item;
			cells[1] = w->category;
			cells[2] = n;
			cells[3] = w->scv;
			cells[4] = w->sb;
			cells[5] = eff;
			row(d, false, 6, cells);
		}
		table_end(d);
	}
}


static int document(struct re_printf *pf, const struct audit_report *r,
		    bool html)
{
	struct doc d = {pf, html, 0};
	unsigned open_ccs = 0, scv = 0;

	if (!pf || !r)
		return EINVAL;

	EACH(&r->ccs, struct cc_finding, c) {
		open_ccs += c->kind == CC_LIGHTNING || c->kind == CC_CLASSIC;
		scv += c->kind == CC_SCV;
	}

	if (html)
		d.err |= re_hprintf(pf,
			"<!DOCTYPE html>\n<html lang=\"en\"><head>"
			"<meta charset=\"utf-8\">\n<title>Open CTI audit"
			"</title>\n<style>\n"
			"body{font:14px/1.45 system-ui,sans-serif;"
			"margin:2em auto;max-width:72em;color:#111;"
			"padding:0 1em}\n"
			"table{border-collapse:collapse;width:100%%;"
			"margin:.5em 0 1.5em}\n"
			"th,td{border:1px solid #bbb;padding:.25em .5em;"
			"text-align:left;vertical-align:top;"
			"overflow-wrap:anywhere}\n"
			"th{background:#eee}\n"
			".warning{border:2px solid #b00;background:#fee;"
			"padding:.5em;font-weight:bold}\n"
			"@media print{body{margin:0;max-width:none;"
			"font-size:10pt}tr{break-inside:avoid}"
			"h2{break-before:page}h2:first-of-type"
			"{break-before:auto}}\n"
			"</style></head><body>\n");

	heading(&d, 1, "Open CTI audit");
	para(&d, NULL, "switchboard audit %s of %s: %u files scanned; "
	     "%u with findings.", SWITCHBOARD_VERSION, r->root, r->scanned,
	     r->files_with_findings);
	para(&d, NULL, "Found: %u Open CTI call center(s) (%u Service Cloud "
	     "Voice call center(s), not counted), %zu API usage(s), %zu "
	     "script include(s), %zu softphone utility item(s), %zu Apex "
	     "target(s) of runApex.", open_ccs, scv, r->apis.n, r->incs.n,
	     r->utils.n, r->apexes.n);
	if (r->errors.n)
		para(&d, "warning", "%zu file(s) could not be scanned "
		     "completely; see the end of this report.", r->errors.n);

	plan(&d, r);
	findings(&d, r);

	if (html)
		d.err |= re_hprintf(pf, "</body></html>\n");

	return d.err;
}


int audit_print_md(struct re_printf *pf, const struct audit_report *rep)
{
	return document(pf, rep, false);
}


int audit_print_html(struct re_printf *pf, const struct audit_report *rep)
{
	return document(pf, rep, true);
}
