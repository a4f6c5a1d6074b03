from django import forms
from django.utils.translation import gettext_lazy as _

from aftersales.models import Store
from aftersales.scoping import for_user

from ..models.service import RepairType
from .columns import COLUMNS, missing_columns
from .readers import EXTENSIONS, ImportFileError, file_kind, open_table

MAX_UPLOAD_BYTES = 50 * 1024 * 1024
# Sample values per column shown on the mapping step, read from the first rows.
SAMPLE_VALUES = 3
SAMPLE_ROWS = 20
SAMPLE_LENGTH = 40


class UploadForm(forms.Form):
    store = forms.ModelChoiceField(queryset=Store.objects.none(), label=_("Store"))
    file = forms.FileField(
        label=_("DMS export"),
        help_text=_("An Excel workbook (.xlsx) or a CSV file (UTF-8 or GBK), at most 50 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(EXTENSIONS)}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        stores = for_user(Store.objects.filter(is_active=True), user).order_by("code")
        self.fields["store"].queryset = stores
        if len(stores) == 1:
            self.fields["store"].initial = stores[0]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        try:
            file_kind(upload.name)
        except ImportFileError as error:
            raise forms.ValidationError(error.message) from None
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 50 MB; split the export."))
        try:
            with open_table(upload.file, upload.name) as table:
                self.headers = table.headers
                self.samples = _samples(table)
        except ImportFileError as error:
            raise forms.ValidationError(error.message) from None
        upload.seek(0)
        return upload


def _samples(table) -> dict:
    """{header: up to SAMPLE_VALUES distinct non-empty values} from the first rows."""
    from itertools import islice

    from .rows import cell_text

    samples = {header: [] for header in table.headers if header}
    for _number, cells in islice(table.rows, SAMPLE_ROWS):
        for header, cell in zip(table.headers, cells):
            values = samples.get(header)
            text = cell_text(cell)[:SAMPLE_LENGTH]
            if values is not None and text and text not in values and len(values) < SAMPLE_VALUES:
                values.append(text)
    return samples


class MappingForm(forms.Form):
    """One select per field of ours, offering the file's headers."""

    def __init__(self, *args, headers, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", _("— not in the file —"))]
        choices += [(header, header) for header in dict.fromkeys(h for h in headers if h)]
        for column in COLUMNS:
            self.fields[column.field] = forms.ChoiceField(
                label=column.label, choices=choices, required=False
            )
            self.fields[column.field].widget.attrs["class"] = "form-select form-select-sm"
            self.fields[column.field].required_column = column.required

    def clean(self):
        cleaned = super().clean()
        columns = {name: header for name, header in cleaned.items() if header}
        missing = missing_columns(columns)
        if missing:
            raise forms.ValidationError(
                _("Choose the columns for: %(columns)s.") % {"columns": ", ".join(missing)}
            )
        used = {}
        for name, header in columns.items():
            if header in used:
                raise forms.ValidationError(
                    _("The column “%(header)s” is chosen twice.") % {"header": header}
                )
            used[header] = name
        self.columns = columns
        return cleaned


class RepairTypeForm(forms.Form):
    """Map repair types the DMS writes and we do not know onto ours."""

    def __init__(self, *args, values, **kwargs):
        super().__init__(*args, **kwargs)
        self.values = list(values)
        for index, value in enumerate(self.values):
            self.fields[f"value_{index}"] = forms.ChoiceField(
                label=value, required=False,
                choices=[("", _("— leave as an error —")), *RepairType.choices],
                widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
            )

    def mapping(self):
        return {
            value: self.cleaned_data[f"value_{index}"]
            for index, value in enumerate(self.values)
            if self.cleaned_data.get(f"value_{index}")
        }
