"""The complaint list's search box: words of the description, a number, a customer or a plate,
each found through an index (a GIN index over the description's grams, which PostgreSQL writes
itself, for the words)."""
import pytest
from django.db import connection, transaction
from django.urls import reverse

from aftersales.tests.factories import CustomerFactory, ServiceVisitFactory, VehicleFactory, make_complaint
from complaints import selectors
from complaints.models import Complaint
from customers.normalize import name_grams

pytestmark = pytest.mark.django_db


@pytest.fixture
def supervisor(personas):
    return personas["cs_supervisor"]


@pytest.fixture
def cases(supervisor, store_a, store_b, make_user):
    zhang = CustomerFactory(store=store_a, name="张伟", mobile="13800001111")
    VehicleFactory(owner=zhang, plate="京A12345")
    li = CustomerFactory(store=store_a, name="李娜", mobile="13900002222")
    visit = ServiceVisitFactory(vehicle=VehicleFactory(owner=li, plate="沪B67890"))
    other_store = make_user("cs_supervisor", [store_b], username="sup_b")
    return {
        "noise": make_complaint(store=store_a, by=supervisor, customer=zhang,
                                description="更换刹车片后刹车时有尖锐异响，回店两次仍未解决"),
        "paint": make_complaint(store=store_a, by=supervisor, customer=li, visit=visit,
                                description="钣喷后车门颜色与原车有色差"),
        # Fixed names and mobiles: random ones could be found by the name and mobile entries.
        "wait": make_complaint(store=store_a, by=supervisor, description="预约了保养，到店后仍等待两个多小时",
                               customer=CustomerFactory(store=store_a, name="赵强", mobile="13700003333")),
        "full_width": make_complaint(store=store_a, by=supervisor, description="ＡＢＳ故障灯亮了３次",
                                     customer=CustomerFactory(store=store_a, name="孙丽", mobile="13600004444")),
        "other_store": make_complaint(store=store_b, by=other_store, description="刹车异响，另一家店"),
    }


def found(client, user, words):
    client.force_login(user)
    response = client.get(reverse("complaints:list"), {"words": words})
    assert response.status_code == 200
    return {row.number for row in response.context["rows"]}


def numbers(cases, *names):
    return {cases[name].number for name in names}


@pytest.mark.parametrize("words,expected", [
    ("异响", ["noise"]),
    ("色差", ["paint"]),
    ("两", ["noise", "wait"]),
    ("刹车 异响", ["noise"]),
    ("刹车 色差", []),
    ("刹车异响", []),
    ("abs 3次", ["full_width"]),
    ("故障灯亮", ["full_width"]),
    ("abs故障", ["full_width"]),
    ("两个多小时", ["wait"]),
    ("两个小时", []),
], ids=["two characters", "another word", "one character", "every word must be there",
        "words of different complaints", "a phrase not in the text", "full-width and case", "four characters",
        "full-width letters in a longer word", "five characters", "characters of a phrase in another order"])
def test_words_of_the_description_find_the_complaints_that_hold_them(client, supervisor, cases, words, expected):
    assert found(client, supervisor, words) == numbers(cases, *expected)


def test_the_search_box_finds_a_complaint_by_its_number(client, supervisor, cases):
    assert found(client, supervisor, cases["paint"].number.lower()) == numbers(cases, "paint")


@pytest.mark.parametrize("words,expected", [
    ("张伟", ["noise"]), ("138 0000 1111", ["noise"]), ("2222", ["paint"]), ("lina", ["paint"]),
    ("京A12345", ["noise"]), ("b67890", ["paint"]),
], ids=["name", "mobile", "mobile's last four", "pinyin", "plate with its province", "plate's tail"])
def test_the_search_box_finds_complaints_by_customer_or_plate(client, supervisor, cases, words, expected):
    assert found(client, supervisor, words) == numbers(cases, *expected)


def test_the_search_never_finds_another_stores_complaint(client, supervisor, cases):
    assert cases["other_store"].number not in found(client, supervisor, "异响")


def test_the_grams_follow_the_description_whatever_writes_it(cases):
    Complaint.objects.filter(pk=cases["wait"].pk).update(description="轮胎 鼓包")
    stored = Complaint.objects.values_list("description_grams", flat=True).get(pk=cases["wait"].pk)
    assert stored == name_grams("轮胎 鼓包")


def test_a_word_is_looked_up_in_the_grams_index(cases):
    """Without a sequential scan of the descriptions: the condition is one the GIN index serves
    (with sequential and plain index scans priced out, only a bitmap scan of an index whose
    condition it is remains)."""
    queryset = Complaint.objects.filter(selectors.description_condition("异响"))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        sql, params = queryset.values("pk").query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "complaint_description_grams" in plan


@pytest.mark.parametrize("words", ["异响", "两", "刹车 异响", "刹车异响", "abs 3次", "故障灯亮", "两个多小时", "两个小时"])
def test_the_condition_for_few_rows_finds_the_same_complaints(cases, words):
    def found_by(condition):
        return set(Complaint.objects.filter(condition).values_list("pk", flat=True))

    assert found_by(selectors.description_condition(words, indexed=False)) == found_by(
        selectors.description_condition(words))


def test_the_condition_for_few_rows_is_not_looked_up_in_the_grams_index(cases):
    """For a store's overdue complaints: a common pair of words read from the index of every
    store's descriptions costs ten times the query."""
    queryset = Complaint.objects.filter(selectors.description_condition("刹车 异响", indexed=False))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        sql, params = queryset.values("pk").query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "complaint_description_grams" not in plan


def test_the_open_complaints_words_index_holds_exactly_the_open_ones():
    index = next(index for index in Complaint._meta.indexes if index.name == "complaint_open_grams")
    assert index.condition.children == [("status__in", list(Complaint.OPEN))]


def test_overdue_matches_can_be_read_from_the_open_complaints_words(cases):
    """The overdue condition implies the index's, so PostgreSQL may read the open complaints'
    words (a twentieth of all) instead of every one's. On a few rows any other index is cheaper,
    so the others are dropped for the question (in a transaction rolled back): with only this
    one left, a plan that does not read it would mean the condition does not imply the index's."""
    from django.utils import timezone

    queryset = Complaint.objects.filter(selectors.description_condition("异响"), selectors.overdue(timezone.now()))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.indexrelid::regclass::text FROM pg_index i WHERE i.indrelid = %s::regclass "
            "AND NOT EXISTS (SELECT FROM pg_constraint c WHERE c.conindid = i.indexrelid) "
            "AND i.indexrelid::regclass::text <> 'complaint_open_grams'",
            [Complaint._meta.db_table],
        )
        for (index,) in cursor.fetchall():
            cursor.execute(f'DROP INDEX "{index}"')
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        sql, params = queryset.values("pk").query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        transaction.set_rollback(True)
    assert "complaint_open_grams" in plan


def test_an_overdue_match_heads_a_search_of_one_store_and_other_overdue_ones_do_not(client, supervisor, cases):
    from django.utils import timezone

    late = timezone.now() - timezone.timedelta(hours=2)
    Complaint.objects.filter(pk__in=[cases["noise"].pk, cases["paint"].pk]).update(due_at=late)
    client.force_login(supervisor)
    response = client.get(reverse("complaints:list"), {"words": "刹车 异响"})
    assert [row.number for row in response.context["rows"]] == [cases["noise"].number]
    assert [row.number for row in response.context["overdue"]] == [cases["noise"].number]


@pytest.mark.parametrize("few_matches", [selectors.FEW_MATCHES, 1], ids=["matches sorted", "matches walked"])
def test_a_search_over_several_stores_lists_the_matches_of_each_newest_first(client, cases, store_a, store_b,
                                                                              make_user, monkeypatch, few_matches):
    # Two matches of a word the statistics do not know: sorted by the page itself, or (more
    # than "few") met walking the complaints.
    monkeypatch.setattr(selectors, "_statistics_grams", frozenset)
    monkeypatch.setattr(selectors, "FEW_MATCHES", few_matches)
    both = make_user("cs_supervisor", [store_a, store_b], username="sup_both")
    client.force_login(both)
    response = client.get(reverse("complaints:list"), {"words": "异响"})
    listed = [row.number for row in response.context["rows"]]
    expected = Complaint.objects.filter(pk__in=[cases["noise"].pk, cases["other_store"].pk])
    assert listed == [c.number for c in expected.order_by("-created_at", "-id")]


def test_an_overdue_match_heads_a_search_over_several_stores(client, cases, store_a, store_b, make_user):
    from django.utils import timezone

    Complaint.objects.filter(pk=cases["noise"].pk).update(due_at=timezone.now() - timezone.timedelta(hours=2))
    both = make_user("cs_supervisor", [store_a, store_b], username="sup_both")
    client.force_login(both)
    response = client.get(reverse("complaints:list"), {"words": "异响"})
    assert [row.number for row in response.context["rows"]][0] == cases["noise"].number
    assert [row.number for row in response.context["overdue"]] == [cases["noise"].number]


def test_a_complaint_number_with_a_dashed_store_code_is_found(client, supervisor, cases):
    Complaint.objects.filter(pk=cases["paint"].pk).update(number="GRP-001-2026-00007")
    assert found(client, supervisor, "grp-001-2026-00007") == {"GRP-001-2026-00007"}


@pytest.mark.parametrize("few_matches", [selectors.FEW_MATCHES, 1], ids=["matches sorted", "matches walked"])
def test_a_search_over_several_stores_pages_by_keyset_without_repeating(client, supervisor, store_a, store_b,
                                                                        make_user, monkeypatch, few_matches):
    monkeypatch.setattr(selectors, "PAGE_SIZE", 2)
    monkeypatch.setattr(selectors, "_statistics_grams", frozenset)
    monkeypatch.setattr(selectors, "FEW_MATCHES", few_matches)
    other = make_user("cs_supervisor", [store_b], username="sup_b")
    made = [make_complaint(store=store, by=by, description=f"第{n}次发动机抖动")
            for n, (store, by) in enumerate([(store_a, supervisor), (store_b, other)] * 3)]
    make_complaint(store=store_a, by=supervisor, description="空调不制冷")
    client.force_login(make_user("cs_supervisor", [store_a, store_b], username="sup_both"))
    pages, cursor = [], None
    while True:
        response = client.get(reverse("complaints:list"), {"words": "抖动", **({"after": cursor} if cursor else {})})
        pages.append([row.number for row in response.context["rows"]])
        cursor = response.context["page"].next_cursor
        if not cursor:
            break
    newest_first = [c.number for c in Complaint.objects.filter(pk__in=[c.pk for c in made])
                    .order_by("-created_at", "-id")]
    assert pages == [newest_first[0:2], newest_first[2:4], newest_first[4:6]]


@pytest.fixture
def fresh_statistics(monkeypatch):
    monkeypatch.setitem(selectors._listed_grams, "until", 0.0)
    yield
    selectors._listed_grams["until"] = 0.0


def test_words_the_statistics_list_are_left_to_postgresql_and_others_are_read_first(
        supervisor, store_a, fresh_statistics):
    for n in range(40):
        make_complaint(store=store_a, by=supervisor, description=f"刹车异响第{n}次")
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {Complaint._meta.db_table}")
    assert not selectors.words_misjudged_by_statistics("刹车 异响")
    assert selectors.words_misjudged_by_statistics("刹车 抖动")  # 抖动: in no description
    assert selectors.words_misjudged_by_statistics("贺秀")  # a customer's name


def test_the_statistics_are_read_once_in_a_while(fresh_statistics, db, django_assert_num_queries):
    with django_assert_num_queries(1):
        selectors.words_misjudged_by_statistics("异响")
    with django_assert_num_queries(0):
        selectors.words_misjudged_by_statistics("态度")


@pytest.mark.django_db
def test_the_words_index_keeps_no_pending_list_a_search_would_read_whole():
    """GIN's fast update holds new entries in a list every search reads whole until VACUUM: up
    to 4 MB of it made a search of one word 16 ms instead of 0.1 ms (migration 0007)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = 'complaint_description_grams'")
        assert cursor.fetchone()[0] == ["fastupdate=off"]


def test_few_matches_over_several_stores_are_read_once_with_the_overdue_first_and_never_repeated(
        client, supervisor, store_a, store_b, make_user, monkeypatch):
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    monkeypatch.setattr(selectors, "PAGE_SIZE", 2)
    monkeypatch.setattr(selectors, "OVERDUE_LIMIT", 2)
    monkeypatch.setattr(selectors, "_statistics_grams", frozenset)
    other = make_user("cs_supervisor", [store_b], username="sup_b")
    made = [make_complaint(store=store, by=by, description=f"第{n}次发动机抖动")
            for n, (store, by) in enumerate([(store_a, supervisor), (store_b, other)] * 3)]
    make_complaint(store=store_a, by=supervisor, description="空调不制冷")
    now = timezone.now()
    # Three overdue, the most overdue first: made[4] (3 h), made[1] (2 h), made[2] (1 h).
    for complaint, hours in ((made[1], 2), (made[4], 3), (made[2], 1)):
        Complaint.objects.filter(pk=complaint.pk).update(due_at=now - timezone.timedelta(hours=hours))
    client.force_login(make_user("cs_supervisor", [store_a, store_b], username="sup_both"))
    url = reverse("complaints:list")
    with CaptureQueriesContext(connection) as first_page:
        response = client.get(url, {"words": "抖动"})
    reads = [q["sql"] for q in first_page.captured_queries if 'FROM "complaints_complaint"' in q["sql"]]
    assert len(reads) == 1, reads
    assert [row.number for row in response.context["overdue"]] == [made[4].number, made[1].number]
    assert response.context["more_overdue"]
    pages, cursor = [[row.number for row in response.context["rows"]]], response.context["page"].next_cursor
    while cursor:
        response = client.get(url, {"words": "抖动", "after": cursor})
        pages.append([row.number for row in response.context["rows"]])
        assert not response.context["overdue"] and not response.context["more_overdue"]
        cursor = response.context["page"].next_cursor
    rest = [c.number for c in Complaint.objects.filter(pk__in=[c.pk for c in made])
            .exclude(pk__in=[made[4].pk, made[1].pk]).order_by("-created_at", "-id")]
    assert pages == [[made[4].number, made[1].number, *rest[0:2]], rest[2:4]]


@pytest.mark.parametrize("words", ["抖动", "发动机抖"], ids=["two characters", "four characters"])
def test_common_words_in_one_store_are_paged_from_its_newest_complaints_then_from_the_index(
        client, supervisor, store_a, monkeypatch, words):
    """A page found among the store's newest complaints (RECENT_SCAN of them) is read there; one
    that is not, from the words' index: the pages are the same either way, newest first."""
    from django.test.utils import CaptureQueriesContext

    monkeypatch.setattr(selectors, "PAGE_SIZE", 2)
    monkeypatch.setattr(selectors, "RECENT_SCAN", 4)
    monkeypatch.setattr(selectors, "_statistics_grams", lambda: frozenset({"抖动", "发动", "机抖"}))
    older = [make_complaint(store=store_a, by=supervisor, description=f"第{n}次发动机抖动") for n in range(2)]
    for _ in range(4):
        make_complaint(store=store_a, by=supervisor, description="空调不制冷")
    newer = [make_complaint(store=store_a, by=supervisor, description=f"又一次发动机抖动{n}") for n in range(3)]
    client.force_login(supervisor)
    url = reverse("complaints:list")
    pages, reads, cursor = [], [], None
    while True:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, {"words": words, **({"after": cursor} if cursor else {})})
        pages.append([row.number for row in response.context["rows"]])
        reads.append(sum('FROM "complaints_complaint"' in q["sql"] for q in queries.captured_queries))
        cursor = response.context["page"].next_cursor
        if not cursor:
            break
    newest_first = [c.number for c in reversed(older + newer)]
    assert pages == [newest_first[0:2], newest_first[2:4], newest_first[4:5]]
    # The first page from the newest four (three matches: a page and one more); the second's
    # newest four after it hold one match, so its page is read again by the index.
    assert reads[1] == reads[0] + 1


@pytest.mark.parametrize("entry,common", [
    ("刹车 异响", True), ("刹车 抖动", False), ("GRP-001-2026-00007", False), ("京A12345", False),
    ("1111", False), ("  ", False),
], ids=["listed words", "a word not listed", "a complaint number", "a plate", "a mobile's last four", "nothing"])
def test_only_words_of_the_descriptions_the_statistics_list_count_as_common(monkeypatch, entry, common):
    monkeypatch.setattr(selectors, "_statistics_grams", lambda: frozenset({"刹车", "异响", "11"}))
    assert selectors.words_common_in_descriptions(entry) is common


def test_the_filters_are_built_again_for_rows_checked_one_by_one_only_for_one_store(
        rf, supervisor, store_a, store_b, make_user):
    from complaints.filters import ComplaintFilter

    both = make_user("cs_supervisor", [store_a, store_b], username="sup_both")

    def few_rows(user, **params):
        request = rf.get("/complaints/", {"words": "异响", **params})
        request.user = user
        complaints = ComplaintFilter(request.GET, request=request)
        complaints.qs  # noqa: B018 - the filters applied, as the list does first
        return complaints.few_rows_qs

    assert few_rows(both) is None
    assert few_rows(both, store=store_a.pk) is not None
    assert few_rows(supervisor) is not None
