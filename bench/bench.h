/*
 * bench.h — what more than one benchmark measures the same way.
 */
#ifndef SWITCHBOARD_BENCH_H
#define SWITCHBOARD_BENCH_H

#include <stdio.h>
#include <unistd.h>

/* This process's resident memory in MiB (Linux), or 0. */
static inline double rss_mib(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	unsigned long size = 0, res = 0;

	if (!f)
		return 0;
	if (fscanf(f, "%lu %lu", &size, &res) != 2)
		res = 0;
	fclose(f);
	return (double)res * (double)sysconf(_SC_PAGESIZE) / 1048576.0;
}

#endif
