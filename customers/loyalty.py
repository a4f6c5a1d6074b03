"""Loyalty tiers, computed in SQL from the repair orders (seed 000: loyal customers are found by
how often and how recently they come back; lost customers are followed up).

The rule, per store (`LoyaltyPolicy`, defaults in brackets):
- churned: last visit longer ago than `churned_after_months` [12]
- lapsing: last visit longer ago than `lapsing_after_months` [6]
- loyal: at least `loyal_min_visits` [4] visits within the last `window_months` [24]
- regular: two or more visits in all
- new: no visit yet, or one
Cancelled repair orders do not count. A nightly job refreshes every customer (tiers move with
the calendar); saving or importing repair orders refreshes the customers they touch.
"""
from django.db import connection
from django.utils import timezone

from .models.people import LoyaltyTier

DEFAULTS = {"window_months": 24, "loyal_min_visits": 4, "lapsing_after_months": 6, "churned_after_months": 12}

_REFRESH = """
UPDATE customers_customer AS c
SET visit_count = t.total,
    recent_visit_count = t.recent,
    last_visit_at = t.last_visit,
    loyalty_tier = t.tier
FROM (
    SELECT agg.*, CASE
        WHEN agg.last_visit < %(now)s - make_interval(months => agg.churned_after) THEN %(churned)s
        WHEN agg.last_visit < %(now)s - make_interval(months => agg.lapsing_after) THEN %(lapsing)s
        WHEN agg.recent >= agg.loyal_min THEN %(loyal)s
        WHEN agg.total >= 2 THEN %(regular)s
        ELSE %(new)s
    END AS tier
    FROM (
        SELECT cu.id,
               coalesce(p.loyal_min_visits, %(loyal_min_visits)s) AS loyal_min,
               coalesce(p.lapsing_after_months, %(lapsing_after_months)s) AS lapsing_after,
               coalesce(p.churned_after_months, %(churned_after_months)s) AS churned_after,
               count(v.id) AS total,
               count(v.id) FILTER (
                   WHERE v.opened_at >= %(now)s
                         - make_interval(months => coalesce(p.window_months, %(window_months)s))
               ) AS recent,
               max(v.opened_at) AS last_visit
        FROM customers_customer cu
        LEFT JOIN customers_loyaltypolicy p ON p.store_id = cu.store_id
        LEFT JOIN customers_servicevisit v ON v.customer_id = cu.id AND v.status <> 'cancelled'
        WHERE {where}
        GROUP BY cu.id, p.id
    ) AS agg
) AS t
WHERE c.id = t.id
  AND (c.visit_count, c.recent_visit_count, c.last_visit_at, c.loyalty_tier)
      IS DISTINCT FROM (t.total::int, t.recent::int, t.last_visit, t.tier)
"""
# The WHERE clause is one of these fixed strings, never built from input; values are parameters.
_SCOPES = {
    "customers": "cu.id = ANY(%(ids)s)",
    "stores": "cu.store_id = ANY(%(ids)s)",
    "all": "TRUE",
}


def refresh_loyalty(*, customer_ids=None, store_ids=None, now=None) -> int:
    """Recompute visit counts and tiers; returns how many customers changed."""
    if customer_ids is not None:
        scope, ids = "customers", list(customer_ids)
        if not ids:
            return 0
    elif store_ids is not None:
        scope, ids = "stores", list(store_ids)
    else:
        scope, ids = "all", None
    params = {
        **DEFAULTS,
        "now": now or timezone.now(),
        "ids": ids,
        **{tier.name.lower(): tier.value for tier in LoyaltyTier},
    }
    with connection.cursor() as cursor:
        cursor.execute(_REFRESH.format(where=_SCOPES[scope]), params)
        return cursor.rowcount
