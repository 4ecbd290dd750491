"""The worker hosts' entry point: `BROKER_URL=redis://host:6379/0 dramatiq worker:broker` renders archive PDFs and runs
the scheduled jobs the scheduler sends (BROKER_JOBS); start it on as many hosts as the work needs
(docs/operations.md, "Worker hosts")."""
from schedules.runner import job_actor
from service import create_app
from service.tasks import task_queue

app = create_app()
queue = task_queue(app)
if queue is None:
    raise SystemExit("BROKER_URL is not set: worker hosts take their work from a Redis broker (redis://host:6379/0)")
job_actor(app, queue)
queue.renderer()  # a host without a Chinese font refuses to start (it would print boxes)
broker = queue.broker
