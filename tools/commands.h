/* SPDX-License-Identifier: Apache-2.0 */
#ifndef POC_COMMANDS_H
#define POC_COMMANDS_H
/* Each subcommand: argv[0] is its last word, argv[1..] its arguments. */
#define POC_CMD(name, summary, fn) int fn(int argc, char **argv);
#include "commands.def"
#undef POC_CMD
#endif
