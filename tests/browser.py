"""Headless Chromium for tests: find it (installing Debian's packages when missing) and drive it with selenium.

Chromium runs with a fresh profile and with everything that phones home turned off, so a page that
tries to reach the network shows up as a console error rather than a silent success.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

CHROMIUM = Path(os.environ.get("HYPEWATCH_CHROMIUM", "/usr/bin/chromium"))
CHROMEDRIVER = Path(os.environ.get("HYPEWATCH_CHROMEDRIVER", "/usr/bin/chromedriver"))
PACKAGES = ("chromium", "chromium-driver")
FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--hide-scrollbars",
)
INSTALL_TIMEOUT_S = 900


class BrowserUnavailable(Exception):
    """Chromium or its driver is missing and cannot be installed here; the message says why."""


def ensure_chromium() -> tuple[Path, Path]:
    """Paths of chromium and chromedriver, installing the Debian packages first when they are missing."""
    if CHROMIUM.exists() and CHROMEDRIVER.exists():
        return CHROMIUM, CHROMEDRIVER
    if shutil.which("apt-get") is None:
        raise BrowserUnavailable(f"{CHROMIUM} or {CHROMEDRIVER} is missing and there is no apt-get to install them")
    if os.geteuid() != 0:
        raise BrowserUnavailable(
            f"{CHROMIUM} or {CHROMEDRIVER} is missing; install them as root: apt-get install -y {' '.join(PACKAGES)}"
        )
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    # another apt (a CI step, a second test session) may hold the lock: wait for it rather than fail
    wait_for_lock = ["-o", "DPkg::Lock::Timeout=300"]
    for command in (
        ["apt-get", *wait_for_lock, "update"],
        ["apt-get", *wait_for_lock, "install", "-y", "--no-install-recommends", *PACKAGES],
    ):
        try:
            done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=INSTALL_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            raise BrowserUnavailable(f"`{' '.join(command)}` took over {INSTALL_TIMEOUT_S} s") from None
        if done.returncode != 0:
            tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
            raise BrowserUnavailable(f"`{' '.join(command)}` failed: {' / '.join(tail)}")
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        raise BrowserUnavailable(f"installed {' '.join(PACKAGES)} but {CHROMIUM} or {CHROMEDRIVER} is still missing")
    return CHROMIUM, CHROMEDRIVER


@contextmanager
def headless_chromium(profile_dir: Path, *, width: int = 1280, height: int = 900) -> Iterator[object]:
    """A selenium WebDriver on a headless Chromium with a fresh profile, quit on exit."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    chromium, chromedriver = ensure_chromium()
    options = webdriver.ChromeOptions()
    options.binary_location = str(chromium)
    for flag in (*FLAGS, f"--user-data-dir={profile_dir}", f"--window-size={width},{height}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # an explicit driver path keeps Selenium Manager from going online to look for one
    driver = webdriver.Chrome(options=options, service=Service(executable_path=str(chromedriver)))
    try:
        yield driver
    finally:
        driver.quit()


def full_page_screenshot(driver, path: Path) -> Path:
    """Grow the window to the page's height, then save a PNG of all of it."""
    width = driver.execute_script("return document.documentElement.scrollWidth")
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(max(width, 1280), min(height + 100, 16000))
    path.parent.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(path))
    return path
