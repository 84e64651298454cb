"""Form fields every app uses for rows chosen by id (design §10: a bad request is never a 500).

A posted value that is no row id — ``"²"`` (a digit to ``str.isdigit`` but not to ``int``),
or twenty digits that overflow the database's integers — is refused with the field's usual
"not a valid choice" message before the database is asked.
"""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from kernel.numbers import parse_id


class RowIdChoiceField(forms.ModelChoiceField):
    def to_python(self, value: Any) -> Any:
        if (
            value not in self.empty_values
            and self.to_field_name is None
            and not isinstance(value, self.queryset.model)
            and parse_id(value) is None
        ):
            raise ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": value},
            )
        return super().to_python(value)


class RowIdsChoiceField(forms.ModelMultipleChoiceField):
    def _check_values(self, value: Any) -> Any:
        if self.to_field_name is None:
            for pk in value:
                if parse_id(pk) is None:
                    raise ValidationError(
                        self.error_messages["invalid_pk_value"],
                        code="invalid_pk_value",
                        params={"pk": pk},
                    )
        return super()._check_values(value)
