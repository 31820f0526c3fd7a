/*
 * sdp.c — reading and writing the SDP (RFC 4566, offer/answer RFC 3264)
 * of a G.711 audio stream.
 *
 * switchboard rewrites every SDP it passes on: the party only ever sees
 * switchboard's address and port, and only the formats it relays. So it
 * does not need a general SDP model, only the audio stream's address,
 * formats, direction and ptime — and the count and kind of the other
 * m= lines, because an answer must decline each of them in place.
 *
 * The parser takes outside input: it is bounded everywhere and fuzzed
 * (fuzz/sdp.c).
 */
#include <ctype.h>
#include <string.h>
#include <re.h>
#include "media/media.h"

static const char *const codec_names[] = {
	"PCMU", "PCMA", "telephone-event",
};

static const char *const dir_names[] = {
	"sendrecv", "sendonly", "recvonly", "inactive",
};


const char *media_dir_name(enum media_dir dir)
{
	return dir <= MEDIA_INACTIVE ? dir_names[dir] : "?";
}


enum media_dir media_dir_reverse(enum media_dir dir)
{
	switch (dir) {

	case MEDIA_SENDONLY: return MEDIA_RECVONLY;
	case MEDIA_RECVONLY: return MEDIA_SENDONLY;
	default:             return dir;
	}
}


/* What we learn while reading; the m= line's payload types are matched
 * against rtpmap lines once the whole section is read. */
struct parse {
	struct media_sdp *s;
	struct sa sess_addr;
	bool sess_addr_set, media_addr_set;
	enum media_dir sess_dir;
	bool media_dir_set;
	int in_audio;              /* 1 in our m= section, -1 in another */
	bool have_audio;
	bool avp;
	uint16_t port;
	uint8_t mpt[32];           /* payload types listed on the m= line */
	size_t nmpt;
	int rtpmap[128];           /* pt -> codec, -1 unknown/none */
};


static bool next_token(struct pl *tok, struct pl *rest)
{
	while (rest->l && *rest->p == ' ')
		pl_advance(rest, 1);

	if (!rest->l)
		return false;

	tok->p = rest->p;
	tok->l = 0;
	while (rest->l && *rest->p != ' ') {
		pl_advance(rest, 1);
		++tok->l;
	}

	return true;
}


static bool is_number(const struct pl *pl, size_t maxlen)
{
	if (!pl->l || pl->l > maxlen)
		return false;

	for (size_t i = 0; i < pl->l; i++) {
		if (!isdigit((unsigned char)pl->p[i]))
			return false;
	}

	return true;
}


/* Tokens we copy into our own SDP must not smuggle anything in. */
static bool printable(const struct pl *pl)
{
	for (size_t i = 0; i < pl->l; i++) {
		if (!isgraph((unsigned char)pl->p[i]))
			return false;
	}

	return pl->l > 0;
}


static int parse_conn(struct sa *sa, struct pl val)
{
	struct pl nettype, addrtype, addr;
	char buf[64];
	char *slash;

	if (!next_token(&nettype, &val) || !next_token(&addrtype, &val) ||
	    !next_token(&addr, &val) || pl_strcmp(&nettype, "IN"))
		return EBADMSG;

	if (addr.l >= sizeof(buf))
		return EBADMSG;

	pl_strcpy(&addr, buf, sizeof(buf));
	slash = strchr(buf, '/');      /* multicast TTL: not for us */
	if (slash)
		return ENOTSUP;

	if (!pl_strcmp(&addrtype, "IP4") || !pl_strcmp(&addrtype, "IP6"))
		return sa_set_str(sa, buf, 0) ? EBADMSG : 0;

	return EBADMSG;
}


static int parse_mline(struct parse *p, struct pl val)
{
	struct media_sdp *s = p->s;
	struct pl media, port, proto, fmt;
	bool audio;

	if (!next_token(&media, &val) || !next_token(&port, &val) ||
	    !next_token(&proto, &val) || !is_number(&port, 5))
		return EBADMSG;

	audio = !pl_strcmp(&media, "audio") && !p->have_audio &&
		pl_u32(&port) > 0;

	if (!audio) {
		if (s->nmline >= MEDIA_MLINE_MAX)
			return EBADMSG;

		p->in_audio = -1;
		if (!next_token(&fmt, &val) || !printable(&media) ||
		    !printable(&proto) || !printable(&fmt) ||
		    media.l + proto.l + fmt.l + 3 > sizeof(s->mline[0]))
			return EBADMSG;
		(void)re_snprintf(s->mline[s->nmline++], sizeof(s->mline[0]),
				  "%r %r %r", &media, &proto, &fmt);
		return 0;
	}

	if (s->nmline >= MEDIA_MLINE_MAX || pl_u32(&port) > 65535)
		return EBADMSG;

	p->in_audio = 1;
	p->have_audio = true;
	p->port = (uint16_t)pl_u32(&port);
	p->avp = !pl_strcmp(&proto, "RTP/AVP");
	s->audio_idx = s->nmline;
	s->mline[s->nmline++][0] = '\0';

	while (next_token(&fmt, &val)) {
		if (!is_number(&fmt, 3) || pl_u32(&fmt) > 127)
			return EBADMSG;
		if (p->nmpt < ARRAY_SIZE(p->mpt))
			p->mpt[p->nmpt++] = (uint8_t)pl_u32(&fmt);
	}

	return p->nmpt ? 0 : EBADMSG;
}


static void parse_rtpmap(struct parse *p, struct pl val)
{
	struct pl pt, enc;
	uint32_t n;

	if (!next_token(&pt, &val) || !next_token(&enc, &val) ||
	    !is_number(&pt, 3))
		return;

	n = pl_u32(&pt);
	if (n > 127)
		return;

	for (size_t i = 0; i < ARRAY_SIZE(codec_names); i++) {
		const size_t l = strlen(codec_names[i]);

		if (enc.l >= l + 5 && !strncasecmp(enc.p, codec_names[i], l) &&
		    !strncmp(enc.p + l, "/8000", 5) &&
		    (enc.l == l + 5 || enc.p[l + 5] == '/')) {
			p->rtpmap[n] = (int)i;
			return;
		}
	}

	p->rtpmap[n] = -2;   /* something we do not relay */
}


static void parse_attr(struct parse *p, struct pl val)
{
	struct media_sdp *s = p->s;
	struct pl name = val, value = PL_INIT;
	const char *colon = pl_strchr(&val, ':');

	if (colon) {
		name.l = (size_t)(colon - val.p);
		value.p = colon + 1;
		value.l = val.l - name.l - 1;
	}

	for (int d = MEDIA_SENDRECV; d <= MEDIA_INACTIVE; d++) {
		if (!colon && !pl_strcmp(&name, dir_names[d])) {
			if (p->in_audio == 1) {
				s->dir = d;
				p->media_dir_set = true;
			}
			else if (p->in_audio == 0) {
				p->sess_dir = d;
			}
			return;
		}
	}

	if (p->in_audio != 1 || !colon)
		return;

	if (!pl_strcmp(&name, "rtpmap")) {
		parse_rtpmap(p, value);
	}
	else if (!pl_strcmp(&name, "ptime")) {
		if (is_number(&value, 4))
			s->ptime = pl_u32(&value);
	}
	else if (!pl_strcmp(&name, "fmtp")) {
		struct pl pt, params;

		if (next_token(&pt, &value) && is_number(&pt, 3) &&
		    pl_u32(&pt) < 128 &&
		    p->rtpmap[pl_u32(&pt)] == MEDIA_TELEPHONE_EVENT &&
		    next_token(&params, &value) &&
		    params.l < sizeof(s->te_fmtp)) {
			pl_strcpy(&params, s->te_fmtp, sizeof(s->te_fmtp));
			for (char *c = s->te_fmtp; *c; c++) {
				if (!isdigit((unsigned char)*c) && *c != '-' &&
				    *c != ',') {
					s->te_fmtp[0] = '\0';
					break;
				}
			}
		}
	}
}


static int parse_line(struct parse *p, const struct pl *line)
{
	struct pl val;

	if (line->l < 2 || line->p[1] != '=')
		return line->l ? EBADMSG : 0;

	val.p = line->p + 2;
	val.l = line->l - 2;

	switch (line->p[0]) {

	case 'c':
		if (p->in_audio == 1) {
			p->media_addr_set = true;
			return parse_conn(&p->s->addr, val);
		}
		if (p->in_audio == 0) {
			p->sess_addr_set = true;
			return parse_conn(&p->sess_addr, val);
		}
		return 0;

	case 'm':
		return parse_mline(p, val);

	case 'a':
		parse_attr(p, val);
		return 0;

	default:
		return 0;
	}
}


int media_sdp_parse(struct media_sdp *s, const struct mbuf *mb)
{
	struct parse p;
	struct pl body, line;
	int err;

	if (!s || !mb)
		return EINVAL;

	memset(s, 0, sizeof(*s));
	memset(&p, 0, sizeof(p));
	p.s = s;
	for (size_t i = 0; i < ARRAY_SIZE(p.rtpmap); i++)
		p.rtpmap[i] = -1;
	p.rtpmap[0] = MEDIA_PCMU;   /* static payload types, RFC 3551 */
	p.rtpmap[8] = MEDIA_PCMA;

	body.p = (const char *)mbuf_buf(mb);
	body.l = mbuf_get_left(mb);

	if (body.l < 3 || strncmp(body.p, "v=0", 3))
		return EBADMSG;

	while (body.l) {
		const char *nl = memchr(body.p, '\n', body.l);

		line.p = body.p;
		line.l = nl ? (size_t)(nl - body.p) : body.l;
		pl_advance(&body, nl ? line.l + 1 : line.l);
		if (line.l && line.p[line.l - 1] == '\r')
			--line.l;

		err = parse_line(&p, &line);
		if (err)
			return err;
	}

	if (!p.have_audio)
		return ENOENT;

	if (!p.avp)
		return ENOTSUP;

	if (!p.media_addr_set) {
		if (!p.sess_addr_set)
			return EBADMSG;
		s->addr = p.sess_addr;
	}
	sa_set_port(&s->addr, p.port);

	if (!p.media_dir_set)
		s->dir = p.sess_dir;

	/* RFC 2543 hold: a zero address means "send me nothing" */
	if (sa_is_any(&s->addr))
		s->dir = MEDIA_INACTIVE;

	for (size_t i = 0; i < p.nmpt && s->nfmt < MEDIA_FMT_MAX; i++) {
		const int codec = p.rtpmap[p.mpt[i]];

		if (codec < 0)
			continue;

		s->fmt[s->nfmt].pt = p.mpt[i];
		s->fmt[s->nfmt].codec = (uint8_t)codec;
		++s->nfmt;
	}

	for (size_t i = 0; i < s->nfmt; i++) {
		if (s->fmt[i].codec != MEDIA_TELEPHONE_EVENT)
			return 0;
	}

	return ENOTSUP;
}


static bool has_codec(const struct media_sdp *s, uint8_t codec)
{
	for (size_t i = 0; i < s->nfmt; i++) {
		if (s->fmt[i].codec == codec)
			return true;
	}

	return false;
}


void media_sdp_intersect(struct media_sdp *out, const struct media_sdp *offer,
			 const struct media_sdp *accepted)
{
	struct media_sdp res = *offer;

	res.nfmt = 0;
	for (size_t i = 0; i < accepted->nfmt; i++) {
		for (size_t j = 0; j < offer->nfmt; j++) {
			if (offer->fmt[j].codec == accepted->fmt[i].codec &&
			    !has_codec(&res, offer->fmt[j].codec)) {
				res.fmt[res.nfmt++] = offer->fmt[j];
				break;
			}
		}
	}

	res.dir = accepted->dir;
	res.ptime = accepted->ptime;
	res.addr = accepted->addr;
	if (!has_codec(&res, MEDIA_TELEPHONE_EVENT))
		res.te_fmtp[0] = '\0';

	*out = res;
}


static int print_audio(struct re_printf *pf, const struct media_sdp *s,
		       const struct sa *addr)
{
	int err;

	err = re_hprintf(pf, "m=audio %u RTP/AVP", sa_port(addr));
	for (size_t i = 0; i < s->nfmt; i++)
		err |= re_hprintf(pf, " %u", s->fmt[i].pt);
	err |= re_hprintf(pf, "\r\n");

	for (size_t i = 0; i < s->nfmt; i++) {
		const struct media_fmt *f = &s->fmt[i];

		err |= re_hprintf(pf, "a=rtpmap:%u %s/8000\r\n", f->pt,
				  codec_names[f->codec]);
		if (f->codec == MEDIA_TELEPHONE_EVENT)
			err |= re_hprintf(pf, "a=fmtp:%u %s\r\n", f->pt,
					  s->te_fmtp[0] ? s->te_fmtp : "0-16");
	}

	if (s->ptime)
		err |= re_hprintf(pf, "a=ptime:%u\r\n", s->ptime);

	err |= re_hprintf(pf, "a=%s\r\n", media_dir_name(s->dir));

	return err;
}


struct audio_args {
	const struct media_sdp *s;
	const struct sa *addr;
};


static int print_audio_h(struct re_printf *pf, void *arg)
{
	const struct audio_args *a = arg;

	return print_audio(pf, a->s, a->addr);
}


/* A declined m= line: same media and formats, port 0 (RFC 3264 6). */
static int print_declined(struct re_printf *pf, void *arg)
{
	const char *line = arg;
	const char *sp = strchr(line, ' ');

	if (!sp)
		return 0;

	return re_hprintf(pf, "m=%b 0 %s\r\n", line, (size_t)(sp - line),
			  sp + 1);
}


int media_sdp_encode(struct mbuf **mbp, const struct media_sdp *s,
		     const struct sa *addr, uint64_t sess_id,
		     uint32_t version)
{
	const char *ipv = sa_af(addr) == AF_INET6 ? "IP6" : "IP4";
	struct audio_args aa = {s, addr};
	struct mbuf *mb;
	int err;

	if (!mbp || !s || !addr)
		return EINVAL;

	mb = mbuf_alloc(512);
	if (!mb)
		return ENOMEM;

	err = mbuf_printf(mb, "v=0\r\n"
			  "o=switchboard %llu %u IN %s %j\r\n"
			  "s=switchboard\r\n"
			  "c=IN %s %j\r\n"
			  "t=0 0\r\n",
			  (unsigned long long)sess_id, version, ipv, addr,
			  ipv, addr);

	if (!s->nmline)
		err |= mbuf_printf(mb, "%H", print_audio_h, &aa);

	for (uint8_t i = 0; i < s->nmline; i++) {
		if (i == s->audio_idx)
			err |= mbuf_printf(mb, "%H", print_audio_h, &aa);
		else
			err |= mbuf_printf(mb, "%H", print_declined,
					   (void *)s->mline[i]);
	}

	if (err) {
		mem_deref(mb);
		return err;
	}

	mb->pos = 0;
	*mbp = mb;
	return 0;
}
