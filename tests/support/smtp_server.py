"""A real SMTP server for the notification tests (aiosmtpd).

Usage: smtp_server.py PORT DIR [DELAY]
Accepts every message and writes it to DIR as NNNNN.eml (raw, as received) and
NNNNN.json (parsed the way a mail client reads it: decoded subject and body).
Refuses recipients whose address starts with "refuse" with 550. Prints "ready"
once listening and stops when its standard input closes (the test ended).
With DELAY, a message is written at once and acknowledged DELAY seconds later
(a slow server).
"""

import asyncio
import json
import os
import sys
from email import policy
from email.parser import BytesParser

from aiosmtpd.controller import Controller


class Handler:
    def __init__(self, out, delay):
        self.out = out
        self.delay = delay
        self.count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("refuse"):
            return "550 5.1.1 <%s>: mailbox unavailable" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        base = os.path.join(self.out, "%05d" % self.count)
        raw = envelope.original_content or envelope.content
        message = BytesParser(policy=policy.default).parsebytes(raw)
        parsed = {
            "envelope_to": envelope.rcpt_tos,
            "to": str(message["To"]),
            "from": str(message["From"]),
            "subject": str(message["Subject"]),
            "message_id": str(message["Message-ID"]),
            "content_type": str(message["Content-Type"]),
            "content_language": str(message["Content-Language"]),
            "date": str(message["Date"]),
            "body": message.get_content(),
        }
        with open(base + ".eml.tmp", "wb") as f:
            f.write(raw)
        with open(base + ".json.tmp", "w", encoding="utf-8") as f:
            json.dump(parsed, f, ensure_ascii=False)
        os.rename(base + ".eml.tmp", base + ".eml")
        os.rename(base + ".json.tmp", base + ".json")
        await asyncio.sleep(self.delay)
        return "250 Message accepted for delivery"


def main():
    port, out = int(sys.argv[1]), sys.argv[2]
    delay = float(sys.argv[3]) if len(sys.argv) > 3 else 0
    os.makedirs(out, exist_ok=True)
    controller = Controller(Handler(out, delay), hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", flush=True)
    sys.stdin.read()
    controller.stop()


if __name__ == "__main__":
    main()
