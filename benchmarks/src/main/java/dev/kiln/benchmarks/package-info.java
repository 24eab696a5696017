/** Side-by-side benchmarks of Kiln: accept throughput, end-to-end overhead, scale signal, render, Redis, advisor. */
@NullMarked
package dev.kiln.benchmarks;

import org.jspecify.annotations.NullMarked;
