/* SPDX-License-Identifier: Apache-2.0 */
/* Shared by the sim commands (cmd_sim.c, cmd_sim_boot.c). */
#ifndef POC_TOOLS_SIM_BOOT_H
#define POC_TOOLS_SIM_BOOT_H

#include <stdint.h>

/* RTMR0-3 as the CCEL log at path replays them; 0, or -1 (said why). */
int poc_sim_ccel_rtmrs(const char *path, uint8_t rtmr[4][48]);

#endif
