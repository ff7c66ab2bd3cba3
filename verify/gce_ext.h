/* SPDX-License-Identifier: Apache-2.0 */
/*
 * GCE instance information: X.509 extension OID 1.3.6.1.4.1.11129.2.1.21 in
 * Google EK/AK certificates.
 *
 *   SEQUENCE { zone UTF8String, projectNumber INTEGER, projectId UTF8String,
 *              instanceId INTEGER, instanceName UTF8String,
 *              [0] EXPLICIT SEQUENCE { [0] EXPLICIT securityVersion INTEGER OPTIONAL,
 *                                      [1] EXPLICIT isProduction BOOLEAN OPTIONAL,
 *                                      [2]..[5] EXPLICIT BOOLEAN OPTIONAL } OPTIONAL }
 *
 * Real certificates carry all of [0]..[5]; [2]..[5] are undocumented flags,
 * reported raw in other_flags.
 */
#ifndef POC_GCE_EXT_H
#define POC_GCE_EXT_H

#include <stdint.h>

#include <openssl/x509.h>

#include "verr.h"

#define POC_GCE_OID "1.3.6.1.4.1.11129.2.1.21"

struct poc_gce_info {
	int present;
	char zone[128];
	uint64_t project_number;
	char project_id[128];
	uint64_t instance_id;
	char instance_name[256];
	int has_security;
	int64_t security_version;
	int is_production;
	/* Undocumented BOOLEANs [2]..[5] of the security block: bit i-2 set = present / true. */
	unsigned other_flags_present;
	unsigned other_flags;
};

/* Absent extension: returns 0 with present = 0. Malformed: POC_ERR_MALFORMED. */
int poc_gce_info_get(struct poc_err *e, X509 *cert, struct poc_gce_info *out);

#endif
