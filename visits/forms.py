from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.models import User

from .models import QUESTION_LABELS, CallAttempt

SCORE_CHOICES = [("", "—")] + [(str(n), str(n)) for n in range(1, 6)]
YES_NO = [("", "—"), ("yes", _("Yes")), ("no", _("No"))]


class CallOutcomeForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("What came of the call"), choices=CallAttempt.Outcome.choices, widget=forms.RadioSelect,
        error_messages={"required": _("Choose what came of the call.")},
    )
    call_back_at = forms.DateTimeField(
        label=_("Call back at"), required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local", "class": "form-control"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=1000,
                           widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("outcome") == CallAttempt.Outcome.CALL_BACK:
            when = cleaned.get("call_back_at")
            if when is None:
                self.add_error("call_back_at", _("Give the time the customer asked to be called back."))
            elif when <= timezone.now():
                self.add_error("call_back_at", _("Give a time in the future to call back."))
        return cleaned


class SurveyForm(forms.Form):
    """The survey's questions, less those answered on site; only overall is required (and only
    when the customer was reached, which the view decides)."""

    comment = forms.CharField(label=_("Customer's words"), required=False, max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, questions, require_overall=True, require_answer=False, **kwargs):
        super().__init__(*args, **kwargs)
        fields = {}
        for name in questions:
            if name == "fixed_right":
                fields[name] = forms.TypedChoiceField(
                    label=QUESTION_LABELS[name], choices=YES_NO, required=False,
                    coerce=lambda value: value == "yes", empty_value=None, widget=forms.RadioSelect,
                )
            else:
                fields[name] = forms.TypedChoiceField(
                    label=QUESTION_LABELS[name], choices=SCORE_CHOICES, coerce=int, empty_value=None,
                    required=require_overall and name == "overall", widget=forms.RadioSelect,
                    error_messages={"required": _("Ask for the overall satisfaction before finishing the call.")},
                )
        self.fields = {**fields, "comment": self.fields["comment"]}
        self.questions = list(questions)
        self.require_answer = require_answer

    def question_rows(self):
        """Each question as the survey shows it, as plain data: its name, label, whether it must be
        answered, its errors and its options (id, value, label, chosen), with the ids Django's
        radio widget gives. Iterating a radio field's subwidgets in the template cost the call
        screen more than its queries."""
        rows = []
        for name in self.questions:
            bound = self[name]
            value = bound.value()
            chosen = "" if value is None else str(value)
            rows.append({
                "name": bound.html_name, "label": bound.label, "required": bound.field.required,
                "errors": bound.errors,
                "options": [
                    {"id": f"{bound.auto_id}_{index}", "value": choice, "label": label, "chosen": str(choice) == chosen}
                    for index, (choice, label) in enumerate(bound.field.choices) if choice != ""
                ],
            })
        return rows

    def answers(self):
        return {name: value for name, value in self.cleaned_data.items() if value is not None}

    def clean(self):
        cleaned = super().clean()
        if self.require_answer and not self.errors and not any(cleaned.get(name) is not None for name in self.questions):
            raise ValidationError(_("Record at least one answer."))
        return cleaned


class AssignForm(forms.Form):
    agent = forms.ModelChoiceField(label=_("Assign to"), queryset=User.objects.none(), required=False,
                                   empty_label=_("Anyone (back to the queue)"))

    def __init__(self, *args, store, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agent"].queryset = (
            User.objects.filter(is_active=True, groups__permissions__codename="work_queue")
            .filter(stores=store)
            .distinct()
            .order_by("full_name", "username")
        )


class DayForm(forms.Form):
    date = forms.DateField(label=_("Day"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
