#!/usr/bin/python3
"""Drives the web console in headless Chromium (Selenium, Debian's
chromium-driver): a wrong password, a login, an intake lookup refused
without consent, one by a Cyrillic spelling that finds the person police
knows, the inbox, a page the caseworker's role may not open, a form
without its CSRF token, and logout. Saves a screenshot of each page in
ARTIFACTS. Usage: console_browser.py URL USER PASSWORD ARTIFACTS"""
import os
import sys
import urllib.error
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

url, user, password, artifacts = sys.argv[1:5]
os.makedirs(artifacts, exist_ok=True)


def fail(message):
    print("FAIL: " + message, file=sys.stderr)
    sys.exit(1)


options = webdriver.ChromeOptions()
for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
            "--window-size=412,915"):  # a phone-sized screen
    options.add_argument(arg)
options.binary_location = "/usr/bin/chromium"
driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
driver.set_page_load_timeout(60)
shots = []


def shot(name):
    # The whole page, however long, at the phone's width.
    height = driver.execute_script("return document.body.scrollHeight")
    driver.set_window_size(412, max(915, height + 100))
    path = os.path.join(artifacts, name + ".png")
    driver.save_screenshot(path)
    shots.append(path)
    driver.set_window_size(412, 915)


def fill(fields):
    for name, value in fields.items():
        element = driver.find_element(By.NAME, name)
        element.clear()
        element.send_keys(value)


def submit(form_action):
    driver.find_element(By.CSS_SELECTOR, 'form[action="%s"] button[type=submit]' % form_action).click()


def text():
    return driver.find_element(By.TAG_NAME, "body").text


try:
    driver.get(url + "login")
    if "Log in" not in driver.title:
        fail("no login page: " + driver.title)
    # Every input has a label (screen readers).
    for element in driver.find_elements(By.CSS_SELECTOR, "input:not([type=hidden])"):
        if not driver.find_elements(By.CSS_SELECTOR, 'label[for="%s"]' % element.get_attribute("id")):
            fail("an input without a label: " + element.get_attribute("name"))
    shot("01-login")

    fill({"user": user, "password": "not the password at all"})
    submit("/login")
    if "Wrong user name or password." not in text():
        fail("a wrong password was not refused: " + text())
    shot("02-wrong-password")

    fill({"user": user, "password": password})
    submit("/login")
    if "You are logged in" not in text():
        fail("login failed: " + text())
    cookie = driver.get_cookie("fedlink")
    if cookie is None or not cookie.get("httpOnly") or cookie.get("sameSite") != "Strict":
        fail("the session cookie is not HttpOnly and SameSite=Strict: %r" % cookie)
    shot("03-home")

    driver.get(url + "lookup")
    if driver.current_url != url + "lookup":
        fail("lookup page at " + driver.current_url)
    shot("04-lookup-form")
    fill({"given": "Maria", "family": "Ivanova", "dob": "1990-04-12"})
    submit("/lookup")
    if "Not checked: the person has not agreed" not in text():
        fail("a lookup without consent was not refused: " + text())
    shot("05-lookup-no-consent")

    fill({"given": "Мария", "family": "Иванова", "dob": "1990-04-12",
          "phone": "+44 7700 900001", "legal_basis": "case-2026-17"})
    driver.find_element(By.NAME, "consent").click()
    submit("/lookup")
    if "may know this person: agreeing" not in text():
        fail("the lookup did not find the person police knows: " + text())
    if "Мария" in driver.page_source:
        fail("the intake was echoed back")
    if driver.current_url != url + "lookup":
        fail("personal data in the URL: " + driver.current_url)
    shot("06-lookup-result")

    driver.get(url + "inbox")
    if "Contact requests received" not in text():
        fail("no inbox: " + text())
    shot("07-inbox")

    driver.get(url + "records")
    shot("08-records")

    driver.get(url + "audit")
    if "cannot open this page" not in text():
        fail("a caseworker opened the audit report: " + text())
    shot("09-forbidden")

    # A form posted from elsewhere (no CSRF token) with the session cookie.
    request = urllib.request.Request(url + "logout", data=b"x=1", method="POST",
                                     headers={"Cookie": "fedlink=" + cookie["value"],
                                              "Content-Type": "application/x-www-form-urlencoded"})
    try:
        urllib.request.urlopen(request)
        fail("a POST without the CSRF token was accepted")
    except urllib.error.HTTPError as e:
        if e.code != 403:
            fail("a POST without the CSRF token got %d" % e.code)

    driver.get(url)
    submit("/logout")
    if "Log in" not in driver.title:
        fail("logout did not end at the login page")
    driver.get(url + "inbox")
    if "Log in" not in driver.title:
        fail("the inbox opened after logout")
finally:
    driver.quit()
print("ok: console in Chromium: %d screenshots in %s" % (len(shots), artifacts))
