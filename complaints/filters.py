import datetime as dt

import django_filters
from django import forms
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

import customers.selectors as customer_selectors
from aftersales.choices import SharedChoices
from aftersales.filters import BootstrapWidgets, LightFilterCopies, store_choices
from aftersales.scoping import visible_stores
from aftersales.widget_rendering import ManyOptionsSelect
from customers.normalize import clean_text, halfwidth

from . import selectors
from .models import Complaint

OPEN = "open"
PICK_A_STORE = _("Pick a store first")


def picked_store_id(data, store_ids) -> int | None:
    """The store picked in the filter (`?store=`), if it is one of `store_ids`."""
    try:
        picked = int((data or {}).get("store") or 0)
    except (TypeError, ValueError):
        return None
    return picked if picked in store_ids else None


class ComplaintFilter(LightFilterCopies, BootstrapWidgets, django_filters.FilterSet):
    """The complaint list's filters, over the complaints of the stores the user may see.

    `ComplaintFilter(request.GET, request=request)`: the stores and departments the user may
    choose are read once here (two queries), the stores kept as `stores`; `now` is the moment
    "overdue" is measured against, for the filter and the page alike."""

    words = django_filters.CharFilter(
        label=_("Search"), method="filter_words",
        widget=forms.TextInput(attrs={
            "type": "search",
            "placeholder": _("Words of the description, a number, a customer's name or mobile, a plate"),
        }),
    )
    number = django_filters.CharFilter(label=_("Number"), method="filter_number")
    customer = django_filters.CharFilter(label=_("Customer name or mobile"), method="filter_customer")
    plate = django_filters.CharFilter(label=_("Plate"), method="filter_plate")
    category = django_filters.ChoiceFilter(label=_("Category"), choices=Complaint.Category.choices)
    department = django_filters.ChoiceFilter(label=_("Department"), choices=[], field_name="department_id",
                                             widget=ManyOptionsSelect)
    severity = django_filters.ChoiceFilter(label=_("Severity"), choices=Complaint.Severity.choices)
    status = django_filters.ChoiceFilter(
        label=_("Status"), method="filter_status",
        choices=[(OPEN, _("Open (new, with the department or to call back)")), *Complaint.Status.choices],
    )
    channel = django_filters.ChoiceFilter(label=_("Channel"), choices=Complaint.Channel.choices)
    registered = django_filters.DateFromToRangeFilter(
        label=_("Registered on"), field_name="created_at",
        widget=django_filters.widgets.DateRangeWidget(attrs={"type": "date"}),
    )
    overdue = django_filters.BooleanFilter(
        label=_("Overdue only"), method="filter_overdue", widget=forms.CheckboxInput
    )
    store = django_filters.ChoiceFilter(label=_("Store"), choices=[], field_name="store_id", widget=ManyOptionsSelect)
    # The KPI pages' drill-down: exactly the complaints a figure counts (with `registered` or
    # `closed` for its period).
    closed = django_filters.DateFromToRangeFilter(
        label=_("Closed on"), field_name="closed_at",
        widget=django_filters.widgets.DateRangeWidget(attrs={"type": "date"}),
    )
    kpi = django_filters.ChoiceFilter(label=_("Counted in the figure"), method="filter_kpi", choices=[
        ("valid", _("Complaints (not cancelled)")),
        ("acknowledged_24h", _("Acknowledged within 24 hours")),
        ("answered_3d", _("Answered within 3 working days")),
        ("closed_on_time", _("Closed on time")),
        ("reopened", _("Reopened (more than one round)")),
        ("repeat", _("Repeat complaint (another within 12 months)")),
    ])

    class Meta:
        model = Complaint
        fields = [
            # The store before the department: a user of several stores picks the store first.
            "words", "number", "customer", "plate", "category", "store", "department", "severity", "status",
            "channel", "registered", "overdue", "closed", "kpi",
        ]

    def __init__(self, data=None, queryset=None, *, request, prefix=None):
        self.now = _page_moment(request.GET.get("at"))
        self.stores = visible_stores(request.user)
        self.store_ids = [store.pk for store in self.stores]
        if queryset is None:
            queryset = Complaint.objects.filter(store_id__in=self.store_ids)
        super().__init__(data, queryset, request=request, prefix=prefix)
        several = len(self.stores) > 1
        self._offer_departments(data, several)
        if several:
            self.filters["store"].extra["choices"] = store_choices(self.stores)
            # Picking a store reloads the department choices with its departments (htmx).
            self.filters["store"].extra["widget"] = ManyOptionsSelect(attrs={
                "hx-get": reverse("complaints:department_options"), "hx-trigger": "change",
                "hx-target": "#id_department", "hx-swap": "innerHTML",
            })
        else:
            del self.filters["store"]

    def _offer_departments(self, data, several):
        """The departments of one store: the user's own, or, for a user of several stores, the
        store picked in the filter; with none picked, none (a group's hundreds of departments in
        one list were unusable, and most of the form's time). A department asked for without a
        store (a link from a report) is looked for among all the user's stores."""
        department = self.filters["department"]
        picked = picked_store_id(data, self.store_ids) if several else None
        if not several or picked is not None:
            department.extra["choices"] = SharedChoices(
                selectors.department_choices([picked] if several else self.store_ids, with_store=False))
        elif data and data.get("department"):
            department.extra["choices"] = SharedChoices(selectors.department_choices(self.store_ids, with_store=True))
        else:
            department.extra["choices"] = SharedChoices()
            department.extra["empty_label"] = PICK_A_STORE

    @property
    def chosen_store_ids(self):
        """The stores the list covers: the one picked in the store filter, else all the user's."""
        if not self.is_bound or not self.form.is_valid() and "store" in self.form.errors:
            return self.store_ids
        picked = self.form.cleaned_data.get("store")
        return [int(picked)] if picked else self.store_ids

    @property
    def searching(self):
        """Whether the list is searched by words (which decides how its page is read)."""
        return bool(self.is_bound and self.form.is_valid() and self.form.cleaned_data.get("words"))

    @property
    def rare_words(self):
        """Whether the words searched for are ones PostgreSQL's statistics misjudge."""
        return (self.searching and len(self.chosen_store_ids) > 1
                and selectors.words_misjudged_by_statistics(self.form.cleaned_data["words"]))

    @property
    def common_words(self):
        """Whether the words searched for are ones the statistics list as common (in one store,
        their page is read from its newest complaints)."""
        return (self.searching and len(self.chosen_store_ids) == 1
                and selectors.words_common_in_descriptions(self.form.cleaned_data["words"]))

    @property
    def several_stores(self):
        return len(self.stores) > 1

    @property
    def few_rows_qs(self):
        """`qs` with the search box's words checked row by row instead of through their index,
        for a query that reads few rows by another index (a store's overdue complaints); None
        for a list over several stores, which no query reads that way (its filters built again
        cost a search over fifty stores up to 1.4 ms)."""
        if len(self.chosen_store_ids) > 1:
            return None
        if getattr(self, "_few_rows_words", None) is None:
            return self.qs
        if not hasattr(self, "_few_rows_qs"):
            self._reading_few_rows = True
            try:
                self._few_rows_qs = self.filter_queryset(self.queryset.all())
            finally:
                self._reading_few_rows = False
        return self._few_rows_qs

    def filter_words(self, queryset, name, value):
        if getattr(self, "_reading_few_rows", False):
            return queryset.filter(self._few_rows_words)
        condition, self._few_rows_words = selectors.keyword_conditions(self.store_ids, value)
        return queryset.filter(condition)

    def filter_number(self, queryset, name, value):
        # Numbers are stored upper-case (TS-2026-00042): exact, case-insensitive, by the unique index.
        return queryset.filter(number=halfwidth(clean_text(value)).replace(" ", "").upper())

    def filter_customer(self, queryset, name, value):
        return queryset.filter(customer__in=customer_selectors.customers_matching(self.store_ids, value))

    def filter_plate(self, queryset, name, value):
        return queryset.filter(selectors.plate_condition(self.store_ids, value))

    def filter_status(self, queryset, name, value):
        if value == OPEN:
            return queryset.filter(status__in=Complaint.OPEN)
        return queryset.filter(status=value)

    def filter_kpi(self, queryset, name, value):
        return queryset.filter(selectors.kpi_complaints_where(value, zone=timezone.get_current_timezone()))

    def filter_overdue(self, queryset, name, value):
        return queryset.filter(selectors.overdue(self.now)) if value else queryset


def _page_moment(raw):
    """The moment a list's first page was read, carried by its "next page" links so that every
    page splits overdue from the rest alike (else a complaint falling overdue between two pages
    would be left out of both). A missing, malformed, future or stale value means now."""
    now = timezone.now()
    try:
        moment = dt.datetime.fromtimestamp(float(raw), tz=dt.UTC) if raw else None
    except (ValueError, OverflowError, OSError):
        moment = None
    if moment is None or not now - dt.timedelta(hours=1) <= moment <= now:
        return now
    return moment
