"""Rolling a config with blocked time and appointments (export/apply.py, models/roll.py): they belong to the
week that ends, so next week's config has none of them, and everything else stays as written."""

from __future__ import annotations

from pathlib import Path

from export.apply import changed_files
from models.loader import load_config
from models.roll import roll_forward
from tests.conftest import DATA
from tests.models.test_check import plan_for

BLOCKS = """    blocked:   # court this week
      - {day: 2026-12-01, start: "09:00", end: "11:00", reason: court}
      - day: 2026-12-03
        start: "14:00"
        end: "15:00"
"""


def test_roll_takes_this_weeks_blocked_time_and_appointments_out(tmp_path: Path) -> None:
    text = (DATA / "tiny.yaml").read_text(encoding="utf-8")
    ana = ("  - {id: m-ana, name: Ana Ruiz, level: senior, region: north, languages: [en, es], "
           "skills: [investigations]}\n")
    call = "      - {mode: phone, minutes: 15, frequency: weekly}\n"
    assert ana in text and call in text
    text = text.replace(ana, "  - id: m-ana\n    name: Ana Ruiz\n    level: senior\n    region: north\n"
                             "    languages: [en, es]\n    skills: [investigations]\n" + BLOCKS)
    text = text.replace(call, call + '    appointments: [{contact: 0, day: 2026-12-02, start: "10:00"}]  # agreed\n')
    source = tmp_path / "org.yaml"
    source.write_text(text, encoding="utf-8")
    config = load_config(source)
    assert len(config.managers_by_id["m-ana"].blocked) == 2 and len(config.cases_by_id["K-2"].appointments) == 1
    chosen = {case.id: case.manager for case in config.cases}
    rolled = roll_forward(config, plan_for(config, chosen))
    assert rolled.changes.blocked_cleared == {"m-ana"} and rolled.changes.appointments_cleared == {"K-2"}
    output = tmp_path / "next.yaml"
    written = changed_files(source, rolled.changes, output)[output]
    assert "    blocked: []   # court this week\n" in written
    assert "    appointments: []  # agreed\n" in written
    assert "court\n" not in written.replace("# court this week", "")
    output.write_text(written, encoding="utf-8")
    following = load_config(output)
    assert following.managers_by_id["m-ana"].blocked == [] and following.cases_by_id["K-2"].appointments == []
