"""A real SMTP server for the tests (aiosmtpd): saves each message it receives as DIR/N.eml and
each attachment, decoded, as DIR/N/<filename>. Prints READY once it accepts connections and
runs until its standard input closes.

Usage: python3 tests/smtp_sink.py PORT DIR
"""
import email
import email.policy
import itertools
import pathlib
import sys

from aiosmtpd.controller import Controller


class Save:
    def __init__(self, folder):
        self.folder = folder
        self.numbers = itertools.count(1)

    async def handle_DATA(self, server, session, envelope):
        n = next(self.numbers)
        raw = envelope.original_content or envelope.content
        message = email.message_from_bytes(raw, policy=email.policy.default)
        parts = self.folder / str(n)
        parts.mkdir()
        for part in message.iter_attachments():
            (parts / pathlib.Path(part.get_filename()).name).write_bytes(part.get_content().encode("utf-8")
                if isinstance(part.get_content(), str) else part.get_content())
        (parts / "rcpt.txt").write_text("\n".join(envelope.rcpt_tos))
        # Written last and renamed, so a reader never sees half a message.
        tmp = self.folder / f"{n}.tmp"
        tmp.write_bytes(raw)
        tmp.rename(self.folder / f"{n}.eml")
        return "250 Message accepted"


def main():
    port, folder = int(sys.argv[1]), pathlib.Path(sys.argv[2])
    folder.mkdir(parents=True, exist_ok=True)
    controller = Controller(Save(folder), hostname="127.0.0.1", port=port)
    controller.start()
    print("READY", flush=True)
    try:
        sys.stdin.read()
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
