/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The corpus replay of one fuzz target (p11-kit's fuzz/main.c in spirit): a main() that runs
 * the target's LLVMFuzzerTestOneInput over every input it has, built with the normal compiler
 * (and the sanitizers in the sanitizer build), so `make check` runs each fuzz target in every
 * build. Its inputs, POC_FUZZ_TARGET naming the target ("fuzz-NAME"):
 *   - each file of tests/fuzz/corpus/fuzz-NAME/ (under $POC_SRCDIR): at least one;
 *   - each real vector tests/fuzz/fuzz-NAME.seeds lists (paths under $POC_TESTDATA, which
 *     must all exist: the vectors are read in place, never copied into the tree);
 *   - the empty input.
 * With arguments, only the files given (to replay a crash libFuzzer left: replay-NAME FILE).
 * One TAP line per input (the target returned 0); a crash or a sanitizer report ends the
 * program, which the TAP driver reports as an error (the last "# input" line names the input).
 * Each input is copied to a buffer of its exact size, so an over-read is ASan's to see.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../test.h"

#ifndef POC_FUZZ_TARGET
#error "POC_FUZZ_TARGET names the fuzz target (fuzz-NAME)"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Runs the target on the bytes of path: its return value (0: libFuzzer's only regular one), -1 unreadable. */
static int replay_file(const char *path, const char *label)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long len;
	int rc = -1;

	if (f == NULL)
		return -1;
	if (fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc(len > 0 ? (size_t)len : 1);
		if (buf != NULL && fread(buf, 1, (size_t)len, f) == (size_t)len) {
			diag("input %s (%ld bytes)", label, len);
			fflush(stdout);
			rc = LLVMFuzzerTestOneInput(buf, (size_t)len);
		}
	}
	free(buf);
	fclose(f);
	return rc;
}

static int not_hidden(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

/* Every file of the target's corpus folder, in name order; the number replayed. */
static int replay_corpus(const char *srcdir)
{
	char dir[4096], path[8192];
	struct dirent **names;
	int n, done = 0;

	snprintf(dir, sizeof(dir), "%s/tests/fuzz/corpus/%s", srcdir, POC_FUZZ_TARGET);
	n = scandir(dir, &names, not_hidden, alphasort);
	if (!ok(n > 0, "corpus folder tests/fuzz/corpus/%s has inputs", POC_FUZZ_TARGET))
		return 0;
	for (int i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		if (ok(replay_file(path, names[i]->d_name) == 0, "corpus %s", names[i]->d_name))
			done++;
		free(names[i]);
	}
	free(names);
	return done;
}

/* Every real vector the target's .seeds file lists (one path a line, under $POC_TESTDATA). */
static void replay_seeds(const char *srcdir)
{
	char list[4096], line[1024];
	FILE *f;

	snprintf(list, sizeof(list), "%s/tests/fuzz/%s.seeds", srcdir, POC_FUZZ_TARGET);
	f = fopen(list, "r");
	if (f == NULL)
		return; /* a target may have no real vectors */
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '\0' || line[0] == '#')
			continue;
		ok(replay_file(poc_testdata(line), line) == 0, "seed %s", line);
	}
	fclose(f);
}

int main(int argc, char **argv)
{
	const char *srcdir = getenv("POC_SRCDIR");

	if (argc > 1) {
		for (int i = 1; i < argc; i++)
			ok(replay_file(argv[i], argv[i]) == 0, "%s", argv[i]);
		return poc_test_done();
	}
	if (srcdir == NULL) {
		printf("Bail out! POC_SRCDIR is not set\n");
		return 1;
	}
	replay_corpus(srcdir);
	replay_seeds(srcdir);
	diag("input (empty)");
	fflush(stdout);
	ok(LLVMFuzzerTestOneInput((const uint8_t *)"", 0) == 0, "the empty input");
	return poc_test_done();
}
