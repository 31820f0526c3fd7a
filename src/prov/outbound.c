/*
 * outbound.c — a trunk's "outbound": {"uri":"sip:HOST[:PORT][;transport=
 * udp|tcp]","prefixes":["+1",...],"caller_id":"+15550100"}, the numbers
 * agents may dial through it and where those calls go.
 *
 * The rules are strict because this is the door to the toll-paying
 * world: HOST is an IP literal (switchboard does no DNS), nothing but
 * transport may follow, every prefix and the caller id are E.164, and a
 * trunk without "outbound" permits no outbound call at all.
 */
#include <string.h>
#include <re.h>
#include "util/jsonstr.h"
#include "prov/prov_int.h"

enum { URI_MAX = 256 };

static const char *const keys[] = {"uri", "prefixes", "caller_id", NULL};


static void destructor(void *arg)
{
	struct prov_outbound *ob = arg;

	mem_deref(ob->uri);
	mem_deref(ob->prefixes);
}


/* '+' and min to max digits */
static bool e164(const char *s, size_t min, size_t max)
{
	size_t n;

	if (!s || s[0] != '+')
		return false;

	n = strlen(s + 1);
	return n >= min && n <= max && strspn(s + 1, "0123456789") == n;
}


bool prov_number_valid(const char *number)
{
	return e164(number, 3, 15);
}


/* "sip:" HOST [":" PORT] [";transport=" ("udp" / "tcp")], HOST an IPv4
 * address or a bracketed IPv6 one. */
static bool uri_parse(struct prov_outbound *ob, const char *s)
{
	const char *p, *end;
	char host[64];
	size_t hlen;
	unsigned port = 5060;

	if (strncmp(s, "sip:", 4) || strlen(s) > URI_MAX)
		return false;

	p = s + 4;
	if (*p == '[') {
		end = strchr(p, ']');
		if (!end)
			return false;
		++p;
		hlen = (size_t)(end - p);
		++end;
	}
	else {
		end = p + strcspn(p, ":;");
		hlen = (size_t)(end - p);
	}

	if (hlen == 0 || hlen >= sizeof(host))
		return false;
	memcpy(host, p, hlen);
	host[hlen] = '\0';

	/* an address, not a name: the bracket says which family */
	if (strchr(host, '%') || sa_set_str(&ob->dst, host, 0) ||
	    (sa_af(&ob->dst) == AF_INET6) != (s[4] == '['))
		return false;

	p = end;
	if (*p == ':') {
		size_t n = strspn(++p, "0123456789");

		if (n < 1 || n > 5 || p[0] == '0')
			return false;
		port = 0;
		for (size_t i = 0; i < n; i++)
			port = port * 10 + (unsigned)(p[i] - '0');
		if (port > 65535)
			return false;
		p += n;
	}

	ob->tcp = false;
	if (!strcmp(p, ";transport=tcp"))
		ob->tcp = true;
	else if (*p && strcmp(p, ";transport=udp"))
		return false;

	sa_set_port(&ob->dst, (uint16_t)port);
	return true;
}


static int parse_prefixes(struct prov_outbound *ob, const struct odict *o,
			  const char *path, struct prov_error *err)
{
	const struct odict *arr = NULL;
	char apath[PROV_PATH_MAX], field[PROV_PATH_MAX];
	struct le *le;
	size_t n, i = 0;
	int e;

	e = prov_get_arr(&arr, o, "prefixes", path, true, err);
	if (e)
		return e;

	prov_path(apath, sizeof(apath), path, "prefixes");
	n = list_count(&arr->lst);
	if (n == 0 || n > PROV_PREFIXES_MAX)
		return prov_err(err, 400, "invalid_field", apath,
				"must be an array of 1 to %u number prefixes "
				"(\"+1\", \"+44\")", PROV_PREFIXES_MAX);

	ob->prefixes = mem_zalloc(n * sizeof(*ob->prefixes), NULL);
	if (!ob->prefixes)
		return ENOMEM;

	LIST_FOREACH(&arr->lst, le) {
		const struct odict_entry *pe = le->data;

		(void)re_snprintf(field, sizeof(field), "%s[%zu]", apath, i);

		if (pe->type != ODICT_STRING || !e164(pe->u.str, 1, 15))
			return prov_err(err, 400, "invalid_field", field,
					"must be '+' and 1 to 15 digits "
					"(E.164), e.g. \"+1\"");

		for (size_t j = 0; j < i; j++) {
			if (!strcmp(ob->prefixes[j], pe->u.str))
				return prov_err(err, 400, "invalid_field",
						field, "'%s' is listed twice",
						pe->u.str);
		}

		str_ncpy(ob->prefixes[i++], pe->u.str,
			 sizeof(ob->prefixes[0]));
	}

	ob->nprefixes = n;
	return 0;
}


int prov_outbound_parse(struct prov_outbound **obp, const struct odict *o,
			const char *path, struct prov_error *err)
{
	const struct odict *oo = NULL;
	const char *uri = NULL, *cid = NULL;
	struct prov_outbound *ob;
	char opath[PROV_PATH_MAX], field[PROV_PATH_MAX];
	int e;

	*obp = NULL;
	e = prov_get_obj(&oo, o, "outbound", path, false, err);
	if (e || !oo)
		return e;

	prov_path(opath, sizeof(opath), path, "outbound");
	e = prov_check_keys(oo, keys, opath, err);
	e = e ? e : prov_get_str(&uri, oo, "uri", opath, true, err);
	e = e ? e : prov_get_str(&cid, oo, "caller_id", opath, true, err);
	if (e)
		return e;

	ob = mem_zalloc(sizeof(*ob), destructor);
	if (!ob)
		return ENOMEM;
	*obp = ob;

	if (!uri_parse(ob, uri)) {
		prov_path(field, sizeof(field), opath, "uri");
		return prov_err(err, 400, "invalid_field", field,
				"must be sip:HOST[:PORT][;transport=udp|tcp] "
				"with an IP address as HOST");
	}
	if (str_dup(&ob->uri, uri))
		return ENOMEM;

	if (!prov_number_valid(cid)) {
		prov_path(field, sizeof(field), opath, "caller_id");
		return prov_err(err, 400, "invalid_field", field,
				"must be '+' and 3 to 15 digits (E.164)");
	}
	str_ncpy(ob->caller_id, cid, sizeof(ob->caller_id));

	return parse_prefixes(ob, oo, opath, err);
}


int prov_outbound_print(struct re_printf *pf, const struct prov_outbound *ob)
{
	int err;

	err = re_hprintf(pf, "{\"uri\":%H,\"prefixes\":[", jsonstr_print,
			 ob->uri);

	for (size_t i = 0; i < ob->nprefixes && !err; i++)
		err = re_hprintf(pf, "%s\"%s\"", i ? "," : "",
				 ob->prefixes[i]);

	return err ? err : re_hprintf(pf, "],\"caller_id\":\"%s\"}",
				      ob->caller_id);
}


/* The length of ob's longest prefix of number; 0: none. */
size_t prov_outbound_match(const struct prov_outbound *ob,
			   const char *number)
{
	size_t best = 0;

	for (size_t i = 0; ob && i < ob->nprefixes; i++) {
		const size_t n = strlen(ob->prefixes[i]);

		if (n > best && !strncmp(number, ob->prefixes[i], n))
			best = n;
	}

	return best;
}
