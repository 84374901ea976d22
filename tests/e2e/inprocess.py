"""`readygrid ARGS` in this process (click's test runner), answering like subprocess.run.

For the long tables of bad inputs: starting Python and importing the app for each costs
3-4 s, and what they check (exit status, one line on stderr, stdout empty) is click's and
ours alike in both. Each command's contract is still also run as a real process."""
from __future__ import annotations

import contextlib
import subprocess
from pathlib import Path

from click.testing import CliRunner


def no_database(tmp_path: Path) -> dict[str, str]:
    """Settings whose database cannot be opened: the command must not need one."""
    return {"READYGRID_DATABASE_URL": f"sqlite:///{tmp_path / 'no-such-dir' / 'x.sqlite'}",
            "READYGRID_SECRET_KEY": "test"}


def readygrid(args: list[str], env: dict[str, str], cwd: Path
              ) -> subprocess.CompletedProcess[str]:
    from app.cli import command_line

    # FlaskGroup sets FLASK_RUN_FROM_CLI in os.environ: named here, the runner restores it
    env = {**env, "FLASK_RUN_FROM_CLI": ""}
    with contextlib.chdir(cwd):
        result = CliRunner().invoke(command_line(), args, env=env, prog_name="readygrid")
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return subprocess.CompletedProcess(["readygrid", *args], result.exit_code, result.stdout,
                                       result.stderr)
