"""Reassignment proposals: the fewest moves that bring every manager within capacity."""

from scheduler.rebalance.solve import rebalance

__all__ = ["rebalance"]
