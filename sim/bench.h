/*
 * bench.h - `loopscope bench`: the runtime's microbenchmarks and the
 * window's figures (bench.c), and whole scenarios against CPython with the
 * cost of tracing (bench_scenarios.c, `loopscope bench --scenarios`).
 */
#ifndef LOOPSCOPE_SIM_BENCH_H
#define LOOPSCOPE_SIM_BENCH_H

/* Runs the benchmarks; argv[0] is "bench". With --scenarios among the
 * arguments, hands over to sim_bench_scenarios_main. Returns the exit
 * status: 0, or 2 on bad arguments. */
int sim_bench_main(int argc, char **argv);

/* `loopscope bench --scenarios [--quick] [--no-cpython] [--reps N]`:
 * times each scenario file of bench/scenarios under `loopscope run` and under CPython,
 * and a traced run, printing one line per figure and one per goal.
 * Returns 0, or 2 on bad arguments or when the files cannot be found. */
int sim_bench_scenarios_main(int argc, char **argv);

/* The source tree that holds bench/ and tests/: $LOOPSCOPE_HOME, else the
 * tree this binary was built from; NULL when neither is known. */
const char *sim_bench_home(void);

#endif /* LOOPSCOPE_SIM_BENCH_H */
