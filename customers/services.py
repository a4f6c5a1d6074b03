"""Actions on the customer file that span models or need a transaction."""
from collections import Counter

import pghistory
import pghistory.models
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .loyalty import refresh_loyalty
from .signals import repair_orders_changed
from .models import (
    Customer,
    CustomerConsent,
    CustomerMerge,
    MobileReveal,
    ServiceVisit,
    Vehicle,
    VehicleOwnership,
)

# Filled on the kept record from the merged one when the kept record has them blank.
_MERGE_FILL_FIELDS = ["mobile", "gender", "birthday", "address"]
# Reverse relations merged explicitly or kept as the record of the merge itself.
_MERGE_SPECIAL = {"consents", "merges_kept", "merges_absorbed"}


@transaction.atomic
def save_visit(visit: ServiceVisit) -> ServiceVisit:
    """Save a repair order; the vehicle's mileage and the customer's loyalty follow it."""
    visit.full_clean()
    visit.save()
    if visit.mileage is not None:
        Vehicle.objects.filter(pk=visit.vehicle_id).exclude(mileage__gte=visit.mileage).update(
            mileage=visit.mileage
        )
    refresh_loyalty(customer_ids=[visit.customer_id])
    repair_orders_changed.send(sender=ServiceVisit, customer_ids=[visit.customer_id])
    return visit


@transaction.atomic
def add_vehicle(vehicle: Vehicle, *, since=None) -> Vehicle:
    vehicle.full_clean()
    vehicle.save()
    VehicleOwnership.objects.create(
        vehicle=vehicle, customer_id=vehicle.owner_id, started_on=since or timezone.localdate()
    )
    return vehicle


@transaction.atomic
def transfer_vehicle(*, vehicle: Vehicle, new_owner: Customer, on, note="") -> VehicleOwnership:
    """Hand a vehicle to a new owner; the previous ownership is closed, never removed."""
    vehicle = Vehicle.objects.select_for_update().get(pk=vehicle.pk)
    if new_owner.pk == vehicle.owner_id:
        raise ValidationError(_("This customer already owns the vehicle."))
    if new_owner.store_id != vehicle.store_id:
        raise ValidationError(_("The new owner must be a customer of the same store."))
    current = VehicleOwnership.objects.filter(vehicle=vehicle, ended_on__isnull=True).first()
    if current is not None:
        if on < current.started_on:
            raise ValidationError(
                _("The transfer date cannot be before the current owner got the vehicle (%(date)s).")
                % {"date": current.started_on}
            )
        current.ended_on = on
        current.save(update_fields=["ended_on"])
    ownership = VehicleOwnership.objects.create(
        vehicle=vehicle, customer=new_owner, started_on=on, note=note
    )
    vehicle.owner = new_owner
    vehicle.save(update_fields=["owner", "updated_at"])
    return ownership


@transaction.atomic
def merge_customers(*, kept: Customer, merged: Customer, by) -> CustomerMerge:
    """Move everything of `merged` to `kept`; `merged` stays as a pointer to `kept`.

    Every reverse relation is moved, so records later modules hang on a customer (follow-ups,
    complaints, appointments) follow without this function knowing them."""
    if kept.pk == merged.pk:
        raise ValidationError(_("A customer cannot be merged with itself."))
    locked = {c.pk: c for c in Customer.objects.select_for_update().filter(pk__in=[kept.pk, merged.pk])}
    kept, merged = locked[kept.pk], locked[merged.pk]
    if kept.store_id != merged.store_id:
        raise ValidationError(_("Only customers of the same store can be merged."))
    if kept.merged_into_id or merged.merged_into_id:
        raise ValidationError(_("One of these customers has already been merged."))
    moved = Counter()
    with pghistory.context(merge_of=merged.pk, merge_into=kept.pk):
        for relation in Customer._meta.related_objects:
            if relation.get_accessor_name() in _MERGE_SPECIAL or relation.many_to_many:
                continue
            # History rows stay with the record they describe.
            if issubclass(relation.related_model, pghistory.models.Event):
                continue
            count = relation.related_model._base_manager.filter(
                **{relation.field.name: merged}
            ).update(**{relation.field.name: kept})
            if count:
                moved[relation.get_accessor_name()] += count
        moved["consents"] = _merge_consents(kept, merged)
        for field in _MERGE_FILL_FIELDS:
            if not getattr(kept, field) and getattr(merged, field):
                setattr(kept, field, getattr(merged, field))
        if merged.do_not_contact and not kept.do_not_contact:
            kept.do_not_contact = True
            kept.do_not_contact_reason = merged.do_not_contact_reason
            kept.do_not_contact_since = merged.do_not_contact_since
        if merged.notes:
            kept.notes = "\n".join(filter(None, [kept.notes, merged.notes]))
        kept.tags = kept.tags + [tag for tag in merged.tags if tag not in kept.tags]
        kept.save()
        merged.merged_into = kept
        merged.save(update_fields=["merged_into", "updated_at"])
        record = CustomerMerge.objects.create(
            kept=kept, merged=merged, merged_by=by, moved={k: v for k, v in moved.items() if v}
        )
        refresh_loyalty(customer_ids=[kept.pk, merged.pk])
    return record


def _merge_consents(kept, merged):
    """Per channel the newer answer wins; the older one stays in the history."""
    ours = {c.channel: c for c in kept.consents.all()}
    moved = 0
    for consent in merged.consents.all():
        current = ours.get(consent.channel)
        if current is None or consent.recorded_at > current.recorded_at:
            if current is not None:
                current.delete()
            consent.customer = kept
            consent.save(update_fields=["customer"])
            moved += 1
        else:
            consent.delete()
    return moved


@transaction.atomic
def record_consent(*, customer, channel, granted, method, by, note="") -> CustomerConsent:
    consent, _created = CustomerConsent.objects.update_or_create(
        customer=customer,
        channel=channel,
        defaults={
            "granted": granted,
            "method": method,
            "note": note,
            "recorded_by": by,
            "recorded_at": timezone.now(),
        },
    )
    return consent


def reveal_mobile(*, customer, user) -> str:
    """The full number, with a record that this user saw it."""
    MobileReveal.objects.create(customer=customer, user=user)
    return customer.mobile
