"""Birthday and festival greetings (seed 001 §10–11; seed 003: 短信温馨提醒/祝贺). Marketing
messages: only customers who gave marketing consent are queued, and the outbox checks again when
it sends (consent withdrawn since, the daily cap, quiet hours, the opt-out line)."""
import calendar

from django.db import connection
from django.utils import translation

from aftersales.messaging.kinds import KINDS

from .festivals import festivals_greeted_on
from .messages import OUTBOX_INSERT

_OCCASION_COLUMNS = """
INSERT INTO visits_careoccasion (store_id, customer_id, vehicle_id, kind, key, due_on, subject, messaged,
                                 created_at, renewal_outcome, insurer, recall_reason, note)
"""

_CONSENTED = """
FROM customers_customer c
JOIN aftersales_store s ON s.id = c.store_id AND s.is_active
LEFT JOIN visits_carepolicy p ON p.store_id = c.store_id
JOIN customers_customerconsent mc ON mc.customer_id = c.id AND mc.channel = 'marketing' AND mc.granted
WHERE c.merged_into_id IS NULL AND NOT c.do_not_contact AND c.mobile <> ''
  AND (%(store_ids)s::bigint[] IS NULL OR c.store_id = ANY(%(store_ids)s))
"""

# A birthday on 29 February is greeted on the 28th in other years.
_BIRTHDAYS = _OCCASION_COLUMNS + """
SELECT c.store_id, c.id, NULL, 'birthday', 'birthday:' || c.id || ':' || %(year)s, %(day)s, '', TRUE, %(now)s,
       '', '', '', ''
""" + _CONSENTED + """
  AND coalesce(p.greet_birthdays, TRUE) AND c.birthday IS NOT NULL
  AND ((extract(month FROM c.birthday) = %(month)s AND extract(day FROM c.birthday) = %(dom)s)
       OR (%(leap_day_today)s AND extract(month FROM c.birthday) = 2 AND extract(day FROM c.birthday) = 29))
ON CONFLICT (key) DO NOTHING
RETURNING id
"""

_FESTIVAL = _OCCASION_COLUMNS + """
SELECT c.store_id, c.id, NULL, 'festival', 'festival:' || %(code)s || ':' || %(year)s || ':' || c.id,
       %(festival_day)s, %(code)s, TRUE, %(now)s, '', '', '', ''
""" + _CONSENTED + """
  AND coalesce(p.greet_festivals, TRUE)
ON CONFLICT (key) DO NOTHING
RETURNING id
"""

_SMS = OUTBOX_INSERT + """
SELECT o.store_id, o.customer_id, %(kind)s, %(purpose)s, 'sms', c.mobile, c.preferred_language,
       CASE WHEN c.preferred_language = 'en' THEN jsonb_build_object('name', c.name, 'holiday', %(label_en)s)
            ELSE jsonb_build_object('name', c.name, 'holiday', %(label_zh)s) END,
       'care:' || o.key, 'queued', %(now)s, 0, '', '', '', '', '', %(now)s
FROM unnest(%(ids)s::bigint[]) AS made(id)
JOIN visits_careoccasion o ON o.id = made.id
JOIN customers_customer c ON c.id = o.customer_id
ON CONFLICT DO NOTHING
"""


def _labels(label):
    found = {}
    for language in ("zh-hans", "en"):
        with translation.override(language):
            found[language] = str(label)
    return found["zh-hans"], found["en"]


def send_greetings(*, day, now, store_ids=None) -> dict:
    counts = {"birthdays": 0, "festival_greetings": 0}
    leap_day_today = day.month == 2 and day.day == 28 and not calendar.isleap(day.year)
    base = {"day": day, "now": now, "store_ids": store_ids, "year": day.year}
    with connection.cursor() as cursor:
        cursor.execute(_BIRTHDAYS, {**base, "month": day.month, "dom": day.day, "leap_day_today": leap_day_today})
        ids = [row[0] for row in cursor.fetchall()]
        cursor.execute(_SMS, {**base, "ids": ids, "kind": "birthday", "purpose": KINDS["birthday"].purpose,
                              "label_zh": "", "label_en": ""})
        counts["birthdays"] = cursor.rowcount
        for festival, festival_day in festivals_greeted_on(day):
            params = {**base, "code": festival.code, "year": festival_day.year, "festival_day": festival_day}
            cursor.execute(_FESTIVAL, params)
            ids = [row[0] for row in cursor.fetchall()]
            label_zh, label_en = _labels(festival.label)
            cursor.execute(_SMS, {**params, "ids": ids, "kind": "holiday", "purpose": KINDS["holiday"].purpose,
                                  "label_zh": label_zh, "label_en": label_en})
            counts["festival_greetings"] += cursor.rowcount
    return counts
