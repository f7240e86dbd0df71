/* Caseworker console (/console): the hand-off queue, one ticket's situation and transcript,
 * and claim / reply / close; and the people whose package follow-up shows no progress
 * ("无进展"), each with a button that opens a hand-off ticket for them ("转人工跟进").
 *
 * The queue and the selected ticket are refreshed every few seconds. Queue entries are
 * updated in place (keyed by ticket id) so a refresh never replaces what is being clicked.
 */
"use strict";

(function () {
  const J = window.Jiuye;
  const el = J.el;
  const REFRESH_MS = 3000;
  const NO_PROGRESS_REFRESH_MS = 30000;

  const $ = (id) => document.getElementById(id);
  const nodes = {
    me: $("me"),
    logout: $("logout"),
    queue: $("queue"),
    queueStatus: $("queue-status"),
    queueError: $("queue-error"),
    queueEmpty: $("queue-empty"),
    panel: $("detail-panel"),
    title: $("detail-title"),
    placeholder: $("detail-placeholder"),
    detail: $("detail"),
    meta: $("detail-meta"),
    status: $("detail-status"),
    summary: $("detail-summary"),
    facts: $("detail-facts"),
    factsEmpty: $("detail-facts-empty"),
    transcript: $("detail-transcript"),
    error: $("detail-error"),
    notice: $("detail-notice"),
    claim: $("claim"),
    replyForm: $("reply-form"),
    replyText: $("reply-text"),
    replySend: $("reply-send"),
    closeForm: $("close-form"),
    closeNote: $("close-note"),
    close: $("close"),
    adminLink: $("admin-link"),
    noProgress: $("no-progress"),
    noProgressError: $("no-progress-error"),
    noProgressNotice: $("no-progress-notice"),
    noProgressEmpty: $("no-progress-empty"),
  };

  const state = {
    me: null,
    selectedId: null,
    ticket: null,
    items: new Map(), // ticket id -> queue <li>
    transcriptKey: "",
    busy: false,
    queueSeq: 0,
    detailSeq: 0,
    ticketShownOnce: false,
    noProgressSeq: 0,
    handingOver: false,
  };

  const CHANNELS = {
    web: "网页",
    wechat: "微信公众号",
    wecom: "企业微信",
    hotline: "热线",
    rasa: "Rasa",
    cli: "命令行",
    api: "接口",
  };
  const ROLES = { job_seeker: "求职者", employer: "用人单位", agent: "热线坐席" };
  const SENDERS = { user: "用户", assistant: "就业助手", caseworker: "人工客服", system: "系统" };
  const REASONS = {
    user_request: "用户要求转人工",
    low_confidence: "助手没有把握",
    repeated_failure: "多次未能解答",
    complaint: "投诉",
    sensitive: "敏感情况",
    policy_exception: "政策例外情况",
    no_progress: "服务包回访无进展",
  };

  function statusText(ticket) {
    if (ticket.status === "open") return "待认领";
    if (ticket.status === "claimed") return "已认领" + (ticket.claimed_by ? "（" + ticket.claimed_by + "）" : "");
    if (ticket.status === "closed") return "已结束";
    return ticket.status || "";
  }

  function reasonText(ticket) {
    return ticket.reason_label || REASONS[ticket.reason] || ticket.reason || "转人工";
  }

  function mine(ticket) {
    return Boolean(ticket && ticket.claimed_by && state.me && ticket.claimed_by === state.me.name);
  }

  // -- the queue ----------------------------------------------------------------------------

  /** Reads the queue; only the newest request's answer is shown. */
  async function loadQueue() {
    const sequence = ++state.queueSeq;
    try {
      const tickets = await J.api("/v1/handoffs");
      if (sequence !== state.queueSeq) return;
      J.showMessage(nodes.queueError, "");
      renderQueue(Array.isArray(tickets) ? tickets : []);
    } catch (exc) {
      if (sequence !== state.queueSeq) return;
      if (exc.status === 401) {
        J.toLogin();
        return;
      }
      J.showMessage(nodes.queueError, exc.message);
    }
  }

  function renderQueue(tickets) {
    const seen = new Set();
    for (const ticket of tickets) {
      seen.add(ticket.id);
      let item = state.items.get(ticket.id);
      if (!item) {
        item = makeQueueItem(ticket.id);
        state.items.set(ticket.id, item);
      }
      updateQueueItem(item, ticket);
      nodes.queue.appendChild(item); // moves an existing item into queue order
    }
    for (const [id, item] of state.items) {
      if (!seen.has(id)) {
        item.remove();
        state.items.delete(id);
      }
    }
    nodes.queueEmpty.hidden = tickets.length > 0;
    const open = tickets.filter((t) => t.status === "open").length;
    nodes.queueStatus.textContent =
      "共 " + tickets.length + " 个工单，" + open + " 个待认领 · 更新于 " + J.timeText(new Date().toISOString());
  }

  function makeQueueItem(id) {
    const button = el("button", {
      type: "button",
      className: "ticket",
      "data-testid": "ticket",
      "data-ticket-id": id,
      onclick: () => select(id),
    });
    button.appendChild(el("span", { className: "ticket-title" }));
    button.appendChild(el("span", { className: "ticket-summary small" }));
    button.appendChild(el("span", { className: "ticket-meta" }));
    return el("li", { "data-ticket-id": id }, button);
  }

  function updateQueueItem(item, ticket) {
    const button = item.firstElementChild;
    const [title, summary, meta] = button.children;
    title.textContent = "工单 " + ticket.id + " · " + reasonText(ticket);
    summary.textContent = ticket.summary || "";
    J.clear(meta);
    meta.appendChild(el("span", { "data-testid": "ticket-waiting", text: J.waitingText(ticket.waiting_seconds) }));
    meta.appendChild(el("span", { text: CHANNELS[ticket.channel] || ticket.channel || "" }));
    if (ticket.region) meta.appendChild(el("span", { text: J.regionName(ticket.region) }));
    meta.appendChild(
      el("span", {
        className: "badge " + (ticket.status === "open" ? "badge-ask" : "badge-human"),
        "data-testid": "ticket-status",
        text: statusText(ticket),
      })
    );
    button.setAttribute("aria-current", ticket.id === state.selectedId ? "true" : "false");
    button.setAttribute("aria-label", "工单 " + ticket.id + "，" + reasonText(ticket) + "，" + statusText(ticket) + "，" + J.waitingText(ticket.waiting_seconds));
  }

  // -- one ticket ---------------------------------------------------------------------------

  function select(id) {
    if (state.selectedId !== id) {
      state.selectedId = id;
      state.ticket = null;
      state.transcriptKey = "";
      state.ticketShownOnce = false;
      J.clear(nodes.transcript);
      J.showMessage(nodes.error, "");
      J.showMessage(nodes.notice, "");
      nodes.replyText.value = "";
      nodes.closeNote.value = "";
    }
    for (const [key, item] of state.items) {
      item.firstElementChild.setAttribute("aria-current", key === id ? "true" : "false");
    }
    loadDetail().then(() => {
      if (window.matchMedia && !window.matchMedia("(min-width: 960px)").matches) {
        nodes.panel.scrollIntoView({ block: "start" });
      }
      nodes.panel.focus({ preventScroll: true });
    });
  }

  /** Reads the selected ticket; only the newest request's answer is shown. */
  async function loadDetail() {
    const id = state.selectedId;
    if (id === null) return;
    const sequence = ++state.detailSeq;
    try {
      const ticket = await J.api("/v1/handoffs/" + encodeURIComponent(id));
      if (sequence === state.detailSeq && id === state.selectedId) renderDetail(ticket);
    } catch (exc) {
      if (sequence !== state.detailSeq || id !== state.selectedId) return;
      if (exc.status === 401) {
        J.toLogin();
        return;
      }
      J.showMessage(nodes.error, exc.message);
    }
  }

  function renderDetail(ticket) {
    state.ticket = ticket;
    nodes.placeholder.hidden = true;
    nodes.detail.hidden = false;
    nodes.title.textContent = "工单 " + ticket.id + " · " + reasonText(ticket);

    J.clear(nodes.meta);
    const parts = [
      CHANNELS[ticket.channel] || ticket.channel,
      ROLES[ticket.role] || ticket.role,
      ticket.region ? J.regionName(ticket.region) : null,
      ticket.status !== "closed" && ticket.waiting_seconds !== undefined ? J.waitingText(ticket.waiting_seconds) : null,
      ticket.created_at ? "创建于 " + new Date(ticket.created_at).toLocaleString("zh-CN") : null,
    ];
    nodes.meta.textContent = parts.filter(Boolean).join(" · ");
    J.clear(nodes.status);
    nodes.status.appendChild(
      el("span", {
        className: "badge " + (ticket.status === "open" ? "badge-ask" : ticket.status === "closed" ? "badge-plain" : "badge-human"),
        "data-testid": "detail-status-badge",
        text: statusText(ticket),
      })
    );
    nodes.summary.textContent = ticket.summary || "—";

    // The facts by the fact vocabulary's labels and values, as the server words them.
    J.clear(nodes.facts);
    const shown = Array.isArray(ticket.facts_shown) ? ticket.facts_shown : [];
    for (const fact of shown) {
      nodes.facts.appendChild(el("dt", { "data-testid": "fact-label", "data-fact": fact.name || "", text: fact.label }));
      nodes.facts.appendChild(el("dd", { "data-testid": "fact-value", text: fact.value }));
    }
    nodes.factsEmpty.hidden = shown.length > 0;

    renderTranscript(ticket.transcript || []);

    const closed = ticket.status === "closed";
    nodes.claim.hidden = closed || mine(ticket);
    nodes.claim.disabled = state.busy;
    nodes.claim.textContent = ticket.status === "claimed" && !mine(ticket) ? "认领（改由我处理）" : "认领";
    nodes.replyForm.hidden = closed;
    nodes.closeForm.hidden = closed;
    nodes.replySend.disabled = state.busy;
    nodes.close.disabled = state.busy;
  }

  function renderTranscript(messages) {
    const last = messages[messages.length - 1];
    const key = messages.length + "|" + (last ? last.created_at + last.text : "");
    if (key === state.transcriptKey) return;
    state.transcriptKey = key;
    const list = nodes.transcript;
    const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
    J.clear(list);
    for (const message of messages) {
      const sender = SENDERS[message.sender] ? message.sender : "system";
      list.appendChild(
        el(
          "li",
          { className: "from-" + sender, "data-testid": "transcript-message", "data-sender": sender },
          el("span", { className: "who", text: SENDERS[sender] + (message.created_at ? " · " + J.timeText(message.created_at) : "") }),
          message.text || ""
        )
      );
    }
    if (atBottom || !state.ticketShownOnce) list.scrollTop = list.scrollHeight;
    state.ticketShownOnce = true;
  }

  // -- actions ------------------------------------------------------------------------------

  async function act(path, body, doneMessage) {
    const id = state.selectedId;
    if (id === null || state.busy) return null;
    state.busy = true;
    for (const button of [nodes.claim, nodes.replySend, nodes.close]) button.disabled = true;
    J.showMessage(nodes.error, "");
    J.showMessage(nodes.notice, "");
    try {
      const result = await J.api("/v1/handoffs/" + encodeURIComponent(id) + path, { method: "POST", body: body });
      if (doneMessage) J.showMessage(nodes.notice, typeof doneMessage === "function" ? doneMessage(result) : doneMessage);
      return result;
    } catch (exc) {
      if (exc.status === 401) J.toLogin();
      J.showMessage(nodes.error, exc.message);
      return null;
    } finally {
      state.busy = false;
      for (const button of [nodes.claim, nodes.replySend, nodes.close]) button.disabled = false;
      await Promise.all([loadDetail(), loadQueue()]);
    }
  }

  nodes.claim.addEventListener("click", () => act("/claim", undefined, "已认领，请回复用户。"));

  nodes.replyForm.addEventListener("submit", (event) => {
    event.preventDefault();
    sendReply();
  });
  nodes.replyText.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      sendReply();
    }
  });

  async function sendReply() {
    const text = nodes.replyText.value.trim();
    if (!text) {
      J.showMessage(nodes.error, "请输入回复内容。");
      nodes.replyText.focus();
      return;
    }
    const result = await act("/reply", { text: text }, (r) =>
      r && r.delivered === false
        ? "回复已保存，但未能即时送达用户（" + (CHANNELS[r.channel] || r.channel || "") + "），用户下次打开对话时可以看到。"
        : "已发送。"
    );
    if (result) nodes.replyText.value = "";
  }

  nodes.closeForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const note = nodes.closeNote.value.trim();
    const result = await act("/close", { note: note || null }, "会话已结束。");
    if (result) nodes.closeNote.value = "";
  });

  // -- no progress (跟踪问效) ---------------------------------------------------------------

  /** Reads the people whose follow-up shows no progress; only the newest answer is shown. */
  async function loadNoProgress() {
    const sequence = ++state.noProgressSeq;
    try {
      const entries = await J.api("/v1/follow-ups/no-progress");
      if (sequence !== state.noProgressSeq || state.handingOver) return;
      J.showMessage(nodes.noProgressError, "");
      renderNoProgress(Array.isArray(entries) ? entries : []);
    } catch (exc) {
      if (sequence !== state.noProgressSeq) return;
      if (exc.status === 401) {
        J.toLogin();
        return;
      }
      J.showMessage(nodes.noProgressError, exc.message);
    }
  }

  function dayText(iso) {
    return iso ? new Date(iso).toLocaleDateString("zh-CN") : "";
  }

  function renderNoProgress(entries) {
    J.clear(nodes.noProgress);
    for (const entry of entries) {
      const groups = (entry.key_group_labels || []).join("、") || "未识别重点群体";
      const item = el("li", {
        className: "follow-up-entry",
        "data-testid": "no-progress-entry",
        "data-package-id": entry.package_id,
      });
      item.appendChild(
        el("span", { className: "entry-title", text: "服务包 " + entry.package_id + " · " + (entry.reason_label || entry.reason) })
      );
      item.appendChild(
        el(
          "span",
          { className: "entry-meta" },
          el("span", { text: groups }),
          el("span", { text: CHANNELS[entry.channel] || entry.channel || "" }),
          el("span", { text: "发放于 " + dayText(entry.issued_at) }),
          entry.asked_at ? el("span", { text: "回访于 " + dayText(entry.asked_at) }) : null
        )
      );
      item.appendChild(
        el("span", { className: "small", "data-testid": "no-progress-answer", text: entry.answer ? "用户答复：" + entry.answer : "用户尚未答复回访" })
      );
      item.appendChild(
        el("button", {
          type: "button",
          "data-testid": "follow-up-ticket",
          "aria-label": "服务包 " + entry.package_id + " 转人工跟进",
          text: "转人工跟进",
          onclick: (event) => handOver(entry.package_id, event.currentTarget),
        })
      );
      nodes.noProgress.appendChild(item);
    }
    nodes.noProgressEmpty.hidden = entries.length > 0;
  }

  /** Opens a hand-off ticket for the package and shows it in the queue and the detail. */
  async function handOver(packageId, button) {
    if (state.handingOver) return;
    state.handingOver = true;
    button.disabled = true;
    J.showMessage(nodes.noProgressError, "");
    J.showMessage(nodes.noProgressNotice, "");
    let ticket = null;
    try {
      ticket = await J.api("/v1/packages/" + encodeURIComponent(packageId) + "/ticket", { method: "POST" });
      J.showMessage(nodes.noProgressNotice, "已转人工跟进：服务包 " + packageId + " → 工单 " + ticket.id + "。");
    } catch (exc) {
      if (exc.status === 401) J.toLogin();
      J.showMessage(nodes.noProgressError, exc.message);
      button.disabled = false;
    } finally {
      state.handingOver = false;
    }
    await Promise.all([loadNoProgress(), loadQueue()]);
    if (ticket) select(ticket.id);
  }

  // -- start --------------------------------------------------------------------------------

  J.setupAccount(nodes.me, nodes.logout)
    .then((me) => {
      state.me = me;
      if (me && me.role === "admin") nodes.adminLink.hidden = false;
      if (state.ticket) renderDetail(state.ticket);
    })
    .catch((exc) => {
      if (exc.status === 401) J.toLogin();
    });

  loadQueue();
  loadNoProgress();
  window.setInterval(() => {
    if (!document.hidden) loadNoProgress();
  }, NO_PROGRESS_REFRESH_MS);
  window.setInterval(() => {
    if (document.hidden) return;
    loadQueue();
    if (state.selectedId !== null && !state.busy) loadDetail();
  }, REFRESH_MS);
})();
