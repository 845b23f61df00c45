//! Workload generator (in progress).
