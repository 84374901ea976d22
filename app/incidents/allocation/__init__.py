"""Allocation plans: needs, the optimiser's problems and results, confirmation."""
