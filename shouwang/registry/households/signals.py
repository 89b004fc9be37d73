"""Change log of registry objects saved or deleted one at a time (forms, admin, shell); a member
or year deleted that way also clears its household's import digest (saves do in the models).

Bulk writes (``bulk_create``/``bulk_update``/raw inserts) send no signals: the importer
records its own changes with ``audit.snapshot``. The log is written right after the save in
the same database connection; callers that change data should do so inside
``transaction.atomic`` so a failed log write undoes the change as well.
"""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save, pre_save

from shouwang.core.audit import record_changes

from .audit import AUDITED_MODELS, change_log_suppressed, make_change, snapshot, snapshot_fields
from .models import HouseholdYear, Member, clear_import_digest

_BEFORE = "_change_log_before"


def _remember_before(sender, instance, raw=False, **kwargs) -> None:
    if raw or change_log_suppressed() or instance.pk is None:
        return
    names = [f.attname for f in snapshot_fields(sender)]
    # Only the logged columns: the encrypted ones are not even decrypted.
    old = sender._base_manager.filter(pk=instance.pk).only(*names).first()
    setattr(instance, _BEFORE, snapshot(old) if old is not None else None)


def _log_save(sender, instance, created, raw=False, **kwargs) -> None:
    if raw or change_log_suppressed():
        return
    after = snapshot(instance)
    before = instance.__dict__.pop(_BEFORE, None)
    if created:
        record_changes([make_change("create", instance, after=after)])
    elif before != after:
        record_changes([make_change("update", instance, before=before, after=after)])


def _log_delete(sender, instance, **kwargs) -> None:
    if change_log_suppressed():
        return
    record_changes([make_change("delete", instance, before=snapshot(instance))])


def _clear_import_digest(sender, instance, **kwargs) -> None:
    clear_import_digest(instance.household_id)


def connect() -> None:
    for model in AUDITED_MODELS:
        uid = f"registry-change-log-{model._meta.model_name}"
        pre_save.connect(_remember_before, sender=model, dispatch_uid=uid)
        post_save.connect(_log_save, sender=model, dispatch_uid=uid)
        post_delete.connect(_log_delete, sender=model, dispatch_uid=uid)
    for model in (Member, HouseholdYear):
        post_delete.connect(
            _clear_import_digest, sender=model, dispatch_uid=f"registry-import-digest-{model._meta.model_name}"
        )
