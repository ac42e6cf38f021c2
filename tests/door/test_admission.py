"""The admission rule (services.checkin.decide and scan_time) on plain facts: no database, no app.

In the manner of pretix's perform_checkin tests: each rule of checkin.py's docstring, one case.
"""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from eventapp.door.checkin import Badge, CheckInInfo, Decision, decide, first_checkin, scan_time

EVENT = 7
DAYS = [date(2024, 3, 12), date(2024, 3, 13)]
BAMAKO = ZoneInfo("Africa/Bamako")
BADGE = Badge(registration_id=1, event_id=EVENT, status="registered")


def _checkin(id_: int, day: date, hour: int = 9, item: int | None = None, voided: bool = False) -> CheckInInfo:
    at = datetime(day.year, day.month, day.day, hour, 14, tzinfo=UTC)
    return CheckInInfo(id=id_, scanned_at=at, recorded_at=at, day=day, station="Gate A", source="qr",
                       agenda_item_id=item, voided=voided)


def _decide(badge=BADGE, checkins=(), day=DAYS[0], readable=True, **kw) -> Decision:
    return decide(readable, badge, checkins, event_id=EVENT, event_days=DAYS, day=day, **kw)


def test_first_scan_of_the_day_checks_in():
    assert _decide() == Decision("checked_in")


def test_second_scan_of_the_day_is_already_in_with_the_first_checkin():
    first, later = _checkin(10, DAYS[0], hour=9), _checkin(11, DAYS[0], hour=8)
    # "first" is by scanned_at: the 08:14 one, whatever the order the rows come in.
    assert _decide(checkins=[first, later]) == Decision("already_checked_in", first=later)


def test_a_checkin_of_another_day_does_not_count():
    assert _decide(checkins=[_checkin(10, DAYS[0])], day=DAYS[1]) == Decision("checked_in")


def test_a_voided_checkin_does_not_count():
    assert _decide(checkins=[_checkin(10, DAYS[0], voided=True)]) == Decision("checked_in")


def test_unreadable_code_and_unknown_badge():
    assert _decide(readable=False, badge=None) == Decision("unknown_token", "garbage")
    assert _decide(badge=None) == Decision("unknown_token", "unknown")


def test_badge_of_another_event():
    assert _decide(badge=Badge(1, EVENT + 1, "registered")) == Decision("not_admitted", "other_event")


def test_cancelled_registration_is_refused_even_if_checked_in_before():
    cancelled = Badge(1, EVENT, "cancelled")
    assert _decide(badge=cancelled, checkins=[_checkin(10, DAYS[0])]) == Decision("not_admitted", "cancelled")


def test_invited_accepted_and_declined_are_admitted():
    # Who turns up is let in: a "declined" answer given weeks earlier does not close the door.
    for status in ("invited", "accepted", "declined"):
        assert _decide(badge=Badge(1, EVENT, status)).result == "checked_in"


def test_day_outside_the_event():
    assert _decide(day=date(2024, 3, 14)) == Decision("not_admitted", "not_event_day")


def test_registration_for_some_days_only():
    opening_only = Badge(1, EVENT, "registered", days=frozenset({DAYS[0]}))
    assert _decide(badge=opening_only, day=DAYS[0]) == Decision("checked_in")
    assert _decide(badge=opening_only, day=DAYS[1]) == Decision("not_admitted", "not_registered_for_day")
    # A day outside the event is said as such first; a cancelled registration is cancelled every day.
    assert _decide(badge=opening_only, day=date(2024, 3, 14)) == Decision("not_admitted", "not_event_day")
    cancelled = Badge(1, EVENT, "cancelled", days=frozenset({DAYS[0]}))
    assert _decide(badge=cancelled, day=DAYS[1]) == Decision("not_admitted", "cancelled")
    # Not registered for the day: not for its sessions either.
    assert _decide(badge=opening_only, day=DAYS[1], agenda_item_id=5, agenda_item_day=DAYS[1]) == Decision(
        "not_admitted", "not_registered_for_day")
    # No days is every day (every registration made before days existed).
    assert _decide(badge=Badge(1, EVENT, "registered"), day=DAYS[1]) == Decision("checked_in")


def test_agenda_item_rules():
    item = 5
    assert _decide(agenda_item_id=item, agenda_item_day=None) == Decision("not_admitted", "unknown_agenda_item")
    assert _decide(agenda_item_id=item, agenda_item_day=DAYS[1]) == Decision("not_admitted", "agenda_item_other_day")
    assert _decide(agenda_item_id=item, agenda_item_day=DAYS[0]) == Decision("checked_in")
    # The day's check-in does not admit to the session, nor the session's to the day.
    day_in, item_in = _checkin(10, DAYS[0]), _checkin(11, DAYS[0], item=item)
    assert _decide(checkins=[day_in], agenda_item_id=item, agenda_item_day=DAYS[0]) == Decision("checked_in")
    assert _decide(checkins=[item_in]) == Decision("checked_in")
    assert _decide(checkins=[day_in, item_in], agenda_item_id=item, agenda_item_day=DAYS[0]) == Decision(
        "already_checked_in", first=item_in)


def test_first_checkin_breaks_ties_by_id():
    a, b = _checkin(12, DAYS[0]), _checkin(11, DAYS[0])
    assert first_checkin([a, b], DAYS[0], None) == b


NOW = datetime(2024, 3, 12, 23, 30, tzinfo=UTC)


def test_scan_day_is_the_event_local_date_of_the_device_time():
    tokyo = ZoneInfo("Asia/Tokyo")  # 23:30 UTC is already the next day there
    when = scan_time(NOW - timedelta(minutes=1), NOW, tokyo)
    assert when.day == date(2024, 3, 13) and when.skew_seconds is None
    assert scan_time(None, NOW, BAMAKO).scanned_at == NOW


def test_a_clock_far_off_is_flagged_and_live_scans_from_behind_too():
    ahead = scan_time(NOW + timedelta(minutes=10), NOW, BAMAKO)
    assert ahead.skew_seconds == -600 and ahead.scanned_at == NOW + timedelta(minutes=10)
    assert scan_time(NOW - timedelta(hours=2), NOW, BAMAKO).skew_seconds == 7200
    # A queued offline scan is late by nature: not flagged.
    assert scan_time(NOW - timedelta(hours=2), NOW, BAMAKO, live=False).skew_seconds is None


def test_a_batch_offset_corrects_the_day():
    # The device's clock is a day behind: its scan of "11 March" happened on the 12th.
    device = NOW - timedelta(days=1)
    when = scan_time(device, NOW, BAMAKO, offset=timedelta(days=1), live=False)
    assert when.day == date(2024, 3, 12) and when.scanned_at == device and when.skew_seconds == 86400
