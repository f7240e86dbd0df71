/* Web chat (/): a job seeker or an employer talks to the assistant, and to a caseworker
 * once the conversation is handed off.
 *
 * The server transcript (GET /v1/sessions/{id}?since=N) is the truth: every message on the
 * page is rendered from it, keyed by its index, so nothing is shown twice. What only the
 * live reply carries (vacancy cards, eligibility results, service points, the service
 * package card, quick replies) is attached to the transcript's assistant message that
 * answered it.
 *
 * On opening, the page asks GET /v1/follow-ups: a package follow-up (跟踪回访) that has
 * fallen due is asked then, as a message in the transcript.
 */
"use strict";

(function () {
  const J = window.Jiuye;
  const el = J.el;

  const POLL_HANDOFF_MS = 2000;
  const STORE = window.sessionStorage;
  const PREFS = window.localStorage;

  const $ = (id) => document.getElementById(id);
  const nodes = {
    messages: $("messages"),
    welcome: $("welcome"),
    form: $("chat-form"),
    input: $("chat-input"),
    send: $("send"),
    thinking: $("thinking"),
    error: $("chat-error"),
    chips: $("quick-replies"),
    region: $("region"),
    locate: $("locate"),
    locateStatus: $("locate-status"),
    handoff: $("handoff"),
    banner: $("handoff-banner"),
  };

  const state = {
    sessionId: safeGet(STORE, "jiuye.session"),
    nextIndex: 0,
    rendered: new Map(), // transcript index -> <li>
    busy: false,
    location: null,
    handoffId: null,
    caseworkerJoined: false,
    pending: null, // {reply, fromIndex}: a reply whose extras wait for its transcript message
    syncChain: Promise.resolve(),
  };

  function safeGet(storage, key) {
    try {
      return storage.getItem(key);
    } catch (exc) {
      return null;
    }
  }

  function safeSet(storage, key, value) {
    try {
      if (value === null) storage.removeItem(key);
      else storage.setItem(key, value);
    } catch (exc) {
      /* private mode: nothing is remembered, everything still works */
    }
  }

  // -- controls -----------------------------------------------------------------------------

  J.fillRegionSelect(nodes.region, "默认地区");
  nodes.region.value = safeGet(PREFS, "jiuye.region") || "";
  if (nodes.region.selectedIndex < 0) nodes.region.value = "";
  nodes.region.addEventListener("change", () => safeSet(PREFS, "jiuye.region", nodes.region.value));

  const savedRole = safeGet(PREFS, "jiuye.role");
  for (const radio of document.querySelectorAll('input[name="role"]')) {
    if (radio.value === savedRole) radio.checked = true;
    radio.addEventListener("change", () => safeSet(PREFS, "jiuye.role", currentRole()));
  }

  function currentRole() {
    const checked = document.querySelector('input[name="role"]:checked');
    return checked ? checked.value : "job_seeker";
  }

  nodes.locate.addEventListener("click", () => {
    if (state.location) {
      state.location = null;
      nodes.locate.setAttribute("aria-pressed", "false");
      nodes.locate.textContent = "使用我的位置";
      J.showMessage(nodes.locateStatus, "已停止使用您的位置。");
      return;
    }
    if (!navigator.geolocation) {
      J.showMessage(nodes.locateStatus, "您的浏览器不支持定位，可以直接告诉我您在哪个区。");
      return;
    }
    J.showMessage(nodes.locateStatus, "正在获取位置…");
    navigator.geolocation.getCurrentPosition(
      (position) => {
        state.location = { lat: position.coords.latitude, lon: position.coords.longitude };
        nodes.locate.setAttribute("aria-pressed", "true");
        nodes.locate.textContent = "已使用我的位置";
        J.showMessage(nodes.locateStatus, "已获取位置，查找附近岗位和服务站时会按距离排序。");
      },
      () => J.showMessage(nodes.locateStatus, "未能获取位置（可能未授权），可以直接告诉我您在哪个区。"),
      { enableHighAccuracy: false, timeout: 10000, maximumAge: 300000 }
    );
  });

  nodes.handoff.addEventListener("click", () => send("转人工"));

  nodes.form.addEventListener("submit", (event) => {
    event.preventDefault();
    send(nodes.input.value);
  });

  nodes.input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
      event.preventDefault();
      send(nodes.input.value);
    }
  });

  function setBusy(busy) {
    state.busy = busy;
    nodes.send.disabled = busy;
    nodes.handoff.disabled = busy;
    nodes.thinking.hidden = !busy;
    for (const chip of nodes.chips.querySelectorAll("button")) chip.disabled = busy;
    nodes.form.setAttribute("aria-busy", busy ? "true" : "false");
  }

  // -- sending ------------------------------------------------------------------------------

  async function send(rawText) {
    const text = String(rawText || "").trim();
    if (!text || state.busy) return;
    J.showMessage(nodes.error, "");
    J.clear(nodes.chips);
    nodes.input.value = "";
    setBusy(true);
    const pendingItem = el(
      "li",
      { className: "message from-user pending", "data-sender": "user", "data-testid": "message" },
      el("span", { className: "sender", text: "我" }),
      el("div", { className: "text", "data-testid": "message-text", text: text })
    );
    nodes.messages.appendChild(pendingItem);
    nodes.welcome.hidden = true;
    scrollToEnd();
    const fromIndex = state.nextIndex;
    let reply;
    try {
      reply = await J.api("/v1/chat", {
        body: {
          text: text,
          role: currentRole(),
          region: nodes.region.value || null,
          location: state.location,
        },
      });
    } catch (exc) {
      pendingItem.remove();
      nodes.input.value = text;
      J.showMessage(nodes.error, exc.message || "发送失败，请稍后再试。");
      setBusy(false);
      return;
    }
    if (reply.session_id && reply.session_id !== state.sessionId) {
      if (state.sessionId) resetTranscript();
      state.sessionId = reply.session_id;
      safeSet(STORE, "jiuye.session", state.sessionId);
    }
    if (reply.handoff && reply.handoff.status !== "closed") showHandoff(reply.handoff.id);
    state.pending = { reply: reply, fromIndex: fromIndex };
    setBusy(false);
    await queueSync();
    if (state.pending && state.pending.reply === reply) {
      // The transcript could not be read: show the reply as it came, replaced on the next sync.
      for (const item of nodes.messages.querySelectorAll("li.pending")) item.classList.add("unsynced");
      const item = renderMessage({ sender: "assistant", text: reply.text, citations: [] });
      item.classList.add("unsynced");
      nodes.messages.appendChild(item);
      attachExtras(item, reply);
    }
    renderQuestions(reply.questions || []);
    scrollToEnd();
    nodes.input.focus();
  }

  function resetTranscript() {
    J.clear(nodes.messages);
    state.rendered.clear();
    state.nextIndex = 0;
  }

  // -- the transcript -----------------------------------------------------------------------

  function queueSync() {
    const run = state.syncChain.then(sync, sync);
    state.syncChain = run.catch(() => undefined);
    return state.syncChain;
  }

  async function sync() {
    if (!state.sessionId) return;
    let session;
    try {
      session = await J.api(
        "/v1/sessions/" + encodeURIComponent(state.sessionId) + "?since=" + state.nextIndex
      );
    } catch (exc) {
      if (exc.status === 404 || exc.status === 403) {
        // Another visitor's or an expired conversation: start afresh.
        state.sessionId = null;
        safeSet(STORE, "jiuye.session", null);
        hideHandoff();
      }
      return;
    }
    const messages = (session && session.messages) || [];
    const fresh = messages.filter((m) => !state.rendered.has(m.index));
    if (fresh.length && !state.busy) {
      for (const item of nodes.messages.querySelectorAll("li.pending, li.unsynced")) item.remove();
    }
    for (const message of fresh) {
      const item = renderMessage(message);
      item.dataset.index = message.index;
      state.rendered.set(message.index, item);
      insertInOrder(item, message.index);
      state.nextIndex = Math.max(state.nextIndex, message.index + 1);
      if (message.sender === "caseworker") state.caseworkerJoined = true;
    }
    if (fresh.length) {
      nodes.welcome.hidden = true;
      attachPending();
      scrollToEnd();
    }
    if (session && "open_ticket" in session) {
      if (session.open_ticket === null || session.open_ticket === undefined) hideHandoff();
      else showHandoff(session.open_ticket);
    }
  }

  function insertInOrder(item, index) {
    const after = Array.from(nodes.messages.children).find(
      (child) => child.dataset.index !== undefined && Number(child.dataset.index) > index
    );
    if (after) nodes.messages.insertBefore(item, after);
    else {
      const firstPending = nodes.messages.querySelector("li.pending");
      if (firstPending) nodes.messages.insertBefore(item, firstPending);
      else nodes.messages.appendChild(item);
    }
  }

  /** Puts the live reply's extras on the transcript message that carries its text. */
  function attachPending() {
    const pending = state.pending;
    if (!pending) return;
    let target = null;
    let fallback = null;
    for (const [index, item] of state.rendered) {
      if (index < pending.fromIndex || item.dataset.sender !== "assistant") continue;
      if (!fallback || index > Number(fallback.dataset.index)) fallback = item;
      if (item.dataset.rawText === pending.reply.text) {
        if (!target || index > Number(target.dataset.index)) target = item;
      }
    }
    target = target || fallback;
    if (!target) return;
    attachExtras(target, pending.reply);
    state.pending = null;
  }

  const SENDER_LABELS = {
    user: "我",
    assistant: "就业助手",
    caseworker: "人工客服",
    system: "系统消息",
  };

  function renderMessage(message) {
    const sender = SENDER_LABELS[message.sender] ? message.sender : "system";
    const item = el("li", {
      className: "message from-" + sender,
      "data-sender": sender,
      "data-testid": "message",
    });
    item.dataset.rawText = message.text || "";
    if (sender === "system") {
      item.appendChild(el("div", { className: "text", "data-testid": "message-text", text: message.text || "" }));
      return item;
    }
    item.appendChild(
      el(
        "span",
        { className: "sender", "data-testid": "message-sender" },
        SENDER_LABELS[sender],
        message.created_at ? el("time", { className: "time", datetime: message.created_at, text: J.timeText(message.created_at) }) : null
      )
    );
    const sources = el("div", { className: "sources", "data-testid": "sources" });
    item.appendChild(el("div", { className: "text", "data-testid": "message-text" }));
    item.appendChild(sources);
    // What the text is shown with: its citations, and the cards that list what it lists.
    item.view = { text: message.text || "", citations: message.citations || [], listed: [] };
    paint(item);
    return item;
  }

  /**
   * (Re)draws a message's text and source list from `item.view`: a source is listed once
   * (the text's own "来源：" block gives way to the expandable list), and a list line the
   * page shows as a card (a vacancy, a service point) gives way to the card.
   */
  function paint(item) {
    const view = item.view;
    const sources = item.querySelector(".sources");
    const answer = J.answerSources(view.text, view.citations);
    let body = answer.body;
    for (const isShown of view.listed) body = J.withoutListed(body, isShown);
    const numbers = new Set(answer.shown.map((entry) => entry.number));
    const text = J.renderRichText(body, numbers, (n) => openSource(sources, n));
    item.replaceChild(text, item.querySelector(".text"));
    J.clear(sources);
    if (answer.shown.length) {
      sources.appendChild(el("p", { className: "sources-title", text: "出处（点击展开原文）" }));
      for (const entry of answer.shown) sources.appendChild(J.renderCitation(entry.citation, entry.number));
    }
  }

  function openSource(container, n) {
    const details = container.querySelector('details[data-marker="' + n + '"]');
    if (!details) return;
    details.open = true;
    details.scrollIntoView({ block: "nearest", behavior: "smooth" });
    const summary = details.querySelector("summary");
    if (summary) summary.focus();
  }

  /** Sources, vacancy cards, eligibility results, service points and the service package
   * of a live reply. */
  function attachExtras(item, reply) {
    if (item.dataset.extras) return;
    item.dataset.extras = "1";
    const view = item.view;
    if (view && !view.citations.length && (reply.citations || []).length) view.citations = reply.citations;
    const extras = el("div", { className: "extras" });
    for (const call of reply.tool_calls || []) {
      if (call.error || call.result === null || call.result === undefined) continue;
      let section = null;
      if (call.name === "search_vacancies") {
        section = renderVacancies(call.result);
        if (view && section.childNodes.length) view.listed.push(listedVacancies(call.result));
      } else if (call.name === "check_eligibility") {
        section = renderEligibility(call.result, call.arguments || {});
      } else if (call.name === "find_service_points") {
        section = renderServicePoints(call.result);
        if (view && section.childNodes.length) view.listed.push(listedPoints(call.result));
      }
      if (section && section.childNodes.length) extras.appendChild(section);
    }
    if (reply.package) extras.appendChild(renderPackage(reply.package));
    if (view) paint(item);
    const sources = item.querySelector(".sources");
    if (extras.childNodes.length) {
      if (sources) item.insertBefore(extras, sources);
      else item.appendChild(extras);
    }
    if (reply.handoff) item.dataset.handoff = String(reply.handoff.id);
  }

  /** A list line ("1. 焊工｜单位｜…") naming a vacancy the cards show. */
  function listedVacancies(result) {
    const titles = vacancyHits(result).map((hit) => String(hit.title || "")).filter(Boolean);
    return (line) => titles.some((title) => line.startsWith(title + "｜"));
  }

  /** A list line ("1. 网点名称（类型）地址") naming a service point the cards show. */
  function listedPoints(result) {
    const names = pointHits(result).map((hit) => String((hit.point || hit).name || "")).filter(Boolean);
    return (line) => names.some((name) => line.startsWith(name));
  }

  // -- vacancy cards ------------------------------------------------------------------------

  function vacancyHits(result) {
    return (result && Array.isArray(result.hits) ? result.hits : Array.isArray(result) ? result : []) || [];
  }

  function pointHits(result) {
    return Array.isArray(result) ? result : result && Array.isArray(result.hits) ? result.hits : [];
  }

  // The text's first line ("为您找到 N 个符合条件的岗位…") heads the cards.
  function renderVacancies(result) {
    const hits = vacancyHits(result);
    const box = el("section", { className: "cards", "data-testid": "vacancies", "aria-label": "岗位" });
    if (!hits.length) return box;
    for (const hit of hits) {
      const card = el("article", { className: "card vacancy", "data-testid": "vacancy-card" });
      card.appendChild(el("h4", { className: "card-title", "data-testid": "vacancy-title", text: hit.title || "岗位" }));
      card.appendChild(el("p", { className: "employer", text: hit.employer || "" }));
      const facts = el("dl", { className: "facts" });
      addFact(facts, "薪资", hit.salary || "面议");
      addFact(facts, "地点", hit.place || hit.district || "");
      if (typeof hit.distance_km === "number") {
        let near = "约 " + hit.distance_km.toFixed(1) + " 公里";
        if (typeof hit.walking_minutes === "number") near += "，步行约 " + hit.walking_minutes + " 分钟";
        addFact(facts, "距离", near);
      }
      if (hit.employment_types && hit.employment_types.length) addFact(facts, "类型", hit.employment_types.join("、"));
      if (hit.education) addFact(facts, "学历", hit.education);
      if (hit.benefits && hit.benefits.length) addFact(facts, "福利", hit.benefits.join("、"));
      addFact(facts, "投递方式", hit.how_to_apply || "");
      card.appendChild(facts);
      const url = J.safeUrl(hit.url);
      if (url) {
        card.appendChild(
          el("a", { className: "button-link", href: url, target: "_blank", rel: "noopener noreferrer", text: "查看岗位详情" })
        );
      }
      if (hit.source) card.appendChild(el("p", { className: "muted small", text: "来源：" + hit.source }));
      box.appendChild(card);
    }
    return box;
  }

  function addFact(dl, label, value) {
    if (value === null || value === undefined || value === "") return;
    dl.appendChild(el("dt", { text: label }));
    dl.appendChild(el("dd", { text: String(value) }));
  }

  // -- eligibility (政策计算器) -------------------------------------------------------------

  /**
   * The calculator's cards for what the answer is about: a check of one policy shows that
   * policy; a screen of all policies (no policy_id asked) shows only those the person can
   * claim — the text already names the others and asks what it needs to know.
   */
  function renderEligibility(result, args) {
    const box = el("section", { className: "cards", "data-testid": "eligibility", "aria-label": "政策计算结果" });
    const asked = args && args.policy_id ? String(args.policy_id) : null;
    if (result && Array.isArray(result.results)) {
      const shown = result.results.filter((one) =>
        asked ? one.policy_id === asked : one.status === "eligible"
      );
      if (!shown.length) return box;
      if (!asked) box.appendChild(el("h3", { className: "cards-title", text: "政策计算器：按您说的情况可以享受的政策" }));
      for (const one of shown) box.appendChild(renderEligibilityResult(one, !asked));
    } else if (result && result.status && (!asked || !result.policy_id || result.policy_id === asked)) {
      box.appendChild(renderEligibilityResult(result, false));
    }
    return box;
  }

  /** Whether a figure comes from sample data rather than a published standard. */
  function fromSample(output) {
    if (output.source && output.source.sample) return true;
    return (output.parameter_sources || []).some((source) => source && source.sample);
  }

  function renderEligibilityResult(result, compact) {
    const [label, tone] = J.eligibilityStatus(result.status);
    const card = el("article", {
      className: "card eligibility",
      "data-testid": "eligibility-result",
      "data-status": result.status || "",
      "data-policy-id": result.policy_id || "",
    });
    card.appendChild(
      el(
        "h4",
        { className: "card-title" },
        el("span", { text: result.title || result.policy_id || "政策" }),
        " ",
        el("span", { className: "badge badge-" + tone, "data-testid": "eligibility-status", text: label })
      )
    );
    const outputs = result.outputs || [];
    if (outputs.length) {
      const list = el("ul", { className: "outputs" });
      for (const output of outputs) list.appendChild(renderOutput(output));
      card.appendChild(list);
    }
    const missing = result.missing || [];
    if (missing.length && !compact) {
      card.appendChild(el("p", { className: "small", text: "还需要了解：" + missing.map((m) => m.label || m.name).join("、") }));
    }
    if (result.apply && !compact && result.status === "eligible") {
      const apply = el("dl", { className: "facts" });
      addFact(apply, "办理地点", result.apply.where);
      addFact(apply, "办理方式", result.apply.how);
      if (result.apply.materials && result.apply.materials.length) addFact(apply, "所需材料", result.apply.materials.join("、"));
      addFact(apply, "办理时限", result.apply.deadline);
      card.appendChild(apply);
    }
    return card;
  }

  /**
   * One figure: its label, its value (or "以当地公布的标准为准" when the rules give none),
   * a short "示例数据" tag for a sample figure, and the articles it rests on. Notes written
   * for the rule authors (an output's note, a source's note) are not for the public.
   */
  function renderOutput(output) {
    const known = output.value !== null && output.value !== undefined && output.value !== "";
    const value = known ? J.valueText(output.value) + (output.unit ? " " + output.unit : "") : "以当地公布的标准为准";
    const li = el(
      "li",
      { "data-testid": "eligibility-output" },
      el("strong", { text: (output.label || output.id) + "：" }),
      el("span", { "data-testid": "eligibility-value", text: value })
    );
    if (known && fromSample(output)) {
      li.appendChild(document.createTextNode(" "));
      li.appendChild(el("span", { className: "badge badge-plain", "data-testid": "sample-tag", text: "示例数据" }));
    }
    const basis = [sourceText(output.source)];
    for (const extra of output.parameter_sources || []) {
      if (extra && !extra.sample) basis.push(sourceText(extra)); // a sample's name is the tag
    }
    const shown = basis.filter((text, i) => text && !J.isInternalNote(text) && basis.indexOf(text) === i);
    if (shown.length) li.appendChild(el("span", { className: "source", text: "依据：" + shown.join("；") }));
    return li;
  }

  function sourceText(source) {
    if (!source || !source.document) return "";
    return "《" + source.document + "》" + (source.article || "");
  }

  // -- service points -----------------------------------------------------------------------

  // The text's first line ("离您较近的公共就业服务网点：") heads the cards.
  function renderServicePoints(result) {
    const hits = pointHits(result);
    const box = el("section", { className: "cards", "data-testid": "service-points", "aria-label": "就业服务网点" });
    if (!hits.length) return box;
    for (const hit of hits) {
      const point = hit.point || hit;
      const card = el("article", { className: "card point", "data-testid": "service-point-card" });
      card.appendChild(el("h4", { className: "card-title", text: point.name || "服务网点" }));
      if (point.kind) card.appendChild(el("p", { className: "employer", text: point.kind }));
      const facts = el("dl", { className: "facts" });
      addFact(facts, "地址", point.address);
      if (typeof hit.distance_km === "number") {
        let near = "约 " + hit.distance_km.toFixed(1) + " 公里";
        if (typeof hit.walking_minutes === "number") near += "，步行约 " + hit.walking_minutes + " 分钟";
        addFact(facts, "距离", near);
      }
      addFact(facts, "办公时间", point.hours);
      if (point.services && point.services.length) addFact(facts, "服务", point.services.join("、"));
      card.appendChild(facts);
      if (point.phone) {
        const tel = String(point.phone).replace(/[^0-9+\-]/g, "");
        card.appendChild(el("a", { className: "button-link", href: "tel:" + tel, text: "电话 " + point.phone }));
      }
      box.appendChild(card);
    }
    return box;
  }

  // -- the service package (就业服务包) ---------------------------------------------------------

  const BENEFIT_STATUS = { eligible: ["按您说的情况符合条件", "ok"], need_more_facts: ["可能符合，还需确认", "ask"] };

  function sourceLabels(sources, limit) {
    const labels = [];
    for (const source of sources || []) {
      const label = sourceText(source);
      if (label && labels.indexOf(label) < 0) labels.push(label);
    }
    return labels.slice(0, limit || 2).join("；");
  }

  function packageSection(card, title, testid) {
    const section = el("section", { className: "package-section", "data-testid": testid });
    section.appendChild(el("h5", { className: "package-section-title", text: title }));
    card.appendChild(section);
    return section;
  }

  function dateText(iso) {
    const parts = String(iso || "").split("-");
    return parts.length === 3 ? Number(parts[1]) + "月" + Number(parts[2]) + "日" : String(iso || "");
  }

  /** The package as a card: who it is for, the services and benefits, vacancies, training,
   * service points, documents and the follow-up dates; every item names its source. */
  function renderPackage(pkg) {
    const box = el("section", { className: "cards", "data-testid": "package", "aria-label": "就业服务包" });
    const card = el("article", { className: "card package", "data-testid": "package-card" });
    if (pkg.id !== null && pkg.id !== undefined) card.dataset.packageId = String(pkg.id);
    card.appendChild(
      el("h4", { className: "card-title", "data-testid": "package-title", text: "您的就业服务包" + (pkg.id ? "（编号 " + pkg.id + "）" : "") })
    );
    const profile = pkg.profile || {};
    const who = el("dl", { className: "facts" });
    const groups = (profile.key_groups || []).map((m) => m.label).filter(Boolean);
    addFact(who, "重点群体", groups.length ? groups.join("、") : "暂未识别");
    const wishes = profile.wishes || {};
    const wish = [
      wishes.occupation ? "想找：" + wishes.occupation : "",
      wishes.district ? "地点：" + wishes.district : wishes.near_me ? "离家近" : "",
      wishes.salary_min ? "月薪 " + wishes.salary_min + " 元以上" : "",
    ].filter(Boolean);
    addFact(who, "求职意向", wish.length ? wish.join("；") : "还没说");
    card.appendChild(who);

    if ((pkg.needs || []).length) {
      const list = el("ul", { className: "outputs" });
      for (const need of pkg.needs) {
        const source = sourceLabels([need.source], 1);
        list.appendChild(
          el("li", { "data-testid": "package-need" }, el("strong", { text: need.label + "：" }), need.reason || "",
            source ? el("span", { className: "source", text: "依据：" + source }) : null)
        );
      }
      packageSection(card, "您需要的服务", "package-needs").appendChild(list);
    }
    if ((pkg.benefits || []).length) {
      const section = packageSection(card, "可以申请的补贴和待遇", "package-benefits");
      for (const benefit of pkg.benefits) {
        const [label, tone] = BENEFIT_STATUS[benefit.status] || [benefit.status || "", "plain"];
        const item = el("div", { className: "package-item", "data-testid": "package-benefit" });
        item.appendChild(
          el("p", { className: "package-item-title" }, el("strong", { text: benefit.title || benefit.policy_id }), " ",
            el("span", { className: "badge badge-" + tone, text: label }))
        );
        const list = el("ul", { className: "outputs" });
        for (const amount of benefit.amounts || []) list.appendChild(el("li", { text: amount }));
        if ((benefit.missing || []).length) list.appendChild(el("li", { text: "还需确认：" + benefit.missing.join("、") }));
        if (benefit.apply && benefit.apply.where) list.appendChild(el("li", { text: "怎么申请：" + benefit.apply.where }));
        const source = sourceLabels(benefit.sources);
        if (source) list.appendChild(el("li", { className: "source", text: "依据：" + source }));
        item.appendChild(list);
        section.appendChild(item);
      }
    }
    if ((pkg.vacancies || []).length || pkg.vacancies_note) {
      const section = packageSection(card, "推荐岗位", "package-vacancies");
      if (pkg.vacancies_note) section.appendChild(el("p", { className: "note", "data-testid": "package-vacancies-note", text: pkg.vacancies_note }));
      const list = el("ul", { className: "outputs" });
      for (const entry of pkg.vacancies) {
        const v = entry.vacancy || {};
        const line = [v.title, v.employer, v.salary, v.place].filter(Boolean).join("｜");
        const li = el("li", { "data-testid": "package-vacancy" }, line);
        const url = J.safeUrl(v.url);
        if (url) li.appendChild(el("a", { href: url, target: "_blank", rel: "noopener noreferrer", text: " 查看" }));
        if (entry.source) li.appendChild(el("span", { className: "note", text: "来源：" + entry.source }));
        list.appendChild(li);
      }
      if (list.childNodes.length) section.appendChild(list);
    }
    if ((pkg.training || []).length) {
      const list = el("ul", { className: "outputs" });
      for (const training of pkg.training) {
        const li = el("li", null, el("strong", { text: training.title + "：" }), training.detail || "");
        if (training.where) li.appendChild(el("span", { className: "note", text: "报名：" + training.where }));
        list.appendChild(li);
      }
      packageSection(card, "培训和技能提升", "package-training").appendChild(list);
    }
    if ((pkg.service_points || []).length) {
      const list = el("ul", { className: "outputs" });
      for (const hit of pkg.service_points) {
        const point = hit.point || hit;
        let near = "";
        if (typeof hit.walking_minutes === "number") near = "，步行约 " + hit.walking_minutes + " 分钟";
        list.appendChild(el("li", { "data-testid": "package-point" }, el("strong", { text: point.name || "服务网点" }), "：" + (point.address || "") + near));
      }
      packageSection(card, "就近办理（15分钟就业服务圈）", "package-points").appendChild(list);
    }
    if ((pkg.documents || []).length) {
      const list = el("ul", { className: "outputs" });
      for (const doc of pkg.documents) {
        list.appendChild(el("li", { text: doc.name + ((doc.needed_for || []).length ? "（" + doc.needed_for.join("、") + "）" : "") }));
      }
      packageSection(card, "需要带的材料", "package-documents").appendChild(list);
    }
    if ((pkg.follow_up_dates || []).length) {
      packageSection(card, "跟踪回访", "package-follow-ups").appendChild(
        el("p", { className: "small", text: "我会在" + pkg.follow_up_dates.map(dateText).join("和") + "问问您的进展。" })
      );
    }
    box.appendChild(card);
    return box;
  }

  // -- quick replies ------------------------------------------------------------------------

  function renderQuestions(questions) {
    J.clear(nodes.chips);
    const question = questions.find((q) => q.type === "bool" || (q.type === "enum" && q.values));
    if (!question) return;
    nodes.chips.appendChild(el("span", { className: "chips-label", text: question.label || question.question || "" }));
    let options;
    if (question.type === "bool") options = ["是", "否"];
    else options = Object.values(question.values).slice(0, 12);
    for (const option of options) {
      nodes.chips.appendChild(
        el("button", { type: "button", className: "chip", "data-testid": "quick-reply", text: option, onclick: () => send(option) })
      );
    }
  }

  // -- hand-off -----------------------------------------------------------------------------

  function showHandoff(id) {
    if (state.handoffId !== id) state.caseworkerJoined = false;
    state.handoffId = id;
    nodes.banner.textContent = state.caseworkerJoined
      ? "人工客服已接入（工单 " + id + "），请直接在下方留言。"
      : "已为您转接人工客服（工单 " + id + "），请稍候…";
    nodes.banner.dataset.ticket = String(id);
    nodes.banner.hidden = false;
  }

  function hideHandoff() {
    state.handoffId = null;
    state.caseworkerJoined = false;
    nodes.banner.hidden = true;
    nodes.banner.textContent = "";
    delete nodes.banner.dataset.ticket;
  }

  /** Shows the newest message: the page scrolled to its end, where the composer (which
   * sticks to the bottom of the window) sits below the messages rather than over them. */
  function scrollToEnd() {
    const root = document.scrollingElement || document.documentElement;
    window.scrollTo(0, root.scrollHeight);
  }

  // Whatever is scrolled into view (a source opened from its marker) stays clear of the
  // composer stuck to the bottom of the window.
  const composer = nodes.form.closest("footer");
  function keepClearOfComposer() {
    if (composer) document.documentElement.style.scrollPaddingBottom = composer.offsetHeight + "px";
  }
  keepClearOfComposer();
  if (composer && window.ResizeObserver) new ResizeObserver(keepClearOfComposer).observe(composer);

  window.setInterval(() => {
    if (state.sessionId && state.handoffId !== null && !state.busy && !document.hidden) queueSync();
  }, POLL_HANDOFF_MS);

  document.addEventListener("visibilitychange", () => {
    if (!document.hidden && state.sessionId && !state.busy) queueSync();
  });

  /** Asks the server for a due package follow-up; the question lands in the transcript. */
  async function askDueFollowUp() {
    let due;
    try {
      due = await J.api("/v1/follow-ups");
    } catch (exc) {
      return; // no follow-up now; the assistant asks it with the next reply instead
    }
    if (!due || !due.question) return;
    if (due.session_id && due.session_id !== state.sessionId) {
      if (state.sessionId) resetTranscript();
      state.sessionId = due.session_id;
      safeSet(STORE, "jiuye.session", state.sessionId);
    }
    await queueSync();
    scrollToEnd();
  }

  if (state.sessionId) queueSync();
  askDueFollowUp();
})();
