#!/usr/bin/python3
"""Load on the web console's intake lookup (not run by ctest): USERS threads,
each a console user u0, u1, ... with its own session and CSRF token, each
doing LOOKUPS lookups of one person (Мария Иванова, 1990-04-12, +44 7700
900001, with consent for victim-dedup); prints the latency percentiles,
the errors (a page without an answer) and the throughput.

  tests/console_load.py URL USERS LOOKUPS PASSWORD
  (every user's password is PASSWORD: fedlink users --dir DIR add uN caseworker)

HELPER-NOTES.md of the console branch has figures measured with it."""
import http.cookiejar
import re
import sys
import threading
import time
import urllib.parse
import urllib.request

url, users, per_user, password = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
latencies, errors, lock = [], [], threading.Lock()


def csrf(page):
    return re.search(r'name="csrf" value="([0-9a-f]+)"', page).group(1)


def run(i):
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    page = opener.open(url + "login").read().decode()
    form = {"csrf": csrf(page), "user": "u%d" % i, "password": password}
    opener.open(url + "login", urllib.parse.urlencode(form).encode()).read()
    token = csrf(opener.open(url + "lookup").read().decode())
    for _ in range(per_user):
        form = {"csrf": token, "given": "Мария", "family": "Иванова", "dob": "1990-04-12",
                "phone": "+44 7700 900001", "purpose": "victim-dedup", "consent": "yes"}
        start = time.perf_counter()
        page = opener.open(url + "lookup", urllib.parse.urlencode(form).encode()).read().decode()
        took = time.perf_counter() - start
        with lock:
            latencies.append(took)
            if "may know this person" not in page and "No partner organisation" not in page:
                errors.append(page[-300:])


start = time.perf_counter()
threads = [threading.Thread(target=run, args=(i,)) for i in range(users)]
for t in threads:
    t.start()
for t in threads:
    t.join()
wall = time.perf_counter() - start
latencies.sort()


def pct(p):
    return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000


print("users=%d lookups=%d errors=%d p50=%.1fms p90=%.1fms p99=%.1fms max=%.1fms %.1f lookups/s"
      % (users, len(latencies), len(errors), pct(.5), pct(.9), pct(.99), latencies[-1] * 1000,
         len(latencies) / wall))
