"""Incidents: declaration, mobilisation, allocation plans, dispatch orders, CAP/EDXL/HXL."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register this feature's pages, API, CLI commands and jobs."""
    from app.api import register_blueprint
    from app.incidents import (
        api,
        board_pages,
        cli,
        dispatches,
        log_api,
        log_pages,
        notices,
        pages,
        receipt_pages,  # noqa: F401 (its route joins pages.bp)
        solve_cli,
    )
    from app.incidents.interop import cap_api, edxl_api
    from app.resources import arrivals

    if app.config.get("STOCK_ISSUED_ON") not in dispatches.ISSUED_ON:
        raise ValueError(f"READYGRID_STOCK_ISSUED_ON must be one of {dispatches.ISSUED_ON}, "
                         f"not {app.config.get('STOCK_ISSUED_ON')!r}")
    app.register_blueprint(pages.bp)  # with the board's routes (board_pages.bp is it)
    assert board_pages.bp is pages.bp
    app.register_blueprint(log_pages.bp)
    register_blueprint(app, api.bp)
    register_blueprint(app, log_api.bp)
    register_blueprint(app, cap_api.bp)
    register_blueprint(app, edxl_api.bp)
    app.cli.add_command(cli.incidents_group)
    app.cli.add_command(solve_cli.solve_group)
    arrivals.register(notices.expected_at)  # the shelter page shows who is coming
