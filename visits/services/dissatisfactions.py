"""What the complaint loop does to a return-visit dissatisfaction (complaints reaches the
dissatisfaction only through these, never through visits.models)."""
from ..models import QUESTION_LABELS, Dissatisfaction


def lock_for_complaint(dissatisfaction_id):
    """The dissatisfaction, row-locked, with what its complaint is registered from (inside the
    caller's transaction)."""
    return (
        Dissatisfaction.objects.select_for_update(of=("self",))
        .select_related("store", "customer", "survey")
        .get(pk=dissatisfaction_id)
    )


def mark_turned_into_complaint(locked):
    """Records that the (locked) dissatisfaction became a complaint."""
    locked.status = Dissatisfaction.Status.COMPLAINT
    locked.save(update_fields=["status"])


def open_dissatisfactions():
    """The dissatisfactions no complaint was made from and no one dismissed, oldest first."""
    return Dissatisfaction.objects.filter(status=Dissatisfaction.Status.OPEN).order_by("created_at", "pk")


def question_label(code) -> str:
    """The survey question a reason code names, in the active language (the code if unknown)."""
    return str(QUESTION_LABELS.get(code, code))
