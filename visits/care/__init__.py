"""Customer care from the file: maintenance due, insurance renewal, greetings, lost-customer
recalls and campaigns (issue 15). Models are in visits/models/care.py."""
