"""What a clean registry import of a set of files left behind, so that the same bytes imported again
are known unchanged without reading a sheet (:meth:`.importer.RegistryImport._known_unchanged`)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportFingerprint(models.Model):
    """One per import batch (the SHA-256 of its files): the households the files hold, the state
    their import digests were left in, the reference lists the digests were taken against, and the
    report's counts. Valid while every one of those households still holds that digest (any other
    write of a household, its members or years clears it) and the lists are the same."""

    batch = models.CharField(_("import batch"), max_length=64, unique=True)
    reference = models.CharField(_("reference lists digest"), max_length=64)
    household_ids = models.BinaryField(_("households (compressed ids)"))
    state = models.CharField(_("digest of the households' import digests"), max_length=64)
    counts = models.JSONField(_("counts"), default=dict)
    recorded_at = models.DateTimeField(_("recorded at"), auto_now=True)

    class Meta:
        verbose_name = _("import fingerprint")
        verbose_name_plural = _("import fingerprints")

    def __str__(self) -> str:
        return self.batch
