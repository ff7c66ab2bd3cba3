/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fixture keys for unit tests: RSA keys made once (openssl genpkey) instead of at run time,
 * where a 2048-bit generation costs 0.1-0.4 s each on the CI machine. Test keys only: they
 * sign and seal nothing outside the tests. EC keys are cheap to make: tests make those.
 */
#ifndef POC_TEST_KEYS_H
#define POC_TEST_KEYS_H

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

static const char poc_test_rsa2048_a[] =
	"-----BEGIN PRIVATE KEY-----\n"
	"MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQDJNyCtouZ/qhXA\n"
	"UjskSIM5a7NTX1rkdhlfalNssj2uRiBwRaxsOpo0qJ85JETfOMjFk9IZ1YYH5kgw\n"
	"xIp2nGzFju2PARz/gCVUHJ49ddeLrDSYalbWBpSZ0pUrZKsTQd/JwNDO1UxOTWXQ\n"
	"DSoQ+YFNQ3Ly92hmiiqVkyeSNpAL14ZLK5pNRyj6gLReWr7Kgt+9bCAohOzZGVoM\n"
	"j9jNj8axDVgqq/1VY+JRVQQZ+xYeIQjA9G5iNfMNDyqBhXM0yaFejkxZGC1XAgBV\n"
	"2zyvZTFPtGowMw5+F7ZdMKLVzUVucLglfqhmfKoej4L14Ck5fnTshR47egUbWY8C\n"
	"m3ZxKMDFAgMBAAECggEAD5/hQLpyjZ1GfR2ljAa5cd8EGMhBxZXKGJeoDLu2gG7f\n"
	"m/g9EFZonQgu/P/s/SxqorT8zpa/BqQCHQ9V9SnmZFzZ443hk5F+1I44V2tsJmNj\n"
	"3iX7wjjWly87+BekFSW7W+5GCJmViEsISeSLzK+jM722ElnV2IiID/9SRk9IVjLt\n"
	"67YII7Igogduiq3tvnMdgHrLLbjPfQ/GFZRttXkT7U9U/LneZf/N4sybUpLu7jQX\n"
	"0+kV4hwLLqecvsD7C9zBG0hkoV5aMxkemLeBpEYO6KyGr9jUeleGhXDr8xgF7J+1\n"
	"M6eN1OiFho3nLLb/obEcheCzQOF/7BrEjDAgYU5NIQKBgQDrv52O9IeFdFwwJXLe\n"
	"ZAK76HMK4ZZMaXy6mqPghQvSExCs/KlA2gfHfg+tBIQBzWJojcVlYUygyBOA/nWN\n"
	"TomuOx4O80Zjb3TfLLCv3XjktCZVFSItb6qqhpLg6klZhIbUXpm9yc9iqDSq6ilf\n"
	"vyV5iv8IfrZZoCJCBnDPD2qkjQKBgQDagBZ6VRAcC7+TqQLRiqBWW6x8hsTp4xkR\n"
	"qz5A7ZNUIENIBsfF5T2gQMJXRqZw3nOR3OpuGx+vmYFNImP3kHCyS0EovArbFgRE\n"
	"IXbk9vZZ2ekqd2Yt6cD2DuKBE5wEOoUjcb2niGLoO2BXPCYLFzXO6Yk/XD4FPp1V\n"
	"/eSzr0crGQKBgQDB6OCeP4BhQy6443SyfCzLhw1pe9h2jaXsj1oQSR9J8iibQU+u\n"
	"aihP7N7T/4zdNqSlP0eIdhnjfe6dAbCLRHh2+WVmArB5BapqD4ZdgZv48j09ap6s\n"
	"JNeKYBrcKZmfqiSE9jMbKq4MhjKcCvNxL/aRHMVdpWw0GEVVbZrIlfOv2QKBgQDR\n"
	"KkbaSq3GO1TktKk3EF6W7OE8wAKm5zgrWuOYYhVkNhJSU/NPtTh+PSANTlustrap\n"
	"jnJ4fsyhW/CUd3R9HC9V7oZsyT4XJodk9SgM3YFM2DbF6VDOaPPIWM1pxOzYe3DS\n"
	"UmK8iuor6BM8zx6YBVsEPTmeht30RVF2bTtO617UmQKBgEWmFgY1PQaEgT6eoHc2\n"
	"5yJWQhPd1Q7N/dTy93SQZ+Tqp4k/K5QMKc/NQotItRcKYM4w8F1mU8br4dBn3yXF\n"
	"Us0t8ngCF0Yzq/drmwgopSYsTYpVaEG5d6rl3dxvELB7LzuwPO3CM486AM1U6iVQ\n"
	"5XcJi7n0VMpr7B+Vbcwy/rjV\n"
	"-----END PRIVATE KEY-----\n";

static const char poc_test_rsa2048_b[] =
	"-----BEGIN PRIVATE KEY-----\n"
	"MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQDGtXhgPNnYyitl\n"
	"dqW2Orx0xamSoTFA6G5j2oMp3LpgCqwzYl/0+JQx60FL8CjDGi1NGKfpcSP8KTD7\n"
	"5VCQwKt/EI8LaJkd1Aqs0eP5+8WympKt47ch1ovWH07wiT734g6EngTXpplq/7Ia\n"
	"wYUVhArhI0Pa1R7Rry5VALKFKaFMmKB5YJjsk7ck7bpXFteJJGUIV+gLTcsQq9az\n"
	"UrFeZjjpvNH33Q+c/6w/PKBpGRFHxm1bSEKtspTLPSp6t1AEKazuvM4xqxoDIGCw\n"
	"WdXUisqmN8Q5ooZKbMaO56kh5gOVsWFf7FJMzFvKNOOrnRl3U1+/++FE1nyVhK3Q\n"
	"iNu6qeFvAgMBAAECggEANoTBoz3u00EcyPjVnHrfC/bTgKyDM/jRmMnyJMEvzXwA\n"
	"JRT/mNm+5zdRsgERXf5HoZh7MVxecCfpDaOsCBsksncbmBi5sepkh2gK8aJ3anpo\n"
	"dhc9PqZ7tWLfqLUvNpmqPA6S64wFGctP1XF1DyMsTPr8+gRxMTysLJxFXq2+WKIn\n"
	"y9YziCJP429i/su8Dgo5emv8WH2B94nQ5ioTXh4Gw2Pkrz6GokdRZOFBBTjapsps\n"
	"RtTD2xDDubuogn5NSvZRRdZ+CLHZ7WPlN7Wdk9RJiKTs392dp148Avk8SLSxf/Ep\n"
	"2vmg+h8LfCVmZ1uxezt6IMi9wNvroazHe3pQIhyK+QKBgQDoWAyfurCAyXLwYO0w\n"
	"XvMeNKjYZQSzUWdhOPCAoH4WvjqAdKfJiTqAPu7W/SlY9Q46ZZxGGxG8A3kEpwhu\n"
	"ETJETtrm5qe8M9fvsCFqg5yFmPrR/0f6mllxpn2Fa5m7dHg0kgVfHbfk/8KBwju/\n"
	"Rn5gB64rXMa9vV7oFhk5mP2QewKBgQDa8Lx/gRsX3WBbwz1qmk6OKRnJcFtd7AEC\n"
	"xND2fpaORHjK6V8iC6fZCbSYbKoPFwkxniP/MeCaq50bE1rUNNVg2UpV5klG13GF\n"
	"fm+c6ZH6jJVwBFvrVXijd090ia3C43eJfKEIDyyH1H/8Rn2SpHtXgMtcY2rtl0qA\n"
	"kwQa23zynQKBgQDEgjvjGJ3Rvw/keMYDRDsxj+5CX2YTV8Us+GCJGbSq/aczH/cN\n"
	"QHBnKVMOKD5BS7oF8Ay1So28S9+d7Lv3g7nVBjCkW+8AAYUf5wLMOJY4dEOnOtch\n"
	"AEyoD91X68KxRfeo1tuOL+9p0lsrLiEkTLXz+Gr5p9U7gx/zAUXCbj//YwKBgQDQ\n"
	"s3p78I3rCdO4pTv+SmlnijZSlxABT98GzKaE0daidxLOGffddE7jzSShx7Oz/rl8\n"
	"2splkR4RUlXIYYLLljFwyLDbgVGIfgZwwj2SzfOhajFpPj6A7lC5QhozdKp2hG6G\n"
	"WI8IJ67DLAV0bZ12E+SfXN59iyd6pCUYuwvGrkNE4QKBgGnwpK/z+1sPwzH/bkEs\n"
	"emh275z4TiDLJgYEUUtFyUMkmKyAMgsvvXLg4KDulE4xy1fM9gyTknECXC0XomZZ\n"
	"HQTLfUSWjvfgsErGKXv8kw9fjz5Io3urhOXRfefAHCh+p3bMrnIH7US5dVc3Q+/C\n"
	"/ELSPD12ve27MfHDxxThGjgf\n"
	"-----END PRIVATE KEY-----\n";

static const char poc_test_rsa768[] =
	"-----BEGIN PRIVATE KEY-----\n"
	"MIIB5QIBADANBgkqhkiG9w0BAQEFAASCAc8wggHLAgEAAmEA8tbeEt+NBFa6VQ9F\n"
	"dfIV4i3pdhuRH8pQpFI3eZ+7auSe33MCty9tFx+6MMVTFVEnolSfswEB4l2a2ybe\n"
	"ZcX843CX/B3ZGJc6NB3jSUpDWCbWA4elE7z0UbTgq++ywtXFAgMBAAECYHCMESSi\n"
	"I1NNdtKRX1oItwe6y6cHo70eIT3nNPrTgyNJjjB1t157Ro4fEEYmThllIJhGJPsf\n"
	"jLhacwCrWlBa40+Ldin1YrAnW6K951sCnac0r3eHQYrUGEtrj/z3E2W/SQIxAPsv\n"
	"yrHRnzKZ5MjWKA1GUZ8RLoRoVPLMaFbBj+A677LV6vcYB/jM4X4j4tRtZ37fSwIx\n"
	"APd+IJhvJ7CHsMk477GtKuapKWaezhWPHaJITKj65BuPzd4+Nw4c76alGzwza1Yl\n"
	"LwIxANdM+aI9GQWYXz++QIpQUbnUUljvzJBooK5sLtR17+sL7OBq2rppcoZaYBzQ\n"
	"wbs/zQIwTPw8423gKLdstIszdE9rguin6jYH4QjtrOdUgVPZ1QD8ht9PfOJfYbUG\n"
	"LcnI37kdAjEAjaN26cYtnUDQdpKuHnnSnk/BAObArcEDoSNu8OwRpaxD3wPYePJS\n"
	"B7bC8Lqv4xfo\n"
	"-----END PRIVATE KEY-----\n";

/* A new EVP_PKEY (EVP_PKEY_free it) from one of the PEM keys above; NULL if it does not load. */
static inline EVP_PKEY *poc_test_key(const char *pem)
{
	BIO *b = BIO_new_mem_buf(pem, -1);
	EVP_PKEY *k = b != NULL ? PEM_read_bio_PrivateKey(b, NULL, NULL, NULL) : NULL;

	BIO_free(b);
	return k;
}

#endif
