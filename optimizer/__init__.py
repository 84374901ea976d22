"""Pure planning and allocation models: dataclasses in, dataclasses out.

Nothing here imports Flask, SQLAlchemy or `app`, so it can be used from a notebook or another
program. `needs` turns people and planning norms into quantities.
"""
