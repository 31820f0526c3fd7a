/*
 * event.c — what the call module tells the API's event stream. The call
 * module does not know who listens (api depends on call, not the other
 * way round): it formats one JSON object per event and hands it over.
 */
#include <stdarg.h>
#include <re.h>
#include "call/call.h"

static struct {
	call_event_h *h;
	void *arg;
} ev;


void call_event_handler(call_event_h *h, void *arg)
{
	ev.h = h;
	ev.arg = arg;
}


void call_event(const char *type, const char *agent, const char *fmt, ...)
{
	char *data = NULL;
	va_list ap;

	if (!ev.h)
		return;

	va_start(ap, fmt);
	(void)re_vsdprintf(&data, fmt, ap);
	va_end(ap);

	if (data)
		ev.h(type, agent, data, ev.arg);

	mem_deref(data);
}
