/*
 * event.c — what the call module tells the API's event stream. The call
 * module does not know who listens (api depends on call, not the other
 * way round): it formats one JSON object per event and hands it over.
 */
#include <stdarg.h>
#include <re.h>
#include "call/call.h"

enum { LISTENERS_MAX = 8 };

static struct {
	call_event_h *h;
	void *arg;
} ev[LISTENERS_MAX];


int call_event_listen(call_event_h *h, void *arg)
{
	for (size_t i = 0; i < LISTENERS_MAX; i++) {
		if (ev[i].h)
			continue;

		ev[i].h = h;
		ev[i].arg = arg;
		return 0;
	}

	return ENOSPC;
}


void call_event_unlisten(void *arg)
{
	for (size_t i = 0; i < LISTENERS_MAX; i++) {
		if (ev[i].h && ev[i].arg == arg)
			ev[i].h = NULL;
	}
}


void call_event(const char *type, const char *agent, const char *fmt, ...)
{
	char *data = NULL;
	va_list ap;
	bool any = false;

	for (size_t i = 0; i < LISTENERS_MAX; i++)
		any |= ev[i].h != NULL;
	if (!any)
		return;

	va_start(ap, fmt);
	(void)re_vsdprintf(&data, fmt, ap);
	va_end(ap);

	/* a listener may remove itself (or a later one) while called */
	for (size_t i = 0; data && i < LISTENERS_MAX; i++) {
		if (ev[i].h)
			ev[i].h(type, agent, data, ev[i].arg);
	}

	mem_deref(data);
}
