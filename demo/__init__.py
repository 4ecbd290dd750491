"""Demo data, out of the product's rooms: `flask seed-demo` (a `flask.commands` entry point, as the scheduler's
commands are) fills an empty database with a small set for trying the service or a county for measuring it."""
