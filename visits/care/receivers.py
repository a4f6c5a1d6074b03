from .maintenance import recompute_due


def recompute_due_after_repair_orders(sender, customer_ids, **kwargs):
    """A repair order arrived: the next service due of the customers' vehicles follows it."""
    recompute_due(customer_ids=customer_ids)
