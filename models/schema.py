"""The JSON Schema of the config file, for editors (YAML language servers) and validators."""

from __future__ import annotations

from typing import Any

from models.loader import CSV_COLUMNS
from models.organisation import Config

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"

def config_json_schema() -> dict[str, Any]:
    """The config's JSON Schema; managers, clients and cases may also name a CSV file."""
    schema = Config.model_json_schema(mode="validation")
    properties = schema["properties"]
    for key, columns in CSV_COLUMNS.items():
        inline = properties[key]
        properties[key] = {
            "title": inline.get("title", key.title()),
            "description": f"A list of {key}, or the path of a CSV file relative to this YAML file, "
                           f"e.g. {key}.csv with the columns {', '.join(columns)}.",
            "anyOf": [
                {key_: value for key_, value in inline.items() if key_ not in ("title", "default")},
                {"type": "string", "pattern": r"\.csv$", "description": f"CSV file of {key}."},
            ],
        }
    return {
        "$schema": SCHEMA_DIALECT,
        "title": "caseload configuration",
        "description": "One organisation and its planning week: policy (levels, complexities, case types, "
                       "weights, scheduling rules), managers, clients and cases. See `caseload --help`.",
        **{key: value for key, value in schema.items() if key not in ("title", "description")},
    }
