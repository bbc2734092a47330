/*
 * sim.h - the subcommands of the loopscope executable beyond run/check:
 * trace (trace_cmd.c), view and render (the SDL2 front end), bench.
 * Each takes the arguments after the command name (argv[0] is the
 * command) and returns the process exit status.
 */
#ifndef LOOPSCOPE_SIM_H
#define LOOPSCOPE_SIM_H

int sim_trace_main(int argc, char **argv);
/* view and render: see window.h. */

#endif /* LOOPSCOPE_SIM_H */
