"""The cross-province key of a person (DOMAIN §6).

Only the holding province keeps a full ID number; everywhere else a person is known by
``HMAC-SHA256(regional secret, id_type + ":" + normalised id_number)`` in lowercase hex.
"""

from __future__ import annotations

import hashlib
import hmac


def person_key(secret: bytes, id_type: str, normalised_id_number: str) -> str:
    """The person_key of an ID whose number was already normalised by ``normalise_id_number``."""
    message = f"{id_type}:{normalised_id_number}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()
