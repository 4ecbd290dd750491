"""The scheduler's setup and its thin jobs. Its commands (`flask scheduler`, `flask jobs`) reach the app
through the `flask.commands` entry points in pyproject.toml: the service itself knows nothing of them."""
