"""relationkit's benchmarks, each measured against a peer in the same run.

Run ``python -m bench`` from the repository root (``--full`` for the sizes the targets are
set for); ``docs/performance.md`` explains each benchmark and records results.
"""
