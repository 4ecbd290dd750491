"""`flask scheduler` and `flask jobs list|run NAME`."""
import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from models import db

from .jobs import JOBS
from .runner import execute, run_scheduler


@click.command("scheduler")
@with_appcontext
def scheduler():
    """Run the scheduler process (one is active at a time; others wait as standby)."""
    sys.exit(run_scheduler(current_app._get_current_object()))


@click.group(help="Scheduled jobs: list them, or run one now.")
def jobs():
    pass


@jobs.command("list")
@with_appcontext
def list_jobs():
    """The jobs the scheduler runs, with their local time."""
    for name, job in JOBS.items():
        trigger = job.trigger(current_app.config)
        click.echo(f"{name}\t{trigger}\t{job.description}")


@jobs.command("run")
@click.argument("name")
@with_appcontext
def run_now(name):
    """Run job NAME once, now (recorded like a scheduled run)."""
    if name not in JOBS:
        click.echo(f"error: unknown job {name}; known: {', '.join(JOBS)}", err=True)
        sys.exit(2)
    try:
        result = execute(db.session, name, current_app.config)
    except RuntimeError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    click.echo(f"{name}: {result}")
