/*
 * test_sdp.c — reading real-world SDP offers, declining extra streams,
 * intersecting formats, and writing an SDP a phone accepts.
 */
#include <string.h>
#include <re.h>
#include "media/media.h"
#include "unit.h"


static int parse_str(struct media_sdp *s, const char *str)
{
	struct mbuf *mb = mbuf_alloc(strlen(str));
	int err;

	(void)mbuf_write_str(mb, str);
	mb->pos = 0;
	err = media_sdp_parse(s, mb);
	mem_deref(mb);

	return err;
}


/* What SIPp's uac_pcap scenario and most desk phones send. */
static const char *const offer =
	"v=0\r\n"
	"o=user1 53655765 2353687637 IN IP4 127.0.0.1\r\n"
	"s=-\r\n"
	"c=IN IP4 127.0.0.1\r\n"
	"t=0 0\r\n"
	"m=audio 6000 RTP/AVP 8 0 18 101\r\n"
	"a=rtpmap:8 PCMA/8000\r\n"
	"a=rtpmap:0 PCMU/8000\r\n"
	"a=rtpmap:18 G729/8000\r\n"
	"a=rtpmap:101 telephone-event/8000\r\n"
	"a=fmtp:101 0-15\r\n"
	"a=ptime:20\r\n";


static void test_parse_offer(void)
{
	struct media_sdp s;

	CHECK_EQ(parse_str(&s, offer), 0);
	CHECK_EQ(sa_port(&s.addr), 6000);
	CHECK(sa_is_loopback(&s.addr));
	CHECK_EQ(s.nfmt, 3u);                       /* G729 dropped */
	CHECK_EQ(s.fmt[0].pt, 8);
	CHECK_EQ(s.fmt[0].codec, MEDIA_PCMA);
	CHECK_EQ(s.fmt[1].pt, 0);
	CHECK_EQ(s.fmt[2].pt, 101);
	CHECK_EQ(s.fmt[2].codec, MEDIA_TELEPHONE_EVENT);
	CHECK_STR(s.te_fmtp, "0-15");
	CHECK_EQ(s.dir, MEDIA_SENDRECV);
	CHECK_EQ(s.ptime, 20u);
}


static void test_parse_errors(void)
{
	struct media_sdp s;

	/* no codec we relay */
	CHECK_EQ(parse_str(&s, "v=0\r\nc=IN IP4 127.0.0.1\r\n"
			   "m=audio 4000 RTP/AVP 18\r\n"
			   "a=rtpmap:18 G729/8000\r\n"), ENOTSUP);
	/* only DTMF is not a call */
	CHECK_EQ(parse_str(&s, "v=0\r\nc=IN IP4 127.0.0.1\r\n"
			   "m=audio 4000 RTP/AVP 101\r\n"
			   "a=rtpmap:101 telephone-event/8000\r\n"), ENOTSUP);
	/* SRTP profile */
	CHECK_EQ(parse_str(&s, "v=0\r\nc=IN IP4 127.0.0.1\r\n"
			   "m=audio 4000 RTP/SAVP 0\r\n"), ENOTSUP);
	/* no audio */
	CHECK_EQ(parse_str(&s, "v=0\r\nc=IN IP4 127.0.0.1\r\n"
			   "m=video 4000 RTP/AVP 96\r\n"), ENOENT);
	/* no address */
	CHECK_EQ(parse_str(&s, "v=0\r\nm=audio 4000 RTP/AVP 0\r\n"),
		 EBADMSG);
	CHECK_EQ(parse_str(&s, "x"), EBADMSG);
	CHECK_EQ(parse_str(&s, "v=0\r\nc=IN IP4 999.1.1.1\r\n"
			   "m=audio 4000 RTP/AVP 0\r\n"), EBADMSG);
	CHECK_EQ(parse_str(&s, "v=0\r\nc=IN IP4 1.2.3.4\r\n"
			   "m=audio 70000 RTP/AVP 0\r\n"), EBADMSG);
}


static void test_hold_forms(void)
{
	struct media_sdp s;

	CHECK_EQ(parse_str(&s, "v=0\r\nc=IN IP4 127.0.0.1\r\na=sendonly\r\n"
			   "m=audio 4000 RTP/AVP 0\r\n"), 0);
	CHECK_EQ(s.dir, MEDIA_SENDONLY);              /* session level */

	CHECK_EQ(parse_str(&s, "v=0\r\nc=IN IP4 127.0.0.1\r\na=sendonly\r\n"
			   "m=audio 4000 RTP/AVP 0\r\na=recvonly\r\n"), 0);
	CHECK_EQ(s.dir, MEDIA_RECVONLY);              /* media wins */

	CHECK_EQ(parse_str(&s, "v=0\r\nc=IN IP4 0.0.0.0\r\n"
			   "m=audio 4000 RTP/AVP 0\r\n"), 0);
	CHECK_EQ(s.dir, MEDIA_INACTIVE);              /* RFC 2543 hold */

	CHECK_EQ(media_dir_reverse(MEDIA_SENDONLY), MEDIA_RECVONLY);
	CHECK_EQ(media_dir_reverse(MEDIA_INACTIVE), MEDIA_INACTIVE);
}


static void test_decline_other_streams(void)
{
	struct media_sdp s;
	struct mbuf *mb = NULL;
	struct sa a;
	char *out = NULL;

	CHECK_EQ(parse_str(&s, "v=0\r\nc=IN IP4 127.0.0.1\r\n"
			   "m=video 5000 RTP/AVP 96\r\na=rtpmap:96 VP8/90000\r\n"
			   "m=audio 4000 RTP/AVP 0 101\r\n"
			   "a=rtpmap:101 telephone-event/8000\r\n"), 0);
	CHECK_EQ(s.nmline, 2);
	CHECK_EQ(s.audio_idx, 1);

	sa_set_str(&a, "127.0.0.1", 10000);
	CHECK_EQ(media_sdp_encode(&mb, &s, &a, 42, 1), 0);
	(void)mbuf_strdup(mb, &out, mbuf_get_left(mb));
	mem_deref(mb);

	CHECK(out != NULL);
	{
		const char *v = strstr(out, "m=video 0 RTP/AVP 96\r\n");
		const char *au = strstr(out, "m=audio 10000 RTP/AVP 0 101\r\n");

		CHECK(v != NULL);
		CHECK(au != NULL);
		CHECK(v < au);                   /* order kept */
	}
	CHECK(strstr(out, "c=IN IP4 127.0.0.1\r\n") != NULL);
	CHECK(strstr(out, "a=fmtp:101 0-16\r\n") != NULL);
	CHECK(strstr(out, "a=sendrecv\r\n") != NULL);
	CHECK(strstr(out, "o=switchboard 42 1 IN IP4") == out + 5);
	mem_deref(out);
}


static void test_intersect(void)
{
	struct media_sdp o, a, r;

	CHECK_EQ(parse_str(&o, offer), 0);
	/* the agent picks PCMU and DTMF and holds */
	CHECK_EQ(parse_str(&a, "v=0\r\nc=IN IP4 127.0.0.2\r\n"
			   "m=audio 7000 RTP/AVP 0 101\r\n"
			   "a=rtpmap:101 telephone-event/8000\r\n"
			   "a=recvonly\r\n"), 0);

	media_sdp_intersect(&r, &o, &a);
	CHECK_EQ(r.nfmt, 2u);
	CHECK_EQ(r.fmt[0].codec, MEDIA_PCMU);
	CHECK_EQ(r.fmt[1].pt, 101);
	CHECK_EQ(r.dir, MEDIA_RECVONLY);
	CHECK_STR(r.te_fmtp, "0-15");                 /* offer's numbering */

	/* nothing in common */
	CHECK_EQ(parse_str(&a, "v=0\r\nc=IN IP4 127.0.0.2\r\n"
			   "m=audio 7000 RTP/AVP 101\r\n"
			   "a=rtpmap:101 telephone-event/8000\r\n"), ENOTSUP);
}


static void test_roundtrip(void)
{
	struct media_sdp s, back;
	struct mbuf *mb = NULL;
	struct sa a;

	CHECK_EQ(parse_str(&s, offer), 0);
	sa_set_str(&a, "::1", 12000);
	s.dir = MEDIA_SENDONLY;
	CHECK_EQ(media_sdp_encode(&mb, &s, &a, 1, 2), 0);
	CHECK_EQ(media_sdp_parse(&back, mb), 0);
	mem_deref(mb);

	CHECK_EQ(sa_af(&back.addr), AF_INET6);
	CHECK_EQ(sa_port(&back.addr), 12000);
	CHECK_EQ(back.nfmt, s.nfmt);
	for (size_t i = 0; i < s.nfmt; i++) {
		CHECK_EQ(back.fmt[i].pt, s.fmt[i].pt);
		CHECK_EQ(back.fmt[i].codec, s.fmt[i].codec);
	}
	CHECK_EQ(back.dir, MEDIA_SENDONLY);
	CHECK_EQ(back.ptime, 20u);
}


UNIT_SUITE(sdp,
	UNIT_CASE(test_parse_offer),
	UNIT_CASE(test_parse_errors),
	UNIT_CASE(test_hold_forms),
	UNIT_CASE(test_decline_other_streams),
	UNIT_CASE(test_intersect),
	UNIT_CASE(test_roundtrip),
);
