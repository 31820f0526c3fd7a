/*
 * markup.c — HTML, Visualforce (.page, .component), Aura (.cmp, .app)
 * and the like. Text between tags is prose, not code; what matters is:
 *
 *   - <!-- comments -->, skipped (an include there is not an include);
 *   - attribute values, where includes live (<script src>, Visualforce
 *     <apex:includeScript value>, Aura <ltng:require scripts>), and the
 *     inline handlers (onclick="sforce.interaction…") that are code;
 *   - the body of <script> elements, handed to the JS scanner.
 */
#include <string.h>
#include <strings.h>
#include <re.h>
#include "audit/internal.h"


static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		(c >= '0' && c <= '9') || c == ':' || c == '-' || c == '_' ||
		c == '.';
}


static bool space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f';
}


static size_t find(const char *b, size_t i, size_t end, const char *needle)
{
	const char *p = i < end ? memmem(b + i, end - i, needle,
					 strlen(needle)) : NULL;

	return p ? (size_t)(p - b) : end;
}


/* The end of an element whose content is raw text (script, style). */
static size_t close_tag(const char *b, size_t i, size_t end, const char *tag)
{
	size_t n = strlen(tag);

	for (;;) {
		i = find(b, i, end, "</");
		if (i >= end)
			return end;
		if (end - i - 2 >= n && !strncasecmp(b + i + 2, tag, n))
			return i;
		i += 2;
	}
}


/* Parses one start tag's attributes from i (after the name); returns the
 * position after '>' and says whether the tag closed itself. */
static size_t attributes(struct scan *s, size_t i, size_t end, bool *selfc)
{
	const char *b = s->buf;

	*selfc = false;
	while (i < end) {
		size_t nb, ne, vb, ve;

		while (i < end && space(b[i]))
			++i;
		if (i >= end)
			break;
		if (b[i] == '>')
			return i + 1;
		if (b[i] == '/' && i + 1 < end && b[i + 1] == '>') {
			*selfc = true;
			return i + 2;
		}

		nb = i;
		while (i < end && !space(b[i]) && b[i] != '=' &&
		       b[i] != '>' && !(b[i] == '/' && i + 1 < end &&
					b[i + 1] == '>'))
			++i;
		ne = i;
		if (ne == nb)
			++i;	/* a stray '/' or '=' */
		while (i < end && space(b[i]))
			++i;
		if (i >= end || b[i] != '=')
			continue;
		++i;
		while (i < end && space(b[i]))
			++i;
		if (i < end && (b[i] == '"' || b[i] == '\'')) {
			char q = b[i];

			vb = ++i;
			i = find(b, i, end, q == '"' ? "\"" : "'");
			ve = i;
			if (i < end)
				++i;
		}
		else {
			vb = i;
			while (i < end && !space(b[i]) && b[i] != '>')
				++i;
			ve = i;
		}

		include_check(s, vb, ve, 0);
		if ((ne - nb > 2 && !strncasecmp(b + nb, "on", 2)) ||
		    (ve - vb > 11 && !strncasecmp(b + vb, "javascript:", 11)))
			js_scan(s, vb, ve);
	}

	return end;
}


void markup_scan(struct scan *s, size_t begin, size_t end)
{
	const char *b = s->buf;
	size_t i = begin;

	while (i < end) {
		size_t nb, ne;
		bool selfc;

		i = find(b, i, end, "<");
		if (i >= end)
			break;

		if (end - i >= 4 && !memcmp(b + i, "<!--", 4)) {
			i = find(b, i + 4, end, "-->");
			i = i < end ? i + 3 : end;
			continue;
		}
		if (i + 1 < end && (b[i + 1] == '/' || b[i + 1] == '!' ||
				    b[i + 1] == '?')) {
			i = find(b, i + 1, end, ">");
			continue;
		}

		nb = ++i;
		while (i < end && name_char(b[i]))
			++i;
		ne = i;
		if (ne == nb)
			continue;	/* "a < b" in text */

		i = attributes(s, i, end, &selfc);
		if (selfc)
			continue;

		if (ne - nb == 6 && !strncasecmp(b + nb, "script", 6)) {
			size_t e = close_tag(b, i, end, "script");

			js_scan(s, i, e);
			i = e;
		}
		else if (ne - nb == 5 && !strncasecmp(b + nb, "style", 5)) {
			i = close_tag(b, i, end, "style");
		}
	}
}
