"""Outreach e-mail: compose each partner's message in their language, then send it once.

The stages mirror the build's: :mod:`.campaign` reads and checks a campaign file from
``content/campaigns/``, :mod:`.recipients` reads the recipients' CSV, :mod:`.compose` writes one
RFC 5322 message per recipient into an outbox folder, and :mod:`.send` delivers that folder over
SMTP, recording every accepted message in :mod:`.journal` so that a rerun sends only the rest.
Composing and sending are separate steps so that the messages can be opened in a mail client and
checked before anything leaves the office.
"""
