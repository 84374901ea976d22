"""Benchmarks: each `python -m bench.X` prints its figures and exits 1 if a floor is missed."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any


def verdict(console: Any, failures: list[str]) -> int:
    """Print each missed floor (or that every floor is met); the exit status."""
    for f in failures:
        console.print(f"[red]floor missed:[/red] {f}", highlight=False)
    if not failures:
        console.print("[green]every floor met[/green]")
    return 1 if failures else 0


def seeded_main(doc: str, run: Callable[[int], int]) -> None:
    """`python -m bench.X [--seed N]`: run the benchmark, exit with its status."""
    import argparse
    import sys

    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    sys.exit(run(parser.parse_args().seed))
