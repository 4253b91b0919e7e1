#!/usr/bin/python3
"""Drives the web consoles of two nodes in headless Chromium (Selenium,
Debian's chromium-driver), one browser per person, at a phone's width:

  NGO caseworker: a wrong password, a login, an intake lookup refused
  without consent, one by a Cyrillic spelling that finds the person police
  knows, a contact request with a reason, held for a supervisor's approval
  (the NGO's policy); a lookup of a person the NGO holds no record of says
  why there is no contact button; the auditor's report and the user admin
  refused to her role; a form without its CSRF token refused.
  NGO supervisor: approves the request; runs the batch match and follows
  its progress page to the result.
  Police caseworker: sees the request in the inbox and accepts it; adds a
  record with the survivor's language, changes one field (a bad value
  refused), and the "what we share" page names her language.
  NGO caseworker: sees the answer.
  Police caseworker: withdraws the person's consent (with confirmation).
  NGO caseworker: the next lookup no longer finds her; logout.

Saves a screenshot of each page in ARTIFACTS (NN-name.png).
  Police caseworker: uploads a CSV, sees the preview, imports it.

Usage: console_browser.py NGO_URL POLICE_URL PASSWORD ARTIFACTS UPLOAD_CSV"""
import os
import sys
import time
import urllib.error
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.common.exceptions import (NoSuchElementException, StaleElementReferenceException,
                                        WebDriverException)
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

ngo_url, police_url, password, artifacts, upload = sys.argv[1:6]
os.makedirs(artifacts, exist_ok=True)
shots = []


def fail(message):
    print("FAIL: " + message, file=sys.stderr)
    sys.exit(1)


class Person:
    """One member of staff in a browser of their own."""

    def __init__(self, url):
        options = webdriver.ChromeOptions()
        for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                    "--window-size=412,915"):  # a phone-sized screen
            options.add_argument(arg)
        options.binary_location = "/usr/bin/chromium"
        self.driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
        self.driver.set_page_load_timeout(60)
        self.url = url

    def get(self, path):
        self.driver.get(self.url + path)

    def shot(self, name):
        # The whole page, however long, at the phone's width.
        d = self.driver
        height = d.execute_script("return document.documentElement.scrollHeight")
        d.set_window_size(412, max(915, height + 200))
        path = os.path.join(artifacts, "%02d-%s.png" % (len(shots) + 1, name))
        d.save_screenshot(path)
        shots.append(path)
        d.set_window_size(412, 915)

    def fill(self, fields):
        for name, value in fields.items():
            element = self.driver.find_element(By.NAME, name)
            element.clear()
            element.send_keys(value)

    def submit(self, form_action, button_text=None):
        d = self.driver
        old = d.find_element(By.TAG_NAME, "html")
        buttons = d.find_elements(By.CSS_SELECTOR, 'form[action="%s"] button[type=submit]' % form_action)
        if button_text is not None:
            buttons = [b for b in buttons if b.text == button_text]
        if not buttons:
            fail("no %s button for %s on %s: %s" % (button_text, form_action, d.current_url, self.text()))
        buttons[0].click()
        WebDriverWait(d, 60).until(lambda _: self.gone(old))

    @staticmethod
    def gone(element):
        # The page it belonged to was replaced. Chromium sometimes answers
        # a check on such an element with an inspector error ("Node with
        # given id does not belong to the document") instead of a stale
        # reference, which expected_conditions.staleness_of does not catch.
        try:
            element.is_enabled()
            return False
        except (StaleElementReferenceException, WebDriverException):
            return True

    def text(self):
        # A page that refreshes itself (the batch match's progress) may be
        # replaced between finding its body and reading it: read again.
        for _ in range(20):
            try:
                return self.driver.find_element(By.TAG_NAME, "body").text
            except (StaleElementReferenceException, NoSuchElementException):
                time.sleep(0.1)
        return self.driver.find_element(By.TAG_NAME, "body").text

    def expect(self, words, what):
        if words not in self.text():
            fail("%s: %r not on the page: %s" % (what, words, self.text()))

    def login(self, user):
        self.get("login")
        self.fill({"user": user, "password": password})
        self.submit("/login")
        self.expect("You are logged in", "login of " + user)

    def labels_check(self):
        d = self.driver
        for element in d.find_elements(By.CSS_SELECTOR, "input:not([type=hidden]), select, textarea"):
            if not d.find_elements(By.CSS_SELECTOR, 'label[for="%s"]' % element.get_attribute("id")):
                fail("a field without a label on %s: %s" % (d.current_url, element.get_attribute("name")))

    def lookup(self, consent):
        self.get("lookup")
        self.fill({"given": "Мария", "family": "Иванова", "dob": "1990-04-12",
                   "phone": "+44 7700 900001", "legal_basis": "case-2026-17"})
        if consent:
            self.driver.find_element(By.ID, "consent").click()
        self.submit("/lookup")
        if "Мария" in self.driver.page_source:
            fail("the intake was echoed back")
        if self.driver.current_url != self.url + "lookup":
            fail("personal data in the URL? " + self.driver.current_url)


amira = Person(ngo_url)
piotr = Person(police_url)
try:
    amira.get("login")
    if "Log in" not in amira.driver.title:
        fail("no login page: " + amira.driver.title)
    amira.labels_check()
    amira.shot("login")
    amira.fill({"user": "amira", "password": "not the password at all"})
    amira.submit("/login")
    amira.expect("Wrong user name or password.", "a wrong password")
    amira.shot("wrong-password")
    amira.login("amira")
    cookie = amira.driver.get_cookie("fedlink")
    if cookie is None or not cookie.get("httpOnly") or cookie.get("sameSite") != "Strict":
        fail("the session cookie is not HttpOnly and SameSite=Strict: %r" % cookie)
    amira.shot("home")

    amira.get("lookup")
    amira.labels_check()
    amira.shot("lookup-form")
    amira.lookup(consent=False)
    amira.expect("Not checked: the person has not agreed", "a lookup without consent")
    amira.shot("lookup-no-consent")
    amira.lookup(consent=True)
    amira.expect("police may know this person: agreeing", "the lookup by a Cyrillic spelling")
    amira.expect("within 48 hours", "the 48-hour window")
    amira.labels_check()
    amira.shot("lookup-result")
    amira.expect("(our record N-7)", "the lookup backed by our matched record")
    amira.fill({"reason": "Same survivor? Our caseworker would like to coordinate support."})
    amira.submit("/contact")
    # The NGO's policy requires a supervisor's approval: held, nothing sent.
    amira.expect("is awaiting a supervisor's approval", "the held contact request")
    amira.expect("Contact requests awaiting approval", "the held contact request")
    if "Approve and send" in amira.text():
        fail("a caseworker is offered the approval")
    amira.shot("contact-held")

    # A person the NGO holds no record of: the way to a request, not a button.
    amira.get("lookup")
    amira.fill({"given": "Ana", "family": "Popescu", "dob": "1985-01-30",
                "phone": "+44 7700 900002"})
    amira.driver.find_element(By.ID, "consent").click()
    amira.submit("/lookup")
    amira.expect("police may know this person", "the lookup of a person we hold no record of")
    amira.expect("We hold no record of this person", "the reason there is no contact button")
    if amira.driver.find_elements(By.CSS_SELECTOR, 'form[action="/contact"]'):
        fail("a contact button that cannot work")
    amira.shot("lookup-no-record")

    sam = Person(ngo_url)
    sam.login("sam")
    sam.get("inbox")
    sam.expect("asked by amira", "the held request in the supervisor's inbox")
    sam.labels_check()
    sam.shot("supervisor-approval")
    sam.submit("/inbox/approve", "Approve and send")
    sam.expect("approved and sent to police", "the approval")
    sam.shot("supervisor-approved")
    # A second request, which the supervisor rejects: the caseworker who
    # asked still sees it, as rejected, by whom and when.
    amira.lookup(consent=True)
    amira.fill({"reason": "A second request, which the supervisor rejects."})
    amira.submit("/contact")
    amira.expect("is awaiting a supervisor's approval", "the second held request")
    sam.get("inbox")
    sam.submit("/inbox/approve", "Reject")
    sam.expect("rejected: it was not sent", "the rejection")
    amira.get("inbox")
    amira.expect("Contact requests rejected by a supervisor", "the rejected request at the NGO")
    amira.expect("Reason: A second request, which the supervisor rejects.", "the rejected request")
    amira.expect("Rejected by sam on ", "who rejected it and when")
    amira.shot("ngo-inbox-rejected")
    # The batch match, with its progress page (it refreshes itself).
    sam.get("match")
    sam.labels_check()
    sam.submit("/match")
    seen_progress = False
    for _ in range(300):
        if "partners done" in sam.text():
            if not seen_progress:
                sam.shot("match-progress")
            seen_progress = True
        if "records checked" in sam.text():
            break
        time.sleep(0.2)
    sam.expect("records checked", "the batch match's result")
    sam.expect("Our record N-7: police may know this person", "the batch match's result")
    sam.shot("match-result")
    sam.driver.quit()

    amira.get("audit")
    amira.expect("cannot open this page", "a caseworker opening the audit report")
    amira.shot("forbidden")
    amira.get("users")
    amira.expect("cannot open this page", "a caseworker opening the user admin")

    # A form posted from elsewhere (no CSRF token) with her session cookie.
    request = urllib.request.Request(ngo_url + "logout", data=b"x=1", method="POST",
                                     headers={"Cookie": "fedlink=" + cookie["value"],
                                              "Content-Type": "application/x-www-form-urlencoded"})
    try:
        urllib.request.urlopen(request)
        fail("a POST without the CSRF token was accepted")
    except urllib.error.HTTPError as e:
        if e.code != 403:
            fail("a POST without the CSRF token got %d" % e.code)

    piotr.login("piotr")
    piotr.get("inbox")
    piotr.expect("from ngo about our record P-1", "the request in police's inbox")
    piotr.expect("pending", "the request in police's inbox")
    piotr.labels_check()
    piotr.shot("police-inbox")
    piotr.fill({"message": "Call the duty officer on extension 4410."})
    piotr.submit("/inbox/decide", "Accept")
    piotr.expect("accepted", "accepting the request")
    piotr.shot("police-accepted")

    amira.get("inbox")
    amira.expect("to police for victim-dedup: accepted", "the answer at the NGO")
    amira.expect("Their reply: Call the duty officer on extension 4410.", "the reply at the NGO")
    amira.shot("ngo-inbox-answered")

    # Intake with the survivor's language; one field changed; the sharing
    # page says which language she reads.
    piotr.get("records")
    piotr.labels_check()
    piotr.fill({"external_id": "P-9", "given_name": "Olena", "family_name": "Kovalenko",
                "dob": "1994-06-02", "language": "uk", "consent": "victim-dedup"})
    piotr.submit("/records/add")
    piotr.expect("Record P-9 added", "adding a record with a language")
    piotr.fill({"edit-id": "P-9", "value": "+44 7700 900009"})
    Select(piotr.driver.find_element(By.NAME, "field")).select_by_visible_text("phone")
    piotr.shot("police-edit-field")
    piotr.submit("/records/edit")
    piotr.expect("Record P-9: phone changed.", "changing one field")
    piotr.fill({"edit-id": "P-9", "value": "1994-13-45"})
    Select(piotr.driver.find_element(By.NAME, "field")).select_by_visible_text("dob")
    piotr.submit("/records/edit")
    piotr.expect("dob:", "a refused field change")
    if "1994-13-45" in piotr.text():
        fail("a refused value echoed")
    piotr.fill({"share-id": "P-9"})
    piotr.submit("/records/share")
    piotr.expect("You told us you read Ukrainian (uk)", "the survivor's language")
    piotr.shot("police-what-we-share-language")

    piotr.get("records")
    piotr.fill({"share-id": "P-1"})
    piotr.submit("/records/share")
    piotr.expect("What we share about you", "the sharing page")
    piotr.expect("ngo asked us for contact", "the sharing history")
    piotr.shot("police-what-we-share")
    piotr.get("records")
    piotr.fill({"withdraw-id": "P-1"})
    piotr.submit("/records/withdraw")
    piotr.expect("Withdraw consent?", "the confirmation")
    piotr.shot("police-withdraw-confirm")
    piotr.submit("/records/withdraw")
    piotr.expect("Consent withdrawn for record P-1", "the withdrawal")
    piotr.shot("police-withdrawn")

    piotr.get("records")
    piotr.labels_check()
    piotr.driver.find_element(By.ID, "file").send_keys(upload)
    piotr.submit("/records/import")
    piotr.expect("holds 2 records: 1 new and 1 that update records we hold", "the import preview")
    piotr.shot("police-import-preview")
    piotr.submit("/records/import")
    piotr.expect("Imported 2 records (1 new, 1 updated)", "the import")

    amira.lookup(consent=True)
    amira.expect("No partner organisation has a record that agrees", "the lookup after withdrawal")
    amira.shot("lookup-after-withdrawal")

    amira.get("")
    amira.submit("/logout")
    if "Log in" not in amira.driver.title:
        fail("logout did not end at the login page: " + amira.text())
    amira.get("inbox")
    if "Log in" not in amira.driver.title:
        fail("the inbox opened after logout")
finally:
    amira.driver.quit()
    piotr.driver.quit()
print("ok: two consoles in Chromium: %d screenshots in %s" % (len(shots), artifacts))
