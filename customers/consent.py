"""The customer file answers the outbox's consent questions (aftersales.messaging.consent)."""
from aftersales.messaging import consent

from .models import Customer, CustomerConsent
from .services import record_consent

NOTE_LENGTH = CustomerConsent._meta.get_field("note").max_length
CHANNELS = {consent.SMS: CustomerConsent.Channel.SMS, consent.MARKETING: CustomerConsent.Channel.MARKETING}
METHODS = {consent.SELF_SERVICE: CustomerConsent.Method.ONLINE, consent.SMS_REPLY: CustomerConsent.Method.SMS_REPLY}


class CustomerFileConsent:
    def standing(self, customer_ids) -> dict[int, consent.Standing]:
        ids = set(customer_ids)
        if not ids:
            return {}
        granted = {}
        for customer_id, channel, value in CustomerConsent.objects.filter(customer_id__in=ids).values_list(
                "customer_id", "channel", "granted"):
            granted[(customer_id, channel)] = value
        return {
            pk: consent.Standing(
                do_not_contact=do_not_contact,
                sms_refused=granted.get((pk, CustomerConsent.Channel.SMS)) is False,
                marketing_allowed=granted.get((pk, CustomerConsent.Channel.MARKETING)) is True,
            )
            for pk, do_not_contact in Customer.objects.filter(pk__in=ids).values_list("pk", "do_not_contact")
        }

    def withdraw(self, *, mobile, channels, how, note, store=None, keep_earlier=False) -> int:
        customers = Customer.objects.active().filter(mobile=mobile)
        if store is not None:
            customers = customers.filter(store=store)
        customers = list(customers.select_for_update().order_by("pk"))
        wanted = [CHANNELS[channel] for channel in channels]
        earlier = set()
        if keep_earlier:
            earlier = set(CustomerConsent.objects.filter(customer__in=customers, channel__in=wanted, granted=False)
                          .values_list("customer_id", "channel"))
        for customer in customers:
            for channel in wanted:
                if (customer.pk, channel) in earlier:
                    continue
                record_consent(customer=customer, channel=channel, granted=False, method=METHODS[how], by=None,
                               note=note[:NOTE_LENGTH])
        return len(customers)
