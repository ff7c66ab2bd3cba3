/* SPDX-License-Identifier: Apache-2.0 */
/* The attestation levels of an appraisal (levels.h, docs/levels.md) and $.assurance. */
#include "appraise_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "ccel.h"
#include "event_log.h"
#include "hex.h"
#include "ima_log.h"
#include "levels_boot.h"

#define ALG_SHA256 0x000b
#define ALG_SHA384 0x000c
#define MR_RTMR0 1 /* CCEL MR index of RTMR0; RTMR1 = 2, RTMR2 = 3 */

/* The evidence the levels read, replayed once. */
struct lv {
	struct poc_appraise_state *s;
	struct poc_levels *al;
	int climb_n, climb_t;
	int has_ccel;
	struct poc_evlog ccel;
	uint32_t rtmr_ok; /* bit i: the CCEL replays the quoted RTMR i */
	int has_log;
	struct poc_evlog log;
	uint16_t alg;     /* the vTPM log's bank the levels read */
	uint32_t pcr_ok;  /* bit n: Ln, the log replays PCR n as a verified quote says */
};

/* What one source (the CCEL's RTMRs, the vTPM's PCRs) identifies of the kernel. */
struct kid {
	int ok;
	char how[128], why[200];
	int has_cmdline, cmd_conflict;
	char cmdline[POC_CMDLINE_MAX];
};

__attribute__((format(printf, 3, 4)))
static void add_item(char (*items)[128], size_t *n, const char *fmt, ...)
{
	va_list ap;

	if (*n == POC_LEVELS_MAX_ITEMS)
		return;
	va_start(ap, fmt);
	vsnprintf(items[(*n)++], 128, fmt, ap);
	va_end(ap);
}

static void basis(struct lv *v, const char *text)
{
	add_item(v->al->basis, &v->al->nbasis, "%s", text);
}

static void trusts(struct lv *v, const char *text)
{
	for (size_t i = 0; i < v->al->ntrusts; i++)
		if (strcmp(v->al->trusts[i], text) == 0)
			return;
	if (v->al->ntrusts < POC_LEVELS_MAX_ITEMS)
		poc_say(v->al->trusts[v->al->ntrusts++], sizeof(v->al->trusts[0]), "%s", text);
}

/*
 * One rung: level is reached nominally when ok_n and trustworthily when
 * ok_t too, while the ladder below held; the first missing predicate of
 * each ladder is what the next level needs. what: the basis entry.
 */
static void rung(struct lv *v, int level, int ok_n, int ok_t, const char *why_n, const char *why_t, const char *what,
		 const char *csp)
{
	ok_t = ok_t && ok_n;
	if (v->climb_n && ok_n) {
		v->al->nominal = level;
		basis(v, what);
		if (!(v->climb_t && ok_t) && csp != NULL)
			trusts(v, csp);
	} else if (v->climb_n) {
		v->climb_n = 0;
		poc_say(v->al->need_nominal, sizeof(v->al->need_nominal), "AL%d needs %s", level, why_n);
	}
	if (v->climb_t && ok_t) {
		v->al->trustworthy = level;
	} else if (v->climb_t) {
		v->climb_t = 0;
		poc_say(v->al->need_trustworthy, sizeof(v->al->need_trustworthy), "AL%d needs %s", level,
			 ok_n ? why_t : why_n);
	}
}

/* ---- the evidence, replayed ---- */

static void load_ccel(struct lv *v)
{
	const struct poc_bundle *b = v->s->b;
	uint8_t rtmr[POC_CCEL_RTMRS][POC_CCEL_MR_LEN];
	struct poc_err e = { 0 };

	if (!v->s->tdx_verified || b->ccel_log.p == NULL || poc_evlog_parse(&e, b->ccel_log.p, b->ccel_log.len, &v->ccel) < 0)
		return;
	v->has_ccel = 1;
	if (poc_ccel_replay(&e, &v->ccel, rtmr) < 0)
		return;
	for (unsigned i = 0; i < POC_CCEL_RTMRS; i++)
		if (CRYPTO_memcmp(rtmr[i], v->s->tdx.body.rtmr[i], POC_CCEL_MR_LEN) == 0)
			v->rtmr_ok |= 1u << i;
}

static void load_log(struct lv *v)
{
	static const uint16_t prefer[] = { ALG_SHA256, ALG_SHA384 };
	const struct poc_bundle *b = v->s->b;
	struct poc_pcr_bank replay;
	struct poc_err e = { 0 };
	const struct poc_pcr_bank *q = NULL;
	size_t i;

	if (b->eventlog.p == NULL || b->nquotes == 0 || poc_evlog_parse(&e, b->eventlog.p, b->eventlog.len, &v->log) < 0)
		return;
	v->has_log = 1;
	for (i = 0; i < 2 && q == NULL; i++) {
		q = poc_pcrs_bank_get(&v->s->verified, prefer[i]);
		if (q != NULL && (q->mask == 0 || !poc_evlog_has_alg(&v->log, prefer[i])))
			q = NULL;
		v->alg = prefer[i];
	}
	if (q == NULL || poc_evlog_replay(&e, &v->log, v->alg, &replay) < 0)
		return;
	for (unsigned n = 0; n < POC_PCR_COUNT; n++)
		if ((q->mask & (1u << n)) &&
		    CRYPTO_memcmp(replay.v[n], q->v[n], poc_tpm_alg_digest_len(v->alg)) == 0)
			v->pcr_ok |= 1u << n;
}

/* ---- AL1 = T ∧ Bind ---- */

static void level1(struct lv *v)
{
	const struct poc_appraise_state *s = v->s;
	const struct poc_appraisal *out = s->out;
	char why[200] = "", what[128];
	int ok = 1, azure = s->p->binding == POC_BINDING_AZURE_HCL;

	if (!s->tdx_verified)
		ok = 0, poc_say(why, sizeof(why), "T: no verified TDX quote (the policy's tee clause)");
	else if (out->tcb_status[0] == '\0')
		ok = 0, poc_say(why, sizeof(why), "T: the TCB in the accepted set (tee.tcb_status with DCAP collateral)");
	else if (out->tdx_debug)
		ok = 0, poc_say(why, sizeof(why), "T: DEBUG off (the TD runs in DEBUG mode)");
	else if (!out->nonce_checked || !s->check_rd)
		ok = 0, poc_say(why, sizeof(why), "Bind: a verifier nonce bound into the TD quote's REPORTDATA (%s)",
				 out->nonce_checked ? "no binding covers it" : "no nonce was checked");
	else if ((s->p->binding == POC_BINDING_POC_V1 || azure) && s->b->nquotes == 0)
		ok = 0, poc_say(why, sizeof(why), "Bind: the vTPM quote the binding %s covers", poc_binding_name(s->p->binding));
	poc_say(what, sizeof(what), "AL1: T (DCAP chain, QE, TCB %s, DEBUG off) and Bind (%s, REPORTDATA)",
		 out->tcb_status, poc_binding_name(s->p->binding));
	rung(v, 1, ok, !azure, why,
	     "Bind: a binding that does not rest on Azure's HCL paravisor (it writes the report naming the vTPM, and cannot be audited)",
	     what, "Azure HCL paravisor (the binding and the vTPM)");
}

/* ---- AL2 = AL1 ∧ MRTD ∈ reference.mrtd ∧ R0 ---- */

static int firmware_event(uint32_t t)
{
	switch (t) {
	case POC_EV_EFI_PLATFORM_FIRMWARE_BLOB: case POC_EV_EFI_PLATFORM_FIRMWARE_BLOB2:
	case POC_EV_EFI_HANDOFF_TABLES: case POC_EV_EFI_HANDOFF_TABLES2: case POC_EV_PLATFORM_CONFIG_FLAGS:
	case POC_EV_EFI_VARIABLE_DRIVER_CONFIG: case POC_EV_EFI_VARIABLE_AUTHORITY: case POC_EV_EFI_VARIABLE_BOOT:
	case POC_EV_EFI_VARIABLE_BOOT2: case POC_EV_SEPARATOR: case POC_EV_EFI_ACTION: case POC_EV_NO_ACTION:
		return 1;
	}
	return 0;
}

/* R0 from the CCEL: 1 held, 0 not (why says why). */
static int r0(struct lv *v, char *why, size_t wl, size_t *nev)
{
	char desc[96];

	*nev = 0;
	if (!v->has_ccel || !(v->rtmr_ok & 1u)) {
		poc_say(why, wl, "R0: a CCEL that replays RTMR0%s", v->has_ccel ? " (it does not)" : " (the evidence has none)");
		return 0;
	}
	for (size_t i = 0; i < v->ccel.nevents; i++) {
		if (v->ccel.ev[i].pcr != MR_RTMR0)
			continue;
		if (!firmware_event(v->ccel.ev[i].type)) {
			poc_evlog_describe(&v->ccel.ev[i], desc, sizeof(desc));
			poc_say(why, wl, "R0: RTMR0's events to be firmware events (event #%zu is %s)", i, desc);
			return 0;
		}
		(*nev)++;
	}
	return 1;
}

static void level2(struct lv *v)
{
	const struct poc_policy_reference *ref = &v->s->p->ref[POC_REF_MRTD];
	const uint8_t *mrtd = v->s->tdx.body.mrtd;
	int azure = v->s->p->binding == POC_BINDING_AZURE_HCL, ok_n, ok_t, from_log = 0;
	char why_n[200] = "", why_t[200] = "", what[128], hex[97];
	size_t nev = 0;

	poc_hex_encode(mrtd, 48, hex);
	hex[16] = '\0';
	ok_n = ref->present && poc_refvals_has(&ref->vals, mrtd, 48);
	if (!ok_n)
		poc_say(why_n, sizeof(why_n), "reference.mrtd; MRTD 0x%s.. %s", hex,
			 ref->present ? "not in reference values" : "has no reference values (the policy has no reference.mrtd)");
	ok_t = ref->provenance == POC_REF_INDEPENDENT && !azure;
	poc_say(why_t, sizeof(why_t), "%s", azure ? "an MRTD that is not Azure's paravisor's (the HCL cannot be audited)"
						  : "reference.mrtd of CSP-independent provenance (\"provenance\": \"independent\")");
	if (ok_n && !r0(v, why_n, sizeof(why_n), &nev)) {
		/* The vTPM's own log of the firmware (PCR 0, 1, 7) stands in, nominally. */
		from_log = (v->pcr_ok & 0x83u) == 0x83u;
		ok_n = from_log;
		if (from_log)
			poc_say(why_t, sizeof(why_t), "%s: only the vTPM's PCR 0, 1, 7 replay", why_n);
		ok_t = 0;
	}
	if (from_log)
		poc_say(what, sizeof(what), "AL2: MRTD 0x%s.. in reference.mrtd; firmware from the vTPM log (L0, L1, L7)", hex);
	else
		poc_say(what, sizeof(what), "AL2: MRTD 0x%s.. in reference.mrtd; R0 (CCEL, %zu firmware events)", hex, nev);
	rung(v, 2, ok_n, ok_t, why_n, why_t, what,
	     from_log ? "the provider's vTPM (PCR 0, 1, 7 of its event log)" : "the provider's reference values (reference.mrtd)");
}

/* ---- AL3 = AL2 ∧ kernel, initrd, command line identified ---- */

/* The registers one source holds: CCEL MR indexes, or PCRs. */
struct src {
	const struct poc_evlog *log;
	uint16_t alg;
	uint32_t sb_reg, app_reg, cmd_regs; /* register index; a mask of register indexes */
	uint32_t ok;                          /* registers whose replay holds (by register index) */
	const char *name;                     /* "RTMR" | "PCR" */
	int ccel;
};

static int reg_ok(const struct src *c, uint32_t reg)
{
	return c->ccel ? reg >= 1 && (c->ok & (1u << (reg - 1))) : reg < 32 && (c->ok & (1u << reg));
}

static unsigned reg_num(const struct src *c, uint32_t reg)
{
	return c->ccel ? reg - 1 : reg;
}

/* Why nothing identified the kernel in source c. */
static void kid_why(struct kid *k, const struct src *c, const struct poc_policy_reference *ref, int sb, ssize_t uki,
		    ssize_t bad_file, ssize_t last_app)
{
	const struct poc_evlog_event *ev;
	char desc[96], hex[129];

	if (!ref->present) {
		poc_say(k->why, sizeof(k->why), "reference.uki (no reference values for a UKI or kernel)");
		return;
	}
	if (uki >= 0) {
		poc_say(k->why, sizeof(k->why), "Secure Boot on (SecureBoot %s in %s%u): without it a UKI's stub takes a "
			 "command-line override", sb == -2 ? "measured again after the firmware's separator" : sb < 0 ? "not measured" : "off",
			 c->name, reg_num(c, c->sb_reg));
		return;
	}
	if (bad_file >= 0 || last_app >= 0) {
		ev = &c->log->ev[bad_file >= 0 ? bad_file : last_app];
		poc_evlog_describe(ev, desc, sizeof(desc));
		poc_hex_encode(poc_evlog_event_digest(ev, c->alg), 8, hex);
		poc_say(k->why, sizeof(k->why), "reference.uki; %s%u #%zu %s (digest 0x%s..) not in reference values",
			 c->name, reg_num(c, ev->pcr), (size_t)(bad_file >= 0 ? bad_file : last_app), desc, hex);
		return;
	}
	poc_say(k->why, sizeof(k->why), "a UKI or grub's events identifying the kernel (none in the %s log)",
		 c->ccel ? "CCEL" : "vTPM");
}

/*
 * The Secure Boot state the firmware measured in c's register before its separator: 1 on, 0 off,
 * -1 not measured, -2 measured again after the separator (by whatever ran next: not the firmware's word).
 */
static int secure_boot(const struct src *c)
{
	int sb = -1, sep = 0, r;

	for (size_t i = 0; i < c->log->nevents; i++) {
		const struct poc_evlog_event *ev = &c->log->ev[i];

		if (ev->pcr != c->sb_reg || ev->type == POC_EV_NO_ACTION || !reg_ok(c, ev->pcr))
			continue;
		if (ev->type == POC_EV_SEPARATOR)
			sep = 1;
		else if ((r = poc_boot_secure_boot(ev)) >= 0)
			sb = sep ? -2 : sb == -2 ? -2 : sb == -1 ? r : sb && r;
	}
	return sb;
}

/*
 * The command line the kernel was given: every verified command-line event of c after event
 * from (a UKI's: what ran before it does not speak for it) names the same text; else none.
 */
static void take_cmdline(const struct src *c, ssize_t from, struct kid *k)
{
	char line[POC_CMDLINE_MAX];

	k->has_cmdline = 0;
	for (size_t i = from < 0 ? 0 : (size_t)from + 1; i < c->log->nevents; i++) {
		const struct poc_evlog_event *ev = &c->log->ev[i];

		if (ev->pcr >= 32 || !(c->cmd_regs & (1u << ev->pcr)) || !reg_ok(c, ev->pcr) ||
		    !poc_boot_cmdline(ev, c->alg, line, sizeof(line)))
			continue;
		if (k->has_cmdline && strcmp(k->cmdline, line) != 0) {
			k->has_cmdline = 0;
			k->cmd_conflict = 1;
			return;
		}
		memcpy(k->cmdline, line, sizeof(line));
		k->has_cmdline = 1;
	}
}

/* The kernel, initrd and command line as source c identifies them. */
static void identify(const struct lv *v, const struct src *c, struct kid *k)
{
	const struct poc_policy_reference *ref = &v->s->p->ref[POC_REF_UKI];
	size_t dl = poc_tpm_alg_digest_len(c->alg), files = 0;
	ssize_t uki = -1, bad_file = -1, last_app = -1;
	int sb = secure_boot(c), grub_cmd = 0;
	char line[POC_CMDLINE_MAX];

	memset(k, 0, sizeof(*k));
	for (size_t i = 0; i < c->log->nevents; i++) {
		const struct poc_evlog_event *ev = &c->log->ev[i];
		const uint8_t *d = poc_evlog_event_digest(ev, c->alg);
		int listed;

		if (d == NULL || ev->type == POC_EV_NO_ACTION || !reg_ok(c, ev->pcr))
			continue;
		listed = ref->present && poc_refvals_has(&ref->vals, d, dl);
		if (ev->pcr == c->app_reg && ev->type == POC_EV_EFI_BOOT_SERVICES_APPLICATION) {
			last_app = (ssize_t)i;
			uki = listed ? (ssize_t)i : uki;
		}
		if (ev->pcr >= 32 || !(c->cmd_regs & (1u << ev->pcr)))
			continue;
		if (poc_boot_grub_file(ev)) {
			files++;
			bad_file = !listed && bad_file < 0 ? (ssize_t)i : bad_file;
		} else if (ev->type == POC_EV_IPL && ev->data_len > 16 && memcmp(ev->data, "kernel_cmdline: ", 16) == 0)
			grub_cmd |= poc_boot_cmdline(ev, c->alg, line, sizeof(line)); /* its digest is its text's */
	}
	if (uki >= 0 && sb == 1) {
		k->ok = 1;
		take_cmdline(c, uki, k);
		poc_say(k->how, sizeof(k->how), "AL3: UKI %s%u #%zd in reference.uki, Secure Boot on%s", c->name,
			 reg_num(c, c->app_reg), uki, k->has_cmdline ? "; its command line measured" : "");
	} else if (files > 0 && bad_file < 0 && grub_cmd && ref->present) {
		k->ok = 1;
		take_cmdline(c, -1, k);
		poc_say(k->how, sizeof(k->how), "AL3: grub's kernel_cmdline and %zu files in reference.uki (%s log)", files,
			 c->ccel ? "CCEL" : "vTPM");
	} else
		kid_why(k, c, ref, sb, uki, bad_file, last_app);
}

/* $.vtpm.pcrs pins PCR 11 (a systemd-measure prediction of the UKI's sections); the quote matched it. */
static int pcr11_pinned(const struct poc_policy *p)
{
	for (size_t i = 0; i < p->npcr_banks; i++)
		if (p->pcr_banks[i].mask & (1u << 11))
			return 1;
	return 0;
}

static void level3(struct lv *v, struct kid *kt, struct kid *kn, const struct kid **cmd_n, const struct kid **cmd_t)
{
	const struct src ccel = { &v->ccel, ALG_SHA384, 1, 2, 1u << 3, v->rtmr_ok, "RTMR", 1 };
	const struct src tpm = { &v->log, v->alg, 7, 4, (1u << 8) | (1u << 9) | (1u << 11) | (1u << 12), v->pcr_ok, "PCR", 0 };
	const struct poc_policy_reference *ref = &v->s->p->ref[POC_REF_UKI];
	int p11 = v->has_log && pcr11_pinned(v->s->p), ok_t;
	char why_t[200];

	memset(kt, 0, sizeof(*kt));
	memset(kn, 0, sizeof(*kn));
	poc_say(kt->why, sizeof(kt->why), "a CCEL identifying the kernel in the TDX registers (the evidence has none)");
	poc_say(kn->why, sizeof(kn->why), "%s", kt->why);
	if (v->has_ccel)
		identify(v, &ccel, kt);
	if (v->has_log && v->alg != 0)
		identify(v, &tpm, kn);
	ok_t = kt->ok && ref->provenance == POC_REF_INDEPENDENT;
	poc_say(why_t, sizeof(why_t), "%s", kt->ok ? "reference.uki of CSP-independent provenance (\"provenance\": \"independent\")"
						    : kt->why);
	*cmd_t = ok_t ? kt : NULL;
	*cmd_n = kt->ok ? kt : kn->ok ? kn : NULL;
	rung(v, 3, kt->ok || kn->ok || p11, ok_t, v->has_ccel ? kt->why : kn->why, why_t,
	     kt->ok ? kt->how : kn->ok ? kn->how : "AL3: PCR 11 equal to its systemd-measure prediction ($.vtpm.pcrs)",
	     kt->ok ? "the provider's reference values (reference.uki)" : "the provider's vTPM (PCR 4, 7, 8, 9, 11, 12 of its log)");
}

/* ---- AL4 = AL3 ∧ the command line's dm-verity root hash ∈ reference.verity_roothash ---- */

static int roothash_ok(const struct poc_policy_reference *ref, const struct kid *k, char *why, size_t wl, char *hex)
{
	char bad[160] = "";
	uint8_t h[64];
	size_t hl;

	hex[0] = '\0';
	if (k == NULL || !k->has_cmdline || !poc_boot_verity(k->cmdline, h, &hl, bad, sizeof(bad))) {
		poc_say(why, wl, "a dm-verity root hash in the AL3-verified command line (%s)",
			 k == NULL ? "none is verified" : k->cmd_conflict ? "two different command lines are measured"
			 : !k->has_cmdline ? "no command line is measured" : bad);
		return 0;
	}
	poc_hex_encode(h, 8, hex);
	if (!ref->present || !poc_refvals_has(&ref->vals, h, hl)) {
		poc_say(why, wl, "reference.verity_roothash; root hash 0x%s.. %s", hex,
			 ref->present ? "not in reference values" : "has no reference values (the policy has no reference.verity_roothash)");
		return 0;
	}
	return 1;
}

/* The verified quote's bank holding PCR 10 (sha256 first), or NULL. */
static const struct poc_pcr_bank *pcr10_bank(const struct lv *v)
{
	const struct poc_pcr_bank *q = poc_pcrs_bank_get(&v->s->verified, ALG_SHA256);

	if (q == NULL || !(q->mask & (1u << 10)))
		q = poc_pcrs_bank_get(&v->s->verified, ALG_SHA384);
	return q != NULL && (q->mask & (1u << 10)) ? q : NULL;
}

/* The first PCR 10 entry is boot_aggregate; every later one's file digest is in reference.ima_allow, no violation. */
static int ima_entries_ok(const struct poc_policy_reference *ref, const struct poc_ima_log *log, char *why, size_t wl,
			  size_t *n)
{
	char hex[17];

	size_t first = log->n;

	*n = 0;
	/* IMA's list starts with boot_aggregate: without it, PCR 10 (zeros when IMA is off) shows no IMA. */
	for (size_t i = 0; i < log->n && first == log->n; i++)
		first = log->ev[i].pcr == 10 ? i : first;
	if (first == log->n || log->ev[first].violation || strcmp(log->ev[first].path, "boot_aggregate") != 0) {
		poc_say(why, wl, "an IMA list that starts with boot_aggregate (%s)",
			first == log->n ? "it has no PCR 10 entry" : "its first PCR 10 entry is another");
		return 0;
	}
	for (size_t i = first + 1; i < log->n; i++) {
		const struct poc_ima_entry *ev = &log->ev[i];

		if (ev->pcr != 10)
			continue;
		if (ev->violation) {
			poc_say(why, wl, "IMA without violations (entry #%zu is one)", i);
			return 0;
		}
		if (!ref->present || !poc_refvals_has(&ref->vals, ev->digest, ev->digest_len)) {
			poc_hex_encode(ev->digest, ev->digest_len < 8 ? ev->digest_len : 8, hex);
			poc_say(why, wl, "reference.ima_allow; IMA entry #%zu %.80s (%s:0x%s..) %s", i, ev->path, ev->algo, hex,
				ref->present ? "not in the allow-list" : "has no allow-list (the policy has no reference.ima_allow)");
			return 0;
		}
		(*n)++;
	}
	return 1;
}

/* IMA in a vTPM (nominal only): the list replays PCR 10 of a verified quote, and its files are allowed. */
static int ima_ok(const struct lv *v, char *why, size_t wl, size_t *n)
{
	const struct poc_bundle *b = v->s->b;
	const struct poc_pcr_bank *q = pcr10_bank(v);
	struct poc_ima_log log;
	struct poc_err e = { 0 };
	uint8_t pcr[POC_DIGEST_MAX];
	size_t pl = 0;
	int rv = 0;

	if (b->ima_log.p == NULL || q == NULL) {
		poc_say(why, wl, "an IMA log replaying PCR 10 of a verified quote (%s)",
			b->ima_log.p == NULL ? "the evidence has none" : "no verified quote covers PCR 10");
		return 0;
	}
	if (poc_ima_parse(&e, b->ima_log.p, b->ima_log.len, &log) < 0) {
		poc_say(why, wl, "a readable IMA log (%s)", e.msg);
		return 0;
	}
	if (poc_ima_replay(&e, &log, q->alg, pcr, &pl) < 0 || CRYPTO_memcmp(pcr, q->v[10], pl) != 0)
		poc_say(why, wl, "an IMA log replaying PCR 10 of a verified quote (it does not)");
	else
		rv = ima_entries_ok(&v->s->p->ref[POC_REF_IMA], &log, why, wl, n);
	poc_ima_free(&log);
	return rv;
}

static void level4(struct lv *v, const struct kid *cmd_n, const struct kid *cmd_t)
{
	const struct poc_policy_reference *ref = &v->s->p->ref[POC_REF_VERITY];
	char why_n[200], why_t[200], why_i[200], what[128], hex[17];
	int ok_n = roothash_ok(ref, cmd_n, why_n, sizeof(why_n), hex), ok_t, ima = 0;
	size_t nima = 0;

	poc_say(what, sizeof(what), "AL4: dm-verity root hash 0x%s.. of the verified command line in reference.verity_roothash", hex);
	if (!ok_n && (ima = ima_ok(v, why_i, sizeof(why_i), &nima)) != 0)
		poc_say(what, sizeof(what), "AL4: IMA, %zu files of PCR 10 (vTPM) in reference.ima_allow", nima);
	else if (!ok_n && (v->s->b->ima_log.p != NULL || v->s->p->ref[POC_REF_IMA].present))
		poc_say(why_n + strlen(why_n), sizeof(why_n) - strlen(why_n), "; or %s", why_i);
	ok_n = ok_n || ima;
	ok_t = roothash_ok(ref, cmd_t, why_t, sizeof(why_t), hex);
	if (ok_t && ref->provenance != POC_REF_INDEPENDENT) {
		ok_t = 0;
		poc_say(why_t, sizeof(why_t), "reference.verity_roothash of CSP-independent provenance (\"provenance\": \"independent\")");
	}
	rung(v, 4, ok_n, ok_t, why_n, why_t, what,
	     ima ? "the provider's vTPM (PCR 10, IMA)" : "the provider's reference values (reference.verity_roothash)");
}

/* ---- $.assurance ---- */

static int check_assurance(struct poc_appraise_state *s)
{
	const struct poc_policy *p = s->p;
	const struct poc_levels *al = &s->out->al;

	if (p->has_min_nominal && al->nominal < p->min_nominal)
		return poc_deny(s->out, "$.assurance.min_nominal", POC_ERR_POLICY,
				"%s (nominal level AL%d, the policy needs AL%lld)", al->need_nominal, al->nominal,
				(long long)p->min_nominal);
	if (p->has_min_trustworthy && al->trustworthy < p->min_trustworthy)
		return poc_deny(s->out, "$.assurance.min_trustworthy", POC_ERR_POLICY,
				"%s (trustworthy level AL%d, the policy needs AL%lld)", al->need_trustworthy, al->trustworthy,
				(long long)p->min_trustworthy);
	return 0;
}

int poc_appraise_levels(struct poc_appraise_state *s)
{
	struct lv v;
	struct kid kt, kn;
	const struct kid *cmd_n, *cmd_t;

	memset(&v, 0, sizeof(v));
	memset(&s->out->al, 0, sizeof(s->out->al));
	v.s = s;
	v.al = &s->out->al;
	v.climb_n = v.climb_t = 1;
	load_ccel(&v);
	load_log(&v);
	level1(&v);
	level2(&v);
	level3(&v, &kt, &kn, &cmd_n, &cmd_t);
	level4(&v, cmd_n, cmd_t);
	poc_evlog_free(&v.ccel);
	poc_evlog_free(&v.log);
	return check_assurance(s);
}
