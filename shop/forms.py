"""Input for the shop's filters and the checkout; services do the writing. Quantities are
read with ``orders.forms`` (``input_to_quantity``, ``posted_quantities``)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

from distributions import forms as distribution_forms


class ShopFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=64)
    producer = forms.TypedChoiceField(
        label=_("Producer"), required=False, coerce=int, empty_value=None
    )
    category = forms.TypedChoiceField(
        label=_("Category"), required=False, coerce=int, empty_value=None
    )
    organic = forms.BooleanField(label=_("Organic only"), required=False)

    def __init__(self, *args, vendors=(), categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs.update(
            {"type": "search", "placeholder": _("Tomatoes, bread…")}
        )
        self.fields["producer"].choices = [
            ("", _("All producers")),
            *((v.pk, v.name) for v in vendors),
        ]
        self.fields["category"].choices = [("", _("All categories")), *categories]

    def values(self) -> dict[str, Any]:
        if not self.is_bound or not self.is_valid():
            return {"search": "", "vendor_id": None, "category_id": None, "organic": False}
        data = self.cleaned_data
        return {
            "search": data.get("q") or "",
            "vendor_id": data.get("producer"),
            "category_id": data.get("category"),
            "organic": bool(data.get("organic")),
        }


PICKUP, DELIVERY = "pickup", "delivery"


class CheckoutForm(forms.Form):
    """The checkout's own fields; the slot and delivery steps come from distributions' forms."""

    pickup = forms.ChoiceField(
        label=_("How do you get your order?"), widget=forms.RadioSelect, required=False
    )
    payment_type = forms.ChoiceField(
        label=_("How will you pay?"), widget=forms.RadioSelect, required=False
    )
    phone = forms.CharField(label=_("Phone"), max_length=24, required=False)
    address1 = forms.CharField(label=_("Address"), max_length=128, required=False)
    address2 = forms.CharField(label=_("Address (continued)"), max_length=128, required=False)
    postcode = forms.CharField(label=_("Postcode"), max_length=16, required=False)
    city = forms.CharField(label=_("City"), max_length=64, required=False)

    def __init__(
        self,
        *args,
        payment_choices=(),
        delivery_offered: bool = False,
        needs_phone: bool = False,
        needs_address: bool = False,
        place_name: str = "",
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.needs_phone, self.needs_address = needs_phone, needs_address
        if payment_choices:
            self.fields["payment_type"].choices = list(payment_choices)
            self.fields["payment_type"].required = True
            self.fields["payment_type"].error_messages["required"] = _t("Choose how you will pay.")
            if len(payment_choices) == 1:
                self.fields["payment_type"].initial = payment_choices[0][0]
        else:
            del self.fields["payment_type"]
        if delivery_offered:
            self.fields["pickup"].choices = [
                (PICKUP, _t("I collect it at %(place)s") % {"place": place_name}),
                (DELIVERY, _t("Delivered to my address")),
            ]
            self.fields["pickup"].initial = PICKUP
        else:
            del self.fields["pickup"]
        if needs_phone:
            self.fields["phone"].required = True
            self.fields["phone"].help_text = _("The group asks every member for a phone number.")
        else:
            del self.fields["phone"]
        if needs_address:
            for name in ("address1", "postcode", "city"):
                self.fields[name].required = True
            self.fields["address1"].help_text = _("The group asks every member for an address.")
        else:
            for name in ("address1", "address2", "postcode", "city"):
                del self.fields[name]

    @property
    def wants_delivery(self) -> bool:
        return self.is_bound and self.data.get("pickup") == DELIVERY and "pickup" in self.fields

    def profile_changes(self) -> dict[str, str]:
        names = [
            n for n in ("phone", "address1", "address2", "postcode", "city") if n in self.fields
        ]
        return {n: self.cleaned_data.get(n, "").strip() for n in names}


class CheckoutForms:
    """The checkout's forms: its own, plus the time slot or home delivery step when
    ``options`` (``selectors.checkout_options``) asks for one."""

    def __init__(self, data: Any, *, md: Any, user: Any, order: Any, options: Any) -> None:
        group = md.group
        choices = [] if options.moneypot else [(p.code, p.label) for p in options.payment_choices]
        self.form = CheckoutForm(
            data,
            initial={"payment_type": order.payment_type} if order and order.payment_type else {},
            payment_choices=choices,
            delivery_offered=options.ask_delivery,
            needs_phone=group.phone_required and not user.phone,
            needs_address=group.address_required and not user.has_address,
            place_name=md.place.name,
        )
        self.slot_form = (
            distribution_forms.SlotChoiceForm(data, md=md) if options.ask_slot else None
        )
        self.delivery_form = (
            distribution_forms.DeliveryRequestForm(data, user=user, prefix="delivery")
            if options.ask_delivery
            else None
        )

    def is_valid(self) -> bool:
        """Every form shown is checked (all errors at once); the slot step counts only for a
        pickup, the delivery step only for a delivery."""
        wants_delivery = self.form.wants_delivery
        valid = self.form.is_valid()
        if self.slot_form is not None and not wants_delivery:
            valid = self.slot_form.is_valid() and valid
        if self.delivery_form is not None and wants_delivery:
            valid = self.delivery_form.is_valid() and valid
        return valid

    def service_data(self) -> dict[str, Any]:
        """The arguments of ``services.checkout_confirm`` these forms gathered (once valid)."""
        wants_delivery = self.form.wants_delivery
        slots = None
        if self.slot_form is not None and not wants_delivery:
            slots = [s.pk for s in self.slot_form.cleaned_data["slots"]]
        delivery = None
        if self.delivery_form is not None and wants_delivery:
            delivery = dict(self.delivery_form.cleaned_data)
        return {
            "profile_changes": self.form.profile_changes(),
            "slot_ids": slots,
            "delivery": delivery,
            "payment_type": self.form.cleaned_data.get("payment_type", ""),
        }

    def show_error(self, step: str, exc: Any) -> None:
        """Show a refusal of ``services.checkout_confirm`` with the form of its step."""
        if step == "join":
            self.form.add_error(None, exc.messages)
        elif step in ("slot", "delivery"):
            form = self.slot_form if step == "slot" else self.delivery_form
            distribution_forms.add_service_errors(form, exc)
        else:
            distribution_forms.add_service_errors(self.form, exc)
