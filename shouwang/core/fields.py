"""Model fields for personal data that must never reach the database in the clear."""

from __future__ import annotations

from django.core.exceptions import FieldError
from django.db import models

from . import crypto


class EncryptedTextField(models.TextField):
    """Stores AES-GCM ciphertext; Python sees plaintext.

    Encryption is randomised, so equal values give different ciphertexts and lookups on this
    column can never match: filtering by it is refused. Match through a blind-index column.
    """

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return crypto.encrypt(value) if value else value

    def from_db_value(self, value, expression, connection):
        return crypto.decrypt(value) if value else value

    def get_lookup(self, lookup_name):
        if lookup_name == "isnull":
            return super().get_lookup(lookup_name)
        raise FieldError(f"Encrypted field {self.name!r} cannot be filtered with {lookup_name!r}; use its blind index.")
