"""Test-only machinery of the suite (conftest.py loads it; the application never imports it):
`database` (the test database: migrated once, copied per process, reset fast) and `floor`
(the count of tests that ran, against the floor in .ci/test_floor)."""
