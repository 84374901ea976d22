"""The stable address of the one-off reminders already stored in the scheduler's table.

`readygrid jobs remind` stores its jobs as `app.jobs:send_reminder`; this name must keep
resolving for reminders written before the jobs moved into their features. The recurring
jobs are re-registered under their own modules at every scheduler start (same ids).
"""
from app.notifications.jobs import send_reminder

__all__ = ["send_reminder"]
