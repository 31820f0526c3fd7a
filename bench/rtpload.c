/*
 * rtpload.c — the media side of bench/run_concurrent.sh: plays 20 ms G.711
 * RTP into every call that SIPp set up through switchboard, echoes what
 * reaches the agents' side, and counts what comes back to the caller.
 *
 *   caller socket (-g)  --RTP-->  switchboard side A  -->  side B
 *                                                            |
 *   caller socket       <--RTP--  side A  <--  side B  <-- echo socket (-e)
 *
 * SIPp's caller (bench/scenarios/uac_media.xml) offers the caller socket as
 * its media address and appends "<n> m=audio <port>" (switchboard's side-A
 * port from the 200) to a file per answered call; the agents
 * (uas_media.xml) answer with the echo socket. rtpload follows that file,
 * sends one 172-byte packet (12 RTP + 160 PCMA) per call every ptime, the
 * calls spread evenly over the ptime, from ONE socket (switchboard latches
 * side A to it), and the echo thread sends every packet back to where it
 * came from (switchboard's side-B port). A packet carries its call, its
 * phase and its send time, so loss and round trip are exact per phase:
 *
 *   ramp     until -n calls are up (or -t seconds passed), then -w seconds
 *   measure  -m seconds: the figures
 *   drain    sending stops; 500 ms for what is in flight
 *
 * Prints one JSON object on stdout; progress on stderr each second.
 * No dependencies but libc and pthreads; `make bench` builds it.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum {
	BATCH = 256,
	PKT = 172,              /* 12 RTP + 160 PCMA = 20 ms */
	MAGIC = 0x5b0a4d21,
	MAX_CALLS = 20000,
	HIST_US = 1000000,      /* RTT histogram: 10 us bins up to 1 s */
	HIST_BIN = 10,
	DRAIN_MS = 500,
};

enum phase { RAMP = 0, MEASURE = 1, DRAIN = 2 };

struct tag {                    /* the first bytes of the RTP payload */
	uint32_t magic;
	uint32_t call;
	uint32_t phase;
	uint32_t pad;
	uint64_t sent_ns;
} __attribute__((packed));

struct call {
	struct sockaddr_in dst;
	uint16_t seq;
	uint32_t ts;
	uint64_t sent[3], recv[3];
};

static struct call calls[MAX_CALLS];
static uint32_t ncalls;
static uint64_t hist[HIST_US / HIST_BIN + 1];
static uint64_t stray, late;
static atomic_bool stop_echo;
static atomic_uint_fast64_t echoed;


static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}


static int udp_socket(uint16_t port, int bufsz)
{
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
				.sin_port = htons(port)};
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	if (fd < 0)
		return -1;

	/* root may go past net.core.[rw]mem_max; otherwise the plain ones */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bufsz, sizeof(bufsz)))
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bufsz,
				 sizeof(bufsz));
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &bufsz, sizeof(bufsz)))
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bufsz,
				 sizeof(bufsz));

	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		perror("bind");
		close(fd);
		return -1;
	}

	return fd;
}


/* The agents' phones: every packet goes back to its source. */
static void *echo_main(void *arg)
{
	const int fd = *(int *)arg;
	static uint8_t buf[BATCH][2048];
	struct mmsghdr m[BATCH];
	struct iovec iov[BATCH];
	struct sockaddr_in src[BATCH];
	struct timeval tv = {.tv_sec = 0, .tv_usec = 100000};

	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));

	while (!atomic_load(&stop_echo)) {
		int n, i, off = 0;

		for (i = 0; i < BATCH; i++) {
			iov[i] = (struct iovec){buf[i], sizeof(buf[i])};
			m[i].msg_hdr = (struct msghdr){
				.msg_name = &src[i], .msg_namelen = sizeof(src[i]),
				.msg_iov = &iov[i], .msg_iovlen = 1};
		}

		n = recvmmsg(fd, m, BATCH, MSG_WAITFORONE, NULL);
		if (n <= 0)
			continue;

		for (i = 0; i < n; i++)
			iov[i].iov_len = m[i].msg_len;

		while (off < n) {
			int s = sendmmsg(fd, m + off, (unsigned)(n - off), 0);

			if (s <= 0)
				break;
			off += s;
		}
		atomic_fetch_add(&echoed, (uint64_t)off);
	}

	return NULL;
}


/* New lines of the ports file: "<call_number> m=audio <port>". */
static void follow(FILE *f)
{
	char line[256];

	while (ncalls < MAX_CALLS && fgets(line, sizeof(line), f)) {
		char *p = strstr(line, "m=audio ");
		long port;

		if (!p || !strchr(line, '\n'))
			continue;
		port = strtol(p + 8, NULL, 10);
		if (port <= 0 || port > 65535)
			continue;

		calls[ncalls] = (struct call){
			.dst = {.sin_family = AF_INET,
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
				.sin_port = htons((uint16_t)port)},
			.seq = (uint16_t)rand(),
			.ts = (uint32_t)rand(),
		};
		++ncalls;
	}
	clearerr(f);
}


static void receive(int fd, uint64_t t)
{
	static uint8_t buf[BATCH][256];
	struct mmsghdr m[BATCH];
	struct iovec iov[BATCH];
	int n, i;

	for (;;) {
		for (i = 0; i < BATCH; i++) {
			iov[i] = (struct iovec){buf[i], sizeof(buf[i])};
			m[i].msg_hdr = (struct msghdr){.msg_iov = &iov[i],
						       .msg_iovlen = 1};
		}

		n = recvmmsg(fd, m, BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0)
			return;

		for (i = 0; i < n; i++) {
			struct tag tg;
			uint64_t rtt;

			if (m[i].msg_len < 12 + sizeof(tg)) {
				++stray;
				continue;
			}
			memcpy(&tg, buf[i] + 12, sizeof(tg));
			if (tg.magic != MAGIC || tg.call >= ncalls ||
			    tg.phase > DRAIN) {
				++stray;
				continue;
			}
			++calls[tg.call].recv[tg.phase];

			rtt = (t - tg.sent_ns) / 1000;
			if (tg.phase == MEASURE)
				++hist[rtt < HIST_US ? rtt / HIST_BIN :
				       HIST_US / HIST_BIN];
			if (rtt >= HIST_US)
				++late;
		}
	}
}


static void send_slot(int fd, uint32_t slot, uint32_t nslots, enum phase ph)
{
	static uint8_t buf[BATCH][PKT];
	struct mmsghdr m[BATCH];
	struct iovec iov[BATCH];
	uint32_t idx[BATCH];
	int n = 0;
	const uint64_t t = now_ns();

	for (uint32_t c = slot; ; c += nslots) {
		const bool end = c >= ncalls;

		if (end || n == BATCH) {
			int off = 0;

			while (off < n) {
				int s = sendmmsg(fd, m + off,
						 (unsigned)(n - off), 0);
				if (s <= 0)
					break;
				off += s;
			}
			for (int i = 0; i < off; i++)
				++calls[idx[i]].sent[ph];
			n = 0;
			if (end)
				break;
		}

		{
			struct call *cl = &calls[c];
			uint8_t *p = buf[n];
			struct tag tg = {MAGIC, c, ph, 0, t};

			p[0] = 0x80;
			p[1] = 8;                 /* PCMA */
			p[2] = (uint8_t)(cl->seq >> 8);
			p[3] = (uint8_t)cl->seq;
			p[4] = (uint8_t)(cl->ts >> 24);
			p[5] = (uint8_t)(cl->ts >> 16);
			p[6] = (uint8_t)(cl->ts >> 8);
			p[7] = (uint8_t)cl->ts;
			p[8] = (uint8_t)(c >> 24);  /* SSRC = call */
			p[9] = (uint8_t)(c >> 16);
			p[10] = (uint8_t)(c >> 8);
			p[11] = (uint8_t)c;
			memset(p + 12, 0xd5, PKT - 12);
			memcpy(p + 12, &tg, sizeof(tg));
			++cl->seq;
			cl->ts += 160;

			iov[n] = (struct iovec){p, PKT};
			m[n].msg_hdr = (struct msghdr){
				.msg_name = &cl->dst,
				.msg_namelen = sizeof(cl->dst),
				.msg_iov = &iov[n], .msg_iovlen = 1};
			idx[n] = c;
			++n;
		}
	}
}


/* Udp: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors
 * SndbufErrors ... from /proc/net/snmp: the machine-wide drops. */
static void udp_snmp(uint64_t *rcvbuf, uint64_t *sndbuf)
{
	FILE *f = fopen("/proc/net/snmp", "r");
	char l1[512], l2[512];

	*rcvbuf = *sndbuf = 0;
	if (!f)
		return;
	while (fgets(l1, sizeof(l1), f) && fgets(l2, sizeof(l2), f)) {
		unsigned long long v[8] = {0};

		if (strncmp(l2, "Udp: ", 5))
			continue;
		if (sscanf(l2 + 5, "%llu %llu %llu %llu %llu %llu", &v[0],
			   &v[1], &v[2], &v[3], &v[4], &v[5]) == 6) {
			*rcvbuf = v[4];
			*sndbuf = v[5];
		}
		break;
	}
	fclose(f);
}


/* Drops per socket from /proc/net/udp (since each socket was made): ours
 * (the caller and echo sockets) and those of other sockets in
 * [lo, hi] (switchboard's relay ports). */
static void udp_drops(int gport, int eport, int lo, int hi, uint64_t *ours,
		      uint64_t *relay)
{
	FILE *f = fopen("/proc/net/udp", "r");
	char line[512];

	*ours = *relay = 0;
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		unsigned port;
		unsigned long long drops;
		char *last;

		if (sscanf(line, " %*d: %*8[0-9A-Fa-f]:%x", &port) != 1)
			continue;
		last = strrchr(line, ' ');
		if (!last || sscanf(last, "%llu", &drops) != 1)
			continue;
		if ((int)port == gport || (int)port == eport)
			*ours += drops;
		else if ((int)port >= lo && (int)port <= hi)
			*relay += drops;
	}
	fclose(f);
}


static uint64_t pct_us(uint64_t total, double p)
{
	uint64_t want = (uint64_t)(p / 100.0 * (double)total + 0.5), acc = 0;

	if (!total)
		return 0;
	if (!want)
		want = 1;
	for (size_t i = 0; i <= HIST_US / HIST_BIN; i++) {
		acc += hist[i];
		if (acc >= want)
			return (uint64_t)i * HIST_BIN + HIST_BIN / 2;
	}
	return HIST_US;
}


static void usage(void)
{
	fprintf(stderr,
		"usage: rtpload -f PORTS_FILE -g CALLER_PORT -e ECHO_PORT "
		"-n CALLS\n"
		"               [-w WARM_S=5] [-m MEASURE_S=20] "
		"[-t RAMP_TIMEOUT_S=120] [-p PTIME_MS=20]\n");
	exit(2);
}


int main(int argc, char *argv[])
{
	const char *path = NULL;
	int gport = 0, eport = 0, opt, gfd, efd;
	uint32_t want = 0, warm_s = 5, measure_s = 20, ramp_s = 120,
		 ptime = 20;
	uint64_t t0, tnext, tphase = 0, last_report, rb0 = 0, sb0 = 0,
		 rb1 = 0, sb1 = 0;
	enum phase ph = RAMP;
	uint32_t slot = 0, nslots, mcalls = 0;
	pthread_t th;
	FILE *f = NULL;

	while ((opt = getopt(argc, argv, "f:g:e:n:w:m:t:p:")) != -1) {
		switch (opt) {
		case 'f': path = optarg; break;
		case 'g': gport = atoi(optarg); break;
		case 'e': eport = atoi(optarg); break;
		case 'n': want = (uint32_t)atoi(optarg); break;
		case 'w': warm_s = (uint32_t)atoi(optarg); break;
		case 'm': measure_s = (uint32_t)atoi(optarg); break;
		case 't': ramp_s = (uint32_t)atoi(optarg); break;
		case 'p': ptime = (uint32_t)atoi(optarg); break;
		default: usage();
		}
	}
	if (!path || !gport || !eport || !want || want > MAX_CALLS || !ptime)
		usage();

	signal(SIGPIPE, SIG_IGN);
	gfd = udp_socket((uint16_t)gport, 64 << 20);
	efd = udp_socket((uint16_t)eport, 64 << 20);
	if (gfd < 0 || efd < 0)
		return 1;

	if (pthread_create(&th, NULL, echo_main, &efd))
		return 1;

	/* one slot per millisecond: the calls spread over the ptime */
	nslots = ptime;
	t0 = tnext = last_report = now_ns();

	for (;;) {
		const uint64_t t = now_ns();

		if (t < tnext) {
			struct timespec ts = {0, (long)(tnext - t)};

			receive(gfd, t);
			nanosleep(&ts, NULL);
			continue;
		}

		/* behind schedule: catch up, nothing is skipped */
		if (ph != DRAIN)
			send_slot(gfd, slot, nslots, ph);
		slot = (slot + 1) % nslots;
		tnext += 1000000ull;
		receive(gfd, now_ns());

		if (!f && !(f = fopen(path, "r")) && errno != ENOENT) {
			perror(path);
			return 1;
		}

		if (ph == RAMP) {
			if (f && (slot == 0))
				follow(f);
			if (!tphase && (ncalls >= want ||
					t - t0 > ramp_s * 1000000000ull)) {
				tphase = t + warm_s * 1000000000ull;
				fprintf(stderr, "rtpload: %u calls up after "
					"%.1fs, warming %us\n", ncalls,
					(double)(t - t0) / 1e9, warm_s);
			}
			if (tphase && t >= tphase) {
				ph = MEASURE;
				mcalls = ncalls;
				tphase = t + measure_s * 1000000000ull;
				udp_snmp(&rb0, &sb0);
				fprintf(stderr, "rtpload: measuring %u calls "
					"for %us\n", mcalls, measure_s);
			}
		}
		else if (ph == MEASURE && t >= tphase) {
			ph = DRAIN;
			tphase = t + DRAIN_MS * 1000000ull;
		}
		else if (ph == DRAIN && t >= tphase) {
			udp_snmp(&rb1, &sb1);
			break;
		}

		if (t - last_report >= 1000000000ull) {
			uint64_t s = 0, r = 0;

			for (uint32_t i = 0; i < ncalls; i++) {
				s += calls[i].sent[0] + calls[i].sent[1];
				r += calls[i].recv[0] + calls[i].recv[1];
			}
			fprintf(stderr, "rtpload: %5.0fs calls %u sent %" PRIu64
				" recv %" PRIu64 " echoed %" PRIu64 "\n",
				(double)(t - t0) / 1e9, ncalls, s, r,
				(uint64_t)atomic_load(&echoed));
			last_report = t;
		}
	}

	atomic_store(&stop_echo, true);
	pthread_join(th, NULL);

	{
		uint64_t own_drops, relay_drops;
		uint64_t sent = 0, recv = 0, rsent = 0, rrecv = 0, total = 0;
		uint32_t lossy = 0, dead = 0;

		for (uint32_t i = 0; i < mcalls; i++) {
			const struct call *c = &calls[i];

			sent += c->sent[MEASURE];
			recv += c->recv[MEASURE];
			rsent += c->sent[RAMP];
			rrecv += c->recv[RAMP];
			if (c->recv[MEASURE] < c->sent[MEASURE])
				++lossy;
			if (c->sent[MEASURE] && !c->recv[MEASURE])
				++dead;
		}
		for (size_t i = 0; i <= HIST_US / HIST_BIN; i++)
			total += hist[i];
		udp_drops(gport, eport, 20000, 60999, &own_drops,
			  &relay_drops);

		printf("{\"calls\": %u, \"measure_s\": %u, \"ptime_ms\": %u, "
		       "\"sent\": %" PRIu64 ", \"received\": %" PRIu64 ", "
		       "\"lost\": %" PRId64 ", \"loss_pct\": %.4f, "
		       "\"pps_each_way\": %.0f, "
		       "\"rtt_p50_us\": %" PRIu64 ", \"rtt_p99_us\": %" PRIu64
		       ", \"rtt_p999_us\": %" PRIu64 ", "
		       "\"calls_with_loss\": %u, \"calls_dead\": %u, "
		       "\"ramp_sent\": %" PRIu64 ", \"ramp_received\": %" PRIu64
		       ", \"late_over_1s\": %" PRIu64 ", \"stray\": %" PRIu64
		       ", \"udp_rcvbuf_errors\": %" PRIu64
		       ", \"udp_sndbuf_errors\": %" PRIu64
		       ", \"drops_rtpload_sockets\": %" PRIu64
		       ", \"drops_ports_20000_60999\": %" PRIu64 "}\n",
		       mcalls, measure_s, ptime, sent, recv,
		       (int64_t)(sent - recv),
		       sent ? 100.0 * (double)(sent - recv) / (double)sent : 0.0,
		       (double)sent / (measure_s ? measure_s : 1),
		       pct_us(total, 50), pct_us(total, 99),
		       pct_us(total, 99.9), lossy, dead, rsent, rrecv, late,
		       stray, rb1 - rb0, sb1 - sb0, own_drops, relay_drops);
	}

	if (f)
		fclose(f);
	close(gfd);
	close(efd);
	return 0;
}
