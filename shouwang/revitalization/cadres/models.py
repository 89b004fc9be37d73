"""The cadre and talent register (干部人才台账): first secretaries and work teams sent to villages,
assistance contacts, village officials and reserve cadres, local talent, their days in the village
and their trainings.

Personal data follows DESIGN.md §5 as the registry's ``Member`` does: ID and phone numbers are
stored encrypted beside an HMAC blind index (exact match on the ID) and masked copies (display);
the clear values are shown only to a user with the unmask grant who types a reason (logged).
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shouwang.core import crypto
from shouwang.core.fields import EncryptedTextField
from shouwang.core.idnumbers import IdNumber, mask_id_number
from shouwang.core.models import RegionScopedModel, RegionScopedQuerySet, TimeStampedModel


class CadreKind(models.TextChoices):
    FIRST_SECRETARY = "first_secretary", _("First secretary")  # 驻村第一书记
    TEAM_MEMBER = "team_member", _("Work-team member")  # 驻村工作队员
    CONTACT = "contact", _("Assistance contact")  # 帮扶责任人 / 监测联系人
    VILLAGE_OFFICIAL = "village_official", _("Village official")  # 村干部
    RESERVE = "reserve", _("Reserve cadre")  # 村级后备干部
    TALENT = "talent", _("Local talent")  # 乡土人才

    @classmethod
    def resident(cls) -> tuple[str, ...]:
        """The kinds sent to live in the village, whose days there are recorded (驻村)."""
        return (cls.FIRST_SECRETARY, cls.TEAM_MEMBER)


class TalentType(models.TextChoices):
    RETURNEE = "returnee", _("Returning entrepreneur")  # 返乡创业人员
    GRADUATE = "graduate", _("College graduate")  # 高校毕业生
    VETERAN = "veteran", _("Veteran")  # 退役军人
    RETIREE = "retiree", _("Retiree")  # 退休人员
    INSTRUCTOR = "instructor", _("Industry instructor")  # 产业指导员
    BUSINESS_LEADER = "business_leader", _("Business leader")  # 致富带头人


class Sex(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


class CadreSettings(TimeStampedModel):
    """The county's limits for the register's checks (the longest stored prefix wins; "" everywhere).

    ``max_households_per_contact``: no assistance contact holds more monitored households (open
    cases) than this. ``min_days_per_year``: the days a first secretary spends in the village per
    year; a term that covers only part of a year, or a year not yet over, owes the same share of it
    (see ``services.attendance_shortfalls``).
    """

    region_code = models.CharField(_("region code prefix"), max_length=15, blank=True, unique=True)
    max_households_per_contact = models.PositiveSmallIntegerField(
        _("most households one contact holds"), default=5)
    min_days_per_year = models.PositiveSmallIntegerField(_("least days in the village per year"), default=220)

    region_field = "region_code"

    class Meta:
        ordering = ["region_code"]
        verbose_name = _("cadre register settings")
        verbose_name_plural = _("cadre register settings")

    def __str__(self) -> str:
        return self.region_code or "*"

    @classmethod
    def for_region(cls, region_code: str) -> CadreSettings:
        """The settings of the longest stored prefix of ``region_code``; defaults when none is stored."""
        prefixes = [region_code[:n] for n in range(len(region_code), -1, -1)]
        found = {s.region_code: s for s in cls.objects.filter(region_code__in=prefixes)}
        for prefix in prefixes:
            if prefix in found:
                return found[prefix]
        return cls(region_code="")


class CadreQuerySet(RegionScopedQuerySet):
    def in_term(self, on: date) -> CadreQuerySet:
        """Those whose term covers ``on`` (an open start or end counts as covering)."""
        return self.filter(Q(term_start__isnull=True) | Q(term_start__lte=on),
                           Q(term_end__isnull=True) | Q(term_end__gte=on))


class Cadre(RegionScopedModel):
    """One person in the register; ``region_code`` is the village (or township) they serve.

    ``unit`` is the dispatching unit of a first secretary or team member (派出单位), the work unit
    of anyone else. ``import_batch``/``import_row`` keep where an imported row came from.
    """

    kind = models.CharField(_("kind"), max_length=20, choices=CadreKind.choices, db_index=True)
    name = models.CharField(_("name"), max_length=60)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices, blank=True)
    birth_year = models.PositiveSmallIntegerField(_("birth year"), null=True, blank=True)
    id_number = EncryptedTextField(_("ID number"), blank=True)
    id_index = models.CharField(_("ID blind index"), max_length=64, blank=True, db_index=True, editable=False)
    id_masked = models.CharField(_("ID number (masked)"), max_length=24, blank=True, editable=False)
    phone = EncryptedTextField(_("phone"), blank=True)
    phone_masked = models.CharField(_("phone (masked)"), max_length=20, blank=True, editable=False)
    unit = models.CharField(_("dispatching or work unit"), max_length=200, blank=True)
    position = models.CharField(_("position"), max_length=100, blank=True)
    talent_type = models.CharField(_("talent type"), max_length=20, choices=TalentType.choices, blank=True)
    term_start = models.DateField(_("term starts"), null=True, blank=True)
    term_end = models.DateField(_("term ends"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    import_batch = models.CharField(_("import batch"), max_length=64, blank=True, editable=False)
    import_row = models.PositiveIntegerField(_("import row"), null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("created by"),
    )

    objects = CadreQuerySet.as_manager()

    class Meta:
        ordering = ["region_code", "kind", "name", "id"]
        verbose_name = _("cadre or talent")
        verbose_name_plural = _("cadres and talent")
        indexes = [models.Index(fields=["region_code", "kind"], name="cadre_region_kind")]

    def __str__(self) -> str:
        return self.name

    def set_id(self, parsed: IdNumber | None) -> None:
        """Store a parsed ID number with everything derived from it (as ``Member.set_id``)."""
        if parsed is None:
            self.id_number = self.id_index = self.id_masked = ""
            return
        self.id_number = parsed.number
        self.id_index = crypto.blind_index(parsed.number)
        self.id_masked = mask_id_number(parsed.number)
        self.birth_year = parsed.birth_date.year
        self.sex = parsed.sex

    def set_phone(self, phone: str) -> None:
        self.phone = phone
        self.phone_masked = crypto.mask_phone(phone)

    def in_term(self, on: date) -> bool:
        return (self.term_start is None or self.term_start <= on) and (self.term_end is None or self.term_end >= on)


class Attendance(RegionScopedModel):
    """Days a resident cadre spent in the village in one month (``month``: its first day)."""

    cadre = models.ForeignKey(Cadre, on_delete=models.CASCADE, related_name="attendances", verbose_name=_("cadre"))
    month = models.DateField(_("month"))
    days = models.PositiveSmallIntegerField(_("days in the village"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("recorded by"),
    )

    class Meta:
        ordering = ["cadre_id", "month"]
        verbose_name = _("days in the village")
        verbose_name_plural = _("days in the village")
        constraints = [models.UniqueConstraint(fields=["cadre", "month"], name="cadre_attendance_month")]

    def save(self, *args, **kwargs):
        self.region_code = self.cadre.region_code
        super().save(*args, **kwargs)


class Training(RegionScopedModel):
    """A training held by a county, township or village (``region_code``: the organising region)."""

    title = models.CharField(_("title"), max_length=200)
    topic = models.CharField(_("topic"), max_length=100, blank=True)
    organiser = models.CharField(_("organiser"), max_length=200, blank=True)
    place = models.CharField(_("place"), max_length=200, blank=True)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    hours = models.DecimalField(_("hours"), max_digits=6, decimal_places=1, null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        ordering = ["-starts_on", "id"]
        verbose_name = _("training")
        verbose_name_plural = _("trainings")

    def __str__(self) -> str:
        return self.title


class TrainingAttendance(RegionScopedModel):
    """A register person invited to a training, and whether they attended (``region_code``: theirs)."""

    training = models.ForeignKey(Training, on_delete=models.CASCADE, related_name="attendances",
                                 verbose_name=_("training"))
    cadre = models.ForeignKey(Cadre, on_delete=models.CASCADE, related_name="trainings", verbose_name=_("person"))
    attended = models.BooleanField(_("attended"), default=True)

    class Meta:
        ordering = ["training_id", "cadre_id"]
        verbose_name = _("training attendance")
        verbose_name_plural = _("training attendance")
        constraints = [models.UniqueConstraint(fields=["training", "cadre"], name="training_attendance_once")]

    def save(self, *args, **kwargs):
        self.region_code = self.cadre.region_code
        super().save(*args, **kwargs)


class ContactLink(TimeStampedModel):
    """A case's assistance contact (cases.AssistanceContact) who is this register's person.

    Written when the contact is picked from the register on the case page (the cases part's
    contact-source hook) or matched later by ``services.link_contacts``; the households a contact
    holds are counted through it.
    """

    cadre = models.ForeignKey(Cadre, on_delete=models.CASCADE, related_name="contact_links",
                              verbose_name=_("person"))
    contact = models.OneToOneField("cases.AssistanceContact", on_delete=models.CASCADE,
                                   related_name="register_link", verbose_name=_("assistance contact"))

    region_field = "cadre__region_code"

    class Meta:
        ordering = ["cadre_id", "id"]
        verbose_name = _("register link of an assistance contact")
        verbose_name_plural = _("register links of assistance contacts")
