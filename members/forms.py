from django import forms
from django.utils.translation import gettext_lazy as _

from members.models import Member, User


class SignupExtraForm(forms.Form):
    """Extra fields on allauth's sign-up form."""

    first_name = forms.CharField(label=_("First name"), max_length=64)
    last_name = forms.CharField(label=_("Last name"), max_length=64)

    field_order = ["first_name", "last_name", "email", "password1", "password2"]

    def signup(self, request, user):
        # The adapter already copied the names; nothing else to store.
        return user


class ProfileForm(forms.ModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["first_name"].required = True
        self.fields["last_name"].required = True
        if self.instance.pk and not self.instance.is_group_admin_anywhere():
            del self.fields["notify_distribution_validation"]

    class Meta:
        model = User
        fields = [
            "first_name",
            "last_name",
            "phone",
            "address1",
            "address2",
            "postcode",
            "city",
            "country",
            "first_name2",
            "last_name2",
            "email2",
            "phone2",
            "language",
            "notify_orders_open",
            "notify_orders_closing",
            "notify_distribution_reminder",
            "notify_distribution_reminder_4h",
            "notify_volunteer_alerts",
            "notify_order_changes",
            "notify_distribution_validation",
            "notify_membership_reminder",
        ]


class MemberRightsForm(forms.ModelForm):
    class Meta:
        model = Member
        fields = [
            "is_admin",
            "can_manage_catalogs",
            "can_manage_members",
            "can_manage_payments",
            "can_send_messages",
        ]


class MemberSearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=64)
    filter = forms.ChoiceField(
        label=_("Members"),
        required=False,
        choices=[
            ("all", _("All")),
            ("ordered", _("Ordered (between the dates, if given)")),
            ("never_ordered", _("Never ordered")),
            ("never_logged_in", _("Never logged in")),
        ],
    )
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, **kwargs):
        from members.selectors import extra_filters

        super().__init__(*args, **kwargs)
        # Filters other apps registered (membership fees: "up to date", "to renew").
        self.fields["filter"].choices = [
            *self.fields["filter"].choices,
            *((name, label) for name, (label, _fn) in extra_filters().items()),
        ]

    rights = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[
            ("", _("Everyone")),
            ("with", _("Members with rights")),
            ("without", _("Members without rights")),
        ],
    )


PERSON_FIELDS = [
    "first_name",
    "last_name",
    "email",
    "phone",
    "address1",
    "address2",
    "postcode",
    "city",
    "first_name2",
    "last_name2",
    "email2",
    "phone2",
]


def _require_group_fields(form: forms.BaseForm, group) -> None:
    form.fields["first_name"].required = True
    form.fields["last_name"].required = True
    if group.phone_required:
        form.fields["phone"].required = True
    if group.address_required:
        for name in ("address1", "postcode", "city"):
            form.fields[name].required = True


class MemberAddForm(forms.Form):
    """A person added by hand: the details of an account (spec §4.5)."""

    def __init__(self, *args, group, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(forms.fields_for_model(User, fields=PERSON_FIELDS))
        self.fields["email"].required = True
        self.fields["send_mail"] = forms.BooleanField(
            label=_("Send the person an e-mail with a link to set their password"),
            required=False,
            initial=True,
        )
        _require_group_fields(self, group)

    def details(self) -> dict:
        return {name: self.cleaned_data[name] for name in PERSON_FIELDS}


class MemberEditForm(forms.ModelForm):
    def __init__(self, *args, group, lock_email: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        _require_group_fields(self, group)
        if lock_email:
            for name in ("email", "email2"):
                self.fields[name].disabled = True
                self.fields[name].help_text = _(
                    "This person belongs to several groups: only they can change it."
                )

    class Meta:
        model = User
        fields = PERSON_FIELDS


class JoinRequestForm(forms.Form):
    message = forms.CharField(
        label=_("A message for the group (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class InviteForm(forms.Form):
    addresses = forms.CharField(
        label=_("E-mail addresses"),
        help_text=_("One per line, or separated by commas or spaces."),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=200_000,
    )


class MemberImportForm(forms.Form):
    file = forms.FileField(
        label=_("File (CSV or XLSX)"),
        help_text=_(
            "Columns, in this order, after a header row: first name, last name, e-mail, phone, "
            "first name 2, last name 2, e-mail 2, phone 2, address, address (continued), "
            "postcode, city."
        ),
    )


class MemberImportConfirmForm(forms.Form):
    mode = forms.ChoiceField(
        label=_("Then"),
        choices=[
            ("accounts", _("Create the accounts and e-mail each person a set-password link")),
            ("invite", _("Send invitations: each person joins through the link")),
        ],
        widget=forms.RadioSelect,
        initial="accounts",
    )


class MemberIdsForm(forms.Form):
    """Rows ticked in a list (waiting-list requests, members)."""

    ids = forms.TypedMultipleChoiceField(coerce=int, required=True, choices=())

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ids"].choices = [(pk, str(pk)) for pk in choices]
        self.fields["ids"].error_messages["required"] = _("Tick at least one line.")


class JoinDetailsForm(forms.ModelForm):
    """The phone or address a group asks of its members, given when joining (spec §4.3)."""

    details = forms.CharField(widget=forms.HiddenInput, initial="1", required=False)

    def __init__(self, *args, group, **kwargs):
        super().__init__(*args, **kwargs)
        user = self.instance
        if not (group.phone_required and not user.phone):
            del self.fields["phone"]
        else:
            self.fields["phone"].required = True
        if not (group.address_required and not user.has_address):
            for name in ("address1", "address2", "postcode", "city"):
                del self.fields[name]
        else:
            for name in ("address1", "postcode", "city"):
                self.fields[name].required = True

    @staticmethod
    def needed(group, user) -> bool:
        return (group.phone_required and not user.phone) or (
            group.address_required and not user.has_address
        )

    class Meta:
        model = User
        fields = ["phone", "address1", "address2", "postcode", "city"]
