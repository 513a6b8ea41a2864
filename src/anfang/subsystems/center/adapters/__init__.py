"""The monitoring centre's one wire protocol is outgoing: the linkage rules' webhook
(``webhook.py``, pure: body, HMAC signature, back-off; ``webhook_transport.py``: the
delivery with retries). What it handles arrives as events and alarms from the other
subsystems."""

TRANSPORTS = frozenset({"webhook_transport"})
