"""Benchmark: draining the SMS outbox through the real twilio client into the fake Twilio server.

    .venv/bin/python -m bench.outbox [--messages 10000] [--rate 200]

Uses a fresh SQLite database. Reports messages per second next to a baseline of the same number of bare
HTTP POSTs made with the same client library (twilio's own HTTP client) to the same server in the same run,
and, with --rate, how close the drain held the configured send rate. The fake server runs in a process of its
own: in ours it would compete with the drain for the interpreter, as the real Twilio never does.
"""
import argparse
import multiprocessing
import os
import tempfile
import time
from datetime import datetime, timezone

from flask_migrate import upgrade
from twilio.http.http_client import TwilioHttpClient

from models import SmsMessage, db
from service import create_app
from service.context import sms_settings
from service.domain.outbox import SmsSettings, drain_outbox
from service.sms_gateway import build_gateway
from service.unit_of_work import transaction
from tests.fake_twilio import serve_elsewhere

ACCOUNT = "AC" + "0" * 32


def queue(count: int, now: datetime) -> None:
    db.session.execute(db.insert(SmsMessage), [
        {"direction": "outbound", "phone": f"+86138{i:08d}", "body": f"【送水确认】测试{i}", "purpose": "bench",
         "status": "queued", "idempotency_key": f"bench:{i}", "urgent": True, "attempts": 0, "next_attempt_at": now,
         "created_at": now, "updated_at": now, "handled": True} for i in range(count)])
    db.session.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=0, help="also drain with this send rate limit (per second)")
    args = parser.parse_args()
    os.environ.pop("TWILIO_REGION", None)
    context = multiprocessing.get_context("spawn")
    ready, stop = context.Queue(), context.Event()
    server = context.Process(target=serve_elsewhere, args=(ready, stop), daemon=True)
    server.start()
    fake_url = ready.get(timeout=30)
    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.db", "TWILIO_ACCOUNT_SID": ACCOUNT,
                          "TWILIO_AUTH_TOKEN": "bench", "TWILIO_FROM_NUMBER": "+15005550006",
                          "TWILIO_API_BASE_URL": fake_url})
        with app.app_context():
            upgrade()
            http = TwilioHttpClient()
            url = f"{fake_url}/2010-04-01/Accounts/{ACCOUNT}/Messages.json"
            start = time.perf_counter()
            for i in range(args.messages):
                http.request("POST", url, data={"To": f"+86138{i:08d}", "From": "+15005550006", "Body": "x"},
                             auth=(ACCOUNT, "bench"))
            baseline = time.perf_counter() - start

            now = datetime.now(timezone.utc)
            queue(args.messages, now)
            settings = sms_settings(app.config)
            start = time.perf_counter()
            totals = drain_outbox(transaction, build_gateway(app.config), settings, lambda: now)
            drained = time.perf_counter() - start
            print(f"messages: {args.messages}, in flight at most {settings.max_in_flight}, sent {totals['sent']}")
            print(f"baseline  bare POSTs, one client       {args.messages / baseline:8.0f} /s")
            print(f"drain_outbox through TwilioGateway      {args.messages / drained:8.0f} /s   "
                  f"{baseline / drained:.2f}x baseline speed")
            if args.rate:
                db.session.execute(db.delete(SmsMessage))
                db.session.commit()
                queue(args.messages, now)
                limited = SmsSettings(**{**settings.__dict__, "rate_per_second": args.rate})
                start = time.perf_counter()
                drain_outbox(transaction, build_gateway(app.config), limited, lambda: now)
                rate = args.messages / (time.perf_counter() - start)
                print(f"with a limit of {args.rate:.0f}/s                 {rate:8.1f} /s   "
                      f"{(rate / args.rate - 1) * 100:+.1f}% from the limit")
    stop.set()
    server.join(10)


if __name__ == "__main__":
    main()
