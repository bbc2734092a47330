/*
 * bench.h - `loopscope bench`: the runtime's microbenchmarks (bench.c).
 */
#ifndef LOOPSCOPE_SIM_BENCH_H
#define LOOPSCOPE_SIM_BENCH_H

/* Runs the benchmarks; argv[0] is "bench". Returns the exit status. */
int sim_bench_main(int argc, char **argv);

#endif /* LOOPSCOPE_SIM_BENCH_H */
