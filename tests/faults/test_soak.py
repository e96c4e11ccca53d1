"""The soak's short mode: concurrent readers and writers against gunicorn on a scratch PostgreSQL that is
stopped and started again mid-run, and later hangs (a proxy that stops forwarding): ops/soak.py;
`python manage.py soak --seconds 60` is the long run. It needs no test database of its own: everything
happens in subprocesses and a temporary folder."""

from decimal import Decimal

from ops import soak


def test_short_soak_with_a_postgresql_restart_loses_nothing_and_recovers_by_itself():
    report = soak.run(
        soak.Options(
            seconds=12,
            readers=3,
            writers=4,
            web_workers=2,
            down_seconds=2,
            hang_seconds=2,
            facilities=4,
            applications_per_facility=6,
        ),
        say=lambda line: None,
    )
    details = "\n".join(report.lines())
    assert report.ok, details
    assert not report.failures and not report.verify["problems"], details
    # Readers and writers got through before and after the restart; writes were checked afterwards.
    assert report.statuses.get("200", 0) > 0, details
    assert report.verify["figures"]["facility_edits_acknowledged"] > 0, details
    # Compared as numbers: the figures are decimal strings ("0.00" from the fund, "0" from an empty ledger).
    figures = report.verify["figures"]
    assert Decimal(figures["fund_disbursed"]) == Decimal(figures["ledger_sum"]), details
    # While PostgreSQL was down every probe got the 503 outage answer; then the same workers answered again.
    assert set(report.outage["probe_answers_while_down"]) == {"503"}, details
    assert report.outage["recovered_after_seconds"] is not None, details
    # While it hung every probe got the 503 within the connect + client time-outs; then it answered again.
    hang = report.hang
    assert set(hang["probe_answers_while_hung"]) == {"503"}, details
    assert 0 < hang["slowest_503_seconds"] <= hang["limit_seconds"], details  # in gunicorn, per request
    assert hang["recovered_after_seconds"] is not None, details
