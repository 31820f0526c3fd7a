/*
 * target.c — where a request for a URI goes.
 *
 * switchboard does no DNS: its peers are trunks and phones that reached
 * it first. A Contact whose host is the IP the party's packets come from
 * is used as written (phones often send from one port and listen on
 * another, over UDP and TCP alike). Anything else — another IP (NAT
 * rewrote it), a host name — goes back where the party's packets came
 * from, which over TCP reuses the party's own connection (libre looks
 * connections up by peer address).
 */
#include <re.h>
#include "sip/internal.h"


int target_resolve(struct sa *dst, const struct uri *uri,
		   const struct sa *peer, enum sip_transp tp)
{
	struct sa a;

	(void)tp;
	*dst = *peer;

	if (!uri)
		return 0;

	if (sa_set(&a, &uri->host, uri->port ? uri->port : SIP_PORT))
		return 0;

	if (sa_cmp(&a, peer, SA_ADDR))
		*dst = a;

	return 0;
}
