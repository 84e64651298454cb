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
            "notify_volunteer_alerts",
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
    rights = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[
            ("", _("Everyone")),
            ("with", _("Members with rights")),
            ("without", _("Members without rights")),
        ],
    )
