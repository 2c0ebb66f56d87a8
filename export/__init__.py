"""Writers: plain functions from plan objects to files (JSON, CSV, iCalendar, HTML)."""
