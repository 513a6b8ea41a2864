"""Password hashing (argon2id) and the rules a new password must meet."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn

from anfang.core.errors import DomainError

_HASHER = PasswordHasher()  # argon2id with the library's current recommended parameters
DUMMY_HASH = _HASHER.hash("timing-equaliser")
MIN_LENGTH = 10
MAX_LENGTH = 256
# NIST SP 800-63B §5.1.1.2: refuse passwords from lists of common and breached ones,
# repeated or sequential characters and context words. zxcvbn (MIT, Dropbox's estimator)
# carries those lists and patterns. Score 3 means at least 10^8 guesses: a name plus a
# year ("anfang@2026", 10^7) is refused.
MIN_SCORE = 3
_ZXCVBN_MAX = 72  # zxcvbn refuses longer input; what lies beyond only adds strength
# Chinese passwords at the top of every published leak (CSDN 2011, 12306 2014) that
# zxcvbn's English lists lack, and this product's own name.
LOCAL_WORDS = (
    "woaini", "5201314", "1314", "520", "iloveyou", "anfang", "anfang123", "zhangsan",
    "qq123456", "a123456", "aa123456", "admin123", "wodemima", "mima",
)  # fmt: skip


class WeakPassword(DomainError):
    """A new password that breaks the rules; the message says which."""

    status = 422


def check_new(password: str, username: str) -> None:
    """Raise :class:`WeakPassword` unless ``password`` may be set for ``username``:
    length, not the name, and not easy to guess (common, repeated, sequential)."""
    if len(password) < MIN_LENGTH:
        raise WeakPassword(f"password shorter than {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise WeakPassword(f"password longer than {MAX_LENGTH} characters")
    if password.strip().lower() == username.strip().lower():
        raise WeakPassword("password equal to the user name")
    if len(set(password)) < 4:
        raise WeakPassword("password of fewer than 4 different characters")
    result = zxcvbn(password[:_ZXCVBN_MAX], user_inputs=[username, *LOCAL_WORDS])
    if result["score"] < MIN_SCORE:
        why = result["feedback"].get("warning") or "it is a common pattern"
        raise WeakPassword(f"password too easy to guess: {why.rstrip('.')}")


def hash_new(password: str, username: str) -> str:
    """Check a new password (:func:`check_new`) and hash it: both cost CPU (zxcvbn up to
    ~20 ms, argon2id more), so callers run this off the event loop, in one thread hop."""
    check_new(password, username)
    return hash_password(password)


def hash_password(password: str) -> str:
    """An argon2id hash of ``password``."""
    return _HASHER.hash(password)


def verify(pw_hash: str, password: str) -> bool:
    """Whether ``password`` matches ``pw_hash`` (``False`` for a malformed hash)."""
    try:
        return _HASHER.verify(pw_hash, password)
    except (VerificationError, InvalidHashError):
        return False
