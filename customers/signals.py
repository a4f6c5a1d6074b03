"""Signals the customer file sends for modules built on it (which import customers, never the
other way round)."""
from django.dispatch import Signal

# Repair orders of these customers were saved or imported (kwargs: customer_ids), inside the
# transaction that wrote them; receivers update what they derive from repair orders.
repair_orders_changed = Signal()
