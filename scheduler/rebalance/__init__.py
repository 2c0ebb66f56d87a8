"""Reassignment proposals: the fewest moves that bring every manager within capacity, and checking
a supervisor's accepted moves against the organisation before `apply` writes them."""

from scheduler.rebalance.apply import refused_moves
from scheduler.rebalance.solve import rebalance

__all__ = ["rebalance", "refused_moves"]
