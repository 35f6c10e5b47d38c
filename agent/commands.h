/* SPDX-License-Identifier: MIT */
/* The subcommands of v6mig-agent: each returns the process exit code. */
#ifndef V6MIG_COMMANDS_H
#define V6MIG_COMMANDS_H

int cmd_calc(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_plan(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_probe(int argc, char **argv);
int cmd_cache(int argc, char **argv);
int cmd_apply(int argc, char **argv);
int cmd_down(int argc, char **argv);
int cmd_xlat(int argc, char **argv);

#endif
