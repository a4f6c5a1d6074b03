"""The survey's questions are shown from plain data (SurveyForm.question_rows): the same names, ids,
values and choices as Django's radio widgets give."""
from visits.forms import SurveyForm


def _from_django(form, name):
    return [
        (radio.data["name"], radio.id_for_label, str(radio.data["value"]), str(radio.choice_label),
         bool(radio.data["selected"]))
        for radio in form[name] if radio.data["value"] != ""
    ]


def _ours(row):
    return [(row["name"], option["id"], str(option["value"]), str(option["label"]), option["chosen"])
            for option in row["options"]]


def test_each_question_shows_the_options_djangos_radios_show_with_the_answer_chosen():
    form = SurveyForm({"overall": "4", "fixed_right": "no"}, questions=["overall", "fixed_right"])
    rows = {row["name"]: row for row in form.question_rows()}
    for name in ["overall", "fixed_right"]:
        assert _ours(rows[name]) == _from_django(form, name)
    assert [o["value"] for o in rows["overall"]["options"] if o["chosen"]] == ["4"]


def test_an_unanswered_required_question_carries_its_error():
    form = SurveyForm({}, questions=["overall"], require_overall=True)
    assert not form.is_valid()
    [row] = form.question_rows()
    assert row["required"] and list(row["errors"]) == list(form.errors["overall"])
    assert not any(option["chosen"] for option in row["options"])
