"""Short strings such as "New" mean different things in different places (新客户, 新增工单): one
msgid for both makes one of them wrong in Chinese. A short msgid (two words or fewer) used in
more than one file carries a translation context (pgettext, {% translate "New" context "…" %})
unless it is listed here as meaning the same wherever it is used."""
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.utils import translation

PO = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"

# Reviewed: the same meaning (and the same Chinese) at every place they are used. A new shared
# short string is either added here after that check, or given a context.
SAME_EVERYWHERE = {
    'active', 'Address', 'address', 'Administration', 'Advisor', 'After-sales service', 'Agreed',
    'Amount (yuan)', 'Attachments', 'Attempts', 'Call', 'Calls due', 'Calls made',
    'Calls today', 'Cancel', 'Cancelled', 'category', 'Category', 'Change password', 'Channel', 'channel',
    'Closed', 'Closed on', 'Code', 'Complaint', 'Complaint number', 'Complaints', 'Corrective action',
    'created', 'Customer', 'customer', 'Customers', 'Dates', 'Day', 'Deadline', 'Declined',
    'Delivery log', 'Department', 'Department inbox', 'Description', 'Dissatisfied customers', 'DMS import',
    'Due', 'Email', 'Expired', 'expires', 'Failed', 'file', 'file name', 'Filter', 'follow-up', 'Full name',
    'Handler', 'History', 'Hotline', 'Investigation', 'Kind', 'kind', 'Last visit', 'Loyalty tier',
    'Marketing', 'Merge duplicate', 'mileage (km)', 'Mileage (km)', 'mobile', 'Mobile', 'name',
    'New customer', 'Next', 'Next page', 'No', 'note', 'Note', 'Number', 'On-site survey', 'Opened',
    'Opening hours', 'Order', 'Other', 'Overdue', 'Pages', 'Parts', 'Plate', 'Previous', 'priority',
    'Proposed resolution', 'purpose', 'Queued', 'Queued at', 'Reached', 'Recently dissatisfied', 'Record',
    'recorded by', 'Refused', 'Registered on', 'repair order', 'Repair order', 'Repair orders',
    'Repair quality', 'repair type', 'Repair type', 'Return visits', 'Return-visit call', 'Role',
    'Root cause', 'Sales', 'satisfied', 'Search customers', 'sent at', 'Sent at', 'Service advisor',
    'severity', 'Severity', 'Show', 'size (bytes)', 'SMS', 'Source', 'source', 'Staff concerned', 'Status',
    'status', 'Still open', 'store', 'Store', 'Stores', 'Subject', 'Surveys', 'System health', 'Technician',
    'Text', 'text', 'to', 'To', 'Triage', 'Unreachable', 'updated', 'Uploaded', 'uploaded', 'uploaded by',
    'vehicle', 'Vehicle', 'Verification code', 'VIN', 'Visits', 'Walk-in', 'Warranty ends', 'What happened?',
    'Workbench', 'yes', 'Yes', 'Your name',
}


def short_shared_without_context():
    shared = {}
    for entry in polib.pofile(str(PO)):
        if entry.obsolete or entry.msgctxt or len(entry.msgid.split()) > 2:
            continue
        files = {path for path, _line in entry.occurrences if "/tests/" not in path}
        if len(files) > 1:
            shared[entry.msgid] = sorted(files)
    return shared


def test_short_msgids_shared_between_files_have_a_context_or_the_same_meaning():
    unreviewed = {msgid: files for msgid, files in short_shared_without_context().items()
                  if msgid not in SAME_EVERYWHERE}
    assert not unreviewed, (
        "give these a translation context (pgettext) or, if they mean the same everywhere, add them to "
        f"SAME_EVERYWHERE: {unreviewed}"
    )


def test_the_allow_list_holds_no_string_that_is_no_longer_shared():
    assert SAME_EVERYWHERE <= set(short_shared_without_context()), (
        SAME_EVERYWHERE - set(short_shared_without_context())
    )


@pytest.mark.django_db
def test_the_import_summary_tells_new_repair_orders_from_new_customers():
    new = "New"  # a variable: the catalogue is not to collect this test's uses
    with translation.override("zh-hans"):
        assert translation.gettext(new) == "新客户"  # the loyalty tier
        assert translation.pgettext("import rows", new) == "新增"


@pytest.mark.django_db
def test_a_complaints_deadline_is_not_called_a_callback_date():
    from complaints.models import Complaint
    from visits.models import FollowUp

    with translation.override("zh-hans"):
        assert str(Complaint._meta.get_field("due_at").verbose_name) == "期限"
        assert str(FollowUp._meta.get_field("due_on").verbose_name) == "回访日期"
