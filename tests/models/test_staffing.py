"""What `caseload staffing` answers (models/staffing.py): hire profiles and the counts by level and region."""

from __future__ import annotations

from datetime import date

from models.organisation import Config
from models.plan import Plan, PlanSummary
from models.staffing import HireCount, HireProfile, StaffingAnswer


def _profile(level: str, rank: int, region: str | None = None, extra_language: str | None = None) -> HireProfile:
    languages = ("en", extra_language) if extra_language else ("en",)
    return HireProfile(level_rank=rank, region=region, languages=languages, extra_language=extra_language,
                       level=level, skills=("investigations",))


def test_a_profile_names_its_hires_and_makes_a_full_time_manager() -> None:
    profile = _profile("senior", 1, "north", "es")
    assert profile.id_stem() == "hire-senior-north-es"
    assert _profile("junior", 0).id_stem() == "hire-junior"
    manager = profile.manager("hire-senior-north-es-1", 1)
    assert (manager.id, manager.name, manager.level, manager.fte, manager.region) == \
        ("hire-senior-north-es-1", "Hire senior 1", "senior", 1.0, "north")
    assert (manager.languages, manager.skills) == (["en", "es"], ["investigations"])


def test_profiles_sort_by_level_then_region_then_languages() -> None:
    profiles = [_profile("senior", 1, "north"), _profile("junior", 0, "south"), _profile("junior", 0, "north")]
    assert [profile.id_stem() for profile in sorted(profiles)] == \
        ["hire-junior-north", "hire-junior-south", "hire-senior-north"]


def test_hires_are_counted_by_level_in_policy_order_and_by_region(tiny_config: Config) -> None:
    hires = [HireCount(_profile("senior", 1, "north"), 2, ("h-1", "h-2")),
             HireCount(_profile("senior", 1, "south"), 1, ("h-3",)),
             HireCount(_profile("junior", 0, None), 1, ("h-4",))]
    summary = PlanSummary(managers=0, cases=0, assigned_cases=0, unassigned_cases=0, unassigned_points=0,
                          total_load=0, total_capacity=0, max_utilisation=0, overloaded_managers=0, overload_points=0,
                          moves=0, region_mismatches=0)
    plan = Plan(week_start=date(2026, 11, 30), summary=summary, managers=[], levels=[], assignments=[], moves=[],
                unassigned=[])
    answer = StaffingAnswer(target_utilisation=0.9, by_region=True, hires=hires, total_hires=4, hires_lower_bound=4,
                            config=tiny_config, plan=plan, unservable=[], locked_over_target=[], freed=[],
                            slack_status="optimal")
    assert list(answer.hires_by_level.items()) == [("junior", 1), ("senior", 3)]  # tiny.yaml: junior, senior
    assert answer.hires_by_region_and_level == {("", "junior"): 1, ("north", "senior"): 2, ("south", "senior"): 1}
