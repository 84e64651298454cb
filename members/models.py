from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from groups.tenancy import MEMBER_RIGHTS


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, username: str):
        return self.get(email__iexact=username)


def person_name(last_name: str, first_name: str, email: str = "") -> str:
    """``LASTNAME Firstname``, as on the sheets; the e-mail when no name is known."""
    return " ".join(p for p in (last_name.upper(), first_name) if p) or email


def household_name(
    last_name: str, first_name: str, last_name2: str, first_name2: str, email: str = ""
) -> str:
    """The member and the second person of the household: ``DUPONT Anne / MARTIN Paul``.

    A function of plain values, so that reports reading thousands of rows as values share it.
    """
    first = person_name(last_name, first_name, email)
    second = person_name(last_name2, first_name2)
    return f"{first} / {second}" if second else first


class User(AbstractBaseUser, PermissionsMixin):
    """A person with an account. Logs in by e-mail; there are no usernames."""

    email = models.EmailField(_("e-mail address"), unique=True)
    first_name = models.CharField(_("first name"), max_length=64, blank=True)
    last_name = models.CharField(_("last name"), max_length=64, blank=True)
    phone = models.CharField(_("phone"), max_length=24, blank=True)
    address1 = models.CharField(_("address"), max_length=128, blank=True)
    address2 = models.CharField(_("address (continued)"), max_length=128, blank=True)
    postcode = models.CharField(_("postcode"), max_length=16, blank=True)
    city = models.CharField(_("city"), max_length=64, blank=True)
    country = models.CharField(_("country"), max_length=2, default="FR", blank=True)

    # Second person of the household: receives the group's mail too.
    first_name2 = models.CharField(_("first name (second person)"), max_length=64, blank=True)
    last_name2 = models.CharField(_("last name (second person)"), max_length=64, blank=True)
    email2 = models.EmailField(_("e-mail (second person)"), blank=True)
    phone2 = models.CharField(_("phone (second person)"), max_length=24, blank=True)

    language = models.CharField(
        _("preferred language"), max_length=8, choices=settings.LANGUAGES, default="fr"
    )
    # New accounts get only the reminder the day before (spec §7); messaging sends these mails.
    notify_orders_open = models.BooleanField(_("tell me when orders open"), default=False)
    notify_orders_closing = models.BooleanField(_("remind me before orders close"), default=True)
    notify_distribution_reminder = models.BooleanField(
        _("remind me the day before a distribution"), default=True
    )
    notify_distribution_reminder_4h = models.BooleanField(
        _("remind me 4 hours before a distribution"), default=False
    )
    notify_volunteer_alerts = models.BooleanField(
        _("tell me when volunteers are needed"), default=True
    )
    notify_membership_reminder = models.BooleanField(
        _("remind me to renew my membership fee"), default=True
    )
    # Mails about the member's own order changed by the team (price corrected, product not
    # delivered, distribution moved or postponed): on by default, they may turn them off.
    notify_order_changes = models.BooleanField(
        _("tell me when my order or its distribution is changed"), default=True
    )
    # Admins and the group contact: "a distribution to validate" at its start.
    notify_distribution_validation = models.BooleanField(
        _("tell me (admins) when a distribution is to validate"), default=True
    )

    is_staff = models.BooleanField(
        _("operator"), default=False, help_text=_("Can log in to the platform administration.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)

    objects = UserManager()

    def is_group_admin_anywhere(self) -> bool:
        """Admin or contact of a group: the "to validate" mail's preference concerns them."""
        from groups.models import Group

        return (
            Member.objects.filter(active_member_q(), user=self, is_admin=True).exists()
            or Group.objects.filter(contact=self).exists()
        )

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["last_name", "first_name", "email"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        """``LASTNAME Firstname``, as on the sheets; the e-mail when no name is known."""
        return person_name(self.last_name, self.first_name, self.email)

    @property
    def household_name(self) -> str:
        return household_name(
            self.last_name, self.first_name, self.last_name2, self.first_name2, self.email
        )

    def get_full_name(self) -> str:
        return self.display_name

    def get_short_name(self) -> str:
        return self.first_name or self.email

    @property
    def has_address(self) -> bool:
        return bool(self.address1 and self.postcode and self.city)

    def clean(self) -> None:
        super().clean()
        self.email = (self.email or "").strip().lower()
        self.email2 = (self.email2 or "").strip().lower()
        if self.email2 and self.email2 == self.email:
            raise ValidationError({"email2": _("The second e-mail must differ from the first.")})
        # An address may appear once across both e-mail fields of all users (spec §4.1).
        for field, value in (("email", self.email), ("email2", self.email2)):
            if not value:
                continue
            clash = User.objects.filter(Q(email__iexact=value) | Q(email2__iexact=value)).exclude(
                pk=self.pk
            )
            if clash.exists():
                raise ValidationError(
                    {field: _("This e-mail address is already used by another account.")}
                )

    def save(self, *args, **kwargs) -> None:
        self.email = (self.email or "").strip().lower()
        self.email2 = (self.email2 or "").strip().lower()
        super().save(*args, **kwargs)


def active_member_q(path: str = "") -> models.Q:
    """Members who have not left, reached through ``path`` ("memberships", "coordinators",
    "members"…, or "" for members themselves): the one spelling of "an active member"."""
    return models.Q(**{f"{path}__left_at__isnull" if path else "left_at__isnull": True})


class MemberQuerySet(models.QuerySet["Member"]):
    def active(self):
        return self.filter(active_member_q())

    def of_user(self, *, group, user):
        """The active membership of ``user`` in ``group`` (anonymous users have none)."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.active().filter(group=group, user=user)


class Member(models.Model):
    """A user in a group, with the rights of design §4."""

    group = models.ForeignKey(
        "groups.Group", on_delete=models.CASCADE, related_name="members", verbose_name=_("group")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("user"),
    )
    is_admin = models.BooleanField(
        _("group admin"), default=False, help_text=_("Implies every other right.")
    )
    can_manage_catalogs = models.BooleanField(_("manages all catalogs"), default=False)
    can_manage_members = models.BooleanField(_("manages members"), default=False)
    can_manage_payments = models.BooleanField(_("manages payments"), default=False)
    can_send_messages = models.BooleanField(_("sends messages"), default=False)
    joined_at = models.DateTimeField(_("joined"), default=timezone.now)
    left_at = models.DateTimeField(_("left"), null=True, blank=True)

    objects = MemberQuerySet.as_manager()

    RIGHTS = MEMBER_RIGHTS

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        constraints = [
            models.UniqueConstraint(fields=["group", "user"], name="member_unique_user_per_group")
        ]
        indexes = [models.Index(fields=["user", "group"])]

    def __str__(self) -> str:
        return f"{self.user} @ {self.group_id}"

    @property
    def perms(self) -> frozenset[str]:
        """The rights as a set of strings; ``is_admin`` implies every right."""
        if self.left_at is not None:
            return frozenset()
        if self.is_admin:
            return frozenset(("admin", *self.RIGHTS))
        return frozenset(name for name in self.RIGHTS if getattr(self, name))

    @property
    def has_any_right(self) -> bool:
        return bool(self.perms)


class JoinRequest(models.Model):
    """A person on a group's waiting list (spec §4.3): deleted once accepted, refused or withdrawn
    (the audit log keeps the decision)."""

    group = models.ForeignKey(
        "groups.Group",
        on_delete=models.CASCADE,
        related_name="join_requests",
        verbose_name=_("group"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="join_requests",
        verbose_name=_("user"),
    )
    message = models.TextField(_("message"), max_length=1000, blank=True)
    created_at = models.DateTimeField(_("asked on"), default=timezone.now)

    class Meta:
        verbose_name = _("waiting-list request")
        verbose_name_plural = _("waiting-list requests")
        constraints = [
            models.UniqueConstraint(fields=["group", "user"], name="joinrequest_unique_per_group")
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.group_id}"


class Invitation(models.Model):
    """An e-mail invited to join a group (spec §4.4). The link carries a signed token of the
    invitation's id and address, valid ``INVITATION_DAYS`` from its last sending."""

    group = models.ForeignKey(
        "groups.Group",
        on_delete=models.CASCADE,
        related_name="invitations",
        verbose_name=_("group"),
    )
    email = models.EmailField(_("e-mail address"))
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("invited by"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), default=timezone.now)
    send_count = models.PositiveIntegerField(_("times sent"), default=1)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("accepted by"),
    )

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            models.UniqueConstraint(fields=["group", "email"], name="invitation_unique_per_group")
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.group_id}"

    @property
    def expires_at(self):
        from datetime import timedelta

        return self.sent_at + timedelta(days=INVITATION_DAYS)

    @property
    def is_expired(self) -> bool:
        return self.accepted_at is None and timezone.now() > self.expires_at


INVITATION_DAYS = 14


# Membership fees live in their own module; imported here so Django registers them.
from members.fee_models import Membership, MembershipReminder  # noqa: E402, F401
