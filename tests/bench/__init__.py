"""The benchmark's own tests: its generator, and a tiny end-to-end run of each of its steps."""
