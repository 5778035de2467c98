"""AES-GCM sealing of small byte strings, and key derivation from the master key.

The one place that touches the ``cryptography`` package: subject keys seal personal fields,
the master key seals (wraps) subject keys, and purpose-specific secrets are derived from it.
"""

from __future__ import annotations

import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEY_BYTES = 32
NONCE_BYTES = 12


class SealBroken(ValueError):
    """Sealed bytes do not open with this key and context (wrong key, or altered bytes)."""


def new_key() -> bytes:
    return os.urandom(KEY_BYTES)


class Sealer:
    """AES-256-GCM with a fresh random nonce per message, bound to a context (AAD)."""

    def __init__(self, key: bytes) -> None:
        if len(key) != KEY_BYTES:
            raise ValueError(f"an AES-256 key has {KEY_BYTES} bytes, got {len(key)}")
        self._aead = AESGCM(key)

    def seal(self, plaintext: bytes, context: bytes) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, plaintext, context)

    def open(self, sealed: bytes, context: bytes) -> bytes:
        try:
            return self._aead.decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], context)
        except (InvalidTag, ValueError):
            raise SealBroken("sealed data does not open with this key and context") from None


def derive_secret(master_key: bytes, purpose: str) -> bytes:
    """A secret for one purpose (email claims, the event chain), independent of the others."""
    return hmac.new(master_key, f"skillpath/{purpose}".encode(), hashlib.sha256).digest()
