"""The scheduler's setup and its thin jobs; also the composition root that adds their commands to the app."""
from service import create_app as create_service_app


def create_app(config: dict | None = None):
    """The service app with the scheduler's commands (`flask scheduler`, `flask jobs`)."""
    from .cli import jobs, scheduler

    app = create_service_app(config)
    app.cli.add_command(scheduler)
    app.cli.add_command(jobs)
    return app
