"""Drill domain: requirements, CP-SAT timetables and scheduler jobs (built by the drills issue)."""
