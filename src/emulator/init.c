/* SPDX-License-Identifier: MIT */
/*
 * init.c: `loopmsg_<struct>_init()` for the versioned structs of the emulator, so that a
 * binding initialises them without the C macros. Nothing else lives here.
 */
#include "loopmsg/emulator.h"

#include "init_int.h"

LOOPMSG__DEFINE_INIT(loopmsg_emulator_options, LOOPMSG_EMULATOR_OPTIONS_VERSION,
                     LOOPMSG_EMULATOR_OPTIONS_INIT)
LOOPMSG__DEFINE_INIT(loopmsg_emulator_answer, LOOPMSG_EMULATOR_ANSWER_VERSION,
                     LOOPMSG_EMULATOR_ANSWER_INIT)
LOOPMSG__DEFINE_INIT(loopmsg_emulator_faults, LOOPMSG_EMULATOR_FAULTS_VERSION,
                     LOOPMSG_EMULATOR_FAULTS_INIT)
