"""Field encryption, blind index, masking, and the key file."""

from __future__ import annotations

import base64
import functools
import hmac
from datetime import date
from io import StringIO

import pytest
from django.core.exceptions import FieldError
from django.core.management import call_command
from django.db import connection

from conftest import VILLAGE_A1
from shouwang.core import crypto
from shouwang.core.crypto import DecryptionError, blind_index, decrypt, encrypt, mask_phone
from shouwang.core.idnumbers import mask_id_number, parse_id_number
from shouwang.registry.demo.synthetic import make_id_number
from shouwang.registry.models import Member
from shouwang.registry.tests.factories import make_household

ID = make_id_number("433122", date(1985, 6, 15), 123)


@pytest.fixture(autouse=True)
def fresh_keys():
    crypto.reset_keys()
    yield
    crypto.reset_keys()


def test_round_trip_and_random_nonce():
    token = encrypt(ID)
    assert token.startswith("g1:") and ID not in token
    assert decrypt(token) == ID
    assert encrypt(ID) != token  # randomised: equal values never give equal ciphertexts
    assert encrypt("") == "" and encrypt(None) is None and decrypt("") == ""


def test_tampered_ciphertext_fails_authentication():
    prefix, body = encrypt(ID).split(":", 1)
    blob = bytearray(base64.b64decode(body))
    blob[-1] ^= 0x01
    with pytest.raises(DecryptionError):
        decrypt(f"{prefix}:{base64.b64encode(bytes(blob)).decode()}")
    with pytest.raises(DecryptionError):
        decrypt("zz:" + body)
    with pytest.raises(DecryptionError):
        decrypt("g1:not base64!")


def test_associated_data_binds_the_value_to_its_place():
    token = encrypt(ID, aad="member:1")
    assert decrypt(token, aad="member:1") == ID
    with pytest.raises(DecryptionError):
        decrypt(token, aad="member:2")


def test_blind_index_equal_for_equal_normalised_numbers():
    lower = ID[:-1] + ID[-1].lower()
    full_width = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in ID)
    variants = {parse_id_number(v).number for v in (ID, lower, f" {ID} ", full_width)}
    assert variants == {ID.upper()}
    assert blind_index(parse_id_number(full_width).number) == blind_index(ID.upper())
    other = make_id_number("433122", date(1985, 6, 15), 125)
    assert blind_index(other) != blind_index(ID)
    assert blind_index(ID, purpose="phone") != blind_index(ID)


def test_the_bulk_indexer_gives_the_same_index_for_every_purpose_and_key_length(monkeypatch):
    values = [ID, ID.lower(), "", "13812345678", "汉字 and text", "x" * 200]
    for purpose in ("id", "phone", "client"):
        index = crypto.blind_indexer(purpose)
        assert [index(v) for v in values] == [blind_index(v, purpose=purpose) for v in values]
        assert len({index(v) for v in values}) == len(values)
    for key in (b"k", b"k" * 64, b"k" * 65, b"k" * 200):  # shorter, as long as and longer than a SHA-256 block
        monkeypatch.setattr(crypto, "_index_key", functools.lru_cache(lambda key=key: key))  # as the real one
        expected = [hmac.digest(key, f"id:{v}".encode(), "sha256").hex() for v in values]
        assert [crypto.blind_indexer()(v) for v in values] == expected == [blind_index(v) for v in values]


def test_different_key_gives_different_index_and_cannot_decrypt(settings):
    index, token = blind_index(ID), encrypt(ID)
    settings.SHOUWANG_DATA_KEY = base64.b64encode(b"k" * 32).decode()
    crypto.reset_keys()
    assert blind_index(ID) != index
    with pytest.raises(DecryptionError):
        decrypt(token)


def test_encrypted_field_refuses_lookups_but_allows_isnull(regions):
    with pytest.raises(FieldError, match="blind index"):
        list(Member.objects.filter(id_number=ID))
    with pytest.raises(FieldError):
        list(Member.objects.filter(phone__startswith="138"))
    assert Member.objects.filter(id_number__isnull=True).count() == 0


def test_database_holds_ciphertext_and_model_reads_plaintext(regions):
    household = make_household(VILLAGE_A1, members=1)
    member = household.members.get()
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number, phone, id_masked, phone_masked FROM registry_member")
        raw_id, raw_phone, id_masked, phone_masked = cursor.fetchone()
    assert raw_id.startswith("g1:") and member.id_number not in raw_id
    assert raw_phone.startswith("g1:") and member.phone not in raw_phone
    assert decrypt(raw_id) == member.id_number and decrypt(raw_phone) == member.phone
    assert Member.objects.get(id_index=blind_index(member.id_number)) == member
    assert (id_masked, phone_masked) == (mask_id_number(member.id_number), mask_phone(member.phone))


def test_masking():
    assert mask_id_number("43312219850615123X") == "433122********123X"
    assert mask_id_number("1234") == "****"
    assert mask_id_number("433122850615123") == "***********5123"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("0743-4221234") == "********1234"
    assert mask_phone("") == ""


def test_init_keys_creates_the_file_once_and_never_overwrites(tmp_path, settings):
    path = tmp_path / "keys" / "data.key"
    settings.SHOUWANG_DATA_KEY_FILE = path
    out = StringIO()
    call_command("init_keys", stdout=out)
    assert str(path) in out.getvalue() and path.exists()
    key = path.read_text()
    assert len(base64.b64decode(key.strip())) == 32
    assert path.stat().st_mode & 0o077 == 0
    out = StringIO()
    call_command("init_keys", stdout=out)
    assert path.read_text() == key
    assert "unchanged" in out.getvalue()
