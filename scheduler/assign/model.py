"""The aggregated assignment model, built in named steps over a solver backend.

Internal API (used by scheduler.assign.solve and, later, rebalancing and staffing):

    model = AssignmentModel(data, backend, coefficients, candidates)
    model.add_variables()          # kept[m,t], received[m,t], unassigned[t], over/excess[m], peaks
    model.add_conservation()       # every bundle of a type is kept, received somewhere, or unassigned
    model.add_capacity()           # load <= capacity + over, cases <= max_cases + excess (hard if weight 0),
                                   # new cases <= the intake cap (hard), minutes <= the week's minutes + overtime
    model.add_peaks()              # peak[level] >= utilisation (whole %) of each manager; overall >= peak
    model.add_band(peaks, overall, tolerance_units)        # extra: stay near a known balance
    model.add_limit(["unassigned", "overload"], limit)       # extra: weighted terms <= limit
    model.minimize(TERM_NAMES)     # the objective: the named terms of scheduler/assign/terms.py

Each `term(name)` is a list of (variable, integer coefficient) plus a constant, in objective units
(`OBJECTIVE_SCALE` per unit of `score_plan`), so callers can add their own constraints over them
(a rebalance target on `peak`, hire variables for staffing) without touching this module.

The backend is CP-SAT (integer variables) or GLOP (the LP relaxation, for the bound): both see the
same rows, so the bound is of exactly the model we solve.

Variables (all integer counts of bundles of one item type t):
    kept[m, t]      in [0, held[m, t]]   only where m holds bundles of t and may still carry them
    received[m, t]  in [0, total[t]]     only for candidate receivers m of t
    unassigned[t]   in [0, total[t]]
    sum_m kept + sum_m received + unassigned = total[t]
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from ortools.linear_solver import pywraplp
from ortools.sat.python import cp_model

from models.policy import Weights
from scheduler.assign.data import UTILISATION_UNITS, AssignmentData, Counts, ItemType
from scheduler.assign.terms import TERM_NAMES

__all__ = [
    "OBJECTIVE_SCALE",
    "AssignmentModel",
    "Backend",
    "Coefficients",
    "Counts",
    "CpSatBackend",
    "GlopBackend",
    "Terms",
    "Var",
]

OBJECTIVE_SCALE = 10_000

Var = Any
Terms = list[tuple[Var, int]]


@dataclass(frozen=True)
class Coefficients:
    """Integer objective coefficients (objective units = OBJECTIVE_SCALE x score units).

    Weights are honoured to 0.01: unassigned and overload per hundredth of a point, balance per
    utilisation unit of peak utilisation (the weight is per percentage point), moves, region and preference
    per case,
    excess per case over max_cases (at the overload weight), overtime per minute (the weight is per hour).
    """

    unassigned: int
    overload: int
    excess: int
    balance: int
    moves: int
    region: int
    preference: int = 0
    overtime: int = 0

    @staticmethod
    def from_weights(weights: Weights) -> Coefficients:
        return Coefficients(
            unassigned=round(weights.unassigned * OBJECTIVE_SCALE / 100),
            overload=round(weights.overload * OBJECTIVE_SCALE / 100),
            excess=round(weights.overload * OBJECTIVE_SCALE),
            balance=round(weights.balance * OBJECTIVE_SCALE * 100 / UTILISATION_UNITS),
            moves=round(weights.moves * OBJECTIVE_SCALE),
            region=round(weights.region * OBJECTIVE_SCALE),
            preference=round(weights.preference * OBJECTIVE_SCALE),
            overtime=round(weights.overtime * OBJECTIVE_SCALE / 60),
        )

    def of(self, name: str) -> int:
        """The coefficient of the term `name` (one of `terms.TERM_NAMES`); 0: the term is left out."""
        if name not in TERM_NAMES:
            raise KeyError(name)
        value: int = getattr(self, name)
        return value


class Backend(Protocol):
    def var(self, lb: int, ub: int, name: str) -> Var: ...

    def constraint(self, terms: Terms, lb: int | None, ub: int | None, name: str) -> Any: ...

    def objective(self, terms: Terms, offset: int) -> None: ...


class CpSatBackend:
    def __init__(self) -> None:
        self.model = cp_model.CpModel()

    def var(self, lb: int, ub: int, name: str) -> Var:
        return self.model.new_int_var(lb, ub, name)

    def constraint(self, terms: Terms, lb: int | None, ub: int | None, name: str) -> Any:
        expression = cp_model.LinearExpr.weighted_sum([var for var, _ in terms], [coef for _, coef in terms])
        low = cp_model.INT_MIN if lb is None else lb
        high = cp_model.INT_MAX if ub is None else ub
        return self.model.add_linear_constraint(expression, low, high).with_name(name)

    def objective(self, terms: Terms, offset: int) -> None:
        expression = cp_model.LinearExpr.weighted_sum([var for var, _ in terms], [coef for _, coef in terms])
        self.model.minimize(expression + offset)


class GlopBackend:
    """The LP relaxation: the same rows with continuous variables."""

    def __init__(self) -> None:
        solver = pywraplp.Solver.CreateSolver("GLOP")
        if solver is None:  # pragma: no cover - GLOP ships with ortools
            raise RuntimeError("GLOP is not available in this OR-Tools build")
        # Dual simplex: 10x faster than primal here (many columns, few binding capacity rows).
        solver.SetSolverSpecificParametersAsString("use_dual_simplex: true")
        self.solver: pywraplp.Solver = solver
        self.rows: dict[str, Any] = {}

    def var(self, lb: int, ub: int, name: str) -> Var:
        return self.solver.NumVar(lb, ub, name)

    def constraint(self, terms: Terms, lb: int | None, ub: int | None, name: str) -> Any:
        infinity = self.solver.infinity()
        row = self.solver.Constraint(-infinity if lb is None else lb, infinity if ub is None else ub, name)
        for var, coef in terms:
            row.SetCoefficient(var, row.GetCoefficient(var) + coef)
        self.rows[name] = row
        return row

    def objective(self, terms: Terms, offset: int) -> None:
        objective = self.solver.Objective()
        objective.Clear()
        for var, coef in terms:
            objective.SetCoefficient(var, objective.GetCoefficient(var) + coef)
        objective.SetOffset(offset)
        objective.SetMinimization()


class AssignmentModel:
    def __init__(self, data: AssignmentData, backend: Backend, coefficients: Coefficients,
                 candidates: Mapping[int, Sequence[int]] | None = None) -> None:
        self.data = data
        self.backend = backend
        self.coefficients = coefficients
        # Receivers per type; None: every eligible receiver (the exact model).
        self.candidates = {item.index: tuple(item.receivers) for item in data.types} if candidates is None \
            else {index: tuple(managers) for index, managers in candidates.items()}
        self.kept: dict[tuple[int, int], Var] = {}
        self.received: dict[tuple[int, int], Var] = {}
        self.unassigned: dict[int, Var] = {}
        self.over: dict[int, Var] = {}
        self.excess: dict[int, Var] = {}
        self.overtime: dict[int, Var] = {}
        self.peak: dict[int, Var] = {}
        self.peak_all: Var | None = None
        self._by_manager: dict[int, list[tuple[Var, ItemType]]] = defaultdict(list)

    # --- variables ---------------------------------------------------------------------------

    def add_variables(self) -> None:
        for item in self.data.types:
            self.unassigned[item.index] = self.backend.var(0, item.total, f"u[{item.index}]")
            for manager in sorted(item.keepers):
                var = self.backend.var(0, item.held[manager], f"k[{manager},{item.index}]")
                self.kept[manager, item.index] = var
                self._by_manager[manager].append((var, item))
            for manager in self.candidates.get(item.index, ()):
                self.add_receiver(item, manager)

    def add_receiver(self, item: ItemType, manager: int) -> Var:
        """A received[m, t] column (also used by column generation in the LP bound)."""
        var = self.backend.var(0, item.total, f"r[{manager},{item.index}]")
        self.received[manager, item.index] = var
        self._by_manager[manager].append((var, item))
        return var

    # --- constraint groups ---------------------------------------------------------------------

    def add_conservation(self) -> None:
        columns: dict[int, Terms] = defaultdict(list)
        for (_, index), var in sorted(self.kept.items(), key=_key):
            columns[index].append((var, 1))
        for (_, index), var in sorted(self.received.items(), key=_key):
            columns[index].append((var, 1))
        for item in self.data.types:
            terms = [(self.unassigned[item.index], 1), *columns[item.index]]
            self.backend.constraint(terms, item.total, item.total, f"conserve[{item.index}]")

    def add_capacity(self) -> None:
        hard = self.coefficients.overload == 0
        big = _big(self.data)  # once: it sums over every item type (2,000 managers x 2,000 types at L)
        for manager in self.data.managers:
            column = self._by_manager.get(manager.index, [])
            load: Terms = [(var, item.points) for var, item in column]
            cases: Terms = [(var, item.cases) for var, item in column]
            room = manager.capacity - manager.fixed_load
            case_room = manager.max_cases - manager.fixed_cases
            if not hard:
                self.over[manager.index] = self.backend.var(0, big, f"over[{manager.index}]")
                self.excess[manager.index] = self.backend.var(0, big, f"excess[{manager.index}]")
                load.append((self.over[manager.index], -1))
                cases.append((self.excess[manager.index], -1))
            # Locked cases alone may already exceed capacity: never make the model infeasible.
            self.backend.constraint(load, None, max(room, 0), f"cap[{manager.index}]")
            self.backend.constraint(cases, None, max(case_room, 0), f"cases[{manager.index}]")
        self._add_intake_caps()
        self._add_minutes()

    def _add_intake_caps(self) -> None:
        """Hard: the cases new to a manager (bundles received, each case of a household counted) stay
        within their intake cap."""
        capped = {manager.index: manager.intake_cap for manager in self.data.managers if manager.intake_cap is not None}
        new: dict[int, Terms] = defaultdict(list)
        for (manager, index), var in sorted(self.received.items(), key=_key):
            if manager in capped:
                new[manager].append((var, self.data.types[index].new_at(manager)))
        for manager, cap in sorted(capped.items()):
            self.backend.constraint(new[manager], None, cap, f"intake[{manager}]")

    def _add_minutes(self) -> None:
        """The week's minutes hold the contacts and travel of the cases carried; what does not fit is
        overtime, penalised by its weight (a hard limit wherever some plan keeps within it)."""
        if not self.coefficients.overtime:
            return
        top = sum(max(item.minutes.values(), default=0) * item.total for item in self.data.types) + 1
        for manager in self.data.managers:
            column = self._by_manager.get(manager.index, [])
            minutes: Terms = [(var, item.minutes_at(manager.index)) for var, item in column
                              if item.minutes_at(manager.index)]
            # Negative when locked cases alone overfill the week: overtime then counts that part too,
            # exactly as `solve.evaluate` and the scorer do.
            room = manager.minutes - manager.fixed_minutes
            upper = top + max(0, -room)
            if manager.slots:
                # Contacts beyond the week's slots count as overtime at the week's minutes per slot.
                all_contacts = manager.fixed_contacts + sum(item.contacts * item.total for item in self.data.types)
                upper = max(upper, -(-all_contacts * manager.minutes // manager.slots))
            overtime = self.overtime[manager.index] = self.backend.var(0, upper, f"overtime[{manager.index}]")
            minutes.append((overtime, -1))
            self.backend.constraint(minutes, None, room, f"minutes[{manager.index}]")
            if manager.slots and manager.minutes:
                # slots x overtime >= minutes x (contacts - slots), i.e. overtime >= the contacts beyond the
                # slots at the week's minutes per slot (`ManagerData.overtime`).
                contacts: Terms = [(var, item.contacts * manager.minutes) for var, item in column if item.contacts]
                contacts.append((overtime, -manager.slots))
                self.backend.constraint(contacts, None, (manager.slots - manager.fixed_contacts) * manager.minutes,
                                        f"contacts[{manager.index}]")

    def add_peaks(self) -> None:
        """peak[level] >= ceil(UTILISATION_UNITS x load / capacity) of every manager of the level."""
        top = _big(self.data) * UTILISATION_UNITS
        for rank in self.data.levels:
            self.peak[rank] = self.backend.var(0, top, f"peak[{rank}]")
        self.peak_all = self.backend.var(0, top, "peak_all")
        for manager in self.data.managers:
            column = self._by_manager.get(manager.index, [])
            terms: Terms = [(var, UTILISATION_UNITS * item.points) for var, item in column]
            terms.append((self.peak[manager.level_rank], -manager.capacity))
            self.backend.constraint(terms, None, -UTILISATION_UNITS * manager.fixed_load, f"peak[{manager.index}]")
        for rank in self.data.levels:
            self.backend.constraint([(self.peak_all, 1), (self.peak[rank], -1)], 0, None, f"peak_all[{rank}]")

    # --- extra constraints (later stages and other engines) -----------------------------------

    def add_band(self, peaks: Mapping[int, int], overall: int, tolerance: int) -> None:
        """Every level's peak within `tolerance` utilisation units of `peaks`, the overall peak of `overall`."""
        for rank, value in sorted(peaks.items()):
            self.backend.constraint([(self.peak[rank], 1)], None, value + tolerance, f"band[{rank}]")
        self.backend.constraint([(self.peak_all, 1)], None, overall + tolerance, "band_all")

    def add_limit(self, names: Sequence[str], limit: int) -> None:
        terms, constant = self.weighted(names)
        self.backend.constraint(terms, None, limit - constant, "limit[" + ",".join(names) + "]")

    # --- objective ------------------------------------------------------------------------------

    def term(self, name: str) -> tuple[Terms, int]:
        """One named objective term (`terms.TERMS`): (variable, coefficient) pairs and a constant.

        A term whose coefficient is 0 is not added at all: no pairs, no constant."""
        if self.coefficients.of(name) == 0:
            return [], 0
        return self._term_builders()[name]()

    def _term_builders(self) -> dict[str, Callable[[], tuple[Terms, int]]]:
        """How each named term is written over the model's variables (keys: `terms.TERM_NAMES`)."""
        return {
            "unassigned": self._unassigned_term,
            "overload": self._overload_term,
            "balance": self._balance_term,
            "moves": self._moves_term,
            "region": self._region_term,
            "preference": self._preference_term,
            "overtime": self._overtime_term,
        }

    def weighted(self, names: Sequence[str]) -> tuple[Terms, int]:
        terms: Terms = []
        constant = 0
        for name in names:
            more, offset = self.term(name)
            terms.extend(more)
            constant += offset
        return terms, constant

    def minimize(self, names: Sequence[str]) -> None:
        terms, constant = self.weighted(names)
        self.backend.objective(terms, constant)

    def _unassigned_term(self) -> tuple[Terms, int]:
        coef = self.coefficients.unassigned
        return [(self.unassigned[item.index], coef * item.points) for item in self.data.types], 0

    def _overload_term(self) -> tuple[Terms, int]:
        terms = [(self.over[m], self.coefficients.overload) for m in sorted(self.over)]
        terms += [(self.excess[m], self.coefficients.excess) for m in sorted(self.excess)]
        return terms, 0

    def _overtime_term(self) -> tuple[Terms, int]:
        return [(self.overtime[m], self.coefficients.overtime) for m in sorted(self.overtime)], 0

    def _balance_term(self) -> tuple[Terms, int]:
        coef = self.coefficients.balance
        if self.peak_all is None:  # add_peaks was not called: there is nothing to weigh
            return [], 0
        return [*((self.peak[rank], coef) for rank in self.data.levels), (self.peak_all, coef)], 0

    def _moves_term(self) -> tuple[Terms, int]:
        coef = self.coefficients.moves
        # A held bundle sits wholly with its holder: leaving it moves all its cases.
        constant = coef * sum(item.cases * sum(item.held.values()) for item in self.data.types)
        types = self.data.types
        terms: Terms = [(var, -coef * types[index].cases)
                        for (_, index), var in sorted(self.kept.items(), key=_key)]
        for item in types:
            if item.split_moves is None:
                continue
            terms.append((self.unassigned[item.index], coef * item.current_cases))
            for manager in self.candidates.get(item.index, ()):
                if (manager, item.index) in self.received:
                    terms.append((self.received[manager, item.index], coef * item.moves_at(manager)))
        return terms, constant

    def _region_term(self) -> tuple[Terms, int]:
        return self._per_case_term(self.coefficients.region, self.data.region_mismatches), 0

    def _preference_term(self) -> tuple[Terms, int]:
        return self._per_case_term(self.coefficients.preference, self.data.preference_misses), 0

    def _per_case_term(self, coef: int, count: Callable[[ItemType, int], int]) -> Terms:
        """coef x count(type, manager) on every kept and received column (a term counted per case held)."""
        terms: Terms = []
        for (manager, index), var in [*sorted(self.kept.items(), key=_key), *sorted(self.received.items(), key=_key)]:
            found = count(self.data.types[index], manager)
            if found:
                terms.append((var, coef * found))
        return terms

    def column_cost(self, item: ItemType, manager: int) -> int:
        """Objective coefficient of received[manager, item] (for LP pricing)."""
        cost = self.coefficients.region * self.data.region_mismatches(item, manager)
        cost += self.coefficients.preference * self.data.preference_misses(item, manager)
        if item.split_moves is not None:
            cost += self.coefficients.moves * item.moves_at(manager)
        return cost

    # --- solutions -------------------------------------------------------------------------------

    def hint(self, counts: Counts) -> None:
        """Warm start (CP-SAT only): a complete solution in counts."""
        if not isinstance(self.backend, CpSatBackend):
            return
        model = self.backend.model
        for key in sorted(self.kept):
            model.add_hint(self.kept[key], counts.kept.get(key, 0))
        for key in sorted(self.received):
            model.add_hint(self.received[key], counts.received.get(key, 0))
        for index in sorted(self.unassigned):
            model.add_hint(self.unassigned[index], counts.unassigned.get(index, 0))
        load, cases = self.data.loads(counts)
        for manager in self.data.managers:
            if manager.index in self.over:
                model.add_hint(self.over[manager.index], max(0, load[manager.index] - manager.capacity))
                model.add_hint(self.excess[manager.index], max(0, cases[manager.index] - manager.max_cases))
        minutes, contacts = self.data.minute_loads(counts), self.data.contact_loads(counts)
        for manager in self.data.managers:
            if manager.index in self.overtime:
                model.add_hint(self.overtime[manager.index],
                               manager.overtime(minutes[manager.index], contacts[manager.index]))
        if self.peak_all is not None:
            peaks, overall = self.data.peaks(counts)
            for rank, var in sorted(self.peak.items()):
                model.add_hint(var, peaks[rank])
            model.add_hint(self.peak_all, overall)

    def counts(self, value: Any) -> Counts:
        """The solution as integer counts; `value(var)` reads one variable."""
        return Counts(
            kept={key: round(value(var)) for key, var in self.kept.items() if round(value(var))},
            received={key: round(value(var)) for key, var in self.received.items() if round(value(var))},
            unassigned={index: round(value(var)) for index, var in self.unassigned.items()
                        if round(value(var))},
        )


def _key(entry: tuple[tuple[int, int], Var]) -> tuple[int, int]:
    return entry[0]


def _big(data: AssignmentData) -> int:
    """An upper bound on any manager's load or case count (scaled points)."""
    return sum(item.points * item.total for item in data.types) + sum(m.fixed_load for m in data.managers) + 1
