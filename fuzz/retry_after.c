/*
 * fuzz/retry_after.c — libFuzzer target for the Retry-After header of a
 * 429 / 503 from Salesforce or a webhook receiver (src/crm/
 * retry_after.c): any bytes must neither crash it nor give a wait over
 * the cap.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include "crm/internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	uint32_t d = 0;

	if (!s)
		return 0;

	memcpy(s, data, size);
	s[size] = '\0';

	if (!crm_retry_after(s, 1795800000ull, &d) && d > 3600)
		abort();

	free(s);
	return 0;
}
