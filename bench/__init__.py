"""relationkit's benchmarks: every figure a ratio against a named peer measured side by side
in the same run.

Run ``python -m bench`` from the repository root (quick sizes), ``python -m bench --full``
for the sizes the targets are set for, ``python -m bench --only B4`` for one benchmark;
``docs/performance.md`` explains the method, each benchmark and its peer, and records a run.
"""
