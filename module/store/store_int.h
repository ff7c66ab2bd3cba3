/* SPDX-License-Identifier: Apache-2.0 */
/* Inside the store (store.h): the open token folder, shared by store.c and store_names.c. */
#ifndef POC_STORE_INT_H
#define POC_STORE_INT_H

#include "store/store.h"

struct poc_store {
	char *dir;   /* root/<label> */
	char label[POC_TOKEN_LABEL_MAX + 1];
	int dirfd;
};

#endif
