/*
 * trunk.c — trunks: {"id","allow":["10.0.0.0/8","::1",...],"outbound"},
 * the source networks a carrier's calls may come from, and the CIDR
 * arithmetic. "outbound" (optional) is outbound.c's.
 *
 * A network is printed as "address/bits" whatever its input form, so a
 * re-applied file compares equal to what was stored.
 */
#include <string.h>
#include <re.h>
#include "util/jsonstr.h"
#include "prov/prov_int.h"

static const char *const keys[] = {"id", "allow", "outbound", NULL};


static void destructor(void *arg)
{
	struct prov_trunk *t = arg;

	mem_deref(t->id);
	mem_deref(t->allow);
	mem_deref(t->outbound);
}


/* The address in network byte order; returns its length (4 or 16). */
static size_t addr_bytes(const struct sa *sa, uint8_t b[16])
{
	if (sa_af(sa) == AF_INET) {
		memcpy(b, &sa->u.in.sin_addr, 4);
		return 4;
	}

	memcpy(b, &sa->u.in6.sin6_addr, 16);
	return 16;
}


static bool prefix_equal(const uint8_t *a, const uint8_t *b, unsigned bits)
{
	const unsigned whole = bits / 8, rest = bits % 8;

	if (memcmp(a, b, whole))
		return false;

	if (rest) {
		const uint8_t mask = (uint8_t)(0xff << (8 - rest));

		if ((a[whole] ^ b[whole]) & mask)
			return false;
	}

	return true;
}


/* Clears the host bits of sa beyond bits; true if any was set. */
static bool clear_host_bits(struct sa *sa, unsigned bits)
{
	uint8_t b[16];
	size_t n = addr_bytes(sa, b);
	bool set = false;

	for (unsigned i = bits; i < n * 8; i++) {
		const uint8_t m = (uint8_t)(0x80 >> (i % 8));

		if (b[i / 8] & m) {
			set = true;
			b[i / 8] &= (uint8_t)~m;
		}
	}

	if (n == 4)
		memcpy(&sa->u.in.sin_addr, b, 4);
	else
		memcpy(&sa->u.in6.sin6_addr, b, 16);

	return set;
}


/* "a.b.c.d", "a.b.c.d/n", an IPv6 address, or "v6addr/n". On EINVAL with
 * *hostbits set, c holds the network the admin probably meant. */
int prov_cidr_parse(struct prov_cidr *c, const char *s, bool *hostbits)
{
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	unsigned bits, max;
	char addr[64];

	*hostbits = false;

	if (alen == 0 || alen >= sizeof(addr))
		return EINVAL;

	memcpy(addr, s, alen);
	addr[alen] = '\0';

	/* zone ids ("fe80::1%eth0") name an interface, not a network */
	if (strchr(addr, '%'))
		return EINVAL;

	memset(c, 0, sizeof(*c));
	if (sa_set_str(&c->addr, addr, 0))
		return EINVAL;

	max = sa_af(&c->addr) == AF_INET ? 32 : 128;
	bits = max;

	if (slash) {
		const char *d = slash + 1;
		size_t n = strlen(d);

		if (n < 1 || n > 3)
			return EINVAL;

		bits = 0;
		for (size_t i = 0; i < n; i++) {
			if (d[i] < '0' || d[i] > '9')
				return EINVAL;
			bits = bits * 10 + (unsigned)(d[i] - '0');
		}

		if (bits > max)
			return EINVAL;
	}

	c->bits = (uint8_t)bits;

	/* Host bits set (10.0.0.1/8) are a typo more often than not: the
	 * admin meant a host, or another network. */
	if (clear_host_bits(&c->addr, bits)) {
		*hostbits = true;
		return EINVAL;
	}

	return 0;
}


bool prov_cidr_match(const struct prov_cidr *c, const struct sa *src)
{
	uint8_t net[16], a[16];
	size_t nlen, alen;

	if (!c || !src || !sa_isset(src, SA_ADDR))
		return false;

	nlen = addr_bytes(&c->addr, net);
	alen = addr_bytes(src, a);

	/* A dual-stack socket shows IPv4 peers as ::ffff:a.b.c.d */
	if (nlen == 4 && alen == 16) {
		static const uint8_t mapped[12] = {
			0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
		};

		if (memcmp(a, mapped, sizeof(mapped)))
			return false;

		memmove(a, a + 12, 4);
		alen = 4;
	}

	if (nlen != alen)
		return false;

	return prefix_equal(net, a, c->bits);
}


int prov_cidr_print(struct re_printf *pf, const struct prov_cidr *c)
{
	return re_hprintf(pf, "\"%j/%u\"", &c->addr, c->bits);
}


static int parse_allow(struct prov_trunk *t, const struct odict *o,
		       const char *path, struct prov_error *err)
{
	const struct odict_entry *e = odict_lookup(o, "allow");
	char apath[PROV_PATH_MAX], field[PROV_PATH_MAX];
	struct le *le;
	size_t n, i = 0;

	prov_path(apath, sizeof(apath), path, "allow");

	if (!e || e->type == ODICT_NULL)
		return prov_err(err, 400, "missing_field", apath,
				"this field is required");

	n = e->type == ODICT_ARRAY ? list_count(&e->u.odict->lst) : 0;
	if (n == 0 || n > PROV_ALLOW_MAX)
		return prov_err(err, 400, "invalid_field", apath,
				"must be an array of 1 to %u IP addresses or "
				"CIDRs", PROV_ALLOW_MAX);

	t->allow = mem_zalloc(n * sizeof(*t->allow), NULL);
	if (!t->allow)
		return ENOMEM;

	LIST_FOREACH(&e->u.odict->lst, le) {
		const struct odict_entry *ae = le->data;
		bool hostbits = false;

		(void)re_snprintf(field, sizeof(field), "%s[%zu]", apath, i);

		if (ae->type != ODICT_STRING)
			return prov_err(err, 400, "invalid_field", field,
					"must be a string");

		if (prov_cidr_parse(&t->allow[i], ae->u.str, &hostbits)) {
			if (hostbits)
				return prov_err(err, 400, "invalid_field",
					field, "'%s' has host bits set; the "
					"network is %j/%u", ae->u.str,
					&t->allow[i].addr,
					t->allow[i].bits);
			return prov_err(err, 400, "invalid_field", field,
					"'%s' is not an IPv4 or IPv6 address "
					"or CIDR", ae->u.str);
		}

		++i;
	}

	t->nallow = n;
	return 0;
}


static int trunk_parse(struct prov_item *it, const struct odict *o,
		       enum prov_mode mode, const void *old,
		       struct prov_error *err)
{
	const char *id = NULL;
	struct prov_trunk *t;
	int e;
	(void)mode;
	(void)old;

	e = prov_check_keys(o, keys, it->path, err);
	e = e ? e : prov_get_id(&id, o, "id", it->path, "._-", PROV_ID_MAX,
				err);
	if (e)
		return e;

	t = mem_zalloc(sizeof(*t), destructor);
	if (!t)
		return ENOMEM;

	it->obj = t;

	if (str_dup(&t->id, id))
		return ENOMEM;

	e = parse_allow(t, o, it->path, err);
	return e ? e : prov_outbound_parse(&t->outbound, o, it->path, err);
}


static int trunk_print(struct re_printf *pf, const void *obj,
		       enum prov_form form)
{
	const struct prov_trunk *t = obj;
	int err;
	(void)form;

	err = re_hprintf(pf, "{\"id\":%H,\"allow\":[", jsonstr_print, t->id);

	for (size_t i = 0; i < t->nallow && !err; i++)
		err = re_hprintf(pf, "%s%H", i ? "," : "", prov_cidr_print,
				 &t->allow[i]);

	if (!err)
		err = re_hprintf(pf, "]");
	if (!err && t->outbound)
		err = re_hprintf(pf, ",\"outbound\":%H", prov_outbound_print,
				 t->outbound);

	return err ? err : re_hprintf(pf, "}");
}


static const char *trunk_id(const void *obj)
{
	return ((const struct prov_trunk *)obj)->id;
}


const struct prov_kind_ops prov_trunk_ops = {
	"trunks", "trunk", "id", trunk_parse, trunk_print, trunk_id
};
