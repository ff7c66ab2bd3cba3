/* SPDX-License-Identifier: Apache-2.0 */
#ifndef POCD_OWNER_CLI_H
#define POCD_OWNER_CLI_H

/* pocd owner OP ...: builds, signs and POSTs an owner request; argv[0] is "owner". An exit code. */
int pocd_owner_cli(int argc, char **argv);

#endif
