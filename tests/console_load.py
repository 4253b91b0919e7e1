#!/usr/bin/python3
"""Load on the web console's intake lookup (not run by ctest): USERS threads,
each a console user u0, u1, ... with its own session and CSRF token, each
doing LOOKUPS lookups of one person (Мария Иванова, 1990-04-12, +44 7700
900001, with consent for victim-dedup); prints the latency percentiles,
the errors (a page without an answer) and the throughput, and from each
page's Server-Timing header the application layer's time (app_) and the
rest, the console's and HTTP's share (console_ = latency - app).

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
app_times, overheads = [], []  # the page's Server-Timing app;dur, and latency minus it


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
        response = opener.open(url + "lookup", urllib.parse.urlencode(form).encode())
        page = response.read().decode()
        took = time.perf_counter() - start
        timing = re.search(r"app;dur=([0-9.]+)", response.headers.get("Server-Timing", ""))
        with lock:
            latencies.append(took)
            if timing:
                app_times.append(float(timing.group(1)) / 1000)
                overheads.append(took - float(timing.group(1)) / 1000)
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


app_times.sort()
overheads.sort()


def pct(p, values=latencies):
    return values[min(len(values) - 1, int(p * len(values)))] * 1000 if values else 0


print("users=%d lookups=%d errors=%d p50=%.1fms p90=%.1fms p99=%.1fms max=%.1fms %.1f lookups/s"
      " app_p50=%.1fms app_p99=%.1fms console_p50=%.1fms console_p99=%.1fms"
      % (users, len(latencies), len(errors), pct(.5), pct(.9), pct(.99), latencies[-1] * 1000,
         len(latencies) / wall, pct(.5, app_times), pct(.99, app_times), pct(.5, overheads),
         pct(.99, overheads)))
