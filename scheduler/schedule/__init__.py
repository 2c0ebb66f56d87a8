"""Weekly contact schedules: a start for every due contact of every assigned case."""

from scheduler.schedule.solve import schedule_contacts

__all__ = ["schedule_contacts"]
