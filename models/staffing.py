"""What `caseload staffing` answers: the fewest hires per level (and region) that serve every case
within a target utilisation, with the plan that proves it."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from models.organisation import Config, Manager
from models.plan import Plan


@dataclass(frozen=True, order=True)
class HireProfile:
    """What a hire looks like: level, region (with --by-region) and languages/skills."""

    level_rank: int
    region: str | None
    languages: tuple[str, ...]
    extra_language: str | None
    level: str = field(compare=False)
    skills: tuple[str, ...] = field(compare=False)

    def id_stem(self) -> str:
        parts = ["hire", self.level, *([self.region] if self.region else []),
                 *([self.extra_language] if self.extra_language else [])]
        return "-".join(parts)

    def manager(self, manager_id: str, number: int) -> Manager:
        return Manager(id=manager_id, name=f"Hire {self.level} {number}", level=self.level, fte=1.0,
                       region=self.region, languages=list(self.languages), skills=list(self.skills))


@dataclass(frozen=True)
class HireCount:
    profile: HireProfile
    count: int
    manager_ids: tuple[str, ...]


@dataclass(frozen=True)
class StaffingAnswer:
    target_utilisation: float
    by_region: bool
    hires: list[HireCount]
    total_hires: int
    hires_lower_bound: int | None  # fewest hires any plan needs (from the pool relaxation)
    config: Config  # the organisation with the hires added
    plan: Plan  # proof: every servable case assigned within U
    unservable: list[str]  # case ids no hire could carry within U
    locked_over_target: list[str]  # managers over U from locked cases alone
    freed: list[str]  # current managers whose cases the others can absorb within U
    slack_status: str

    @property
    def hires_by_level(self) -> dict[str, int]:
        counts: Counter[str] = Counter()
        for hire in self.hires:
            counts[hire.profile.level] += hire.count
        levels = [level.name for level in self.config.policy.levels]
        return {level: counts[level] for level in levels}

    @property
    def hires_by_region_and_level(self) -> dict[tuple[str, str], int]:
        counts: Counter[tuple[str, str]] = Counter()
        for hire in self.hires:
            counts[hire.profile.region or "", hire.profile.level] += hire.count
        return dict(sorted(counts.items()))
