"""`readygrid import` and `readygrid export`: CSV files of the inventory."""
from __future__ import annotations

import sys
import time
from pathlib import Path

import click
from flask.cli import with_appcontext
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from app.cli.common import command_errors, err, out
from app.core import db
from app.exchange.kinds import KINDS


@click.command("import")
@click.argument("kind", type=click.Choice(list(KINDS)))
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--encoding", type=click.Choice(["utf-8", "utf-8-sig", "gb18030", "gbk"]),
              help="Force an encoding (default: detect UTF-8, else GB18030).")
@click.option("--dry-run", is_flag=True, help="Validate every row; write nothing.")
@click.option("--show-errors", is_flag=True, help="List every row error, not just the first.")
@with_appcontext
@command_errors
def import_cmd(kind: str, file: Path, encoding: str | None, dry_run: bool,
               show_errors: bool) -> None:
    """Import a CSV file: every row or none."""
    from app.exchange.services import import_csv

    with Progress(TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(),
                  console=err, transient=True) as bar:
        bar.add_task(f"Importing {kind} from {file.name}", total=None)
        started = time.perf_counter()
        result = import_csv(db.session(), kind, file.read_bytes(), encoding=encoding,
                            dry_run=dry_run)
    verb = "would import" if dry_run else "imported"
    out.print(f"{verb} {result.rows} {kind} rows ({result.created} created, {result.updated} "
              f"updated; {result.encoding}{', HXL row' if result.has_hxl else ''}) in "
              f"{time.perf_counter() - started:.1f} s")


@click.command("export")
@click.argument("kind", type=click.Choice(list(KINDS)))
@click.option("--out", "out_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to this file (default: standard output).")
@click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True)
@click.option("--no-hxl", is_flag=True, help="Leave out the HXL hashtag row.")
@with_appcontext
@command_errors
def export_cmd(kind: str, out_file: Path | None, lang: str, no_hxl: bool) -> None:
    """Export a kind as CSV with the import's columns."""
    from app.exchange.services import export_csv

    text = export_csv(db.session(), kind, lang=lang, hxl=not no_hxl)
    if out_file:
        out_file.write_text(text, encoding="utf-8-sig")
        err.print(f"wrote {text.count(chr(10)) - 1 - (0 if no_hxl else 1)} rows to {out_file}")
    else:
        sys.stdout.write(text)
