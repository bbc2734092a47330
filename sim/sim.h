/*
 * sim.h - the subcommands of the loopscope executable beyond run/check:
 * trace (trace_cmd.c), view and render (the SDL2 front end), bench.
 * Each takes the arguments after the command name (argv[0] is the
 * command) and returns the process exit status.
 */
#ifndef LOOPSCOPE_SIM_H
#define LOOPSCOPE_SIM_H

int sim_trace_main(int argc, char **argv);
int sim_view_main(int argc, char **argv);
int sim_render_main(int argc, char **argv);

#endif /* LOOPSCOPE_SIM_H */
