/*
 * asr_ul16.c — turns raw 8 kHz u-law files into the 16 kHz 16-bit PCM
 * the recognizer hears, with switchboard's own G.711 decoder and
 * upsampler (src/asr/dsp.c), so that the acoustic model is adapted
 * (scripts/asr-model.sh) on exactly the samples a call feeds it.
 *
 *   asr_ul16 IN.ul OUT.raw [IN.ul OUT.raw ...]
 *
 * OUT.raw is little-endian, the byte order sphinx_fe is told to read.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <re.h>
#include "asr/asr.h"

enum { CHUNK = 4096 };


static int convert(const char *in, const char *out)
{
	FILE *fi = fopen(in, "rb"), *fo = NULL;
	uint8_t ul[CHUNK];
	int16_t pcm[CHUNK], up[2 * CHUNK], last = 0;
	uint8_t le[4 * CHUNK];
	size_t n;
	int err = 0;

	if (!fi) {
		fprintf(stderr, "asr_ul16: %s: %s\n", in, strerror(errno));
		return errno;
	}
	fo = fopen(out, "wb");
	if (!fo) {
		err = errno;
		fprintf(stderr, "asr_ul16: %s: %s\n", out, strerror(err));
		goto out;
	}

	while ((n = fread(ul, 1, sizeof(ul), fi)) > 0) {
		for (size_t i = 0; i < n; i++)
			pcm[i] = asr_ulaw(ul[i]);
		asr_upsample(up, pcm, n, &last);
		for (size_t i = 0; i < 2 * n; i++) {
			le[2 * i] = (uint8_t)((uint16_t)up[i] & 0xff);
			le[2 * i + 1] = (uint8_t)((uint16_t)up[i] >> 8);
		}
		if (fwrite(le, 2, 2 * n, fo) != 2 * n) {
			err = errno ? errno : EIO;
			fprintf(stderr, "asr_ul16: %s: %s\n", out,
				strerror(err));
			goto out;
		}
	}
	if (ferror(fi)) {
		err = EIO;
		fprintf(stderr, "asr_ul16: %s: read error\n", in);
	}

 out:
	fclose(fi);
	if (fo && fclose(fo) && !err) {
		err = errno;
		fprintf(stderr, "asr_ul16: %s: %s\n", out, strerror(err));
	}
	return err;
}


int main(int argc, char *argv[])
{
	if (argc < 3 || (argc - 1) % 2) {
		fprintf(stderr, "usage: asr_ul16 IN.ul OUT.raw "
			"[IN.ul OUT.raw ...]\n");
		return 2;
	}

	for (int i = 1; i + 1 < argc; i += 2) {
		if (convert(argv[i], argv[i + 1]))
			return 1;
	}

	return 0;
}
