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
    'Action', 'active', 'Address', 'address', 'Administration', 'Advisor', 'Advisor scorecard', 'After',
    'After-sales service', 'Agreed', 'All stores', 'Search', 'Edit', 'Amount (yuan)', 'Any', 'Appointment list', 'Appointments',
    'Arrived', 'arrived', 'Attachments', 'Attempts', 'Before', 'Birthday greeting', 'Book', 'Call',
    'Callback queue', 'Calls due', 'Calls made', 'Calls today', 'Campaigns', 'Cancel', 'Cancelled',
    'care occasion', 'Category', 'category', 'Change password', 'Channel', 'channel', 'Checked on', 'Closed',
    'Closed on', 'closes at', 'Code', 'Complaint', 'Complaint number', 'Complaints', 'Completed', 'Confirm',
    'Confirmed', 'Corrective action', 'corrective action', 'Corrective actions', 'Counted', 'created',
    'Customer', 'customer', "Customer's words", "customer's words", 'Customers', 'customers', 'Dashboard',
    'Dates', 'Day', 'day', 'Day book', 'Deadline', 'Declined', 'Delivery log', 'Department',
    'Department inbox', 'Description', 'Dissatisfactions', 'Dissatisfied customers', 'DMS import', 'Done',
    'Due', 'Email', 'Excel workbook', 'Expected on', 'expected on', 'Expired', 'expires', 'Failed', 'Figure',
    'Figures', 'file', 'file name', 'Filter', 'finished', 'follow-up', 'from', 'Full name', 'Handler',
    'History', 'Hotline', 'Insurance renewal', 'Investigation', 'Invitation', 'Kind', 'kind', 'Last visit',
    'last visit', 'Lost-customer recall', 'Loyalty tier', 'Maintenance reminder', 'Marketing',
    'Merge duplicate', 'Mileage', 'Mileage (km)', 'mileage (km)', 'Mobile', 'mobile', 'Model',
    'Monthly report', 'Move', 'Mystery shopper', 'Name', 'name', 'New campaign', 'New customer', 'Next',
    'Next month', 'Next page', 'No', 'No-show', 'None.', 'Note', 'note', 'Notes', 'notes', 'Number',
    'On-site survey', 'Online self-booking',
    'Opened', 'Opening hours', 'opens at', 'Order', 'Other', 'Overdue', 'overdue', 'Overdue complaints',
    'Owner', 'Pages', 'Parts', 'Parts late', 'Phone', 'Plate', 'Previous', 'Previous month', 'Price',
    'priority', 'Progress', 'Proposed resolution', 'purpose', 'Queued', 'Queued at', 'Reached',
    'Recently dissatisfied', 'Record', 'Recorded', 'recorded', 'recorded by', 'Refused', 'Registered',
    'Registered on', 'Repair order', 'repair order', 'Repair orders', 'Repair quality', 'Repair type',
    'repair type', 'Return-visit call', 'Role', 'Root cause', 'Rounds', 'Sales', 'satisfied',
    'Save', 'Search customers', 'Sent', 'sent', 'Sent at', 'sent at', 'Service advisor', 'service advisor',
    'Service type', 'service type', 'Severity', 'severity', 'Show', 'size (bytes)', 'SMS', 'Source', 'source',
    'Staff concerned', 'State', 'Status', 'status', 'Still open', 'Store', 'store', 'Stores', 'Subject',
    'Suppressed', 'Surveys', 'System health', 'Target', 'Targets', 'Technician', 'Text', 'text', 'This month',
    'Time', 'To', 'to', "Today's appointments", 'Total',
    'Triage', 'Unhappy about', 'Unreachable', 'until', 'updated', 'Uploaded', 'uploaded',
    'uploaded by', 'Vehicle', 'vehicle', 'Verification code', 'VIN', 'Visits', 'Walk-in', 'Warranty ends',
    'What happened?', 'Workbench', 'Yes', 'yes', 'Your name',
    'language', 'Group', 'Appointment', 'Tags', 'Every store', 'Return-visit calls', 'Outcome',
    'Overall satisfaction', 'Survey answers', 'Asked',
}


def short_shared_without_context():
    shared = {}
    for entry in polib.pofile(str(PO)):
        if entry.obsolete or entry.msgctxt or len(entry.msgid.split()) > 2:
            continue
        # Tests and benchmarks are not what users read.
        files = {path for path, _line in entry.occurrences
                 if "/tests/" not in path and not path.startswith("bench/")}
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
