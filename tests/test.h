/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A small TAP harness for unit tests (p11-kit common/test.h in spirit).
 * Each check prints "ok N - ..." or "not ok N - ..."; poc_test_done() prints
 * the plan and returns the exit status. Tests find the shared real-world
 * vectors under $POC_TESTDATA (set by the test environment).
 */
#ifndef POC_TEST_H
#define POC_TEST_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>

/* A test program of several files defines POC_TEST_SHARED and, in one of them, the two counters. */
#ifdef POC_TEST_SHARED
extern int poc_test_count, poc_test_failed;
#else
static int poc_test_count, poc_test_failed;
#endif

static inline int poc_test_ok(int cond, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static inline int poc_test_ok(int cond, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	poc_test_count++;
	printf("%sok %d - ", cond ? "" : "not ", poc_test_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!cond) {
		poc_test_failed++;
		printf("#   failed at %s:%d\n", file, line);
	}
	fflush(stdout);
	return cond;
}

#define ok(cond, ...) poc_test_ok(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
#define is_int(got, want, ...) \
	(ok((long long)(got) == (long long)(want), __VA_ARGS__) || \
	 (printf("#   got %lld, want %lld\n", (long long)(got), (long long)(want)), 0))
#define is_str(got, want, ...) poc_test_is_str((got), (want), __FILE__, __LINE__, __VA_ARGS__)
#define diag(...) (printf("# "), printf(__VA_ARGS__), printf("\n"))

static inline int poc_test_is_str(const char *got, const char *want, const char *file, int line,
				  const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static inline int poc_test_is_str(const char *got, const char *want, const char *file, int line,
				  const char *fmt, ...)
{
	char name[512];
	va_list ap;
	int cond = got != NULL && strcmp(got, want) == 0;

	va_start(ap, fmt);
	vsnprintf(name, sizeof(name), fmt, ap);
	va_end(ap);
	poc_test_ok(cond, file, line, "%s", name);
	if (!cond)
		printf("#   got \"%s\", want \"%s\"\n", got ? got : "(null)", want);
	return cond;
}

static inline int poc_test_done(void)
{
	printf("1..%d\n", poc_test_count);
	return poc_test_failed == 0 && poc_test_count > 0 ? 0 : 1;
}

/* Path of a file under the real test vectors; exits (as a failed test) when unset. */
static inline const char *poc_testdata(const char *rel)
{
	static char buf[4096];
	const char *root = getenv("POC_TESTDATA");

	if (root == NULL) {
		printf("Bail out! POC_TESTDATA is not set\n");
		exit(1);
	}
	snprintf(buf, sizeof(buf), "%s/%s", root, rel);
	if (access(root, R_OK | X_OK) != 0) {
		printf("Bail out! the real test vectors are absent: POC_TESTDATA=%s is not a readable folder "
		       "(check out ../shared/testdata/real beside the source, or configure POC_TESTDATA=DIR)\n", root);
		exit(1);
	}
	return buf;
}

/* Reads a whole file into a new buffer (test code only; the library takes bytes). */
static inline uint8_t *poc_test_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long n;

	*len = 0;
	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)n + 1);
		if (buf != NULL && fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		} else if (buf != NULL) {
			buf[n] = 0; /* convenience for text; not counted in len */
			*len = (size_t)n;
		}
	}
	fclose(f);
	return buf;
}

/* Reads $POC_TESTDATA/rel, failing the test run when missing. */
static inline uint8_t *poc_test_read_data(const char *rel, size_t *len)
{
	uint8_t *b = poc_test_read(poc_testdata(rel), len);

	if (b == NULL) {
		printf("Bail out! cannot read %s\n", poc_testdata(rel));
		exit(1);
	}
	return b;
}

#endif
