"""Saves docs/rotation-page.png: the demo rotation's page, as Chromium draws it.

Seeds the demo into a temporary SQLite file, renders the page as the server does and
photographs it in headless Chromium (Debian's, as the browser tests use), at a
laptop's width, in light mode.

    python docs/screenshot.py
"""

from __future__ import annotations

import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from click.testing import CliRunner  # noqa: E402
from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from sqlmodel import Session  # noqa: E402

from bot.cli.main import main  # noqa: E402
from bot.usecases.page import open_page, page_link  # noqa: E402
from bot.web.page import PageSource  # noqa: E402
from storage.db import make_engine  # noqa: E402

SECRET = "screenshot-secret-key-at-least-32-characters"
BASE = "https://queueday.example.com"
WIDTH = 1280


def main_() -> None:
    with tempfile.TemporaryDirectory() as workdir:
        url = f"sqlite:///{Path(workdir) / 'demo.db'}"
        result = CliRunner().invoke(
            main, ["demo"], env={"DATABASE_URL": url, "QUEUEDAY_SECRET_KEY": SECRET}
        )
        assert result.exit_code == 0, result.output
        engine = make_engine(url)
        now = datetime.now(UTC)
        with Session(engine, expire_on_commit=False) as session:
            link = page_link(
                session, team_id="T0DEMO", rotation="support", now=now, secret=SECRET,
                base_url=BASE,
            )  # fmt: skip
            assert open_page(session, token=link.token, secret=SECRET) is not None
        served = PageSource(engine, SECRET, BASE, lambda: now).load(link.token, chart=False)
        engine.dispose()
        assert served is not None
        html = Path(workdir) / "page.html"
        html.write_bytes(served.body)
        options = webdriver.ChromeOptions()
        options.binary_location = "/usr/bin/chromium"
        for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"):
            options.add_argument(argument)
        driver = webdriver.Chrome(options=options, service=Service("/usr/bin/chromedriver"))
        try:
            driver.set_window_size(WIDTH, 900)
            driver.get(html.as_uri())
            height = driver.execute_script("return document.documentElement.scrollHeight")
            driver.set_window_size(WIDTH, min(int(height), 4200))
            target = ROOT / "docs" / "rotation-page.png"
            driver.save_screenshot(str(target))
        finally:
            driver.quit()
    print(f"saved {target.relative_to(ROOT)}")


if __name__ == "__main__":
    main_()
