"""The pages in a real browser (headless Chromium) against a real uvicorn server.

A job seeker chats on ``/`` (sources, vacancy cards, eligibility results, the service
package card, a due follow-up asked when the page opens, hand-off), a caseworker takes the
conversation over on ``/console`` and hands people whose follow-up shows no progress to the
queue, a hotline agent reads suggestions on ``/agent``, an admin reads the statistics on
``/admin``; the login page guards the staff pages. Every page must run without
JavaScript errors. Each answer is shown once, as WeChat shows it: its sources listed once,
vacancies as cards under the text's summary, only the calculator cards the answer is
about (without the rule authors' notes), the console's facts in Chinese.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.server.conftest import LiveServer

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
INSTALL_HINT = "run `apt-get install chromium chromium-driver`"
FIRST_ANSWER_S = 90.0  # the first turn may warm up the embedder and the indexes
ANSWER_S = 45.0
POLL_S = 20.0  # the pages poll every 2 s (chat) and 3 s (console)

ZHENGZHOU = "410100"
SOCIAL_INSURANCE_LAW = "《中华人民共和国社会保险法》"

Browser = Any  # selenium.webdriver.Chrome, imported lazily so a missing selenium skips


@pytest.fixture(scope="module")
def chrome_available() -> None:
    """Skips before the (module-scoped) server is built when no browser can run here."""
    missing = [str(path) for path in (CHROMIUM, CHROMEDRIVER) if not path.exists()]
    if missing:
        pytest.skip(f"chromium/chromedriver not installed ({', '.join(missing)}): {INSTALL_HINT}")
    pytest.importorskip("selenium", reason="selenium is not installed in this environment")


@pytest.fixture
def open_browser(chrome_available: None) -> Iterator[Callable[[], Browser]]:
    """Starts headless Chromium instances (each with its own profile, so its own cookies);
    all are closed at the end of the test."""
    from selenium import webdriver
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.chrome.service import Service

    started: list[tuple[Browser, str]] = []

    def start() -> Browser:
        profile = tempfile.mkdtemp(prefix="jiuye-chrome-")
        options = webdriver.ChromeOptions()
        options.binary_location = str(CHROMIUM)
        for argument in (
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--window-size=412,915",
            "--lang=zh-CN",
            f"--user-data-dir={profile}",
        ):
            options.add_argument(argument)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        try:
            driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
        except WebDriverException as exc:
            shutil.rmtree(profile, ignore_errors=True)
            reason = (exc.msg or str(exc) or type(exc).__name__).strip().splitlines()[0]
            pytest.skip(f"chromium could not be started ({reason}): {INSTALL_HINT}")
        driver.set_page_load_timeout(30)
        started.append((driver, profile))
        return driver

    yield start
    for driver, profile in started:
        try:
            driver.quit()
        finally:
            shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def browser(open_browser: Callable[[], Browser]) -> Browser:
    return open_browser()


# -- helpers ----------------------------------------------------------------------------------


def wait(driver: Browser, timeout: float = ANSWER_S) -> Any:
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout, poll_frequency=0.1)


def by_testid(testid: str) -> tuple[str, str]:
    from selenium.webdriver.common.by import By

    return (By.CSS_SELECTOR, f'[data-testid="{testid}"]')


def css(selector: str) -> tuple[str, str]:
    from selenium.webdriver.common.by import By

    return (By.CSS_SELECTOR, selector)


def assert_no_js_errors(driver: Browser) -> None:
    """No uncaught exception or console error on the page, and no server error (5xx).
    Expected refusals (a 401 on a wrong token) are network entries and allowed."""
    try:
        entries = driver.get_log("browser")
    except Exception:  # the log API is not offered by this driver: skip just this check
        return
    errors = [
        entry["message"]
        for entry in entries
        if entry.get("level") == "SEVERE"
        and (
            entry.get("source") != "network"
            or any(f"status of {code}" in entry.get("message", "") for code in range(500, 600))
        )
    ]
    assert not errors, f"JavaScript errors on {driver.current_url}: {errors}"


def open_chat(driver: Browser, server: LiveServer, region: str = ZHENGZHOU) -> None:
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import Select

    driver.get(server.url + "/")
    wait(driver, 10).until(ec.element_to_be_clickable(by_testid("send")))
    Select(driver.find_element(*by_testid("region"))).select_by_value(region)


def assistant_messages(driver: Browser) -> list[Any]:
    return driver.find_elements(*css('#messages li[data-sender="assistant"]'))


def ask(driver: Browser, text: str, timeout: float = ANSWER_S) -> Any:
    """Sends a message through the page and returns the assistant's new message element."""
    before = len(assistant_messages(driver))
    box = driver.find_element(*by_testid("chat-input"))
    box.clear()
    box.send_keys(text)
    driver.find_element(*by_testid("send")).click()
    return settle(driver, before, timeout)


def settle(driver: Browser, before: int, timeout: float = ANSWER_S) -> Any:
    """Waits for the page to finish a turn: a new assistant message and send enabled."""

    def answered(d: Browser) -> Any:
        found = assistant_messages(d)
        if len(found) > before and d.find_element(*by_testid("send")).is_enabled():
            return found[-1]
        return False

    message = wait(driver, timeout).until(answered)
    assert not driver.find_element(*by_testid("chat-error")).is_displayed(), driver.find_element(
        *by_testid("chat-error")
    ).text
    return message


def text_of(element: Any) -> str:
    """All text of an element, including what a closed <details> hides."""
    return str(element.get_attribute("textContent") or "")


def log_in(driver: Browser, server: LiveServer, role: str, path: str) -> None:
    """Opens a staff page, is sent to the login page, logs in and comes back."""
    from selenium.webdriver.support import expected_conditions as ec

    driver.get(server.url + path)
    wait(driver, 10).until(ec.url_contains("/login"))
    driver.find_element(*by_testid("login-token")).send_keys(server.tokens[role])
    driver.find_element(*by_testid("login-submit")).click()
    wait(driver, 10).until(lambda d: d.current_url.rstrip("/").endswith(path))
    wait(driver, 10).until(lambda d: d.find_element(*by_testid("me")).text.strip() != "")


# -- the web chat -----------------------------------------------------------------------------


def test_policy_answer_shows_its_sources(
    chrome_available: None, live_server: LiveServer, browser: Browser
) -> None:
    from selenium.webdriver.support import expected_conditions as ec

    open_chat(browser, live_server)
    message = ask(browser, "失业保险金怎么申请", timeout=FIRST_ANSWER_S)

    assert SOCIAL_INSURANCE_LAW in message.find_element(*by_testid("message-text")).text
    sources = message.find_elements(*by_testid("citation"))
    assert sources, "the answer shows no sources"
    naming = [d for d in sources if SOCIAL_INSURANCE_LAW in text_of(d)]
    assert naming, f"no source names {SOCIAL_INSURANCE_LAW}: {[text_of(d)[:80] for d in sources]}"
    source = naming[0]
    quote = source.find_element(*by_testid("citation-quote"))
    assert not quote.is_displayed()  # collapsed until opened

    source.find_element(*by_testid("citation-summary")).click()
    wait(browser, 5).until(ec.visibility_of(quote))
    assert source.get_attribute("open") is not None
    assert quote.text.strip()
    validity = source.find_element(*by_testid("citation-validity")).text
    assert validity.startswith("有效期：")
    assert "现行有效" in validity or "至" in validity
    assert "郑州市" in text_of(source) or "全国" in text_of(source)

    # A marker in the text opens its source.
    marker = message.find_element(*css("button.marker-link"))
    number = marker.text.strip("[]")
    marker.click()
    target = message.find_element(*css(f'details[data-marker="{number}"]'))
    wait(browser, 5).until(lambda _: target.get_attribute("open") is not None)
    assert_no_js_errors(browser)


def test_vacancy_cards_and_an_eligibility_result(
    chrome_available: None, live_server: LiveServer, browser: Browser
) -> None:
    open_chat(browser, live_server)

    message = ask(browser, "郑州有焊工岗位吗", timeout=FIRST_ANSWER_S)
    cards = message.find_elements(*by_testid("vacancy-card"))
    assert cards, "no vacancy cards"
    first = cards[0]
    assert "焊工" in first.find_element(*by_testid("vacancy-title")).text
    assert "元" in first.text or "面议" in first.text  # the salary
    for link in first.find_elements(*css("a[href]")):
        assert link.get_attribute("href").startswith(("http://", "https://"))

    message = ask(browser, "我35岁，失业保险交了3年，非本人意愿离职，能领失业金吗")
    results = message.find_elements(*by_testid("eligibility-result"))
    assert results, "no eligibility result"
    status = results[0].find_element(*by_testid("eligibility-status")).text
    assert status in {"可以享受", "不符合", "还需要信息"}
    assert "失业保险金" in results[0].text
    assert message.find_element(*by_testid("message-text")).text.strip()  # the explanation
    assert_no_js_errors(browser)


# -- hand-off to a caseworker -----------------------------------------------------------------


def test_handoff_to_a_caseworker_and_back(
    chrome_available: None, live_server: LiveServer, open_browser: Callable[[], Browser]
) -> None:
    from selenium.webdriver.support import expected_conditions as ec

    seeker = open_browser()
    caseworker = open_browser()

    open_chat(seeker, live_server)
    before = len(assistant_messages(seeker))
    seeker.find_element(*by_testid("handoff")).click()
    settle(seeker, before, FIRST_ANSWER_S)
    banner = seeker.find_element(*by_testid("handoff-banner"))
    wait(seeker, 10).until(ec.visibility_of(banner))
    assert "已为您转接人工客服（工单" in banner.text
    ticket_id = banner.get_attribute("data-ticket")
    assert ticket_id and ticket_id.isdigit()

    log_in(caseworker, live_server, "caseworker", "/console")
    assert "王老师" in caseworker.find_element(*by_testid("me")).text
    ticket = wait(caseworker, POLL_S).until(
        ec.element_to_be_clickable(css(f'button[data-ticket-id="{ticket_id}"]'))
    )
    assert "用户要求转人工" in ticket.text
    assert "等待" in ticket.text
    ticket.click()
    wait(caseworker, 10).until(ec.visibility_of_element_located(by_testid("detail")))
    assert caseworker.find_element(*by_testid("detail-summary")).text.strip()
    assert caseworker.find_elements(*by_testid("transcript-message"))

    caseworker.find_element(*by_testid("claim")).click()
    wait(caseworker, 10).until(
        ec.text_to_be_present_in_element(by_testid("detail-status"), "已认领（王老师）")
    )
    caseworker.find_element(*by_testid("reply-text")).send_keys("您好，我是王老师")
    caseworker.find_element(*by_testid("reply-send")).click()
    wait(caseworker, 10).until(
        ec.text_to_be_present_in_element(by_testid("detail-notice"), "已发送")
    )

    reply = wait(seeker, POLL_S).until(
        ec.visibility_of_element_located(css('#messages li[data-sender="caseworker"]'))
    )
    assert "您好，我是王老师" in reply.text
    assert "人工客服" in reply.find_element(*by_testid("message-sender")).text
    shown = [m.text for m in seeker.find_elements(*css('#messages li[data-sender="caseworker"]'))]
    assert len(shown) == 1, f"the caseworker's reply is shown {len(shown)} times"

    caseworker.find_element(*by_testid("close")).click()
    wait(caseworker, 10).until(
        ec.text_to_be_present_in_element(by_testid("detail-status"), "已结束")
    )

    closing = wait(seeker, POLL_S).until(
        ec.visibility_of_element_located(css('#messages li[data-sender="system"]'))
    )
    assert "人工服务已结束" in closing.text
    wait(seeker, 10).until(ec.invisibility_of_element_located(by_testid("handoff-banner")))
    wait(caseworker, POLL_S).until(
        ec.invisibility_of_element_located(css(f'button[data-ticket-id="{ticket_id}"]'))
    )
    assert_no_js_errors(seeker)
    assert_no_js_errors(caseworker)


# -- agent assist -----------------------------------------------------------------------------


def test_agent_assist_suggests_and_records_feedback(
    chrome_available: None, live_server: LiveServer, browser: Browser
) -> None:
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import Select

    log_in(browser, live_server, "agent", "/agent")
    assert "李坐席" in browser.find_element(*by_testid("me")).text
    assert browser.find_element(*by_testid("call-id")).text.strip()
    Select(browser.find_element(*by_testid("region"))).select_by_value(ZHENGZHOU)
    Select(browser.find_element(*by_testid("speaker"))).select_by_value("caller")
    browser.find_element(*by_testid("utterance-text")).send_keys(
        "我上个月被公司辞退了，失业保险金怎么领？"
    )
    browser.find_element(*by_testid("add-utterance")).click()
    assert len(browser.find_elements(*by_testid("utterance"))) == 1

    suggestion = wait(browser, FIRST_ANSWER_S).until(
        ec.visibility_of_element_located(by_testid("suggestion"))
    )
    assert suggestion.find_elements(*by_testid("citation")), "the suggestion has no source"
    assert browser.find_element(*by_testid("summary")).text.strip() not in ("", "—")

    helpful = suggestion.find_element(*by_testid("helpful"))
    helpful.click()
    wait(browser, 10).until(lambda _: helpful.get_attribute("aria-pressed") == "true")

    stats = httpx.get(
        live_server.url + "/v1/admin/stats",
        headers={"Authorization": f"Bearer {live_server.tokens['admin']}"},
        timeout=10,
    )
    assert stats.status_code == 200, stats.text
    feedback = stats.json()["feedback"]
    assert feedback["helpful"] >= 1
    assert feedback["displayed"] >= 1

    # A pasted transcript becomes utterances, one per speaker line.
    browser.find_element(*by_testid("new-call")).click()
    assert not browser.find_elements(*by_testid("utterance"))
    browser.find_element(*by_testid("mode-paste")).click()
    browser.find_element(*by_testid("paste-text")).send_keys(
        "来电人：你好，我想问失业金的事\n坐席：您好，请讲\ncaller: 我交了三年失业保险"
    )
    browser.find_element(*by_testid("paste-add")).click()
    speakers = [
        u.get_attribute("data-speaker") for u in browser.find_elements(*by_testid("utterance"))
    ]
    assert speakers == ["caller", "agent", "caller"]
    wait(browser, ANSWER_S).until(ec.visibility_of_element_located(by_testid("suggestion")))
    assert_no_js_errors(browser)


# -- login ------------------------------------------------------------------------------------


def test_console_requires_login(
    chrome_available: None, live_server: LiveServer, browser: Browser
) -> None:
    from selenium.webdriver.support import expected_conditions as ec

    browser.get(live_server.url + "/console")
    wait(browser, 10).until(ec.url_contains("/login"))
    assert "next=" in browser.current_url and "console" in browser.current_url
    assert browser.find_element(*by_testid("login-token")).get_attribute("type") == "password"

    browser.find_element(*by_testid("login-token")).send_keys("not-a-token")
    browser.find_element(*by_testid("login-submit")).click()
    error = wait(browser, 10).until(ec.visibility_of_element_located(by_testid("login-error")))
    assert error.text.strip()
    assert "/login" in browser.current_url

    token = browser.find_element(*by_testid("login-token"))
    token.clear()
    token.send_keys(live_server.tokens["caseworker"])
    browser.find_element(*by_testid("login-submit")).click()
    wait(browser, 10).until(lambda d: d.current_url.rstrip("/").endswith("/console"))
    wait(browser, 10).until(ec.text_to_be_present_in_element(by_testid("me"), "王老师"))

    browser.find_element(*by_testid("logout")).click()
    wait(browser, 10).until(ec.url_contains("/login"))
    browser.get(live_server.url + "/console")
    wait(browser, 10).until(ec.url_contains("/login"))
    assert_no_js_errors(browser)


def test_login_only_follows_local_next(
    chrome_available: None, live_server: LiveServer, browser: Browser
) -> None:
    browser.get(live_server.url + "/login")
    safe = browser.execute_script(
        "return ['/agent', '/console?x=1', '//evil.example', '/\\\\evil.example',"
        " 'https://evil.example', 'javascript:alert(1)', ''].map(Jiuye.safeNext)"
    )
    assert safe == ["/agent", "/console?x=1", None, None, None, None, None]
    assert_no_js_errors(browser)


# -- service packages (就业服务包) and their follow-ups ------------------------------------------


def _make_follow_up_due(server: LiveServer, package_id: int) -> None:
    """Moves the package's first follow-up (day 7) to a minute ago, in the store."""
    from datetime import UTC, datetime, timedelta

    import sqlalchemy as sa

    from assistant.packages.store import FollowUpRow

    database = server.app.state.services.knowledge.database
    with database.session() as session:
        session.execute(
            sa.update(FollowUpRow)
            .where(FollowUpRow.package_id == package_id, FollowUpRow.day == 7)
            .values(due_at=datetime.now(UTC) - timedelta(minutes=1))
        )


def test_package_card_follow_up_on_opening_and_the_no_progress_list(
    chrome_available: None, live_server: LiveServer, open_browser: Callable[[], Browser]
) -> None:
    from selenium.webdriver.support import expected_conditions as ec

    seeker = open_browser()
    caseworker = open_browser()

    open_chat(seeker, live_server)
    ask(seeker, "我今年大学毕业，还没找到工作", timeout=FIRST_ANSWER_S)
    message = ask(seeker, "给我一个就业服务包")
    card = message.find_element(*by_testid("package-card"))
    package_id = card.get_attribute("data-package-id")
    assert package_id and package_id.isdigit()
    title = card.find_element(*by_testid("package-title")).text
    assert f"就业服务包（编号 {package_id}）" in title
    assert "高校毕业生" in card.text  # the key group found
    assert card.find_elements(*by_testid("package-need"))
    assert card.find_elements(*by_testid("package-point")), "no service points on the card"
    assert "问问您的进展" in card.find_element(*by_testid("package-follow-ups")).text

    # A week on (the follow-up moved in the store): opening the page asks it.
    _make_follow_up_due(live_server, int(package_id))
    seeker.refresh()
    question = wait(seeker, POLL_S).until(
        lambda d: next(
            (m for m in assistant_messages(d) if "就业服务回访" in m.text),
            False,
        )
    )
    assert f"编号 {package_id}" in question.text
    ask(seeker, "还没有进展")

    # The caseworker finds the person under "无进展" and hands them over.
    log_in(caseworker, live_server, "caseworker", "/console")
    entry = wait(caseworker, POLL_S).until(
        ec.visibility_of_element_located(
            css(f'[data-testid="no-progress-entry"][data-package-id="{package_id}"]')
        )
    )
    assert "回访答复无进展" in entry.text and "还没有进展" in entry.text
    entry.find_element(*by_testid("follow-up-ticket")).click()
    notice = wait(caseworker, 10).until(
        ec.visibility_of_element_located(by_testid("no-progress-notice"))
    )
    assert f"服务包 {package_id}" in notice.text and "工单" in notice.text
    wait(caseworker, 10).until(
        ec.invisibility_of_element_located(
            css(f'[data-testid="no-progress-entry"][data-package-id="{package_id}"]')
        )
    )
    wait(caseworker, 10).until(
        ec.text_to_be_present_in_element(by_testid("detail-title"), "服务包回访无进展")
    )
    summary = caseworker.find_element(*by_testid("detail-summary")).text
    assert f"编号 {package_id}" in summary and "还没有进展" in summary
    ticket_id = caseworker.find_element(*css('button.ticket[aria-current="true"]')).get_attribute(
        "data-ticket-id"
    )
    assert ticket_id and ticket_id.isdigit()

    # The job seeker's page shows the hand-off when it is opened again.
    seeker.refresh()
    banner = wait(seeker, POLL_S).until(
        ec.visibility_of_element_located(by_testid("handoff-banner"))
    )
    assert banner.get_attribute("data-ticket") == ticket_id
    assert_no_js_errors(seeker)
    assert_no_js_errors(caseworker)


def test_admin_page_shows_the_package_figures(
    chrome_available: None, live_server: LiveServer, browser: Browser
) -> None:
    with httpx.Client(base_url=live_server.url, timeout=60) as visitor:  # a graduate's package
        for text in ("我今年大学毕业，还没找到工作", "给我一个就业服务包"):
            visitor.post("/v1/chat", json={"text": text, "region": "410100"}).raise_for_status()
    everything = httpx.get(
        live_server.url + "/v1/admin/stats",
        headers={"Authorization": f"Bearer {live_server.tokens['admin']}"},
        timeout=10,
    ).json()
    stats = everything["packages"]
    log_in(browser, live_server, "admin", "/admin")
    value = wait(browser, 10).until(
        lambda d: d.find_element(*by_testid("stat-packages-issued-value")).text.strip()
    )
    assert int(value) == stats["issued"]
    asked = browser.find_element(*by_testid("stat-follow-ups-asked-value")).text
    assert int(asked) == stats["follow_ups_asked"]
    outcomes = browser.find_elements(*by_testid("package-outcome"))
    assert {o.get_attribute("data-key") for o in outcomes} >= {"employed", "no_progress", "none"}
    assert "尚未答复回访" in browser.find_element(*by_testid("package-outcomes")).text
    # Key groups are shown by the names the service gives them.
    groups = browser.find_element(*by_testid("package-groups")).text
    names = everything["labels"]["key_groups"]
    assert stats["by_key_group"].get("graduate", 0) >= 1
    assert all(names[group] in groups for group in stats["by_key_group"])
    assert_no_js_errors(browser)


# -- one answer, shown once (the web shows what WeChat shows: the answer, its basis, the quote,
#    the sources once) ---------------------------------------------------------------------------

TWO_LINE_QUESTION = "我交了7年失业保险，被公司裁员了，失业金最多能领多久？\n我在郑州"
SCREEN_QUESTION = "我是毕业年度的高校毕业生，家里是低保家庭，正在找工作，能领哪些补贴"

# Wraps fetch so a test can read the replies the page was given (tool calls and all).
CAPTURE_REPLIES = """
if (!window.__jiuyeReplies) {
  window.__jiuyeReplies = [];
  const original = window.fetch.bind(window);
  window.fetch = async (...args) => {
    const response = await original(...args);
    if (String(args[0]).startsWith("/v1/chat")) {
      response.clone().json().then((body) => window.__jiuyeReplies.push(body), () => undefined);
    }
    return response;
  };
}
"""


def ask_captured(driver: Browser, text: str, timeout: float = ANSWER_S) -> tuple[Any, dict]:
    """Sends ``text`` (line breaks kept) and returns the new message and the reply JSON."""
    driver.execute_script(CAPTURE_REPLIES)
    replies = driver.execute_script("return window.__jiuyeReplies.length")
    before = len(assistant_messages(driver))
    driver.execute_script("document.getElementById('chat-input').value = arguments[0]", text)
    driver.find_element(*by_testid("send")).click()
    message = settle(driver, before, timeout)
    wait(driver, 10).until(
        lambda d: d.execute_script("return window.__jiuyeReplies.length") > replies
    )
    wait(driver, 10).until(lambda _: message.get_attribute("data-extras") == "1")
    reply = driver.execute_script("return window.__jiuyeReplies[window.__jiuyeReplies.length - 1]")
    return message, reply


def calls(reply: dict, name: str) -> list[dict]:
    return [c for c in reply.get("tool_calls") or [] if c["name"] == name and not c.get("error")]


def internal_notes(result: dict) -> list[str]:
    """The notes an eligibility result carries for rule authors: never for the public."""
    notes: list[str] = []
    for output in result.get("outputs") or []:
        notes.append(output.get("note") or "")
        for source in [output.get("source"), *(output.get("parameter_sources") or [])]:
            notes.append((source or {}).get("note") or "")
    for source in result.get("sources") or []:
        notes.append(source.get("note") or "")
    return [note for note in notes if note]


def assert_cards_are_clean(message: Any, results: list[dict]) -> None:
    """No staff notes, no "待核实", no empty amount ("— 元") and at most one short sample
    tag per figure on the calculator cards."""
    shown = text_of(message)
    assert "待核实" not in shown
    assert "— 元" not in shown and "—元" not in shown
    cards = message.find_elements(*by_testid("eligibility-result"))
    cards_text = "".join(text_of(card) for card in cards)
    for result in results:
        for note in internal_notes(result):
            assert note not in cards_text, f"an internal note is shown: {note}"
    for output in message.find_elements(*by_testid("eligibility-output")):
        assert len(output.find_elements(*by_testid("sample-tag"))) <= 1
        assert "虚构" not in text_of(output)


def test_sources_are_listed_once(
    chrome_available: None, live_server: LiveServer, browser: Browser
) -> None:
    open_chat(browser, live_server)
    message, reply = ask_captured(browser, "失业保险金怎么申请", timeout=FIRST_ANSWER_S)
    listed = message.find_elements(*by_testid("citation"))
    assert listed, "the answer lists no sources"
    markers = [d.get_attribute("data-marker") for d in listed]
    assert len(markers) == len(set(markers))
    shown = text_of(message)
    for number in markers:  # "[n] 《…》" once: in the list, not again in the text
        assert shown.count(f"[{number}] 《") == 1, f"source [{number}] is shown twice"
    text = message.find_element(*by_testid("message-text")).text
    assert "来源：" not in text, "the text's own source list is shown beside the list"
    if "来源：" in reply["text"]:
        assert any(f"[{n}]" in reply["text"] for n in markers)  # the same sources, once
    # Every marker left in the text opens a listed source.
    for button in message.find_elements(*css("button.marker-link")):
        assert button.text.strip("[]") in markers
    assert_no_js_errors(browser)


def test_a_source_only_in_the_text_is_kept(
    chrome_available: None, live_server: LiveServer, browser: Browser
) -> None:
    browser.get(live_server.url + "/")
    citation = {"title": "中华人民共和国社会保险法", "article": "第四十五条", "quote": "失业人员……"}
    text = (
        "可以领取[1]。\n\n来源：\n[1] 《中华人民共和国社会保险法》第四十五条（现行有效）\n"
        "[2] 《失业保险条例》第十四条（现行有效）"
    )
    listed_once = browser.execute_script(
        "return Jiuye.answerSources(arguments[0], [arguments[1]])", text, citation
    )
    assert (
        listed_once["body"] == "可以领取[1]。\n\n来源：\n[2] 《失业保险条例》第十四条（现行有效）"
    )
    assert [entry["number"] for entry in listed_once["shown"]] == [1]
    other = dict(citation, title="失业保险条例")  # [1] names another document: kept
    kept = browser.execute_script(
        "return Jiuye.answerSources(arguments[0], [arguments[1]])", text, other
    )
    assert "[1] 《中华人民共和国社会保险法》" in kept["body"] and "[2]" in kept["body"]
    plain = browser.execute_script("return Jiuye.answerSources('没有出处的回答', [])")
    assert plain["body"] == "没有出处的回答" and plain["shown"] == []
    assert_no_js_errors(browser)


def test_vacancies_are_shown_once(
    chrome_available: None, live_server: LiveServer, browser: Browser
) -> None:
    open_chat(browser, live_server)
    message, reply = ask_captured(browser, "郑州有焊工岗位吗", timeout=FIRST_ANSWER_S)
    [search] = calls(reply, "search_vacancies")
    hits = search["result"]["hits"]
    assert hits, "the search found nothing to show"
    cards = message.find_elements(*by_testid("vacancy-card"))
    assert len(cards) == len(hits)
    text = message.find_element(*by_testid("message-text")).text.strip()
    assert text == reply["text"].splitlines()[0], text  # the "为您找到 N 个…" summary only
    assert "｜" not in text
    for hit in hits:  # each vacancy once: its card
        assert text_of(message).count(hit["employer"]) == 1, hit["employer"]
    assert_no_js_errors(browser)


def test_a_policy_check_shows_that_policys_card(
    chrome_available: None,
    live_server: LiveServer,
    browser: Browser,
    record_property: Callable[[str, object], None],
) -> None:
    open_chat(browser, live_server)
    message, reply = ask_captured(browser, TWO_LINE_QUESTION, timeout=FIRST_ANSWER_S)
    checks = calls(reply, "check_eligibility")
    assert checks, "the question was not checked with the calculator"
    asked = {c["arguments"].get("policy_id") for c in checks} - {None}
    cards = message.find_elements(*by_testid("eligibility-result"))
    assert cards, "no calculator card"
    assert {card.get_attribute("data-policy-id") for card in cards} <= asked
    assert len(cards) == len(asked)
    results = [c["result"] for c in checks]
    assert_cards_are_clean(message, results)
    for card, result in zip(cards, results, strict=False):
        for output, shown in zip(
            result["outputs"], card.find_elements(*by_testid("eligibility-output")), strict=True
        ):
            value = shown.find_element(*by_testid("eligibility-value")).text
            if output["value"] is None:
                assert value == "以当地公布的标准为准"
            sample = (output.get("source") or {}).get("sample") or any(
                s.get("sample") for s in output.get("parameter_sources") or []
            )
            tags = shown.find_elements(*by_testid("sample-tag"))
            assert len(tags) == (1 if sample and output["value"] is not None else 0)
    # The rendered size of the answer (reported, not asserted: it depends on the answer).
    heights = browser.execute_script(
        "return [document.body.scrollHeight, arguments[0].getBoundingClientRect().height]",
        message,
    )
    record_property("page_scroll_height_px", heights[0])
    record_property("answer_height_px", round(heights[1]))
    print(f"two-line question: page {heights[0]} px, answer {round(heights[1])} px")
    assert_no_js_errors(browser)


@pytest.mark.parametrize("region", [ZHENGZHOU, "000000"], ids=["zhengzhou", "national"])
def test_a_screen_shows_only_the_policies_one_can_claim(
    chrome_available: None, live_server: LiveServer, browser: Browser, region: str
) -> None:
    open_chat(browser, live_server, region=region)
    message, reply = ask_captured(browser, SCREEN_QUESTION, timeout=FIRST_ANSWER_S)
    screens = [c for c in calls(reply, "check_eligibility") if not c["arguments"].get("policy_id")]
    assert screens, "the question did not screen the policies"
    results = screens[0]["result"]["results"]
    eligible = [r["policy_id"] for r in results if r["status"] == "eligible"]
    cards = message.find_elements(*by_testid("eligibility-result"))
    assert [card.get_attribute("data-policy-id") for card in cards] == eligible
    assert all(card.get_attribute("data-status") == "eligible" for card in cards)
    assert_cards_are_clean(message, results)
    for result in (r for r in results if r["status"] == "eligible"):
        card = message.find_element(*css(f'[data-policy-id="{result["policy_id"]}"]'))
        values = [v.text for v in card.find_elements(*by_testid("eligibility-value"))]
        expected = [
            "以当地公布的标准为准" if o["value"] is None else None for o in result["outputs"]
        ]
        for value, want in zip(values, expected, strict=True):
            assert want is None or value == want
    assert_no_js_errors(browser)


# -- the console reads facts in Chinese -----------------------------------------------------------


def test_console_shows_facts_by_their_chinese_labels(
    chrome_available: None, live_server: LiveServer, browser: Browser
) -> None:
    from selenium.webdriver.support import expected_conditions as ec

    from assistant.models import Turn

    services = live_server.app.state.services
    turn = Turn(channel="web", user_id="console-facts", text="转人工", role="job_seeker")
    state = services.assistant.conversations.load(turn)
    state.facts = {
        "contribution_years": 7.0,
        "involuntary_separation": True,
        "registered_unemployed": False,
        "hardship_category": "low_income_family",
    }
    ticket = services.assistant.handoffs.open(state, reason="complaint", summary="对失业金有疑问")

    log_in(browser, live_server, "caseworker", "/console")
    wait(browser, POLL_S).until(
        ec.element_to_be_clickable(css(f'button[data-ticket-id="{ticket.id}"]'))
    ).click()
    wait(browser, 10).until(ec.text_to_be_present_in_element(by_testid("detail-title"), "投诉"))
    facts = browser.find_element(*by_testid("detail-facts"))
    labels = [e.text for e in facts.find_elements(*by_testid("fact-label"))]
    values = [e.text for e in facts.find_elements(*by_testid("fact-value"))]
    assert dict(zip(labels, values, strict=True)) == {
        "累计缴纳失业保险费年限": "7年",
        "非因本人意愿中断就业": "是",
        "已办理失业登记": "否",
        "家庭或本人的困难情形": "城乡最低生活保障家庭",
    }
    for name in state.facts:
        assert name not in facts.text
    assert "low_income_family" not in facts.text and "true" not in facts.text.lower()
    services.assistant.handoffs.claim(ticket.id, "王老师")
    services.assistant.handoffs.close(ticket.id, "王老师")
    assert_no_js_errors(browser)


# -- the agent page: the answer, its basis and quote, its source once -----------------------------


def test_agent_suggestion_shows_basis_quote_and_source_once(
    chrome_available: None,
    live_server: LiveServer,
    browser: Browser,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The page's rendering of a suggestion (the suggestions themselves are the assist
    tests' business): one whose source says no more than its passage, one whose source does."""
    from datetime import date

    from selenium.webdriver.support import expected_conditions as ec

    from assistant.assist import AssistRequest, AssistResult, Suggestion
    from knowledge.policies.models import Citation

    clause = (
        "失业人员符合下列条件的，从失业保险基金中领取失业保险金：（一）失业前用人单位和本人"
        "已经缴纳失业保险费满一年的；（二）非因本人意愿中断就业的；（三）已经进行失业登记，"
        "并有求职要求的。"
    )
    law = Citation(
        doc_id="social-insurance-law",
        title="中华人民共和国社会保险法",
        article="第四十五条",
        region="000000",
        valid_from=date(2011, 7, 1),
        source="policies/social-insurance-law.md",
        quote=clause,
        start=0,
        end=len(clause),
        chunk_id="social-insurance-law:45",
    )
    longer = law.model_copy(
        update={
            "article": "第四十六条",
            "chunk_id": "social-insurance-law:46",
            "quote": "失业人员失业前用人单位和本人累计缴费满一年不足五年的，领取失业保险金的期限"
            "最长为十二个月；累计缴费满五年不足十年的，领取失业保险金的期限最长为十八个月。",
        }
    )
    basis = "《中华人民共和国社会保险法》第四十五条"

    def suggest(request: AssistRequest) -> AssistResult:
        return AssistResult(
            call_id=request.call_id,
            summary="来电人咨询失业保险金",
            suggestions=[
                Suggestion(
                    id="s45",
                    text=f"缴费满一年、非本人意愿失业、已办失业登记的，可以领失业保险金（{basis}）。",
                    passage=f"{basis}：“{clause}”",
                    citations=[law],
                    score=1.0,
                ),
                Suggestion(
                    id="s46",
                    text="缴费满五年不足十年的，最长领十八个月（《中华人民共和国社会保险法》第四十六条）。",
                    passage="《中华人民共和国社会保险法》第四十六条：“累计缴费满五年不足十年的，"
                    "领取失业保险金的期限最长为十八个月”",
                    citations=[longer],
                    score=0.9,
                ),
            ],
        )

    monkeypatch.setattr(live_server.app.state.services.assist, "suggest", suggest)
    log_in(browser, live_server, "agent", "/agent")
    browser.find_element(*by_testid("utterance-text")).send_keys("失业保险金要什么条件？")
    browser.find_element(*by_testid("add-utterance")).click()
    wait(browser, ANSWER_S).until(
        lambda d: (
            len(d.find_elements(*by_testid("suggestion"))) == 2
            and d.find_elements(*css('[data-suggestion-id="s46"]'))
        )
    )
    first, second = browser.find_elements(*by_testid("suggestion"))

    # The answer, then the basis with its passage, then the source.
    parts = [
        first.find_element(*by_testid("message-text")),
        first.find_element(*by_testid("passage")),
        first.find_element(*by_testid("citation")),
    ]
    tops = [part.location["y"] for part in parts]
    assert tops == sorted(tops)
    assert parts[0].text.startswith("缴费满一年")
    assert parts[1].text.startswith(basis) and clause in parts[1].text
    # The source once: named once, its text not quoted again under the passage.
    assert len(first.find_elements(*by_testid("citation"))) == 1
    assert not first.find_elements(*by_testid("citation-quote"))
    assert text_of(first).count(clause) == 1
    summary = first.find_element(*by_testid("citation-summary")).text
    assert "《中华人民共和国社会保险法》第四十五条" in summary
    # A source that says more than the passage keeps its whole text, folded away.
    quote = second.find_element(*by_testid("citation-quote"))
    assert not quote.is_displayed()
    second.find_element(*by_testid("citation-summary")).click()
    wait(browser, 5).until(ec.visibility_of(quote))
    assert "十二个月" in quote.text
    assert_no_js_errors(browser)
