"""Independent oracles and Hypothesis strategies shared by the tests and the benchmarks."""
