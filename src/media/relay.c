/*
 * relay.c — the RTP/RTCP relay: two sides per call, four UDP sockets.
 *
 * The hot path is one recvfrom and one sendto per packet with a static
 * buffer: no allocation, no parsing. Sockets are plain non-blocking fds
 * registered with libre's poll loop (libre's udp_sock would allocate an
 * mbuf per packet). A readable socket is drained up to a small batch so
 * one busy call cannot starve the others.
 *
 * Ports come from a FIFO of free even ports: a port just released goes
 * to the back, so late packets of a finished call do not reach the next.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <re.h>
#include "log.h"
#include "media/media.h"

#define LOG_MODULE "media"

enum { BATCH = 16, PKT_MAX = 2048 };

struct sock {
	int fd;
	struct sa remote;          /* where the party gets this flow */
	struct sa sdp;             /* what the party's SDP gave (or unset) */
	bool latched;
	struct side *side;
	bool rtcp;
};

struct side {
	struct media_relay *r;
	enum media_side idx;
	uint16_t port;
	struct sock rtp, rtcp;
	uint64_t rx, tx;
	bool hold;                 /* remote address unset or zero */
	bool mute;                 /* this party's RTP is not forwarded */
	media_tap_h *tap;
	void *tap_arg;
};

struct media_relay {
	struct side s[2];
};

static struct {
	struct sa laddr, advertise;
	uint16_t *ports;           /* ring of free even ports */
	uint32_t nports, head, count;
	uint32_t nrelays, max_relays;
	uint8_t buf[PKT_MAX];
} m;


static int port_get(uint16_t *port)
{
	if (!m.count)
		return EADDRINUSE;

	*port = m.ports[m.head];
	m.head = (m.head + 1) % m.nports;
	--m.count;
	return 0;
}


static void port_put(uint16_t port)
{
	m.ports[(m.head + m.count) % m.nports] = port;
	++m.count;
}


static void sock_close(struct sock *s)
{
	if (s->fd < 0)
		return;

	fd_close(s->fd);
	(void)close(s->fd);
	s->fd = -1;
}


static void sock_recv(int flags, void *arg)
{
	struct sock *s = arg;
	struct side *from = s->side;
	struct side *to = &from->r->s[!from->idx];
	struct sock *out = s->rtcp ? &to->rtcp : &to->rtp;
	(void)flags;

	for (int i = 0; i < BATCH; i++) {
		struct sa src;
		ssize_t n;

		src.len = sizeof(src.u);
		n = recvfrom(s->fd, m.buf, sizeof(m.buf), 0, &src.u.sa,
			     &src.len);
		if (n < 0)
			return;   /* EAGAIN: drained */

		/* The address the party's SDP gave always wins (a stray
		 * packet that came first cannot keep it out: RTP bleed).
		 * Otherwise symmetric RTP: the first packet tells us where a
		 * party behind NAT really is; after that only it may talk. */
		if (sa_isset(&s->sdp, SA_ALL) &&
		    sa_cmp(&src, &s->sdp, SA_ALL)) {
			s->remote = src;
			s->latched = true;
		}
		else if (!s->latched) {
			s->remote = src;
			s->latched = true;
		}
		else if (!sa_cmp(&src, &s->remote, SA_ALL)) {
			continue;
		}

		if (!s->rtcp) {
			++from->rx;
			if (from->tap)
				from->tap(m.buf, (size_t)n, from->tap_arg);
		}

		/* muted: RTCP still flows, so neither side's reports
		 * mistake the silence for a dead call */
		if (from->mute && !s->rtcp)
			continue;

		if (to->hold || !sa_isset(&out->remote, SA_ALL))
			continue;

		if (sendto(out->fd, m.buf, (size_t)n, 0, &out->remote.u.sa,
			   out->remote.len) >= 0 && !s->rtcp)
			++to->tx;
	}
}


static int sock_open(struct sock *s, struct side *side, uint16_t port,
		     bool rtcp)
{
	struct sa a = m.laddr;
	int err;

	s->side = side;
	s->rtcp = rtcp;
	s->fd = socket(sa_af(&a), SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		       0);
	if (s->fd < 0)
		return errno;

	sa_set_port(&a, port);
	if (bind(s->fd, &a.u.sa, a.len) < 0) {
		err = errno;
		(void)close(s->fd);
		s->fd = -1;
		return err;
	}

	err = fd_listen(s->fd, FD_READ, sock_recv, s);
	if (err) {
		(void)close(s->fd);
		s->fd = -1;
	}

	return err;
}


static void side_close(struct side *side)
{
	sock_close(&side->rtp);
	sock_close(&side->rtcp);
	if (side->port)
		port_put(side->port);
	side->port = 0;
}


static int side_open(struct side *side)
{
	/* A port may be taken by another program: try a few. */
	for (uint32_t tries = 0; tries < 16; tries++) {
		uint16_t port;
		int err = port_get(&port);

		if (err)
			return err;

		err = sock_open(&side->rtp, side, port, false);
		if (!err) {
			err = sock_open(&side->rtcp, side, port + 1, true);
			if (!err) {
				side->port = port;
				return 0;
			}
			sock_close(&side->rtp);
		}

		port_put(port);
		if (err != EADDRINUSE)
			return err;
	}

	return EADDRINUSE;
}


static void relay_destructor(void *arg)
{
	struct media_relay *r = arg;

	side_close(&r->s[MEDIA_A]);
	side_close(&r->s[MEDIA_B]);
	--m.nrelays;
}


int media_relay_alloc(struct media_relay **rp)
{
	struct media_relay *r;
	int err;

	if (!rp || !m.ports)
		return EINVAL;

	if (m.max_relays && m.nrelays >= m.max_relays)
		return EMFILE;

	r = mem_zalloc(sizeof(*r), relay_destructor);
	if (!r)
		return ENOMEM;

	++m.nrelays;

	for (int i = 0; i < 2; i++) {
		r->s[i].r = r;
		r->s[i].idx = i;
		r->s[i].rtp.fd = r->s[i].rtcp.fd = -1;
		r->s[i].hold = true;
	}

	err = side_open(&r->s[MEDIA_A]);
	if (!err)
		err = side_open(&r->s[MEDIA_B]);

	if (err) {
		log_warn("no media ports: %m", err);
		mem_deref(r);
		return err;
	}

	*rp = r;
	return 0;
}


uint16_t media_relay_port(const struct media_relay *r, enum media_side side)
{
	return r ? r->s[side].port : 0;
}


const struct sa *media_relay_addr(const struct media_relay *r,
				  enum media_side side)
{
	static struct sa a;

	if (!r)
		return NULL;

	a = m.advertise;
	sa_set_port(&a, r->s[side].port);
	return &a;
}


void media_relay_set_remote(struct media_relay *r, enum media_side side,
			    const struct sa *rtp)
{
	struct side *s;

	if (!r || !rtp)
		return;

	s = &r->s[side];

	if (!sa_isset(rtp, SA_ALL) || sa_is_any(rtp)) {
		s->hold = true;
		return;
	}

	s->hold = false;

	/* A new address from SDP (first answer, or a re-INVITE that moved
	 * the media) starts latching over. */
	if (!sa_cmp(rtp, &s->rtp.sdp, SA_ALL)) {
		s->rtp.remote = *rtp;
		s->rtp.sdp = *rtp;
		s->rtp.latched = false;
		s->rtcp.remote = *rtp;
		sa_set_port(&s->rtcp.remote, sa_port(rtp) + 1);
		s->rtcp.sdp = s->rtcp.remote;
		s->rtcp.latched = false;
	}
}


void media_relay_mute(struct media_relay *r, enum media_side side, bool mute)
{
	if (r)
		r->s[side].mute = mute;
}


void media_relay_tap(struct media_relay *r, enum media_side side,
		     media_tap_h *h, void *arg)
{
	if (!r)
		return;

	r->s[side].tap = h;
	r->s[side].tap_arg = arg;
}


int media_relay_send(struct media_relay *r, enum media_side side,
		     const uint8_t *pkt, size_t len)
{
	struct sock *s;

	if (!r || !pkt)
		return EINVAL;

	s = &r->s[side].rtp;
	if (r->s[side].hold || s->fd < 0 || !sa_isset(&s->remote, SA_ALL))
		return ENOTCONN;

	if (sendto(s->fd, pkt, len, 0, &s->remote.u.sa, s->remote.len) < 0)
		return errno;

	return 0;
}


void media_relay_stats(const struct media_relay *r, enum media_side side,
		       uint64_t *rx, uint64_t *tx)
{
	if (rx)
		*rx = r ? r->s[side].rx : 0;
	if (tx)
		*tx = r ? r->s[side].tx : 0;
}


uint32_t media_relay_count(void)
{
	return m.nrelays;
}


int media_init(uint16_t port_min, uint16_t port_max,
	       const struct sa *laddr, const struct sa *advertise,
	       uint32_t max_relays)
{
	uint32_t first = (port_min + 1u) & ~1u;

	if (!laddr || !advertise || port_max <= first + 1)
		return EINVAL;

	m.laddr = *laddr;
	sa_set_port(&m.laddr, 0);
	m.advertise = *advertise;
	sa_set_port(&m.advertise, 0);

	m.nports = (port_max - first + 1) / 2;
	m.ports = mem_zalloc(m.nports * sizeof(*m.ports), NULL);
	if (!m.ports)
		return ENOMEM;

	m.head = 0;
	m.count = 0;
	for (uint32_t p = first; p + 1 <= port_max; p += 2)
		port_put((uint16_t)p);

	m.max_relays = max_relays;
	if (!m.max_relays || m.max_relays > m.count / 2)
		m.max_relays = m.count / 2;

	log_info("media on %j ports %u-%u (%u calls at most)", &m.advertise,
		 first, port_max, m.max_relays);
	return 0;
}


void media_close(void)
{
	m.ports = mem_deref(m.ports);
	m.nports = m.count = m.head = 0;
}
