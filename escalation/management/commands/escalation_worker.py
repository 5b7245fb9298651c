"""``python manage.py escalation_worker``: runs the paging policy until SIGTERM.

Run one per node (or several): row locks make every page go out once. All
state is in the database, so stopping and starting it loses nothing.
"""

from __future__ import annotations

import logging
import signal
import threading
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import DatabaseError, close_old_connections

from escalation import paging

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = (
        "Send due escalation pages (console, email, pager webhook) and watch that a "
        "supervisor console is connected; poll until stopped."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="Run one pass and exit.")
        parser.add_argument(
            "--poll",
            type=float,
            default=None,
            help="Seconds between passes (default: ESCALATION_WORKER_POLL_SECONDS).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        poll = options["poll"] or settings.ESCALATION_WORKER_POLL_SECONDS
        stop = threading.Event()
        if not options["once"]:
            for signum in (signal.SIGTERM, signal.SIGINT):
                signal.signal(signum, lambda *_: stop.set())
            logger.info("escalation worker started", extra={"poll_seconds": poll})
        while True:
            close_old_connections()
            try:
                done = paging.run_once()
            except DatabaseError:
                # The database went away (restart, failover): keep polling, nothing is lost.
                logger.exception("escalation worker pass failed")
            else:
                if done:
                    logger.info(
                        "escalation pages sent",
                        extra={"steps": done.steps, "delivered": done.pages, "alerts": done.alerts},
                    )
            if options["once"] or stop.wait(poll):
                break
        if not options["once"]:
            logger.info("escalation worker stopped")
