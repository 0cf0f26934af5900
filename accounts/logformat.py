"""A log formatter with UTC timestamps. Plain module: logging is configured before apps load."""

import logging
import time


class UTCFormatter(logging.Formatter):
    converter = time.gmtime

    def formatTime(self, record, datefmt=None):  # noqa: N802 - logging's own name
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", self.converter(record.created))
