/*
 * dsp.c — the little signal processing transcription needs: G.711
 * decoding, 8 → 16 kHz upsampling, a level for the VAD.
 */
#include <stdlib.h>
#include "asr/asr.h"


int16_t asr_ulaw(uint8_t u)
{
	int t;

	u = (uint8_t)~u;
	t = (((u & 0x0f) << 3) + 0x84) << ((u & 0x70) >> 4);
	return (int16_t)((u & 0x80) ? (0x84 - t) : (t - 0x84));
}


int16_t asr_alaw(uint8_t a)
{
	int t, seg;

	a ^= 0x55;
	t = (a & 0x0f) << 4;
	seg = (a & 0x70) >> 4;
	if (seg == 0)
		t += 8;
	else if (seg == 1)
		t += 0x108;
	else
		t = (t + 0x108) << (seg - 1);

	return (int16_t)((a & 0x80) ? t : -t);
}


/* Linear interpolation: the recognizer's model wants 16 kHz, but above
 * 4 kHz telephone audio has nothing to add, so a better filter would
 * buy little. */
void asr_upsample(int16_t *out, const int16_t *in, size_t n, int16_t *last)
{
	int16_t prev = *last;

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = (int16_t)(((int32_t)prev + in[i]) / 2);
		out[2 * i + 1] = in[i];
		prev = in[i];
	}

	*last = prev;
}


uint32_t asr_level(const int16_t *pcm, size_t n)
{
	uint64_t sum = 0;

	if (!n)
		return 0;

	for (size_t i = 0; i < n; i++)
		sum += (uint64_t)abs(pcm[i]);

	return (uint32_t)(sum / n);
}
