/* Jiuye pages: what every page shares. Plain ES2017, no build step, no network but the app.
 *
 * Server text only ever reaches the page through textContent (the `el` helper below), never
 * through innerHTML, so a policy quote or a user's message cannot inject markup.
 */
"use strict";

(function () {
  /** An API error: the HTTP status, the server's error code and its Chinese message. */
  class ApiError extends Error {
    constructor(status, code, message) {
      super(message);
      this.name = "ApiError";
      this.status = status;
      this.code = code;
    }
  }

  /**
   * Calls the JSON API. Resolves with the parsed body; rejects with an ApiError whose
   * message is the server's `error.message` (Chinese) or a generic explanation.
   */
  async function api(path, options) {
    const opts = options || {};
    const init = {
      method: opts.method || (opts.body === undefined ? "GET" : "POST"),
      credentials: "same-origin",
      headers: { Accept: "application/json" },
      cache: "no-store",
    };
    if (opts.body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(opts.body);
    }
    let response;
    try {
      response = await fetch(path, init);
    } catch (exc) {
      throw new ApiError(0, "network", "无法连接服务器，请检查网络后重试。");
    }
    let data = null;
    const text = await response.text();
    if (text) {
      try {
        data = JSON.parse(text);
      } catch (exc) {
        data = null;
      }
    }
    if (!response.ok) {
      const error = data && data.error ? data.error : {};
      const message =
        typeof error.message === "string" && error.message
          ? error.message
          : defaultMessage(response.status);
      throw new ApiError(response.status, error.code || String(response.status), message);
    }
    return data;
  }

  function defaultMessage(status) {
    if (status === 401) return "请先登录。";
    if (status === 403) return "您没有权限进行此操作。";
    if (status === 404) return "没有找到相关内容。";
    if (status === 409) return "操作冲突，请刷新后重试。";
    if (status === 429) return "请求过于频繁，请稍后再试。";
    if (status >= 500) return "服务器暂时出错，请稍后再试。";
    return "请求失败（" + status + "），请稍后再试。";
  }

  /**
   * Builds an element. `attrs`: className, dataset-style "data-*" keys, "text" (textContent),
   * event handlers as "onclick" etc., anything else via setAttribute. Children may be
   * nodes, strings (text nodes), arrays, null or undefined (skipped).
   */
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    const given = attrs || {};
    for (const key of Object.keys(given)) {
      const value = given[key];
      if (value === null || value === undefined || value === false) continue;
      if (key === "text") node.textContent = String(value);
      else if (key === "className") node.className = value;
      else if (key.startsWith("on") && typeof value === "function") {
        node.addEventListener(key.slice(2), value);
      } else if (value === true) node.setAttribute(key, "");
      else node.setAttribute(key, String(value));
    }
    appendAll(node, children);
    return node;
  }

  function appendAll(node, children) {
    for (const child of children) {
      if (child === null || child === undefined || child === false) continue;
      if (Array.isArray(child)) appendAll(node, child);
      else if (child instanceof Node) node.appendChild(child);
      else node.appendChild(document.createTextNode(String(child)));
    }
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }

  /** The regions offered by the pickers: GB/T 2260 codes and names (knowledge/regions.tsv). */
  const REGIONS = [
    ["000000", "全国"],
    ["110000", "北京市"],
    ["310000", "上海市"],
    ["410000", "河南省"],
    ["410100", "郑州市"],
    ["440000", "广东省"],
    ["440100", "广州市"],
    ["440300", "深圳市"],
  ];

  function regionName(code) {
    for (const [value, name] of REGIONS) if (value === code) return name;
    return code || "";
  }

  /** Fills a <select> with the regions; the first option ("" → null) means the default. */
  function fillRegionSelect(select, defaultLabel) {
    clear(select);
    select.appendChild(el("option", { value: "", text: defaultLabel || "默认地区" }));
    for (const [value, name] of REGIONS) {
      select.appendChild(el("option", { value: value, text: name + "（" + value + "）" }));
    }
  }

  /** A web-safe link target, or null: only http(s) URLs are ever put in an href. */
  function safeUrl(url) {
    if (typeof url !== "string") return null;
    try {
      const parsed = new URL(url, window.location.href);
      return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : null;
    } catch (exc) {
      return null;
    }
  }

  /** "《title》第X条" (or the chapter when the passage has no article number). */
  function citationLabel(citation) {
    const where = citation.article || citation.chapter || "";
    return "《" + (citation.title || citation.doc_id || "未命名文件") + "》" + where;
  }

  function validityText(citation) {
    if (citation.valid_to) {
      return "有效期：" + (citation.valid_from || "—") + " 起 / 至 " + citation.valid_to;
    }
    if (citation.valid_from) return "有效期：" + citation.valid_from + " 起 / 现行有效";
    return "有效期：现行有效";
  }

  /** A passage as people read it: the Markdown marks of the source file taken out. */
  function plainQuote(text) {
    return String(text || "")
      .replace(/\*\*|__/g, "")
      .replace(/^\s{0,3}>\s?/gm, "")
      .replace(/\n{3,}/g, "\n\n")
      .trim();
  }

  /**
   * One source as an expandable <details>: the label, then the quote, region and validity.
   * `options.quote === false` leaves the quote out (it is already on the page).
   */
  function renderCitation(citation, number, options) {
    const opts = options || {};
    const details = el("details", {
      className: "citation",
      "data-testid": "citation",
      "data-marker": number,
    });
    const summary = el(
      "summary",
      { "data-testid": "citation-summary" },
      number ? el("span", { className: "marker", text: "[" + number + "]" }) : null,
      " ",
      citationLabel(citation),
      citation.doc_number ? el("span", { className: "muted", text: "（" + citation.doc_number + "）" }) : null
    );
    details.appendChild(summary);
    if (opts.quote !== false) {
      details.appendChild(
        el("blockquote", { className: "quote", "data-testid": "citation-quote", text: plainQuote(citation.quote) })
      );
    }
    const meta = el("p", { className: "citation-meta" });
    meta.appendChild(el("span", { text: "适用地区：" + regionName(citation.region) }));
    meta.appendChild(el("span", { "data-testid": "citation-validity", text: validityText(citation) }));
    if (citation.superseded_by) {
      meta.appendChild(el("span", { className: "warn", text: "已被新版本替代：" + citation.superseded_by }));
    }
    details.appendChild(meta);
    return details;
  }

  const MARKER = /\[(\d{1,2})\]/g;
  const UNMARKED_SOURCES = 3; // as many as WeChat lists under a text without markers
  const SOURCES_HEADING = /(?:^|\n)来源：[ \t]*\n/g;
  const SOURCE_LINE = /^\s*\[(\d{1,2})\]\s*(.*)$/;

  function markerCheck(valid) {
    if (typeof valid === "function") return valid;
    if (valid instanceof Set) return (n) => valid.has(n);
    const count = Number(valid) || 0;
    return (n) => n >= 1 && n <= count;
  }

  /**
   * What a reply's text and its citations look like on a page that lists the citations:
   * `body` is the text without its trailing "来源：\n[1] 《…》…" block (the page lists those
   * sources itself), keeping any line of that block the citations do not cover, so no source
   * is lost; `shown` are the citations to list as [{citation, number}]: those the text refers
   * to by marker ([n] is citations[n - 1]), or, when it has no markers, the first few — the
   * sources WeChat writes under such a text (connectors/wechat/formatting.py).
   */
  function answerSources(text, citations) {
    const source = String(text || "");
    const list = Array.isArray(citations) ? citations : [];
    const referred = new Set();
    let match;
    MARKER.lastIndex = 0;
    while ((match = MARKER.exec(source)) !== null) {
      const n = Number(match[1]);
      if (n >= 1 && n <= list.length) referred.add(n);
    }
    const shown = [];
    list.forEach((citation, i) => {
      const listed = referred.size ? referred.has(i + 1) : i < UNMARKED_SOURCES;
      if (listed) shown.push({ citation: citation, number: i + 1 });
    });
    return { body: withoutSourceBlock(source, list), shown: shown };
  }

  function withoutSourceBlock(source, citations) {
    if (!citations.length) return source;
    let heading = null;
    let match;
    SOURCES_HEADING.lastIndex = 0;
    while ((match = SOURCES_HEADING.exec(source)) !== null) heading = match;
    if (!heading) return source;
    const entries = [];
    for (const line of source.slice(heading.index + heading[0].length).split("\n")) {
      if (!line.trim()) continue;
      const entry = SOURCE_LINE.exec(line);
      if (!entry) return source; // not a trailing source block: the text stays whole
      entries.push({ n: Number(entry[1]), line: line.trim(), rest: entry[2] });
    }
    if (!entries.length) return source;
    // A line is covered when its number is a listed citation naming the same document.
    const kept = entries.filter((entry) => {
      const citation = citations[entry.n - 1];
      if (!citation) return true;
      const title = citation.title || citation.doc_id || "";
      return !title || entry.rest.indexOf("《" + title + "》") < 0;
    });
    let body = source.slice(0, heading.index).replace(/\s+$/, "");
    if (kept.length) body += "\n\n来源：\n" + kept.map((entry) => entry.line).join("\n");
    return body;
  }

  /**
   * `text` without the numbered list lines ("1. 名称｜…" and their indented follow-up lines)
   * whose item `isShown(rest of line)` says the page shows as a card already. Lines that
   * name nothing shown, and everything else, are kept.
   */
  function withoutListed(text, isShown) {
    const out = [];
    let dropping = false;
    let dropped = 0;
    for (const line of String(text || "").split("\n")) {
      const item = /^\s*\d{1,2}[.．、]\s*(.+)$/.exec(line);
      if (item) {
        dropping = isShown(item[1].trim());
        if (dropping) {
          dropped += 1;
          continue;
        }
      } else if (dropping && /^[ \t\u3000]+\S/.test(line)) {
        continue; // the dropped item's follow-up line ("   在线投递：…")
      } else {
        dropping = false;
      }
      out.push(line);
    }
    return dropped ? out.join("\n").replace(/\s+$/, "") : String(text || "");
  }

  /** Text written for staff only ("待核实: …") that a page for the public never shows. */
  function isInternalNote(text) {
    return /待核实/.test(String(text || ""));
  }

  /**
   * Reply text with its line breaks kept and markers [n] turned into buttons that open
   * source n; `onMarker(n)` is called when one is clicked. `valid` says which markers have
   * a source on the page: a count (1..count), a Set of numbers or a predicate.
   */
  function renderRichText(text, valid, onMarker) {
    const container = el("div", { className: "text", "data-testid": "message-text" });
    const source = String(text || "");
    const isValid = markerCheck(valid);
    const pattern = /\[(\d{1,2})\]/g;
    let last = 0;
    let match;
    while ((match = pattern.exec(source)) !== null) {
      const n = Number(match[1]);
      if (!isValid(n) || !onMarker) continue;
      if (match.index > last) container.appendChild(document.createTextNode(source.slice(last, match.index)));
      container.appendChild(
        el("button", {
          type: "button",
          className: "marker-link",
          text: "[" + n + "]",
          "aria-label": "查看出处 " + n,
          onclick: () => onMarker(n),
        })
      );
      last = match.index + match[0].length;
    }
    if (last < source.length) container.appendChild(document.createTextNode(source.slice(last)));
    return container;
  }

  /** "等待 3 分钟" and friends. */
  function waitingText(seconds) {
    const s = Math.max(0, Math.floor(Number(seconds) || 0));
    if (s < 60) return "等待不到 1 分钟";
    const minutes = Math.floor(s / 60);
    if (minutes < 60) return "等待 " + minutes + " 分钟";
    const hours = Math.floor(minutes / 60);
    const rest = minutes % 60;
    return "等待 " + hours + " 小时" + (rest ? " " + rest + " 分钟" : "");
  }

  function timeText(iso) {
    if (!iso) return "";
    const date = new Date(iso);
    if (Number.isNaN(date.getTime())) return "";
    const pad = (n) => String(n).padStart(2, "0");
    return pad(date.getHours()) + ":" + pad(date.getMinutes());
  }

  // The rule engine's statuses (knowledge/rules/models.py EligibilityStatus): label, tone.
  const ELIGIBILITY_STATUS = {
    eligible: ["可以享受", "ok"],
    not_eligible: ["不符合", "no"],
    need_more_facts: ["还需要信息", "ask"],
    ended: ["政策已结束", "no"],
    not_yet: ["尚未施行", "ask"],
  };

  function eligibilityStatus(status) {
    return ELIGIBILITY_STATUS[status] || [status || "未知", "ask"];
  }

  function valueText(value) {
    if (value === true) return "是";
    if (value === false) return "否";
    if (value === null || value === undefined) return "—";
    if (Array.isArray(value)) return value.map(valueText).join("、");
    if (typeof value === "object") return JSON.stringify(value);
    return String(value);
  }

  /** A random id for a call: crypto.randomUUID where available, else 128 random bits. */
  function newId() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") return window.crypto.randomUUID();
    const bytes = new Uint8Array(16);
    if (window.crypto && window.crypto.getRandomValues) window.crypto.getRandomValues(bytes);
    else for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  /** Copies text: the async clipboard when allowed, else a hidden textarea + execCommand. */
  async function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      try {
        await navigator.clipboard.writeText(text);
        return true;
      } catch (exc) {
        /* fall through to the old way */
      }
    }
    const area = el("textarea", { readonly: true, "aria-hidden": "true", className: "offscreen" });
    area.value = text;
    document.body.appendChild(area);
    area.select();
    let done = false;
    try {
      done = document.execCommand("copy");
    } catch (exc) {
      done = false;
    }
    document.body.removeChild(area);
    return done;
  }

  /** Shows a message in an alert region (empty text hides it). */
  function showMessage(node, text) {
    node.textContent = text || "";
    node.hidden = !text;
  }

  /** Sends the browser to the login page, coming back here afterwards. */
  function toLogin() {
    const next = window.location.pathname + window.location.search;
    window.location.assign("/login?next=" + encodeURIComponent(next));
  }

  /**
   * Shows who is logged in in `nameNode` and wires the logout button. Resolves with the
   * /v1/me body; a public visitor is sent to the login page.
   */
  async function setupAccount(nameNode, logoutButton) {
    logoutButton.addEventListener("click", async () => {
      logoutButton.disabled = true;
      try {
        await api("/v1/logout", { method: "POST", body: {} });
      } catch (exc) {
        /* the session is dropped either way */
      }
      window.location.assign("/login");
    });
    const me = await api("/v1/me");
    if (!me || me.role === "public") {
      toLogin();
      return me;
    }
    const labels = { agent: "热线坐席", caseworker: "人工服务专员", admin: "管理员" };
    nameNode.textContent = (me.name || "已登录") + (labels[me.role] ? "（" + labels[me.role] + "）" : "");
    return me;
  }

  // -- the login page (kept here so no page needs an inline script) ---------------------

  /** `next` from the query when it is a path on this site ("/x", not "//x" or "/\\x"). */
  function safeNext(raw) {
    if (typeof raw !== "string" || !raw.startsWith("/") || raw.startsWith("//")) return null;
    if (/[\\\u0000-\u001f]/.test(raw)) return null;
    try {
      const target = new URL(raw, window.location.origin);
      return target.origin === window.location.origin ? target.pathname + target.search + target.hash : null;
    } catch (exc) {
      return null;
    }
  }

  const HOME_BY_ROLE = { caseworker: "/console", agent: "/agent", admin: "/console" };

  function setupLoginPage(form) {
    const input = document.getElementById("token");
    const button = document.getElementById("login-submit");
    const error = document.getElementById("login-error");
    const next = safeNext(new URLSearchParams(window.location.search).get("next"));
    const hint = document.getElementById("login-next");
    if (hint && next) {
      hint.textContent = "登录后将前往：" + next;
      hint.hidden = false;
    }
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const token = input.value.trim();
      showMessage(error, "");
      if (!token) {
        showMessage(error, "请输入访问令牌。");
        input.focus();
        return;
      }
      button.disabled = true;
      button.textContent = "正在登录…";
      try {
        const me = await api("/v1/login", { body: { token: token } });
        window.location.assign(next || HOME_BY_ROLE[me && me.role] || "/console");
      } catch (exc) {
        const message = exc.status === 401 && !exc.message ? "令牌不正确，请重新输入。" : exc.message;
        showMessage(error, message || "登录失败，请稍后再试。");
        button.disabled = false;
        button.textContent = "登录";
        input.select();
      }
    });
  }

  function startLoginPage() {
    const form = document.getElementById("login-form");
    if (form) setupLoginPage(form);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", startLoginPage);
  else startLoginPage();

  window.Jiuye = {
    ApiError,
    api,
    el,
    clear,
    REGIONS,
    regionName,
    fillRegionSelect,
    safeUrl,
    citationLabel,
    validityText,
    renderCitation,
    plainQuote,
    answerSources,
    withoutListed,
    isInternalNote,
    renderRichText,
    waitingText,
    timeText,
    valueText,
    eligibilityStatus,
    newId,
    copyText,
    showMessage,
    toLogin,
    setupAccount,
    safeNext,
  };
})();
