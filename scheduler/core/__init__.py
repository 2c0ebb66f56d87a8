"""Machinery every stage shares: the clock and time budget, solve options, CP-SAT/GLOP helpers,
eligibility, travel, and building a plan's loads and summaries from an assignment."""
