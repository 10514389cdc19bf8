"""Benchmark harness: the gateway against a floor of the same SQL sent directly with asyncpg.

``python -m bench.run`` (``make bench``) seeds embedded databases under ``.bench/`` once, serves
the gateway in a subprocess, and writes ``bench/results/latest.json``.
"""
