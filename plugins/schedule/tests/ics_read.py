#!/usr/bin/env python3
"""Reads an iCalendar file the way calendar apps do (Debian's python3-icalendar) and prints its
events as JSON: uid, sequence, status, summary, description, start and end in UTC. Exits 1 with
the parser's complaint if the text is not valid iCalendar."""
import json
import sys

from icalendar import Calendar


def main():
    data = open(sys.argv[1], 'rb').read()
    cal = Calendar.from_ical(data)
    if cal.name != 'VCALENDAR':
        sys.exit('not a VCALENDAR: ' + str(cal.name))
    for key in ('VERSION', 'PRODID'):
        if key not in cal:
            sys.exit('missing ' + key)
    events = []
    for ev in cal.walk('VEVENT'):
        for key in ('UID', 'DTSTAMP', 'DTSTART'):
            if key not in ev:
                sys.exit('an event without ' + key)
        start = ev.decoded('DTSTART')
        end = ev.decoded('DTEND')
        if start.tzinfo is None or start.utcoffset().total_seconds() != 0:
            sys.exit('DTSTART is not in UTC')
        events.append({
            'uid': str(ev['UID']),
            'sequence': int(ev.get('SEQUENCE', 0)),
            'status': str(ev.get('STATUS', '')),
            'summary': str(ev.get('SUMMARY', '')),
            'description': str(ev.get('DESCRIPTION', '')),
            'url': str(ev.get('URL', '')),
            'start': start.strftime('%Y-%m-%dT%H:%M:%SZ'),
            'end': end.strftime('%Y-%m-%dT%H:%M:%SZ'),
        })
    print(json.dumps({'name': str(cal.get('X-WR-CALNAME', '')), 'events': events}, ensure_ascii=False))


if __name__ == '__main__':
    main()
